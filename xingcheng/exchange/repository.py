"""Every query of the exchange."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from xingcheng.exchange.models import AuditEntry, Grant, Notice, Service, ShareRequest
from xingcheng.identity.models import ApiClient, Department
from xingcheng.ledger.models import Resource

__all__ = [
    "add_notice",
    "audit_entries",
    "calls_by",
    "client_by_id",
    "count_audit",
    "count_services",
    "department_by_id",
    "departments",
    "grant_by_id",
    "grants_for_client",
    "list_grants",
    "list_notices",
    "list_requests",
    "list_services",
    "open_requests",
    "published_resources",
    "request_by_id",
    "service_by_code",
    "services_of",
]


# -- services ----------------------------------------------------------------------------------------
def _services_stmt(q: str | None, department_id: int | None, operation: str | None) -> Select[Any]:
    stmt = (
        select(Service)
        .join(Resource, Resource.id == Service.resource_id)
        .where(Service.state == "active")
        .options(selectinload(Service.resource).selectinload(Resource.department))
    )
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Service.name.ilike(like), Resource.code.ilike(like), Resource.abstract.ilike(like)))
    if department_id is not None:
        stmt = stmt.where(Resource.department_id == department_id)
    if operation:
        stmt = stmt.where(Service.operation == operation)
    return stmt


def list_services(
    db: Session,
    *,
    q: str | None = None,
    department_id: int | None = None,
    operation: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[Service]:
    stmt = _services_stmt(q, department_id, operation).order_by(Resource.code, Service.operation)
    return list(db.scalars(stmt.offset(offset).limit(limit)))


def count_services(
    db: Session, *, q: str | None = None, department_id: int | None = None, operation: str | None = None
) -> int:
    sub = _services_stmt(q, department_id, operation).with_only_columns(Service.id).subquery()
    return db.scalar(select(func.count()).select_from(sub)) or 0


def service_by_code(db: Session, code: str) -> Service | None:
    return db.scalar(
        select(Service)
        .where(Service.code == code)
        .options(selectinload(Service.resource).selectinload(Resource.fields))
    )


def services_of(db: Session, resource_ids: Sequence[int] | None = None) -> list[Service]:
    stmt = select(Service)
    if resource_ids is not None:
        stmt = stmt.where(Service.resource_id.in_(resource_ids))
    return list(db.scalars(stmt))


def published_resources(db: Session) -> list[Resource]:
    return list(
        db.scalars(
            select(Resource)
            .where(Resource.state.in_(("published", "retired")), Resource.origin_hub.is_(None))
            .options(selectinload(Resource.fields), selectinload(Resource.tags))
        )
    )


# -- requests, grants, notices ---------------------------------------------------------------------
def request_by_id(db: Session, request_id: int) -> ShareRequest | None:
    return db.scalar(
        select(ShareRequest).where(ShareRequest.id == request_id).options(selectinload(ShareRequest.resource))
    )


def list_requests(
    db: Session,
    *,
    consumer_department_id: int | None = None,
    provider_department_id: int | None = None,
    states: Sequence[str] | None = None,
    limit: int = 200,
) -> list[ShareRequest]:
    stmt = select(ShareRequest).options(selectinload(ShareRequest.resource))
    if consumer_department_id is not None:
        stmt = stmt.where(ShareRequest.consumer_department_id == consumer_department_id)
    if provider_department_id is not None:
        stmt = stmt.where(ShareRequest.provider_department_id == provider_department_id)
    if states:
        stmt = stmt.where(ShareRequest.state.in_(states))
    return list(db.scalars(stmt.order_by(ShareRequest.id.desc()).limit(limit)))


def open_requests(db: Session) -> list[ShareRequest]:
    return list(db.scalars(select(ShareRequest).where(ShareRequest.state.in_(("pending", "escalated")))))


def grant_by_id(db: Session, grant_id: int) -> Grant | None:
    return db.scalar(select(Grant).where(Grant.id == grant_id).options(selectinload(Grant.resource)))


_GRANT = Grant.__table__
# Read on every gateway call: built once (building a statement costs more than running it on an index).
_GRANTS_FOR_CLIENT = (
    select(_GRANT)
    .where(_GRANT.c.client_id == bindparam("client_id"), _GRANT.c.resource_id == bindparam("resource_id"))
    .order_by(_GRANT.c.id.desc())
)


def grants_for_client(db: Session, client_id: int, resource_id: int) -> list[Any]:
    """The client's grants on a resource, newest first, as plain rows (read on every call: no ORM objects)."""
    return list(db.connection().execute(_GRANTS_FOR_CLIENT, {"client_id": client_id, "resource_id": resource_id}))


