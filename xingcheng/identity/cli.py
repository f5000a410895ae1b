"""``xingcheng users …``: manage staff accounts from the command line."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xingcheng.core.permissions import Role
from xingcheng.identity import repository as repo
from xingcheng.identity.schemas import UserCreate, UserUpdate

__all__ = ["users_app"]

users_app = typer.Typer(help="Staff accounts: list, create, set roles, reset passwords, unlock.", no_args_is_help=True)
console = Console()


def _hub():
    from xingcheng.cli.context import hub

    return hub()


@users_app.command("list")
def list_users(department: Annotated[str | None, typer.Option(help="Department code")] = None) -> None:
    """List staff accounts."""
    h = _hub()
    with h.db.session() as db:
        dept_id = None
        if department:
            dept = repo.department_by_code(db, department)
            if dept is None:
                raise typer.BadParameter(f"unknown department code: {department}")
            dept_id = dept.id
        table = Table("username", "name", "department", "roles", "active")
        names = {d.id: d.name for d in repo.list_departments(db)}
        for u in repo.list_users(db, dept_id):
            table.add_row(
                u.username,
                u.display_name,
                names[u.department_id],
                ",".join(sorted(r.role for r in u.roles)),
                "yes" if u.is_active else "no",
            )
    console.print(table)


@users_app.command("create")
def create_user(
    username: str,
    department: Annotated[str, typer.Option(help="Department code, e.g. gaj")],
    role: Annotated[list[Role], typer.Option(help="Role (repeat for several)")],
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    password: Annotated[str | None, typer.Option(help="Password (asked for when omitted)")] = None,
) -> None:
    """Create a staff account."""
    h = _hub()
    secret = password or getpass.getpass("Password: ")
    with h.db.session() as db:
        dept = repo.department_by_code(db, department)
        if dept is None:
            raise typer.BadParameter(f"unknown department code: {department}")
        user = h.identity.create_user(
            db,
            UserCreate(
                username=username, display_name=name or username, department_id=dept.id, roles=role, password=secret
            ),
        )
        console.print(f"created user {user.username} (id {user.id})")


@users_app.command("set-roles")
def set_roles(username: str, role: Annotated[list[Role], typer.Option(help="Role (repeat)")]) -> None:
    """Replace a user's roles."""
    h = _hub()
    with h.db.session() as db:
        user = _user(db, username)
        h.identity.update_user(db, user.id, UserUpdate(roles=role))
    console.print(f"{username}: {', '.join(r.value for r in role)}")


@users_app.command("set-password")
def set_password(username: str, password: Annotated[str | None, typer.Option()] = None) -> None:
    """Set a new password (also unlocks the account)."""
    h = _hub()
    secret = password or getpass.getpass("New password: ")
    with h.db.session() as db:
        h.identity.set_password(db, _user(db, username).id, secret)
    console.print(f"password changed for {username}")


@users_app.command("unlock")
def unlock(username: str) -> None:
    """Unlock an account locked after failed logins."""
    h = _hub()
    with h.db.session() as db:
        h.identity.update_user(db, _user(db, username).id, UserUpdate(is_active=True))
    console.print(f"{username} unlocked")


@users_app.command("deactivate")
def deactivate(username: str) -> None:
    """Deactivate an account: it can no longer log in."""
    h = _hub()
    with h.db.session() as db:
        h.identity.update_user(db, _user(db, username).id, UserUpdate(is_active=False))
    console.print(f"{username} deactivated")


def _user(db, username: str):
    user = repo.user_by_username(db, username)
    if user is None:
        raise typer.BadParameter(f"unknown user: {username}")
    return user
