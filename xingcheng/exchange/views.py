"""Pages of the exchange: the supermarket, a service, the request form, my department's requests and grants,
the provider's inbox, the bureau's oversight, the usage dashboard and the audit log. Thin: each calls the
same service functions as the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from xingcheng.core.db import utcnow
from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import NotFound, ValidationFailed
from xingcheng.core.pages import render
from xingcheng.exchange import permissions as P
from xingcheng.exchange import repository as repo
from xingcheng.exchange import service as svc
from xingcheng.exchange.api import catalog, entry_out, gateway_for, grant_status, usage_figures
from xingcheng.exchange.masking import RowMasker, mask_kind
from xingcheng.exchange.runtime import runtime_for
from xingcheng.exchange.schemas import DecisionIn, RequestIn
from xingcheng.exchange.vocab import DATA_OPERATIONS, Operation, RequestState
from xingcheng.identity.principal import Principal
from xingcheng.identity.repository import list_clients
from xingcheng.ledger import service as ledger

__all__ = ["router"]

router = APIRouter(tags=["exchange pages"], include_in_schema=False)


@router.get("/exchange")
def supermarket(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.SERVICE_VIEW)],
    q: Annotated[str | None, Query(max_length=100)] = None,
    operation: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> Response:
    op = operation if operation in {o.value for o in Operation} else None
    data = catalog(db, principal, q=q, page=page, page_size=30, operation=op)
    return render(
        request,
        "exchange/supermarket.html",
        {"data": data, "q": q or "", "operation": op or "", "operations": [o.value for o in Operation], "page": page},
    )


@router.get("/exchange/services/{service_code}")
def service_page(
    request: Request, service_code: str, db: DbSession, principal: Annotated[Principal, requires(P.SERVICE_VIEW)]
) -> Response:
    rt = runtime_for(request.app)
    plan = gateway_for(request).plan(db, service_code)
    if plan is None or not plan.active:
        raise NotFound("exchange.service.not_found")
    resource = ledger.get_resource(db, plan.resource_id)
    preview = _preview(request, db, principal, plan)
    since = utcnow() - dt.timedelta(days=30)
    usage = {k: (ok, bad, n) for k, ok, bad, n in repo.calls_by(db, "service_code", since, service_code=plan.code)}
    fields = [{"spec": f, "mask": mask_kind(f)} for f in plan.schema.fields]
    return render(
        request,
        "exchange/service.html",
        {
            "plan": plan,
            "resource": resource,
            "fields": fields,
            "preview": preview,
            "usage": usage.get(plan.code, (0, 0, 0)),
            "status": grant_status(db, principal).get(plan.resource_id, "none"),
            "can_request": principal.has(P.REQUEST_CREATE),
            "table": rt.serving.table(plan.schema) if plan.operation != Operation.INVOKE else None,
        },
    )


def _preview(request: Request, db: Any, principal: Principal, plan: Any) -> dict[str, Any] | None:
    """Five masked sample rows — always masked, whatever grants exist — and the preview is audited."""
    if plan.operation == Operation.INVOKE:
        return None
    rt = runtime_for(request.app)
    table = rt.serving.table(plan.schema)
    if table is None:
        return None
    names = list(table.columns)
    rows, _total = rt.serving.search(table, names, {}, None, plan.schema.key or names[:1], 0, 5)
    masker = RowMasker(plan.schema, names)
    rt.audit.append(
        db,
        kind="call",
        action="preview",
        outcome="ok",
        actor=principal.ref,
        consumer_department_id=principal.department_id,
        provider_department_id=plan.provider_department_id,
        service_code=plan.code,
        resource_code=plan.resource_code,
        purpose="preview",
        fields=names,
        row_count=len(rows),
        xc_request_id=getattr(request.state, "request_id", ""),
    )
    return {"columns": names, "rows": [masker(r) for r in rows]}


# -- requests --------------------------------------------------------------------------------------
def _form_context(db: Any, principal: Principal, resource_id: int) -> dict[str, Any]:
    resource = ledger.get_resource(db, resource_id, principal)
    clients = [c for c in list_clients(db, principal.department_id) if c.is_active] if principal.department_id else []
    ops = [Operation.INVOKE.value] if resource.kind == "capability" else [o.value for o in DATA_OPERATIONS]
    return {"resource": resource, "clients": clients, "ops": ops, "errors": [], "values": {}}


@router.get("/exchange/requests/new")
def request_form(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.REQUEST_CREATE)],
    resource_id: Annotated[int, Query(ge=1)],
) -> Response:
    return render(request, "exchange/request_form.html", _form_context(db, principal, resource_id))


@router.post("/exchange/requests")
async def request_submit(
    request: Request, db: DbSession, principal: Annotated[Principal, requires(P.REQUEST_CREATE)]
) -> Response:
    form = await request.form()
    values = {k: form.get(k) for k in form}
    resource_id = str(values.get("resource_id") or "0")
    try:
        data = RequestIn(
            resource_id=int(resource_id) if resource_id.isdigit() else 0,
            client_id=int(str(values.get("client_id") or "0")) if str(values.get("client_id") or "").isdigit() else 0,
            fields=form.getlist("fields"),
            unmask_fields=form.getlist("unmask_fields"),
            operations=form.getlist("operations") or ["lookup"],
            purpose=str(values.get("purpose") or ""),
            scenario=str(values.get("scenario") or ""),
            legal_basis=str(values.get("legal_basis") or ""),
            duration_days=int(str(values.get("duration_days") or "365"))
            if str(values.get("duration_days") or "365").isdigit()
            else 0,
            scope_field=str(values.get("scope_field") or "") or None,
            scope_values=[v for v in str(values.get("scope_values") or "").replace("，", ",").split(",") if v.strip()],
        )
        rt = runtime_for(request.app)
        svc.create_request(db, rt, data, principal)
    except (ValidationError, ValidationFailed) as exc:
        errors = (
            exc.errors
            if isinstance(exc, ValidationFailed)
            else [
                {"field": ".".join(str(p) for p in e["loc"]), "message_key": "error.field_invalid"}
                for e in exc.errors()
            ]
        )
        if not resource_id.isdigit() or int(resource_id) < 1:
            raise ValidationFailed(errors=errors) from None
        ctx = _form_context(db, principal, int(resource_id))
        ctx.update(errors=errors, values={k: str(v) for k, v in values.items() if k != "csrf_token"})
        return render(request, "exchange/request_form.html", ctx, status_code=422)
    return RedirectResponse("/exchange/mine", status_code=303)


@router.get("/exchange/mine")
def my_exchange(request: Request, db: DbSession, principal: Annotated[Principal, requires(P.REQUEST_VIEW)]) -> Response:
    dept = principal.department_id or -1
    rt = runtime_for(request.app)
    requests_ = repo.list_requests(db, consumer_department_id=dept)
    grants = repo.list_grants(db, consumer_department_id=dept)
    return render(
        request,
        "exchange/mine.html",
        {
            "requests": requests_,
            "left": {r.id: svc.working_days_left(rt, r) for r in requests_},
            "grants": grants,
            "states": {g.id: svc.effective_state(g) for g in grants},
            "departments": repo.departments(db),
        },
    )


@router.get("/exchange/inbox")
def inbox(request: Request, db: DbSession, principal: Annotated[Principal, requires(P.REQUEST_DECIDE)]) -> Response:
    rt = runtime_for(request.app)
    svc.sweep_deadlines(db, rt)
    dept = principal.department_id or -1
    pending = repo.list_requests(db, provider_department_id=dept, states=["pending", "escalated"])
    decided = repo.list_requests(db, provider_department_id=dept, states=["approved", "refused", "withdrawn"], limit=30)
    grants = repo.list_grants(db, provider_department_id=dept)
    return render(
        request,
        "exchange/inbox.html",
        {
            "pending": pending,
            "decided": decided,
            "left": {r.id: svc.working_days_left(rt, r) for r in pending},
            "grants": grants,
            "states": {g.id: svc.effective_state(g) for g in grants},
            "notices": repo.list_notices(db, dept),
            "departments": repo.departments(db),
            "usage": usage_figures(db, principal, 30, provider_department_id=dept),
            "calls": [entry_out(e) for e in repo.audit_entries(db, provider_department_id=dept, kind="call", limit=30)],
        },
    )


@router.post("/exchange/requests/{request_id}/decide")
def decide(
    request: Request,
    request_id: int,
    db: DbSession,
    principal: Annotated[Principal, requires(P.REQUEST_DECIDE)],
    decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(pattern="^(inbox|oversight)$")] = "inbox",
) -> Response:
    rt = runtime_for(request.app)
    if decision == "approve":
        svc.approve(db, rt, request_id, principal, DecisionIn(reason=reason))
    else:
        svc.refuse(db, rt, request_id, principal, reason)
    return RedirectResponse(f"/exchange/{back}", status_code=303)


@router.post("/exchange/grants/{grant_id}/state")
def grant_state(
    request: Request,
    grant_id: int,
    db: DbSession,
    principal: Annotated[Principal, requires(P.GRANT_MANAGE)],
    action: Annotated[str, Form(pattern="^(suspend|resume|revoke)$")],
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(pattern="^(inbox|oversight)$")] = "inbox",
) -> Response:
    if len(reason.strip()) < 2:
        raise ValidationFailed(
            errors=[{"field": "reason", "code": "required", "message_key": "exchange.request.reason_required"}]
        )
    svc.set_grant_state(db, runtime_for(request.app), grant_id, principal, action, reason)
    return RedirectResponse(f"/exchange/{back}", status_code=303)


@router.get("/exchange/oversight")
def oversight(request: Request, db: DbSession, principal: Annotated[Principal, requires(P.OVERSEE)]) -> Response:
    rt = runtime_for(request.app)
    svc.sweep_deadlines(db, rt)
    escalated = repo.list_requests(db, states=[RequestState.ESCALATED.value])
    pending = repo.list_requests(db, states=[RequestState.PENDING.value])
    grants = repo.list_grants(db, limit=100)
    return render(
        request,
        "exchange/oversight.html",
        {
            "escalated": escalated,
            "pending": pending,
            "left": {r.id: svc.working_days_left(rt, r) for r in [*escalated, *pending]},
            "grants": grants,
            "states": {g.id: svc.effective_state(g) for g in grants},
            "departments": repo.departments(db),
            "notices": repo.list_notices(db, None),
        },
    )


@router.get("/exchange/dashboard")
def dashboard(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.SERVICE_VIEW)],
    days: Annotated[int, Query(ge=1, le=90)] = 14,
) -> Response:
    return render(request, "exchange/dashboard.html", {"usage": usage_figures(db, principal, days), "days": days})


@router.get("/exchange/audit")
def audit_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.AUDIT_VIEW)],
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    rt = runtime_for(request.app)
    scope = None if svc.is_bureau(principal) else (principal.department_id or -1)
    entries = repo.audit_entries(db, department_id=scope, offset=(page - 1) * 50, limit=50)
    return render(
        request,
        "exchange/audit.html",
        {
            "entries": [entry_out(e) for e in entries],
            "head": rt.audit.latest_head(db),
            "size": rt.audit.size(db),
            "kid": rt.audit.key.key_id,
            "page": page,
            "departments": repo.departments(db),
        },
    )
