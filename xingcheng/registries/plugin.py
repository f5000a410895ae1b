"""The registries register themselves through the same hooks a third-party scene would use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from xingcheng.core.hookspecs import hookimpl
from xingcheng.core.i18n import load_builtin
from xingcheng.core.permissions import Permission
from xingcheng.registries.permissions import PERMISSIONS, VIEW


@hookimpl
def xingcheng_models() -> list[str]:
    return ["xingcheng.registries.models"]


@hookimpl
def xingcheng_routers() -> list[Any]:
    from xingcheng.registries import api, views

    return [api.router, views.router]


@hookimpl
def xingcheng_permissions() -> list[Permission]:
    return PERMISSIONS


@hookimpl
def xingcheng_template_dirs() -> list[str]:
    return [str(Path(__file__).parent / "templates")]


@hookimpl
def xingcheng_translations() -> dict[str, dict[str, str]]:
    return load_builtin("xingcheng.registries")


@hookimpl
def xingcheng_nav_items() -> list[dict[str, Any]]:
    return [{"label_key": "registries.nav", "href": "/registries", "permission": VIEW, "order": 36}]


@hookimpl
def xingcheng_commands(app: typer.Typer) -> None:
    from xingcheng.registries.cli import registries_app

    app.add_typer(registries_app, name="registries")


@hookimpl
def xingcheng_pillar_items(session: Any, principal: Any) -> list[dict[str, Any]]:
    from xingcheng.registries import repository as repo
    from xingcheng.registries.models import Company, Issue, Person

    return [
        {
            "pillar": "platform",
            "label_key": "pillar.platform.registry_persons",
            "value": repo.count(session, Person, Person.state == "active"),
            "href": "/registries",
        },
        {
            "pillar": "platform",
            "label_key": "pillar.platform.registry_companies",
            "value": repo.count(session, Company, Company.state == "active"),
        },
        {
            "pillar": "platform",
            "label_key": "pillar.platform.registry_issues",
            "value": repo.count(session, Issue, Issue.status == "open"),
        },
    ]


@hookimpl(trylast=True)
def xingcheng_demo_build(context: Any) -> None:
    # trylast and registered after the lake: the departmental sources must be loaded first.
    from xingcheng.registries.demo import build

    build(context)
