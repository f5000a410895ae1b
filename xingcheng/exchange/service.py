"""Decisions of the exchange: the service catalog, share requests and their answers, grants and their
states, deadlines (reminders, escalation). Every decision is appended to the audit log.

Functions flush, never commit: the request, the CLI command or the job that called them commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xingcheng.core.permissions import Role
from xingcheng.exchange import repository as repo
from xingcheng.exchange.capabilities import detect_handler
from xingcheng.exchange.models import Grant, Service, ShareRequest
from xingcheng.exchange.permissions import OVERSEE
from xingcheng.exchange.runtime import Runtime
from xingcheng.exchange.schemas import DecisionIn, RequestIn
from xingcheng.exchange.vocab import DATA_OPERATIONS, GrantState, NoticeKind, Operation, RequestState
from xingcheng.identity.principal import Principal
from xingcheng.ledger import service as ledger
from xingcheng.ledger.models import Resource
from xingcheng.ledger.schema import Sensitivity
from xingcheng.registries import catalog

__all__ = [
    "approve",
    "create_request",
    "effective_state",
    "is_bureau",
    "refuse",
    "set_grant_state",
    "sweep_deadlines",
    "sync_services",
    "withdraw",
]


def _err(path: str, code: str, key: str, **params: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"field": path, "code": code, "message_key": key}
    if params:
        e["params"] = params
    return e


def actor_ref(by: Principal) -> str:
    return "system" if by.id is None else by.ref


def is_bureau(by: Principal) -> bool:
    """The data bureau: its approvers oversee every department's sharing."""
    return Role.PLATFORM_ADMIN in by.roles or by.has(OVERSEE)


# -- the service catalog -----------------------------------------------------------------------------
def operations_for(resource: Resource) -> list[Operation]:
    """The services a published resource offers, from its share methods (共享方式) and its fields:
    an interface (服务接口) gives key lookup, verification when it holds ID numbers and a filtered query when
    it is organised by area; a resource shared as tables or files only (库表 / 文件) gives bulk extract."""
    if resource.kind == "capability":
        return [Operation.INVOKE]
    methods = set(filter(None, resource.share_methods.split(",")))
    keyed = any(f.is_key for f in resource.fields)
    formats = {f.format for f in resource.fields}
    ops: list[Operation] = []
    if "service" in methods:
        if keyed:
            ops.append(Operation.LOOKUP)
            if "id_number" in formats and len(resource.fields) >= 2:
                ops.append(Operation.VERIFY)
        if "division_code" in formats or not keyed:
            ops.append(Operation.SEARCH)
    elif methods & {"database", "file"}:
        ops.append(Operation.EXTRACT)
    return ops


def sync_services(db: Session) -> tuple[int, int]:
    """Give every published resource its services and retire the services of retired ones: (made, retired)."""
    existing = {(s.resource_id, s.operation): s for s in repo.services_of(db)}
    made = retired = 0
    for r in repo.published_resources(db):
        # the registries are served by their own pages behind grants (decision 0058), not from the lake
        live = r.state == "published" and r.share_type != "none" and not catalog.is_registry_resource(r)
        handler = ""
        if r.kind == "capability":
            handler = detect_handler(r.name, r.code, [t.name for t in r.tags])
            live = live and bool(handler)
        for op in operations_for(r):
            s = existing.get((r.id, op.value))
            if s is None and live:
                db.add(
                    Service(
                        code=f"{r.code}.{op.value}", resource_id=r.id, operation=op.value, name=r.name, handler=handler
                    )
                )
                made += 1
            elif s is not None:
                wanted = "active" if live else "retired"
                if s.state != wanted:
                    s.state = wanted
                    retired += wanted == "retired"
                s.name, s.handler = r.name, handler
    db.flush()
    return made, retired


# -- requests --------------------------------------------------------------------------------------
def _audit_decision(
    db: Session,
    rt: Runtime,
    action: str,
    by: Principal,
    req: ShareRequest,
    *,
    grant: Grant | None = None,
    at: dt.datetime | None = None,
    **detail: Any,
) -> None:
    rt.audit.append(
        db,
        at=at,
        kind="decision",
        action=action,
        outcome=req.state,
        actor=actor_ref(by),
        client_id=req.client_id,
        consumer_department_id=req.consumer_department_id,
        provider_department_id=req.provider_department_id,
        grant_id=grant.id if grant else None,
        request_id=req.id,
        resource_code=req.resource.code if req.resource else None,
        purpose=req.purpose[:200],
        fields=list(grant.fields if grant else req.fields),
        detail={k: v for k, v in detail.items() if v not in (None, "")},
    )


