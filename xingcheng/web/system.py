"""System routes under ``/-/`` (health, readiness, language, plugins) and Prometheus ``/metrics``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from xingcheng import __version__
from xingcheng.core.deps import LANG_COOKIE, requires
from xingcheng.core.hookspecs import hookimpl
from xingcheng.core.i18n import LANGUAGES
from xingcheng.core.migrate import current_revision, head_revision
from xingcheng.core.permissions import PUBLIC, Permission, Role

__all__ = ["router"]

SYSTEM_VIEW = "system.view"
router = APIRouter(tags=["system"])


@router.get("/-/health", dependencies=[requires(PUBLIC)])
def health() -> dict[str, str]:
    """The process is up (liveness)."""
    return {"status": "ok", "version": __version__}


@router.get("/-/ready", dependencies=[requires(PUBLIC)])
def ready(request: Request) -> Response:
    """The database answers and its schema is at the newest migration (readiness)."""
    checks: dict[str, Any] = {}
    engine = request.app.state.db.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        current, head = current_revision(engine), head_revision()
        checks["migrations"] = "ok" if current == head else "behind"
        checks["revision"] = current
    except Exception as exc:  # any failure to reach the database means "not ready"
        checks["database"] = f"unavailable ({type(exc).__name__})"
    ok = checks.get("database") == "ok" and checks.get("migrations") == "ok"
    return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)


@router.get("/metrics", dependencies=[requires(PUBLIC)])
def metrics(request: Request) -> Response:
    """Prometheus metrics of this worker (no personal data: routes are templates, not raw paths)."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/-/lang/{lang}", dependencies=[requires(PUBLIC)])
def switch_language(request: Request, lang: str, next: str = "/") -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/-/plugins", dependencies=[requires(SYSTEM_VIEW)])
def plugins(request: Request) -> list[dict[str, Any]]:
    """The plugins loaded, with the hooks each implements (Datasette's /-/plugins)."""
    pm = request.app.state.pm
    return [
        {"name": name, "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or [])}
        for name, plugin in pm.list_name_plugin()
    ]


@router.get("/-/permissions", dependencies=[requires(SYSTEM_VIEW)])
def permissions(request: Request) -> list[dict[str, Any]]:
    """Every declared permission and the built-in roles that hold it."""
    return [
        {"name": p.name, "roles": sorted(p.roles | {Role.PLATFORM_ADMIN})} for p in request.app.state.permissions.all()
    ]


@hookimpl
def xingcheng_routers() -> list[APIRouter]:
    return [router]


@hookimpl
def xingcheng_permissions() -> list[Permission]:
    return [Permission(SYSTEM_VIEW, "perm.system.view", frozenset({Role.PLATFORM_ADMIN}))]
