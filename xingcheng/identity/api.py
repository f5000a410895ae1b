"""JSON API of the identity domain (``/api/identity/…``). Thin: parse, call the service, shape the output."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from xingcheng.core.db import utcnow
from xingcheng.core.deps import SESSION_COOKIE, DbSession, requires
from xingcheng.core.errors import AccountLocked, NotAuthenticated, NotFound, PermissionDenied
from xingcheng.core.permissions import AUTHENTICATED, PUBLIC, Role
from xingcheng.identity import permissions as P
from xingcheng.identity import repository as repo
from xingcheng.identity.models import ApiClient, Citizen, User
from xingcheng.identity.principal import Principal
from xingcheng.identity.schemas import (
    ApiClientCreate,
    ApiClientOut,
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyOut,
    CitizenCreate,
    CitizenOut,
    DepartmentCreate,
    DepartmentOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from xingcheng.identity.service import IdentityService
from xingcheng.standards import masking

__all__ = ["router"]

router = APIRouter(prefix="/api/identity", tags=["identity"])


def _svc(request: Request) -> IdentityService:
    return request.app.state.identity


Svc = Annotated[IdentityService, Depends(_svc)]


def ensure_department_scope(principal: Principal, department_id: int) -> None:
    """Only the platform admin acts on other departments' users and clients."""
    if Role.PLATFORM_ADMIN not in principal.roles and principal.department_id != department_id:
        raise PermissionDenied("identity.scope.other_department")


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        department_id=user.department_id,
        roles=sorted(r.role for r in user.roles),
        is_active=user.is_active,
        locked=user.locked_until is not None and user.locked_until > utcnow(),
        last_login_at=user.last_login_at,
    )


def client_out(client: ApiClient) -> ApiClientOut:
    return ApiClientOut(
        id=client.id,
        department_id=client.department_id,
        system_code=client.system_code,
        name=client.name,
        roles=client.roles.split(","),
        is_active=client.is_active,
    )


def citizen_out(citizen: Citizen) -> CitizenOut:
    # Masked: no grant can lift masking here; unmasked reads will go through the exchange.
    return CitizenOut(
        id=citizen.id,
        id_number=masking.mask_id_number(citizen.id_number),
        name=masking.mask_name(citizen.name),
        phone=masking.mask_phone(citizen.phone) if citizen.phone else None,
        is_active=citizen.is_active,
    )


@router.get("/me")
def me(principal: Annotated[Principal, requires(AUTHENTICATED)]) -> dict[str, object]:
    return {
        "kind": principal.kind,
        "id": principal.id,
        "display_name": principal.display_name,
        "department_id": principal.department_id,
        "roles": sorted(principal.roles),
        "permissions": sorted(principal.permissions),
    }


@router.get("/departments", dependencies=[requires(P.DEPARTMENT_VIEW)])
def list_departments(db: DbSession) -> list[DepartmentOut]:
    return [DepartmentOut.model_validate(d) for d in repo.list_departments(db)]


@router.post("/departments", status_code=201, dependencies=[requires(P.DEPARTMENT_MANAGE)])
def create_department(data: DepartmentCreate, db: DbSession, svc: Svc) -> DepartmentOut:
    return DepartmentOut.model_validate(svc.create_department(db, data))


@router.get("/departments/{department_id}", dependencies=[requires(P.DEPARTMENT_VIEW)])
def get_department(department_id: int, db: DbSession, svc: Svc) -> DepartmentOut:
    return DepartmentOut.model_validate(svc.get_department(db, department_id))


@router.get("/users")
def list_users(
    db: DbSession, principal: Annotated[Principal, requires(P.USER_VIEW)], department_id: int | None = None
) -> list[UserOut]:
    if Role.PLATFORM_ADMIN not in principal.roles:
        department_id = principal.department_id
    return [user_out(u) for u in repo.list_users(db, department_id)]


@router.post("/users", status_code=201, dependencies=[requires(P.USER_MANAGE)])
def create_user(data: UserCreate, db: DbSession, svc: Svc) -> UserOut:
    return user_out(svc.create_user(db, data))


