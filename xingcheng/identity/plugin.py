"""The identity domain registers itself through the same hooks a third-party scene would use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from xingcheng.core.hookspecs import hookimpl
from xingcheng.core.i18n import load_builtin
from xingcheng.core.permissions import Permission
from xingcheng.identity import api, views
from xingcheng.identity import repository as repo
from xingcheng.identity.permissions import DEPARTMENT_VIEW, PERMISSIONS


@hookimpl
def xingcheng_models() -> list[str]:
    return ["xingcheng.identity.models"]


@hookimpl
def xingcheng_routers() -> list[Any]:
    return [api.router, views.router]


@hookimpl
def xingcheng_permissions() -> list[Permission]:
    return PERMISSIONS


@hookimpl
def xingcheng_template_dirs() -> list[str]:
    return [str(Path(__file__).parent / "templates")]


@hookimpl
def xingcheng_translations() -> dict[str, dict[str, str]]:
    return load_builtin("xingcheng.identity")


@hookimpl
def xingcheng_nav_items() -> list[dict[str, Any]]:
    return [{"label_key": "nav.departments", "href": "/departments", "permission": DEPARTMENT_VIEW, "order": 20}]


@hookimpl
def xingcheng_commands(app: typer.Typer) -> None:
    from xingcheng.identity.cli import users_app

    app.add_typer(users_app, name="users")


@hookimpl
def xingcheng_pillar_items(session: Any, principal: Any) -> list[dict[str, Any]]:
    return [
        {
            "pillar": "support",
            "label_key": "pillar.support.departments",
            "value": repo.count_departments(session),
            "href": "/departments",
        },
        {"pillar": "support", "label_key": "pillar.support.staff", "value": repo.count_users(session)},
        {"pillar": "entry", "label_key": "pillar.entry.citizens", "value": repo.count_citizens(session)},
    ]


@hookimpl
def xingcheng_demo_build(context: Any) -> None:
    from xingcheng.identity.demo import build

    build(context)


@hookimpl
def xingcheng_demo_accounts(context: Any) -> list[dict[str, str]]:
    from xingcheng.identity.demo import accounts

    return accounts(context)
