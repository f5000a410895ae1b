"""Identity: departments (组织机构), staff accounts and roles, citizens, API clients, login sessions."""
