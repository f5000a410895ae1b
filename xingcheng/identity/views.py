"""Pages of the identity domain: login, logout, departments, a department's page, the user's own page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from xingcheng.core.deps import SESSION_COOKIE, DbSession, requires
from xingcheng.core.errors import AccountLocked, NotAuthenticated, ValidationFailed
from xingcheng.core.pages import render
from xingcheng.core.permissions import AUTHENTICATED, PUBLIC, Role
from xingcheng.identity import permissions as P
from xingcheng.identity import repository as repo
from xingcheng.identity.api import ensure_department_scope
from xingcheng.identity.principal import Principal
from xingcheng.identity.schemas import ApiClientCreate

__all__ = ["router"]

router = APIRouter(tags=["identity pages"], include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    # Only same-site relative paths: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


class LoginForm(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    next: str | None = Field(None, max_length=500)


@router.get("/login", dependencies=[requires(PUBLIC)])
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "identity/login.html", {"next": _safe_next(next), "username": ""})


@router.post("/login", dependencies=[requires(PUBLIC)])
def login(request: Request, form: Annotated[LoginForm, Form()], db: DbSession) -> Response:
    svc = request.app.state.identity
    try:
        user = svc.authenticate(db, form.username, form.password)
    except (NotAuthenticated, AccountLocked) as exc:
        _ = request.state.translator
        return render(
            request,
            "identity/login.html",
            {
                "error": _(exc.detail_key or exc.title_key, **exc.params),
                "next": form.next,
                "username": form.username[:64],
            },
            status_code=exc.status_code,
        )
    token = svc.start_session(db, user=user)
    target = _safe_next(form.next) or f"/departments/{user.department_id}"
    response = RedirectResponse(target, status_code=303)
    request.app.state.auth.login_cookie(response, token)
    return response


@router.post("/logout", dependencies=[requires(AUTHENTICATED)])
def logout(request: Request, db: DbSession) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        request.app.state.identity.end_session(db, token)
    response = RedirectResponse("/", status_code=303)
    request.app.state.auth.logout_cookie(response)
    return response


@router.get("/me")
def me_page(request: Request, principal: Annotated[Principal, requires(AUTHENTICATED)]) -> Response:
    return render(request, "identity/me.html", {"permissions": sorted(principal.permissions)})


@router.get("/departments", dependencies=[requires(P.DEPARTMENT_VIEW)])
def departments_page(request: Request, db: DbSession) -> Response:
    departments = repo.list_departments(db)
    counts = {d.id: repo.count_users(db, d.id) for d in departments}
    return render(request, "identity/departments.html", {"departments": departments, "counts": counts})


def _department_context(request: Request, db: DbSession, department_id: int, principal: Principal) -> dict:
    svc = request.app.state.identity
    dept = svc.get_department(db, department_id)
    own = Role.PLATFORM_ADMIN in principal.roles or principal.department_id == dept.id
    clients = repo.list_clients(db, dept.id) if own and principal.has(P.CLIENT_VIEW) else []
    return {
        "page_path": f"/departments/{dept.id}",
        "department": dept,
        "users": repo.list_users(db, dept.id) if own and principal.has(P.USER_VIEW) else [],
        "user_count": repo.count_users(db, dept.id),
        "clients": clients,
        "keys": {c.id: repo.list_keys(db, c.id) for c in clients},
        "can_manage_clients": own and principal.has(P.CLIENT_MANAGE),
        "roles": [r.value for r in Role if r not in (Role.PLATFORM_ADMIN, Role.CITIZEN)],
    }


@router.get("/departments/{department_id}")
def department_page(
    request: Request,
    department_id: int,
    db: DbSession,
    principal: Annotated[Principal, requires(P.DEPARTMENT_VIEW)],
) -> Response:
    return render(request, "identity/department.html", _department_context(request, db, department_id, principal))


@router.post("/departments/{department_id}/clients")
def create_client_form(
    request: Request,
    department_id: int,
    db: DbSession,
    principal: Annotated[Principal, requires(P.CLIENT_MANAGE)],
    system_code: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=100)],
) -> Response:
    ensure_department_scope(principal, department_id)
    svc = request.app.state.identity
    try:
        data = ApiClientCreate(system_code=system_code, name=name)
    except ValueError:
        raise ValidationFailed(
            errors=[{"field": "system_code", "code": "pattern", "message_key": "identity.client.code_invalid"}]
        ) from None
    svc.create_client(db, department_id, data, principal)
    return RedirectResponse(f"/departments/{department_id}#clients", status_code=303)


@router.post("/clients/{client_id}/keys")
def issue_key_form(
    request: Request,
    client_id: int,
    db: DbSession,
    principal: Annotated[Principal, requires(P.CLIENT_MANAGE)],
) -> Response:
    svc = request.app.state.identity
    client = svc.get_client(db, client_id)
    ensure_department_scope(principal, client.department_id)
    issued = svc.issue_key(db, client_id)
    context = _department_context(request, db, client.department_id, principal)
    context["issued"] = {"client": client, "key": issued.plaintext, "expires_at": issued.key.expires_at}
    response = render(request, "identity/department.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/clients/{client_id}/keys/{key_id}/revoke")
def revoke_key_form(
    request: Request,
    client_id: int,
    key_id: int,
    db: DbSession,
    principal: Annotated[Principal, requires(P.CLIENT_MANAGE)],
) -> Response:
    svc = request.app.state.identity
    client = svc.get_client(db, client_id)
    ensure_department_scope(principal, client.department_id)
    svc.revoke_key(db, client_id, key_id)
    return RedirectResponse(f"/departments/{client.department_id}#clients", status_code=303)
