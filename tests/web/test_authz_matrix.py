"""The authorisation matrix: every route × every kind of caller, anonymous included.

A caller whose roles do not hold the route's declared permission gets 401 (anonymous) or 403; a caller who
holds it never does. The routes are read from the app itself, so a new route is covered automatically.
"""

from __future__ import annotations

import re
import tempfile

import pytest
from fastapi.testclient import TestClient

from xingcheng.core.permissions import Role
from xingcheng.core.settings import load_settings
from xingcheng.identity.principal import Principal
from xingcheng.web.app import create_app
from xingcheng.web.routes import iter_routes

from matrix_params import PARAMS, MatrixContext
from support import login, login_citizen

FRAMEWORK_ROUTES = {"/api/openapi.json"}
CALLERS = ["anonymous", *[r.value for r in Role if r is not Role.CITIZEN], "citizen", "api_client"]


def _routes() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(load_settings(data_dir=tmp))
    out = []
    for route in iter_routes(app):
        if route.path in FRAMEWORK_ROUTES:
            continue
        for method in sorted(route.methods):
            out.append((method, route.path, route.permission or "<none>"))
    return out


ROUTES = _routes()


def _path(template: str, ctx: MatrixContext) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in PARAMS, f"add a value for path parameter {{{name}}} to tests/matrix_params.py"
        return str(PARAMS[name](ctx))

    return re.sub(r"\{(\w+)\}", value, template)


def _principal(app, caller: str) -> Principal:
    if caller == "anonymous":
        return app.state.anonymous
    roles = frozenset({Role.ANALYST} if caller == "api_client" else {Role(caller)})
    kind = "api_client" if caller == "api_client" else ("citizen" if caller == "citizen" else "user")
    return Principal(kind=kind, id=1, roles=roles, permissions=app.state.permissions.for_roles(roles))


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path", "permission"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_matrix(app, database, client: TestClient, cast, method: str, path: str, permission: str, caller: str) -> None:
    assert permission != "<none>", f"{method} {path} declares no permission"
    headers: dict[str, str] = {}
    if caller == "api_client":
        headers["X-API-Key"] = cast.api_key
    elif caller == "citizen":
        headers["X-CSRF-Token"] = login_citizen(client, app, cast.citizen_id)
    elif caller != "anonymous":
        headers["X-CSRF-Token"] = login(client, caller.replace("_", "-"))
    kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    url = _path(path, MatrixContext(app, database, cast))
    r = client.request(method, url, headers=headers, follow_redirects=False, **kwargs)
    allowed = _principal(app, caller).has(permission)
    if allowed:
        assert r.status_code not in (401, 403), f"{caller} refused {method} {path}: {r.text[:200]}"
        assert r.status_code < 500, r.text[:300]
    else:
        expected = 401 if caller == "anonymous" else 403
        assert r.status_code == expected, f"{caller} got {r.status_code} on {method} {path}"


def test_every_route_declares_a_known_permission(app) -> None:
    for method, path, permission in ROUTES:
        assert permission in app.state.permissions, f"{method} {path}: unknown permission {permission}"


def test_the_matrix_is_not_trivial(app) -> None:
    # Guard against a matrix that allows everything: most routes are closed to anonymous callers.
    closed = [r for r in ROUTES if not _principal(app, "anonymous").has(r[2])]
    assert len(closed) >= len(ROUTES) // 2
