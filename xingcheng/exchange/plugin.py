"""The exchange registers itself through the same hooks a third-party scene would use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from xingcheng.core.hookspecs import hookimpl
from xingcheng.core.i18n import load_builtin
from xingcheng.core.permissions import Permission
from xingcheng.exchange.permissions import PERMISSIONS, SERVICE_VIEW


@hookimpl
def xingcheng_models() -> list[str]:
    return ["xingcheng.exchange.models"]


@hookimpl
def xingcheng_routers() -> list[Any]:
    from xingcheng.exchange import api, views

    return [api.gateway_router, api.router, views.router]


@hookimpl
def xingcheng_permissions() -> list[Permission]:
    return PERMISSIONS


@hookimpl
def xingcheng_template_dirs() -> list[str]:
    return [str(Path(__file__).parent / "templates")]


@hookimpl
def xingcheng_translations() -> dict[str, dict[str, str]]:
    return load_builtin("xingcheng.exchange")


@hookimpl
def xingcheng_nav_items() -> list[dict[str, Any]]:
    return [{"label_key": "nav.exchange", "href": "/exchange", "permission": SERVICE_VIEW, "order": 40}]


@hookimpl
def xingcheng_commands(app: typer.Typer) -> None:
    from xingcheng.exchange.cli import audit_app, exchange_app

    app.add_typer(exchange_app, name="exchange")
    app.add_typer(audit_app, name="audit")


@hookimpl
def xingcheng_pillar_items(session: Any, principal: Any) -> list[dict[str, Any]]:
    from xingcheng.exchange import repository as repo
    from xingcheng.exchange.models import AuditState

    state = session.get(AuditState, 1)
    return [
        {
            "pillar": "platform",
            "label_key": "pillar.platform.services",
            "value": repo.count_services(session),
            "href": "/exchange",
        },
        {"pillar": "platform", "label_key": "pillar.platform.calls", "value": state.size if state else 0},
    ]


@hookimpl(trylast=True)
def xingcheng_demo_build(context: Any) -> None:
    # trylast and registered after the ledger and the lake: their resources and data must exist first.
    from xingcheng.exchange.demo import build

    build(context)


@hookimpl
def xingcheng_subscribe(events: Any, app: Any) -> None:
    # Every served read of a registry record is audited — with the grant it was read under — before it is
    # served (fail-closed: the handler raises).
    from xingcheng.exchange.registry_access import audit_served
    from xingcheng.registries.reading import RegistryRead

    def audit_registry_read(event: RegistryRead) -> None:
        audit_served(app, event)

    events.subscribe(RegistryRead, audit_registry_read)


@hookimpl
def xingcheng_read_policy(app: Any) -> Any:
    # The registries' records are read only under this department's grants (xingcheng.exchange.registry_access).
    from xingcheng.exchange.registry_access import RegistryAccess

    return RegistryAccess(app)