def list_grants(
    db: Session,
    *,
    consumer_department_id: int | None = None,
    provider_department_id: int | None = None,
    client_id: int | None = None,
    limit: int = 500,
) -> list[Grant]:
    stmt = select(Grant).options(selectinload(Grant.resource))
    if consumer_department_id is not None:
        stmt = stmt.where(Grant.consumer_department_id == consumer_department_id)
    if provider_department_id is not None:
        stmt = stmt.where(Grant.provider_department_id == provider_department_id)
    if client_id is not None:
        stmt = stmt.where(Grant.client_id == client_id)
    return list(db.scalars(stmt.order_by(Grant.id.desc()).limit(limit)))


def add_notice(db: Session, department_id: int | None, request_id: int, kind: str, at: dt.datetime) -> None:
    db.add(Notice(department_id=department_id, request_id=request_id, kind=kind, created_at=at))


def list_notices(db: Session, department_id: int | None, limit: int = 50) -> list[Notice]:
    cond = Notice.department_id.is_(None) if department_id is None else Notice.department_id == department_id
    return list(db.scalars(select(Notice).where(cond).order_by(Notice.id.desc()).limit(limit)))


def client_by_id(db: Session, client_id: int) -> ApiClient | None:
    return db.get(ApiClient, client_id)


def department_by_id(db: Session, department_id: int) -> Department | None:
    return db.get(Department, department_id)


def departments(db: Session) -> dict[int, Department]:
    return {d.id: d for d in db.scalars(select(Department))}


# -- audit and usage -------------------------------------------------------------------------------
def _audit_filter(
    stmt: Select[Any],
    *,
    provider_department_id: int | None,
    consumer_department_id: int | None,
    department_id: int | None,
    service_code: str | None,
    since: dt.datetime | None,
    kind: str | None,
) -> Select[Any]:
    if provider_department_id is not None:
        stmt = stmt.where(AuditEntry.provider_department_id == provider_department_id)
    if consumer_department_id is not None:
        stmt = stmt.where(AuditEntry.consumer_department_id == consumer_department_id)
    if department_id is not None:
        stmt = stmt.where(
            or_(
                AuditEntry.provider_department_id == department_id,
                AuditEntry.consumer_department_id == department_id,
            )
        )
    if service_code:
        stmt = stmt.where(AuditEntry.service_code == service_code)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if kind:
        stmt = stmt.where(AuditEntry.kind == kind)
    return stmt


def audit_entries(db: Session, *, offset: int = 0, limit: int = 100, **filters: Any) -> list[AuditEntry]:
    stmt = _audit_filter(select(AuditEntry), **_filters(filters))
    return list(db.scalars(stmt.order_by(AuditEntry.seq.desc()).offset(offset).limit(limit)))


def count_audit(db: Session, **filters: Any) -> int:
    stmt = _audit_filter(select(func.count()).select_from(AuditEntry), **_filters(filters))
    return db.scalar(stmt) or 0


def _filters(given: dict[str, Any]) -> dict[str, Any]:
    names = ("provider_department_id", "consumer_department_id", "department_id", "service_code", "since", "kind")
    return {n: given.get(n) for n in names}


def calls_by(db: Session, column: str, since: dt.datetime, **filters: Any) -> list[tuple[Any, int, int, int]]:
    """(value, calls served, calls refused, rows) of gateway calls since a time, grouped by a column."""
    col = getattr(AuditEntry, column)
    served = func.sum(func.cast(AuditEntry.outcome == "ok", type_=_int()))
    stmt = select(col, served, func.count(), func.sum(AuditEntry.row_count)).where(
        and_(AuditEntry.kind == "call", AuditEntry.at >= since)
    )
    stmt = _audit_filter(stmt, **_filters({**filters, "since": None}))
    rows = db.execute(stmt.group_by(col))
    return [(value, int(ok or 0), int(total) - int(ok or 0), int(n or 0)) for value, ok, total, n in rows]


def calls_by_day(db: Session, since: dt.datetime, **filters: Any) -> list[tuple[dt.datetime, str]]:
    """(time, outcome) of gateway calls since a time; grouped into days in Python (dialect-neutral)."""
    stmt = select(AuditEntry.at, AuditEntry.outcome).where(AuditEntry.kind == "call", AuditEntry.at >= since)
    stmt = _audit_filter(stmt, **_filters({**filters, "since": None}))
    return [(at, outcome) for at, outcome in db.execute(stmt)]


def _int():
    from sqlalchemy import Integer

    return Integer()