def create_request(
    db: Session, rt: Runtime, data: RequestIn, by: Principal, *, at: dt.datetime | None = None
) -> ShareRequest:
    """A department asks for a resource. 无条件共享 without unmasking is granted at once; 有条件共享 (or any
    request to lift masking) goes to the provider with a deadline in working days; 不予共享 is refused here."""
    now = at or utcnow()
    settings = rt.settings
    try:
        r = ledger.get_resource(db, data.resource_id)
    except NotFound:
        raise ValidationFailed(errors=[_err("resource_id", "not_found", "exchange.request.resource_unknown")]) from None
    errors: list[dict[str, Any]] = []
    if r.state != "published" or r.harvested or r.department_id is None:
        errors.append(_err("resource_id", "not_published", "exchange.request.not_published"))
    elif r.share_type == "none":
        errors.append(_err("resource_id", "not_shareable", "exchange.request.not_shareable"))
    client = repo.client_by_id(db, data.client_id)
    if client is None or not client.is_active:
        errors.append(_err("client_id", "not_found", "exchange.request.client_unknown"))
    elif by.department_id != client.department_id and Role.PLATFORM_ADMIN not in by.roles:
        errors.append(_err("client_id", "other_department", "exchange.request.client_other_department"))
    names = {f.name: f for f in r.fields}
    fields = list(dict.fromkeys(data.fields)) or list(names)
    for name in fields:
        if name not in names:
            errors.append(_err(f"fields.{name}", "unknown", "exchange.request.field_unknown", field=name[:64]))
    for name in data.unmask_fields:
        if name not in fields:
            errors.append(_err(f"unmask_fields.{name}", "not_requested", "exchange.request.unmask_not_requested"))
    ops = list(dict.fromkeys(data.operations))
    allowed = [Operation.INVOKE] if r.kind == "capability" else list(DATA_OPERATIONS)
    for op in ops:
        if op not in allowed:
            errors.append(
                _err("operations", "not_offered", "exchange.request.operation_not_offered", operation=op.value)
            )
    if data.scope_field is not None:
        if data.scope_field not in names:
            errors.append(_err("scope_field", "unknown", "exchange.request.field_unknown", field=data.scope_field[:64]))
        if not [v for v in data.scope_values if v.strip()]:
            errors.append(_err("scope_values", "required", "exchange.request.scope_values_required"))
    if data.duration_days > settings.exchange_grant_days:
        errors.append(
            _err("duration_days", "too_long", "exchange.request.duration_too_long", days=settings.exchange_grant_days)
        )
    if errors:
        raise ValidationFailed(errors=errors)
    assert client is not None and r.department_id is not None
    req = ShareRequest(
        resource_id=r.id,
        consumer_department_id=client.department_id,
        provider_department_id=r.department_id,
        client_id=client.id,
        requested_by=actor_ref(by),
        fields=fields,
        unmask_fields=[n for n in dict.fromkeys(data.unmask_fields) if names[n].sensitivity != Sensitivity.NONE],
        operations=[op.value for op in ops],
        purpose=data.purpose.strip(),
        scenario=data.scenario.strip(),
        legal_basis=data.legal_basis.strip(),
        duration_days=data.duration_days,
        scope_field=data.scope_field,
        scope_values=[v.strip() for v in data.scope_values if v.strip()] if data.scope_field else [],
        rate_per_second=data.rate_per_second or settings.exchange_rate_per_second,
        daily_rows=data.daily_rows or settings.exchange_daily_rows,
        state=RequestState.PENDING.value,
        created_at=now,
    )
    req.resource = r
    db.add(req)
    db.flush()
    if r.share_type == "unconditional" and not req.unmask_fields:
        _audit_decision(db, rt, "request", by, req, at=now)
        grant = _grant_for(db, req, now)
        rt.grants_changed(db)
        req.state, req.decided_at, req.decided_by = RequestState.APPROVED.value, now, "system"
        db.flush()
        _audit_decision(db, rt, "approve", by, req, grant=grant, at=now, rule="unconditional")
        return req
    req.deadline_at = rt.calendar.add_working_days(now, settings.exchange_answer_days)
    repo.add_notice(db, req.provider_department_id, req.id, NoticeKind.NEW.value, now)
    db.flush()
    _audit_decision(db, rt, "request", by, req, at=now, deadline=req.deadline_at.isoformat())
    return req


