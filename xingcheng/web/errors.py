"""The one renderer of errors: RFC 9457 problem+json for APIs, an HTML page for browsers.

Nothing of the input and no traceback goes out: validation errors name the field and the rule, and an
unexpected exception becomes a 500 that carries only the request id (the log has the exception type).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from xingcheng.core.errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
    XingchengError,
)
from xingcheng.core.i18n import Translator
from xingcheng.core.pages import render, wants_html

__all__ = ["install_error_handlers", "problem_body", "problem_response"]

log = logging.getLogger("xingcheng.error")

_STATUS_TO_ERROR: dict[int, type[XingchengError]] = {
    400: BadRequest,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
}


def problem_body(_: Translator, exc: XingchengError, request_id: str | None) -> dict[str, Any]:
    title = _(exc.title_key)
    detail = _(exc.detail_key, **exc.params) if exc.detail_key else title
    body: dict[str, Any] = {
        "type": f"urn:xingcheng:problem:{exc.code}",
        "title": title,
        "status": exc.status_code,
        "detail": detail,
        "instance": request_id,
        "code": exc.code,
    }
    if exc.errors:
        body["errors"] = [
            {**e, "message": _(e.get("message_key", "error.field_invalid"), **e.get("params", {}))} for e in exc.errors
        ]
    return body


def problem_response(_: Translator, exc: XingchengError, request_id: str | None) -> JSONResponse:
    return JSONResponse(
        problem_body(_, exc, request_id),
        status_code=exc.status_code,
        media_type="application/problem+json",
        headers=dict(exc.headers),
    )


def _problem(request: Request, exc: XingchengError) -> Response:
    body = problem_body(request.state.translator, exc, getattr(request.state, "request_id", None))
    if wants_html(request):
        return render(
            request,
            "error.html",
            {"problem": body},
            status_code=exc.status_code,
        )
    return problem_response(request.state.translator, exc, body["instance"])


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(XingchengError)
    async def _xingcheng_error(request: Request, exc: XingchengError) -> Response:
        return _problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        # Pydantic's own messages may echo the input ("input": …); we keep the location and the rule only.
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")),
                "code": err.get("type", "invalid"),
                "message_key": "error.field_invalid",
            }
            for err in exc.errors()
        ]
        return _problem(request, ValidationFailed(errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        cls = _STATUS_TO_ERROR.get(exc.status_code, BadRequest if exc.status_code < 500 else XingchengError)
        return _problem(request, cls())

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, exc: ClientDisconnect) -> Response:
        # The client closed the connection before its request was read: nobody is left to answer, and it is
        # not the server's error (load generators and phones on trains do it).
        log.info("client_disconnected")
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled", extra={"exc_type": type(exc).__name__})
        return _problem(request, XingchengError())
