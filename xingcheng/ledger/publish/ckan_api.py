"""The CKAN Action API routes: ``/api/3/action/<name>`` and ``/api/action/<name>``, GET and POST.

Thin: read the key CKAN clients send, parse the parameters, call the action, wrap the result in CKAN's
envelope. Every error on these routes — including a refused key or a bad body — is rendered in CKAN's
envelope by ``CkanRoute``, never as problem+json, and nothing redirects.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import BadRequest, XingchengError
from xingcheng.core.permissions import PUBLIC
from xingcheng.ledger.publish.ckan import CkanContext, call_action
from xingcheng.ledger.publish.errors import ckan_type
from xingcheng.ledger.publish.hub import ckan_key, hub_info

__all__ = ["router"]

JSON_TYPE = "application/json;charset=utf-8"


def _help_url(request: Request) -> str:
    name = request.path_params.get("ckan_action", "")
    return f"{hub_info(request).url}/api/3/action/help_show?name={name}"


def ckan_error_response(request: Request, exc: XingchengError) -> Response:
    status, kind = ckan_type(exc)
    _ = request.state.translator
    error: dict[str, Any] = {"__type": kind, "message": _(exc.detail_key or exc.title_key, **exc.params)}
    if kind == "Not Found Error":
        error["message"] = _("publish.ckan.not_found_prefix") + ": " + error["message"]
    if kind == "Authorization Error":
        error["message"] = _("publish.ckan.access_denied") + ": " + error["message"]
    for item in exc.errors:
        key = str(item.get("field") or "__all__")
        error.setdefault(key, []).append(_(item.get("message_key", "error.field_invalid"), **item.get("params", {})))
    body = {"help": _help_url(request), "success": False, "error": error}
    return JSONResponse(body, status_code=status, media_type=JSON_TYPE)


class CkanRoute(APIRoute):
    """Renders every error of the route (dependencies included) in CKAN's envelope."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except XingchengError as exc:
                return ckan_error_response(request, exc)
            except RequestValidationError:
                return ckan_error_response(request, BadRequest("publish.ckan.bad_request"))

        return handler


router = APIRouter(route_class=CkanRoute, tags=["ckan"])


def _mixed(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            prev = out[key]
            out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[key] = value
    return out


async def _post_data(request: Request) -> dict[str, Any]:
    """The action's parameters from a POST: a JSON object, or (as CKAN accepts) a form."""
    raw = await request.body()
    if not raw.strip():
        return {}
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        if len(pairs) == 1 and pairs[0][1] in ("", "1"):
            raw = pairs[0][0].encode()
        else:
            return _mixed(pairs)
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadRequest("publish.ckan.json_error") from None
    if not isinstance(data, dict):
        raise BadRequest("publish.ckan.json_not_object")
    return data


def _get_data(request: Request) -> dict[str, Any]:
    return _mixed(list(request.query_params.multi_items()))


def _respond(request: Request, db: Any, principal: Any, data: dict[str, Any]) -> Response:
    data.pop("callback", None)  # no JSONP
    ctx = CkanContext(db=db, principal=principal, hub=hub_info(request), settings=request.app.state.settings)
    result = call_action(ctx, request.path_params["ckan_action"], data)
    return JSONResponse({"help": _help_url(request), "success": True, "result": result}, media_type=JSON_TYPE)


Principal = Annotated[Any, requires(PUBLIC)]
_KEY = [Depends(ckan_key)]


# The trailing-slash forms are routes too: CKAN clients post without following redirects.
@router.get("/api/3/action/{ckan_action}", dependencies=_KEY, name="ckan_action_get")
@router.get("/api/3/action/{ckan_action}/", dependencies=_KEY, include_in_schema=False)
@router.get("/api/action/{ckan_action}", dependencies=_KEY, name="ckan_action_get_unversioned")
@router.get("/api/action/{ckan_action}/", dependencies=_KEY, include_in_schema=False)
def ckan_get(ckan_action: str, request: Request, db: DbSession, principal: Principal) -> Response:
    """A CKAN action with its parameters in the query string."""
    del ckan_action
    return _respond(request, db, principal, _get_data(request))


@router.post("/api/3/action/{ckan_action}", dependencies=_KEY, name="ckan_action_post")
@router.post("/api/3/action/{ckan_action}/", dependencies=_KEY, include_in_schema=False)
@router.post("/api/action/{ckan_action}", dependencies=_KEY, name="ckan_action_post_unversioned")
@router.post("/api/action/{ckan_action}/", dependencies=_KEY, include_in_schema=False)
def ckan_post(
    ckan_action: str,
    request: Request,
    db: DbSession,
    principal: Principal,
    data: Annotated[dict[str, Any], Depends(_post_data)],
) -> Response:
    """A CKAN action with its parameters in a JSON body."""
    del ckan_action
    return _respond(request, db, principal, data)
