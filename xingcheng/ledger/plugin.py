"""The data ledger registers itself through the same hooks a third-party scene would use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from xingcheng.core.hookspecs import hookimpl
from xingcheng.core.i18n import load_builtin
from xingcheng.core.permissions import Permission
from xingcheng.ledger import api, views
from xingcheng.ledger import repository as repo
from xingcheng.ledger.models import Resource
from xingcheng.ledger.permissions import PERMISSIONS, RESOURCE_REVIEW, RESOURCE_VIEW


@hookimpl
def xingcheng_models() -> list[str]:
    return ["xingcheng.ledger.models"]


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
    return load_builtin("xingcheng.ledger")


@hookimpl
def xingcheng_nav_items() -> list[dict[str, Any]]:
    return [
        {"label_key": "ledger.nav.catalog", "href": "/ledger", "permission": RESOURCE_VIEW, "order": 30},
        {"label_key": "ledger.nav.dashboard", "href": "/ledger/dashboard", "permission": RESOURCE_VIEW, "order": 31},
        {"label_key": "ledger.nav.review", "href": "/ledger/review", "permission": RESOURCE_REVIEW, "order": 32},
    ]


@hookimpl
def xingcheng_commands(app: typer.Typer) -> None:
    from xingcheng.ledger.cli import ledger_app

    app.add_typer(ledger_app, name="ledger")


@hookimpl
def xingcheng_pillar_items(session: Any, principal: Any) -> list[dict[str, Any]]:
    del principal
    published = repo.count_resources(session, state="published")
    holders = repo.count_by(session, Resource.department_id, where=[Resource.state == "published"])
    departments = len([d for d in holders if d is not None])
    return [
        {
            "pillar": "ledger",
            "label_key": "pillar.ledger.resources",
            "value": repo.count_resources(session),
            "href": "/ledger",
        },
        {"pillar": "ledger", "label_key": "pillar.ledger.published", "value": published, "href": "/ledger"},
        {
            "pillar": "ledger",
            "label_key": "pillar.ledger.departments",
            "value": departments,
            "href": "/ledger/dashboard",
        },
    ]


@hookimpl(trylast=True)
def xingcheng_demo_build(context: Any) -> None:
    # trylast: the departments (identity) must exist first.
    from xingcheng.ledger.demo import build

    build(context)