def _grant_for(db: Session, req: ShareRequest, now: dt.datetime, unmask: list[str] | None = None) -> Grant:
    grant = Grant(
        request_id=req.id,
        resource_id=req.resource_id,
        consumer_department_id=req.consumer_department_id,
        provider_department_id=req.provider_department_id,
        client_id=req.client_id,
        fields=list(req.fields),
        unmask_fields=list(req.unmask_fields if unmask is None else unmask),
        operations=list(req.operations),
        scope_field=req.scope_field,
        scope_values=list(req.scope_values),
        rate_per_second=req.rate_per_second,
        burst=max(1, int(req.rate_per_second * 2)),
        daily_rows=req.daily_rows,
        starts_at=now,
        expires_at=now + dt.timedelta(days=req.duration_days),
        state=GrantState.ACTIVE.value,
        created_at=now,
    )
    db.add(grant)
    db.flush()
    return grant


def get_request(db: Session, request_id: int, viewer: Principal) -> ShareRequest:
    req = repo.request_by_id(db, request_id)
    if req is None or not can_see_request(viewer, req):
        raise NotFound("exchange.request.not_found")
    return req


def can_see_request(viewer: Principal, req: ShareRequest) -> bool:
    return is_bureau(viewer) or viewer.department_id in (req.consumer_department_id, req.provider_department_id)


def _decidable(db: Session, request_id: int, by: Principal) -> ShareRequest:
    req = get_request(db, request_id, by)
    provider = by.department_id == req.provider_department_id and Role.DATA_ADMIN in by.roles
    if not (provider or is_bureau(by)):
        raise PermissionDenied("exchange.request.not_yours")
    if req.state not in (RequestState.PENDING, RequestState.ESCALATED):
        raise Conflict("exchange.request.decided", params={"state": req.state})
    return req


def approve(
    db: Session, rt: Runtime, request_id: int, by: Principal, data: DecisionIn, *, at: dt.datetime | None = None
) -> Grant:
    now = at or utcnow()
    req = _decidable(db, request_id, by)
    unmask = (
        req.unmask_fields if data.unmask_fields is None else [n for n in data.unmask_fields if n in req.unmask_fields]
    )
    grant = _grant_for(db, req, now, unmask)
    rt.grants_changed(db)
    req.state, req.decided_at, req.decided_by = RequestState.APPROVED.value, now, actor_ref(by)
    req.decision_reason = data.reason.strip()
    db.flush()
    _audit_decision(
        db,
        rt,
        "approve",
        by,
        req,
        grant=grant,
        at=now,
        reason=req.decision_reason,
        unmasked=grant.unmask_fields or None,
    )
    return grant


def refuse(
    db: Session, rt: Runtime, request_id: int, by: Principal, reason: str, *, at: dt.datetime | None = None
) -> ShareRequest:
    if len(reason.strip()) < 2:
        raise ValidationFailed(errors=[_err("reason", "required", "exchange.request.reason_required")])
    req = _decidable(db, request_id, by)
    req.state, req.decided_at, req.decided_by = RequestState.REFUSED.value, at or utcnow(), actor_ref(by)
    req.decision_reason = reason.strip()
    db.flush()
    _audit_decision(db, rt, "refuse", by, req, at=req.decided_at, reason=req.decision_reason)
    return req


def withdraw(db: Session, rt: Runtime, request_id: int, by: Principal) -> ShareRequest:
    req = get_request(db, request_id, by)
    if by.department_id != req.consumer_department_id and Role.PLATFORM_ADMIN not in by.roles:
        raise PermissionDenied("exchange.request.not_yours")
    if req.state not in (RequestState.PENDING, RequestState.ESCALATED):
        raise Conflict("exchange.request.decided", params={"state": req.state})
    req.state, req.decided_at, req.decided_by = RequestState.WITHDRAWN.value, utcnow(), actor_ref(by)
    db.flush()
    _audit_decision(db, rt, "withdraw", by, req)
    return req


