"""JSON API of the exchange: the gateway (``/api/exchange/v1/…``), requests and grants, usage, and the
audit log's signed heads and proofs. Thin: parse, call the service or the gateway, shape the output."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from prometheus_client.core import CounterMetricFamily
from starlette.concurrency import run_in_threadpool

from xingcheng.core.db import utcnow
from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import NotFound
from xingcheng.core.permissions import PUBLIC
from xingcheng.exchange import permissions as P
from xingcheng.exchange import repository as repo
from xingcheng.exchange import service as svc
from xingcheng.exchange.gateway import Gateway, PendingCall
from xingcheng.exchange.models import AuditEntry, Grant, ShareRequest
from xingcheng.exchange.openapi import service_document
from xingcheng.exchange.runtime import Runtime, runtime_for
from xingcheng.exchange.schemas import CallIn, DecisionIn, GrantOut, GrantStateIn, RequestIn, RequestOut, ServiceOut
from xingcheng.identity.principal import Principal

__all__ = ["gateway_for", "gateway_for_app", "gateway_router", "router", "usage_figures"]

router = APIRouter(tags=["exchange"])
# The data-service route carries most of the hub's traffic; FastAPI tries routes one by one, so the app
# includes this router before all others (``match_order``, see docs/plugins.md).
gateway_router = APIRouter(tags=["exchange"])
gateway_router.match_order = 0  # type: ignore[attr-defined]


def gateway_for(request: Request) -> Gateway:
    return gateway_for_app(request.app)


def gateway_for_app(app: Any) -> Gateway:
    """The app's one gateway (and its audit writer), made on first use."""
    rt = runtime_for(app)
    gw = rt.cache.get("gateway")
    if gw is None:
        with _GATEWAY_LOCK:
            gw = rt.cache.get("gateway")
            if gw is None:
                gw = rt.cache["gateway"] = Gateway(rt, app.state.db.engine)
                metrics = getattr(app.state, "metrics", None)
                if metrics is not None:
                    metrics.registry.register(_WriterCollector(gw.writer))
    return gw


_GATEWAY_LOCK = threading.Lock()


class _WriterCollector:
    """``/metrics``: how many audit commits the gateway made and how many entries they carried."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "xingcheng_exchange_audit_commits", "Commits of gateway audit entries", value=self.writer.batches
        )
        yield CounterMetricFamily(
            "xingcheng_exchange_audit_entries", "Gateway audit entries committed", value=self.writer.entries
        )


def _rt(request: Request) -> Runtime:
    return runtime_for(request.app)


def request_out(req: ShareRequest, grant_id: int | None = None) -> RequestOut:
    out = RequestOut.model_validate(req)
    out.grant_id = grant_id
    return out


def grant_out(grant: Grant) -> GrantOut:
    data = {c: getattr(grant, c) for c in GrantOut.model_fields if c != "effective_state"}
    return GrantOut(**data, effective_state=svc.effective_state(grant))


# -- the gateway -------------------------------------------------------------------------------------
@gateway_router.post(
    "/api/exchange/v1/services/{service_code}",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": CallIn.model_json_schema()}}}
    },
)
async def call_service(
    request: Request, service_code: str, principal: Annotated[Principal, requires(P.GATEWAY_CALL)]
) -> Response:
    """Call a data service: evidence headers, grant, limits, masking and audit (see the service's OpenAPI)."""
    gateway = gateway_for(request)
    gateway.arrive()
    try:
        pending = await _start_call(request, gateway, service_code, principal)
    finally:
        gateway.leave()
    result = await gateway.settle(pending)  # waits for the audit commit without holding a thread
    return Response(result.body, media_type="application/json", headers=result.headers)


async def _start_call(request: Request, gateway: Gateway, service_code: str, principal: Principal) -> PendingCall:
    raw = await request.body()

    def start(loop: asyncio.AbstractEventLoop | None = None) -> PendingCall:
        # serve, then end the (read-only) transaction in the same thread; the audit entry is with the writer.
        # The session is the call's own: with the key, the plan and the grants cached it is rarely used.
        db = request.app.state.db.sessionmaker()
        try:
            pending = gateway.start(
                db,
                principal,
                service_code,
                request.headers,
                raw,
                request_id=request.state.request_id,
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                loop=loop,
            )
        except BaseException:
            db.rollback()
            db.close()
            raise
        if db.in_transaction():  # a cache was refreshed; a fresh session's commit would begin one first
            db.commit()
        db.close()
        return pending

    if gateway.rt.settings.exchange_gateway_inline and gateway.is_point_call(service_code):
        return start(asyncio.get_running_loop())  # a few indexed reads: cheaper here than a thread hand-over
    return await run_in_threadpool(start)


@router.get("/api/exchange/v1/services")
def list_services(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.SERVICE_VIEW)],
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The supermarket as JSON: services, usage in the last 30 days, the caller's grant status."""
    return catalog(db, principal, q=q, page=page, page_size=page_size)