@router.get("/users/{user_id}")
def get_user(user_id: int, db: DbSession, svc: Svc, principal: Annotated[Principal, requires(P.USER_VIEW)]) -> UserOut:
    user = svc.get_user(db, user_id)
    ensure_department_scope(principal, user.department_id)
    return user_out(user)


@router.patch("/users/{user_id}", dependencies=[requires(P.USER_MANAGE)])
def update_user(user_id: int, data: UserUpdate, db: DbSession, svc: Svc) -> UserOut:
    return user_out(svc.update_user(db, user_id, data))


@router.post("/citizens", status_code=201, dependencies=[requires(PUBLIC)])
def register_citizen(data: CitizenCreate, db: DbSession, svc: Svc) -> CitizenOut:
    return citizen_out(svc.register_citizen(db, data))


@router.get("/citizens/{citizen_id}", dependencies=[requires(P.CITIZEN_VIEW)])
def get_citizen(citizen_id: int, db: DbSession) -> CitizenOut:
    citizen = db.get(Citizen, citizen_id)
    if citizen is None:
        raise NotFound("identity.citizen.not_found")
    return citizen_out(citizen)


@router.get("/departments/{department_id}/clients")
def list_clients(
    department_id: int, db: DbSession, principal: Annotated[Principal, requires(P.CLIENT_VIEW)]
) -> list[ApiClientOut]:
    ensure_department_scope(principal, department_id)
    return [client_out(c) for c in repo.list_clients(db, department_id)]


@router.post("/departments/{department_id}/clients", status_code=201)
def create_client(
    department_id: int,
    data: ApiClientCreate,
    db: DbSession,
    svc: Svc,
    principal: Annotated[Principal, requires(P.CLIENT_MANAGE)],
) -> ApiClientOut:
    ensure_department_scope(principal, department_id)
    return client_out(svc.create_client(db, department_id, data, principal))


@router.get("/clients/{client_id}/keys")
def list_keys(
    client_id: int, db: DbSession, svc: Svc, principal: Annotated[Principal, requires(P.CLIENT_VIEW)]
) -> list[ApiKeyOut]:
    ensure_department_scope(principal, svc.get_client(db, client_id).department_id)
    return [ApiKeyOut.model_validate(k) for k in repo.list_keys(db, client_id)]


@router.post("/clients/{client_id}/keys", status_code=201)
def issue_key(
    client_id: int,
    data: ApiKeyCreate,
    db: DbSession,
    svc: Svc,
    principal: Annotated[Principal, requires(P.CLIENT_MANAGE)],
    response: Response,
) -> ApiKeyIssued:
    ensure_department_scope(principal, svc.get_client(db, client_id).department_id)
    issued = svc.issue_key(db, client_id, data.days)
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyIssued(**ApiKeyOut.model_validate(issued.key).model_dump(), key=issued.plaintext)


@router.post("/clients/{client_id}/keys/{key_id}/revoke")
def revoke_key(
    client_id: int,
    key_id: int,
    db: DbSession,
    svc: Svc,
    principal: Annotated[Principal, requires(P.CLIENT_MANAGE)],
) -> ApiKeyOut:
    ensure_department_scope(principal, svc.get_client(db, client_id).department_id)
    return ApiKeyOut.model_validate(svc.revoke_key(db, client_id, key_id))


class LoginIn(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


@router.post("/login", dependencies=[requires(PUBLIC)])
def login(data: LoginIn, request: Request, db: DbSession, svc: Svc, response: Response) -> UserOut:
    try:
        user = svc.authenticate(db, data.username, data.password)
    except (NotAuthenticated, AccountLocked):
        db.commit()  # the failure count must survive the error response (lockout)
        raise
    request.app.state.auth.login_cookie(response, svc.start_session(db, user=user))
    return user_out(user)


@router.post("/logout", status_code=204, dependencies=[requires(AUTHENTICATED)])
def logout(request: Request, db: DbSession, svc: Svc, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        svc.end_session(db, token)
    request.app.state.auth.logout_cookie(response)
