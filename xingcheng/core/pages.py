"""Rendering pages: one Jinja2 environment per app, templates resolved most-specific first.

Every page gets the translator ``_``, the current principal, a CSRF token for its forms, the language
switch and the navigation that the principal may see.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.templating import Jinja2Templates

__all__ = ["render", "wants_html"]


def wants_html(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/-/", "/metrics")):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    principal: Any = None,
) -> HTMLResponse:
    app = request.app
    templates: Jinja2Templates = app.state.templates
    principal = principal or getattr(request.state, "principal", None) or app.state.anonymous
    auth = app.state.auth
    nav = [item for item in app.state.nav_items if principal.has(item.get("permission", "public"))]
    ctx = {
        "_": request.state.translator,
        "lang": request.state.translator.lang,
        "principal": principal,
        "csrf_token": auth.csrf_for(request, principal),
        "nav": nav,
        "settings": app.state.settings,
        "request_id": getattr(request.state, "request_id", ""),
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    auth.set_cookies(request, response)
    return response