def catalog(
    db: Any,
    principal: Principal,
    *,
    q: str | None,
    page: int,
    page_size: int,
    department_id: int | None = None,
    operation: str | None = None,
) -> dict[str, Any]:
    services = repo.list_services(
        db, q=q, department_id=department_id, operation=operation, offset=(page - 1) * page_size, limit=page_size
    )
    total = repo.count_services(db, q=q, department_id=department_id, operation=operation)
    since = utcnow() - dt.timedelta(days=30)
    calls = {code: ok for code, ok, _r, _n in repo.calls_by(db, "service_code", since)}
    status = grant_status(db, principal)
    out = [
        ServiceOut(
            code=s.code,
            name=s.name,
            operation=s.operation,
            resource_id=s.resource_id,
            resource_code=s.resource.code,
            resource_name=s.resource.name,
            provider=s.resource.department.name if s.resource.department else "",
            share_type=s.resource.share_type,
            calls_30d=calls.get(s.code, 0),
            grant_status=status.get(s.resource_id, "none"),
            openapi=f"/api/exchange/v1/services/{s.code}/openapi.json",
        )
        for s in services
    ]
    return {"total": total, "page": page, "page_size": page_size, "services": [o.model_dump() for o in out]}


def grant_status(db: Any, principal: Principal) -> dict[int, str]:
    """resource id → the best state of the caller's (client's or department's) grants and open requests."""
    if principal.department_id is None:
        return {}
    status: dict[int, str] = {}
    rank = {"active": 5, "pending": 4, "escalated": 4, "suspended": 3, "expired": 2, "revoked": 1}
    client = principal.id if principal.kind == "api_client" else None
    for g in repo.list_grants(db, consumer_department_id=principal.department_id, client_id=client):
        state = svc.effective_state(g)
        if rank.get(state, 0) > rank.get(status.get(g.resource_id, ""), 0):
            status[g.resource_id] = state
    for r in repo.list_requests(db, consumer_department_id=principal.department_id, states=["pending", "escalated"]):
        if rank[r.state] > rank.get(status.get(r.resource_id, ""), 0):
            status[r.resource_id] = r.state
    return status


@router.get("/api/exchange/v1/services/{service_code}/openapi.json")
def service_openapi(
    request: Request, service_code: str, db: DbSession, principal: Annotated[Principal, requires(P.SERVICE_VIEW)]
) -> dict[str, Any]:
    """The OpenAPI 3.1 description of one service, generated from the resource's fields in the ledger."""
    plan = gateway_for(request).plan(db, service_code)
    if plan is None or not plan.active:
        raise NotFound("exchange.service.not_found")
    unmasked: set[str] = set()
    fields = None
    if principal.kind == "api_client" and principal.id is not None:
        for g in repo.grants_for_client(db, principal.id, plan.resource_id):
            if svc.effective_state(g) == "active":
                unmasked, fields = set(g.unmask_fields), list(g.fields) or None
                break
    return service_document(plan.schema, plan.code, plan.operation, plan.handler, plan.schema.name, fields, unmasked)


# -- requests and grants -----------------------------------------------------------------------------
@router.post("/api/exchange/requests", status_code=201)
def create_request(
    request: Request, data: RequestIn, db: DbSession, principal: Annotated[Principal, requires(P.REQUEST_CREATE)]
) -> RequestOut:
    req = svc.create_request(db, _rt(request), data, principal)
    grants = repo.list_grants(db, consumer_department_id=req.consumer_department_id, client_id=req.client_id, limit=1)
    return request_out(req, grants[0].id if grants and grants[0].request_id == req.id else None)


@router.get("/api/exchange/requests")
def list_requests(
    db: DbSession,
    principal: Annotated[Principal, requires(P.REQUEST_VIEW)],
    side: Annotated[str, Query(pattern="^(consumer|provider|bureau)$")] = "consumer",
    state: Annotated[str | None, Query(max_length=16)] = None,
) -> list[RequestOut]:
    states = [state] if state else None
    if side == "bureau" and svc.is_bureau(principal):
        rows = repo.list_requests(db, states=states)
    elif side == "provider":
        rows = repo.list_requests(db, provider_department_id=principal.department_id or -1, states=states)
    else:
        rows = repo.list_requests(db, consumer_department_id=principal.department_id or -1, states=states)
    return [request_out(r) for r in rows]


