"""The plugin hooks. Built-in domains implement them exactly as a third-party scene would.

Each hook has a one-line docstring; ``docs/plugins.md`` lists them (a test keeps the two in step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from xingcheng.core.permissions import Permission

hookspec = pluggy.HookspecMarker("xingcheng")
hookimpl = pluggy.HookimplMarker("xingcheng")

__all__ = ["hookimpl", "hookspec"]


@hookspec
def xingcheng_models() -> list[str]:
    """Module names whose import registers SQLAlchemy models with the shared metadata."""


@hookspec
def xingcheng_routers() -> list[APIRouter]:
    """Routers (pages and JSON APIs) to mount on the application."""


@hookspec
def xingcheng_commands(app: typer.Typer) -> None:
    """Add sub-commands to the `xingcheng` command line."""


@hookspec
def xingcheng_permissions() -> list[Permission]:
    """Permissions this plugin declares, each with the built-in roles that hold it."""


@hookspec
def xingcheng_template_dirs() -> list[str]:
    """Folders of Jinja2 templates this plugin provides."""


@hookspec
def xingcheng_translations() -> dict[str, dict[str, str]]:
    """Message catalogs: {language: {key: text}}."""


@hookspec
def xingcheng_nav_items() -> list[dict[str, Any]]:
    """Entries for the main navigation: {"label_key", "href", "permission", "order"}."""


@hookspec
def xingcheng_pillar_items(session: Any, principal: Any) -> list[dict[str, Any]]:
    """Figures for the home page's five pillars: {"pillar", "label_key", "value", "href"}."""


@hookspec
def xingcheng_demo_build(context: Any) -> None:
    """Add this plugin's part of the demo city (runs once, when the demo database is created)."""


@hookspec
def xingcheng_demo_accounts(context: Any) -> list[dict[str, str]]:
    """Accounts to print when the demo starts: {"username", "password", "role", "department"}."""


@hookspec
def xingcheng_subscribe(events: Any, app: Any) -> None:
    """Subscribe handlers to the app's domain event bus (``events.subscribe(EventType, handler)``)."""


@hookspec(firstresult=True)
def xingcheng_read_policy(app: Any) -> Any:
    """The policy that decides registry record reads (grants, masking, scope); kept as ``app.state.read_policy``."""