def sweep_deadlines(db: Session, rt: Runtime, now: dt.datetime | None = None) -> dict[str, int]:
    """Remind providers whose deadline is near; escalate overdue requests to the data bureau."""
    now = now or utcnow()
    reminded = escalated = 0
    system = Principal(kind="user", id=None, display_name="system")
    for req in repo.open_requests(db):
        if req.state != RequestState.PENDING or req.deadline_at is None:
            continue
        if now > req.deadline_at:
            req.state, req.escalated_at = RequestState.ESCALATED.value, now
            repo.add_notice(db, None, req.id, NoticeKind.ESCALATION.value, now)
            repo.add_notice(db, req.provider_department_id, req.id, NoticeKind.ESCALATION.value, now)
            db.flush()
            req.resource = ledger.get_resource(db, req.resource_id)
            _audit_decision(db, rt, "escalate", system, req, at=now, deadline=req.deadline_at.isoformat())
            escalated += 1
        elif (
            req.reminded_at is None
            and rt.calendar.working_days_between(now, req.deadline_at) <= rt.settings.exchange_reminder_days
        ):
            req.reminded_at = now
            repo.add_notice(db, req.provider_department_id, req.id, NoticeKind.REMINDER.value, now)
            reminded += 1
    db.flush()
    return {"reminded": reminded, "escalated": escalated}


def working_days_left(rt: Runtime, req: ShareRequest, now: dt.datetime | None = None) -> int | None:
    if req.deadline_at is None or req.state not in (RequestState.PENDING, RequestState.ESCALATED):
        return None
    now = now or utcnow()
    if now > req.deadline_at:
        return -rt.calendar.working_days_between(req.deadline_at, now)
    return rt.calendar.working_days_between(now, req.deadline_at)


# -- grants ----------------------------------------------------------------------------------------
def effective_state(grant: Grant, now: dt.datetime | None = None) -> str:
    if grant.state == GrantState.ACTIVE and grant.expires_at <= (now or utcnow()):
        return "expired"
    return grant.state


def get_grant(db: Session, grant_id: int, viewer: Principal) -> Grant:
    grant = repo.grant_by_id(db, grant_id)
    if grant is None or not (
        is_bureau(viewer) or viewer.department_id in (grant.consumer_department_id, grant.provider_department_id)
    ):
        raise NotFound("exchange.grant.not_found")
    return grant


def set_grant_state(
    db: Session, rt: Runtime, grant_id: int, by: Principal, action: str, reason: str, *, at: dt.datetime | None = None
) -> Grant:
    """suspend / resume / revoke; the provider's data administrator or the bureau. Revocation is final."""
    grant = get_grant(db, grant_id, by)
    provider = by.department_id == grant.provider_department_id and Role.DATA_ADMIN in by.roles
    if not (provider or is_bureau(by)):
        raise PermissionDenied("exchange.grant.not_yours")
    target = {"suspend": GrantState.SUSPENDED, "resume": GrantState.ACTIVE, "revoke": GrantState.REVOKED}[action]
    valid = {
        "suspend": (GrantState.ACTIVE,),
        "resume": (GrantState.SUSPENDED,),
        "revoke": (GrantState.ACTIVE, GrantState.SUSPENDED),
    }[action]
    if grant.state not in valid:
        raise Conflict("exchange.grant.state_invalid", params={"state": grant.state})
    now = at or utcnow()
    grant.state, grant.state_reason, grant.state_changed_at, grant.state_changed_by = (
        target.value,
        reason.strip(),
        now,
        actor_ref(by),
    )
    db.flush()
    rt.grants_changed(db)
    rt.audit.append(
        db,
        at=now,
        kind="decision",
        action=action,
        outcome=grant.state,
        actor=actor_ref(by),
        client_id=grant.client_id,
        consumer_department_id=grant.consumer_department_id,
        provider_department_id=grant.provider_department_id,
        grant_id=grant.id,
        request_id=grant.request_id,
        resource_code=grant.resource.code,
        fields=list(grant.fields),
        detail={"reason": grant.state_reason},
    )
    return grant
