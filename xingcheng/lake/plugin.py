"""The lake registers itself through the same hooks a third-party scene would use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from xingcheng.core.hookspecs import hookimpl
from xingcheng.core.i18n import load_builtin
from xingcheng.core.permissions import Permission
from xingcheng.lake import api, views
from xingcheng.lake import repository as repo
from xingcheng.lake.permissions import PERMISSIONS, VIEW


@hookimpl
def xingcheng_models() -> list[str]:
    return ["xingcheng.lake.models"]


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
    return load_builtin("xingcheng.lake")


@hookimpl
def xingcheng_nav_items() -> list[dict[str, Any]]:
    return [{"label_key": "nav.lake", "href": "/lake", "permission": VIEW, "order": 40}]


@hookimpl
def xingcheng_commands(app: typer.Typer) -> None:
    from xingcheng.lake.cli import ingest, lake_app

    app.command("ingest")(ingest)
    app.add_typer(lake_app, name="lake")


@hookimpl
def xingcheng_pillar_items(session: Any, principal: Any) -> list[dict[str, Any]]:
    del principal
    return [
        {
            "pillar": "platform",
            "label_key": "pillar.platform.lake_versions",
            "value": repo.count_versions(session),
            "href": "/lake",
        },
        {"pillar": "platform", "label_key": "pillar.platform.lake_rows", "value": repo.sum_rows_latest(session)},
    ]


@hookimpl(trylast=True)
def xingcheng_demo_build(context: Any) -> None:
    # trylast, registered after the ledger: runs after identity and the ledger (its resources must exist).
    from xingcheng.lake.demo import build

    build(context)
