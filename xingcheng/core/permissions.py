"""Permissions and built-in roles.

Every route declares the one permission it needs (``PUBLIC`` included). Plugins declare their permissions
and which built-in roles hold them; the authorisation-matrix test walks every route against every role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["AUTHENTICATED", "PUBLIC", "Permission", "PermissionRegistry", "Role"]

PUBLIC = "public"
AUTHENTICATED = "authenticated"


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    DATA_ADMIN = "data_admin"
    APPROVER = "approver"
    ANALYST = "analyst"
    CASE_HANDLER = "case_handler"
    GRID_WORKER = "grid_worker"
    CITIZEN = "citizen"


STAFF_ROLES = tuple(r for r in Role if r is not Role.CITIZEN)


@dataclass(frozen=True, slots=True)
class Permission:
    name: str
    description_key: str
    roles: frozenset[Role] = field(default_factory=frozenset)


class PermissionRegistry:
    def __init__(self) -> None:
        self._perms: dict[str, Permission] = {}

    def add(self, perm: Permission) -> None:
        if perm.name in self._perms:
            raise ValueError(f"permission declared twice: {perm.name}")
        self._perms[perm.name] = perm

    def __contains__(self, name: str) -> bool:
        return name in (PUBLIC, AUTHENTICATED) or name in self._perms

    def all(self) -> list[Permission]:
        return sorted(self._perms.values(), key=lambda p: p.name)

    def for_roles(self, roles: frozenset[Role] | set[Role]) -> frozenset[str]:
        """Permissions held by anyone with these roles; the platform admin holds every one."""
        if Role.PLATFORM_ADMIN in roles:
            return frozenset(self._perms)
        return frozenset(p.name for p in self._perms.values() if p.roles & roles)