@router.get("/api/exchange/requests/{request_id}")
def get_request(
    request_id: int, db: DbSession, principal: Annotated[Principal, requires(P.REQUEST_VIEW)]
) -> RequestOut:
    return request_out(svc.get_request(db, request_id, principal))


@router.post("/api/exchange/requests/{request_id}/approve")
def approve_request(
    request: Request,
    request_id: int,
    data: DecisionIn,
    db: DbSession,
    principal: Annotated[Principal, requires(P.REQUEST_DECIDE)],
) -> GrantOut:
    return grant_out(svc.approve(db, _rt(request), request_id, principal, data))


@router.post("/api/exchange/requests/{request_id}/refuse")
def refuse_request(
    request: Request,
    request_id: int,
    data: DecisionIn,
    db: DbSession,
    principal: Annotated[Principal, requires(P.REQUEST_DECIDE)],
) -> RequestOut:
    return request_out(svc.refuse(db, _rt(request), request_id, principal, data.reason))


@router.post("/api/exchange/requests/{request_id}/withdraw")
def withdraw_request(
    request: Request, request_id: int, db: DbSession, principal: Annotated[Principal, requires(P.REQUEST_CREATE)]
) -> RequestOut:
    return request_out(svc.withdraw(db, _rt(request), request_id, principal))


@router.get("/api/exchange/grants")
def list_grants(
    db: DbSession,
    principal: Annotated[Principal, requires(P.REQUEST_VIEW)],
    side: Annotated[str, Query(pattern="^(consumer|provider|bureau)$")] = "consumer",
) -> list[GrantOut]:
    if side == "bureau" and svc.is_bureau(principal):
        rows = repo.list_grants(db)
    elif side == "provider":
        rows = repo.list_grants(db, provider_department_id=principal.department_id or -1)
    else:
        rows = repo.list_grants(db, consumer_department_id=principal.department_id or -1)
    return [grant_out(g) for g in rows]


@router.get("/api/exchange/grants/{grant_id}")
def get_grant(grant_id: int, db: DbSession, principal: Annotated[Principal, requires(P.REQUEST_VIEW)]) -> GrantOut:
    return grant_out(svc.get_grant(db, grant_id, principal))


def _grant_action(action: str):
    def endpoint(
        request: Request,
        grant_id: int,
        data: GrantStateIn,
        db: DbSession,
        principal: Annotated[Principal, requires(P.GRANT_MANAGE)],
    ) -> GrantOut:
        return grant_out(svc.set_grant_state(db, _rt(request), grant_id, principal, action, data.reason))

    endpoint.__name__ = f"{action}_grant"
    endpoint.__doc__ = f"{action.title()} a grant (the provider's data administrator or the data bureau)."
    return endpoint


for _action in ("suspend", "resume", "revoke"):
    router.add_api_route(f"/api/exchange/grants/{{grant_id}}/{_action}", _grant_action(_action), methods=["POST"])


@router.post("/api/exchange/deadlines/sweep", dependencies=[requires(P.OVERSEE)])
def sweep(request: Request, db: DbSession) -> dict[str, int]:
    """Send reminders and escalate overdue requests now (a scheduler runs `xingcheng exchange sweep`)."""
    return svc.sweep_deadlines(db, _rt(request))


# -- usage -----------------------------------------------------------------------------------------
def usage_figures(
    db: Any, principal: Principal, days: int = 14, provider_department_id: int | None = None
) -> dict[str, Any]:
    since = utcnow() - dt.timedelta(days=days)
    depts = repo.departments(db)
    by_service = sorted(
        repo.calls_by(db, "service_code", since, provider_department_id=provider_department_id), key=lambda r: -r[1]
    )
    by_consumer = sorted(
        repo.calls_by(db, "consumer_department_id", since, provider_department_id=provider_department_id),
        key=lambda r: -r[1],
    )
    from xingcheng.exchange.workdays import CST

    per_day: dict[str, list[int]] = {}
    for at, outcome in repo.calls_by_day(db, since, provider_department_id=provider_department_id):
        day = at.astimezone(CST).date().isoformat()
        counts = per_day.setdefault(day, [0, 0])
        counts[0 if outcome == "ok" else 1] += 1
    return {
        "days": days,
        "by_service": [
            {"service": s or "", "calls": ok, "refused": bad, "rows": n} for s, ok, bad, n in by_service[:20]
        ],
        "by_department": [
            {"department": depts[d].name if d in depts else "—", "calls": ok, "refused": bad, "rows": n}
            for d, ok, bad, n in by_consumer[:20]
        ],
        "by_day": [{"day": d, "calls": c[0], "refused": c[1]} for d, c in sorted(per_day.items())],
    }


