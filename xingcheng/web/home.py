"""The home page: the five "一" of the architecture and what each one holds today."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xingcheng.core.deps import DbSession, get_principal, requires
from xingcheng.core.hookspecs import hookimpl
from xingcheng.core.pages import render
from xingcheng.core.permissions import PUBLIC

__all__ = ["PILLARS", "router"]

# The five pillars (五个一) of the seeds' architecture, in their order.
PILLARS = ("base", "ledger", "platform", "support", "entry")

router = APIRouter(include_in_schema=False)


def _sources(request: Request) -> list[dict[str, Any]]:
    """Record counts the departments handed over, from the synthetic city's manifest (no personal data)."""
    manifest = request.app.state.settings.synth_dir / "manifest.json"
    if not manifest.exists():
        return []
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return [
        {
            "department": s.get("department", {}).get("name", ""),
            "resource": s.get("resource", ""),
            "records": s.get("records", 0),
            "format": s.get("format", ""),
        }
        for s in data.get("sources", [])
    ]


def _pillars(request: Request, db: Any) -> dict[str, list[dict[str, Any]]]:
    principal = get_principal(request, db)
    items: dict[str, list[dict[str, Any]]] = {p: [] for p in PILLARS}
    _ = request.state.translator
    for contribution in reversed(request.app.state.pm.hook.xingcheng_pillar_items(session=db, principal=principal)):
        for item in contribution:
            items.setdefault(item["pillar"], []).append({**item, "label": _(item["label_key"])})
    return items


@router.get("/", dependencies=[requires(PUBLIC)])
def home(request: Request, db: DbSession) -> Response:
    return render(
        request,
        "home.html",
        {"pillars": PILLARS, "items": _pillars(request, db), "sources": _sources(request)},
    )


@router.get("/api/home", dependencies=[requires(PUBLIC)])
def home_json(request: Request, db: DbSession) -> dict[str, Any]:
    """The JSON twin of the home page."""
    return {"pillars": _pillars(request, db), "sources": _sources(request)}


@hookimpl
def xingcheng_routers() -> list[APIRouter]:
    return [router]


@hookimpl
def xingcheng_pillar_items(session: Any, principal: Any) -> list[dict[str, Any]]:
    dialect = session.get_bind().dialect.name
    return [
        {"pillar": "base", "label_key": "pillar.base.database", "value": dialect},
    ]


@hookimpl
def xingcheng_nav_items() -> list[dict[str, Any]]:
    return [{"label_key": "nav.home", "href": "/", "permission": PUBLIC, "order": 0}]
