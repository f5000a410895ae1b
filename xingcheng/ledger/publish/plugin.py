"""Publishing the ledger (CKAN Action API, DCAT-AP 3.0) and federation, registered like any plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from xingcheng.core.hookspecs import hookimpl
from xingcheng.core.i18n import load_builtin
from xingcheng.core.permissions import Permission
from xingcheng.ledger.publish import api, ckan_api, views
from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish.permissions import HARVEST_VIEW, PERMISSIONS


@hookimpl
def xingcheng_models() -> list[str]:
    return ["xingcheng.ledger.publish.models"]


@hookimpl
def xingcheng_routers() -> list[Any]:
    return [ckan_api.router, api.router, views.router]


@hookimpl
def xingcheng_permissions() -> list[Permission]:
    return PERMISSIONS


@hookimpl
def xingcheng_template_dirs() -> list[str]:
    return [str(Path(__file__).parent / "templates")]


@hookimpl
def xingcheng_translations() -> dict[str, dict[str, str]]:
    return load_builtin("xingcheng.ledger.publish")


@hookimpl
def xingcheng_nav_items() -> list[dict[str, Any]]:
    return [{"label_key": "nav.federation", "href": "/ledger/federation", "permission": HARVEST_VIEW, "order": 34}]


@hookimpl(trylast=True)
def xingcheng_commands(app: typer.Typer) -> None:
    # After the ledger's own hook, so that our commands join its `ledger` group.
    from xingcheng.ledger.publish.cli import register

    register(app)


@hookimpl
def xingcheng_pillar_items(session: Any, principal: Any) -> list[dict[str, Any]]:
    del principal
    harvested = sum(repo.count_harvested(session).values())
    return [
        {
            "pillar": "ledger",
            "label_key": "pillar.ledger.harvested",
            "value": harvested,
            "href": "/ledger/federation",
        }
    ]


@hookimpl
def xingcheng_demo_build(context: Any) -> None:
    from xingcheng.ledger.publish.demo import build

    build(context)