@router.get("/api/exchange/usage")
def usage(
    db: DbSession,
    principal: Annotated[Principal, requires(P.SERVICE_VIEW)],
    days: Annotated[int, Query(ge=1, le=90)] = 14,
) -> dict[str, Any]:
    """Calls per service, consumer department and day (the dashboard's JSON twin)."""
    return usage_figures(db, principal, days)


# -- audit -----------------------------------------------------------------------------------------
def entry_out(e: AuditEntry) -> dict[str, Any]:
    from xingcheng.exchange.audit.canonical import CANONICAL_FIELDS, format_time

    out = {name: getattr(e, name) for name in CANONICAL_FIELDS}
    out["at"] = format_time(e.at)
    out["entry_hash"] = e.entry_hash
    return out


def _audit_scope(principal: Principal) -> int | None:
    return None if svc.is_bureau(principal) else (principal.department_id or -1)


@router.get("/api/exchange/audit/entries")
def audit_entries(
    db: DbSession,
    principal: Annotated[Principal, requires(P.AUDIT_VIEW)],
    service_code: Annotated[str | None, Query(max_length=100)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Audit entries, newest first; a department sees the entries about its own data and its own calls."""
    rows = repo.audit_entries(
        db, department_id=_audit_scope(principal), service_code=service_code, offset=offset, limit=limit
    )
    return [entry_out(e) for e in rows]


@router.get("/api/exchange/audit/entries/{seq}")
def audit_entry(
    seq: int, request: Request, db: DbSession, principal: Annotated[Principal, requires(P.AUDIT_VIEW)]
) -> dict[str, Any]:
    e = _rt(request).audit.entry(db, seq)
    scope = _audit_scope(principal)
    if scope is not None and scope not in (e.provider_department_id, e.consumer_department_id):
        raise NotFound("exchange.audit.entry_missing")
    return entry_out(e)


@router.get("/api/exchange/audit/tree-head", dependencies=[requires(P.AUDIT_PROOF)])
def tree_head(request: Request, db: DbSession) -> dict[str, Any]:
    """The newest signed tree head (RFC 6962 TreeHeadSignature over Ed25519; key at /.well-known/audit-jwks.json)."""
    head = _rt(request).audit.latest_head(db)
    if head is None:
        raise NotFound("exchange.audit.no_head")
    return {
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": head.timestamp_ms,
        "signature": head.signature,
        "kid": head.key_id,
    }


@router.get("/api/exchange/audit/proofs/inclusion", dependencies=[requires(P.AUDIT_PROOF)])
def inclusion_proof(
    request: Request,
    db: DbSession,
    leaf_index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    """RFC 9162 inclusion proof of entry ``leaf_index`` (= seq − 1) in the tree of ``tree_size`` entries."""
    log = _rt(request).audit
    path = log.inclusion(db, leaf_index, tree_size)
    entry = log.entry(db, leaf_index + 1)
    return {
        "leaf_index": leaf_index,
        "tree_size": tree_size,
        "leaf_hash": entry.entry_hash,
        "root_hash": log.root(db, tree_size).hex(),
        "audit_path": [h.hex() for h in path],
    }


@router.get("/api/exchange/audit/proofs/consistency", dependencies=[requires(P.AUDIT_PROOF)])
def consistency_proof(
    request: Request,
    db: DbSession,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> dict[str, Any]:
    """RFC 9162 consistency proof between the trees of ``first`` and ``second`` entries."""
    log = _rt(request).audit
    proof = log.consistency(db, first, second)
    return {
        "first": first,
        "second": second,
        "first_root": log.root(db, first).hex(),
        "second_root": log.root(db, second).hex(),
        "proof": [h.hex() for h in proof],
    }


@router.get("/.well-known/audit-jwks.json", dependencies=[requires(PUBLIC)])
def audit_jwks(request: Request) -> dict[str, Any]:
    """The hub's public key for audit tree heads, as a JWK Set (RFC 7517, OKP / Ed25519 per RFC 8037)."""
    return {"keys": [_rt(request).audit.key.jwk]}
