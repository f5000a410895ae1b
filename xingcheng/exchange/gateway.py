"""The gateway: every data service call passes here — evidence, client, grant, limits, read, mask, audit.

X-Road style evidence: the call names the calling system (``X-XC-Client``), the end user (``X-XC-User``),
the case (``X-XC-Case``) and the purpose (``X-XC-Purpose``); the response carries the request id, the hash
of the request and a hash binding the response body to both (canonical forms in docs/exchange.md). Every
call — served or refused — is appended to the audit log; a call whose entry cannot be written is refused
(503) and returns nothing.

A call reads only (the key, the grant, the lake); its one write, the audit entry, goes through the
:class:`~xingcheng.exchange.audit.writer.AuditWriter`, which commits the entries of concurrent calls together
(group commit), and the call returns once its own entry is committed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.errors import BadRequest, NotFound, ValidationFailed, XingchengError
from xingcheng.exchange import repository as repo
from xingcheng.exchange.audit.process_writer import ProcessAuditWriter, WriterSpec
from xingcheng.exchange.audit.writer import AuditWriter
from xingcheng.exchange.capabilities import HANDLERS, CapabilityInputError, invoke
from xingcheng.exchange.errors import AuditUnavailable, CallRefused, TooManyRequests
from xingcheng.exchange.masking import RowMasker
from xingcheng.exchange.models import Grant
from xingcheng.exchange.runtime import Runtime, key_path
from xingcheng.exchange.schemas import CallIn
from xingcheng.exchange.service import effective_state
from xingcheng.exchange.serving import Scope
from xingcheng.exchange.vocab import EVIDENCE_HEADERS, GrantState, Operation, Refusal
from xingcheng.identity.principal import Principal
from xingcheng.ledger.schema import DataType, ResourceSchema
from xingcheng.ledger.service import field_spec

__all__ = ["CallResult", "Evidence", "Gateway", "PendingCall", "ServicePlan", "request_hash", "response_hash"]

_MAX_EVIDENCE = {"client": 200, "user": 100, "case": 200, "purpose": 200}
_CONTROL = re.compile(r"[\x00-\x1f]")
_PLAN_TTL = 5.0


@dataclass(frozen=True, slots=True)
class Evidence:
    client: str
    user: str
    case: str
    purpose: str


def read_evidence(headers: Mapping[str, str]) -> tuple[Evidence | None, list[str]]:
    """The evidence headers (UTF-8, percent-encoded when not ASCII); the names of missing or bad ones."""
    values: dict[str, str] = {}
    bad: list[str] = []
    for header, name in EVIDENCE_HEADERS.items():
        raw = headers.get(header)
        text = unquote(raw, errors="strict").strip() if raw else ""
        if not text or len(text) > _MAX_EVIDENCE[name] or _CONTROL.search(text) is not None:
            bad.append(header)
        values[name] = text[: _MAX_EVIDENCE[name]]
    return (None if bad else Evidence(**values)), bad


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def request_hash(method: str, path: str, query: str, evidence: Evidence | None, body: bytes) -> str:
    """SHA-256 of: xc-request-v1, method, path, sorted query, the four evidence values, SHA-256(body)."""
    q = "&".join(sorted(p for p in query.split("&") if p))
    ev = evidence or Evidence("", "", "", "")
    parts = ["xc-request-v1", method.upper(), path, q, ev.client, ev.user, ev.case, ev.purpose, _sha(body)]
    return _sha("\n".join(parts).encode("utf-8"))


def response_hash(request_id: str, req_hash: str, body: bytes) -> str:
    """SHA-256 of: xc-response-v1, the request id, the request hash, SHA-256(response body)."""
    return _sha("\n".join(["xc-response-v1", request_id, req_hash, _sha(body)]).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class ServicePlan:
    """What the gateway needs of a service, cached for a few seconds."""

    code: str
    operation: str
    handler: str
    active: bool
    resource_id: int
    resource_code: str
    provider_department_id: int | None
    schema: ResourceSchema
    loaded_at: float
    field_names: tuple[str, ...] = ()  # the schema's field names, in order


@dataclass
class CallResult:
    body: bytes
    headers: dict[str, str]


@dataclass
class PendingCall:
    """A call served or refused whose audit entry is being committed (``future``: its seq)."""

    future: Any  # concurrent.futures.Future, or an asyncio future of the caller's loop
    result: CallResult | None
    error: XingchengError | None
    grant_id: int | None
    rows: int


class _Refuse(Exception):
    def __init__(self, refusal: Refusal, error: XingchengError) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.error = error


def _refused(refusal: Refusal, **params: Any) -> _Refuse:
    return _Refuse(refusal, CallRefused(f"exchange.refusal.{refusal.value}", params=params))


def _bad(refusal: Refusal, errors: list[dict[str, Any]]) -> _Refuse:
    return _Refuse(refusal, ValidationFailed(f"exchange.refusal.{refusal.value}", errors=errors))


def _field_error(field: str, code: str, key: str = "exchange.call.field_invalid") -> dict[str, Any]:
    return {"field": field, "code": code, "message_key": key}


def _make_writer(rt: Runtime, engine: Engine, serving: Any) -> AuditWriter | ProcessAuditWriter:
    """The audit writer: a child process (default) or, for ``thread`` or an in-memory SQLite database, a thread."""
    delay = rt.settings.exchange_audit_commit_delay_ms / 1000
    url = engine.url
    in_memory = url.get_backend_name() == "sqlite" and (
        not url.database or url.database == ":memory:" or "mode=memory" in str(url)
    )
    if rt.settings.exchange_audit_writer == "process" and not in_memory:
        spec = WriterSpec(
            url.render_as_string(hide_password=False),
            str(key_path(rt.settings)),
            rt.settings.exchange_audit_sign_every,
            rt.settings.exchange_audit_sign_seconds,
            delay,
        )
        # the entry's own call is still being served when it is handed over: the others are its siblings
        return ProcessAuditWriter(spec, siblings=lambda: max(0, serving() - 1))
    return AuditWriter(rt.audit, engine, commit_delay=delay, siblings=serving)


class Gateway:
    def __init__(self, rt: Runtime, engine: Engine) -> None:
        """``engine``: the hub's database, for the audit writer's own transactions."""
        self.rt = rt
        self._serving = 0  # calls between arrival and handing their audit entry over
        self._serving_lock = threading.Lock()
        self.writer = _make_writer(rt, engine, lambda: self._serving)
        self._plans: dict[str, ServicePlan] = {}
        self._clients: dict[int, tuple[str, str, float]] = {}
        self._grants: dict[tuple[int, int], tuple[int, float, list[Any]]] = {}
        self._maskers: dict[tuple[Any, ...], RowMasker] = {}
        self._lock = threading.Lock()

    # -- lookups with short caches -----------------------------------------------------------------
    def plan(self, db: Session, code: str) -> ServicePlan | None:
        now = time.monotonic()
        plan = self._plans.get(code)
        if plan is not None and now - plan.loaded_at < _PLAN_TTL:
            return plan
        service = repo.service_by_code(db, code)
        if service is None:
            return None
        r = service.resource
        schema = ResourceSchema(
            code=r.code, name=r.name, department_code="", fields=tuple(field_spec(f) for f in r.fields)
        )
        plan = ServicePlan(
            code=service.code,
            operation=service.operation,
            handler=service.handler,
            active=service.state == "active" and r.state == "published",
            resource_id=r.id,
            resource_code=r.code,
            provider_department_id=r.department_id,
            schema=schema,
            loaded_at=now,
            field_names=tuple(f.name for f in schema.fields),
        )
        with self._lock:
            self._plans[code] = plan
        return plan

    def _client_name(self, db: Session, client_id: int) -> tuple[str, str]:
        cached = self._clients.get(client_id)
        if cached is not None and time.monotonic() - cached[2] < 60:
            return cached[0], cached[1]
        client = repo.client_by_id(db, client_id)
        dept = repo.department_by_id(db, client.department_id) if client else None
        names = (dept.code if dept else "", client.system_code if client else "")
        self._clients[client_id] = (*names, time.monotonic())
        return names

    # -- the call ----------------------------------------------------------------------------------
    def arrive(self) -> None:
        """A call has arrived: its audit entry will follow (the writer waits for it briefly under load)."""
        with self._serving_lock:
            self._serving += 1

    def leave(self) -> None:
        with self._serving_lock:
            self._serving -= 1

    def is_point_call(self, service_code: str) -> bool:
        """Whether the service is known (cached plan) to be a key lookup or a verification: short, indexed work."""
        plan = self._plans.get(service_code)
        return plan is not None and plan.operation in (Operation.LOOKUP, Operation.VERIFY)

    def start(
        self,
        db: Session,
        principal: Principal,
        service_code: str,
        headers: Mapping[str, str],
        raw_body: bytes,
        *,
        request_id: str,
        method: str,
        path: str,
        query: str = "",
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> PendingCall:
        """Serve or refuse the call and hand its audit entry to the writer; nothing leaves before :meth:`finish`.

        ``loop``: when called on an event loop's thread, the loop that will await the entry's commit."""
        evidence, bad = read_evidence(headers)
        req_hash = request_hash(method, path, query, evidence, raw_body)
        audit: dict[str, Any] = {
            "kind": "call",
            "actor": principal.ref,
            "client_id": principal.id if principal.kind == "api_client" else None,
            "consumer_department_id": principal.department_id,
            "service_code": service_code[:100],
            "xc_request_id": request_id,
            "request_hash": req_hash,
        }
        if evidence is not None:
            audit.update(purpose=evidence.purpose, case_ref=evidence.case, end_user=evidence.user)
        evidence_headers = {"X-XC-Request-Id": request_id, "X-XC-Request-Hash": req_hash}
        try:
            result, fields, rows, grant = self._serve(db, principal, service_code, evidence, bad, raw_body, audit)
        except _Refuse as refusal:
            audit.setdefault("action", "call")
            audit["outcome"] = f"refused:{refusal.refusal.value}"
            refusal.error.headers = {**refusal.error.headers, **evidence_headers}
            # the refusal's entry is committed before the error response leaves
            return PendingCall(self.writer.submit(audit, loop), None, refusal.error, None, 0)
        body = json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        resp_hash = response_hash(request_id, req_hash, body)
        audit.update(outcome="ok", fields=fields, row_count=rows, response_hash=resp_hash)
        served = CallResult(body, {**evidence_headers, "X-XC-Response-Hash": resp_hash})
        return PendingCall(self.writer.submit(audit, loop), served, None, grant.id if grant is not None else None, rows)

    def finish(self, pending: PendingCall, audit_error: BaseException | None) -> CallResult:
        """Once the audit entry is committed (or is not): the result, the refusal, or 503 when not audited."""
        if audit_error is not None:
            raise AuditUnavailable() from None
        if pending.error is not None:
            raise pending.error
        if pending.grant_id is not None and pending.rows:
            self.rt.limiter.add_rows(pending.grant_id, pending.rows)
        assert pending.result is not None
        return pending.result

    async def settle(self, pending: PendingCall) -> CallResult:
        """:meth:`finish` without holding a thread while the writer commits."""
        future = pending.future
        if isinstance(future, Future):  # handed over from a worker thread
            future = asyncio.shield(asyncio.wrap_future(future))
        try:
            await asyncio.wait_for(future, self.rt.settings.exchange_audit_wait_seconds)
        except Exception as exc:
            return self.finish(pending, exc)
        return self.finish(pending, None)

    def _serve(
        self,
        db: Session,
        principal: Principal,
        service_code: str,
        evidence: Evidence | None,
        bad: list[str],
        raw_body: bytes,
        audit: dict[str, Any],
    ) -> tuple[dict[str, Any], list[str], int, Grant | None]:
        if evidence is None:
            raise _Refuse(
                Refusal.EVIDENCE_MISSING,
                BadRequest("exchange.refusal.evidence_missing", params={"headers": ", ".join(bad)}),
            )
        if principal.kind != "api_client" or principal.id is None:
            raise _refused(Refusal.CLIENT_ONLY)
        dept_code, system_code = self._client_name(db, principal.id)
        hub = self.rt.settings.effective_hub_name
        if evidence.client not in (f"{dept_code}/{system_code}", f"{hub}/{dept_code}/{system_code}"):
            raise _refused(Refusal.CLIENT_MISMATCH)
        plan = self.plan(db, service_code)
        if plan is None or not plan.active:
            raise _Refuse(Refusal.NO_SERVICE, NotFound("exchange.service.not_found"))
        audit.update(
            action=plan.operation,
            resource_code=plan.resource_code,
            provider_department_id=plan.provider_department_id,
            service_code=plan.code,
        )
        try:
            body = CallIn.model_validate_json(raw_body or b"{}")
        except ValueError as exc:
            errors = [
                _field_error(".".join(str(p) for p in e.get("loc", ())) or "body", e.get("type", "invalid"))
                for e in getattr(exc, "errors", lambda: [])()
            ] or [_field_error("body", "invalid_json")]
            raise _bad(Refusal.BAD_INPUT, errors) from None
        grant = self._grant(db, principal.id, plan)
        audit["grant_id"] = grant.id
        if plan.operation not in grant.operations:
            raise _refused(Refusal.OPERATION_NOT_GRANTED)
        granted = list(grant.fields) or list(plan.field_names)
        wanted = list(dict.fromkeys(body.fields)) if body.fields else granted
        named = (
            set(wanted)
            | set((body.key or {}).keys())
            | set((body.filters or {}).keys())
            | set((body.values or {}).keys())
        )
        if plan.operation != Operation.INVOKE:
            unknown = sorted(n for n in named if n not in plan.field_names)
            if unknown:
                raise _bad(Refusal.BAD_INPUT, [_field_error(n[:64], "unknown_field") for n in unknown])
            outside = sorted(n for n in named if n not in granted)
            if outside:
                audit["fields"] = [n[:64] for n in outside]
                raise _refused(Refusal.FIELD_NOT_GRANTED, fields=", ".join(n[:64] for n in outside))
        audit["fields"] = wanted
        decision = self.rt.limiter.take(grant.id, grant.rate_per_second, grant.burst)
        if not decision.allowed:
            retry = max(1, int(decision.retry_after + 0.999))
            raise _Refuse(
                Refusal.RATE_LIMITED,
                TooManyRequests("exchange.refusal.rate_limited", headers={"Retry-After": str(retry)}),
            )
        rows_left = self.rt.limiter.rows_left(grant.id, grant.daily_rows)
        if rows_left <= 0:
            raise _Refuse(
                Refusal.VOLUME_EXCEEDED,
                TooManyRequests("exchange.refusal.volume_exceeded", headers={"Retry-After": "3600"}),
            )
        scope = (
            Scope(grant.scope_field, tuple(grant.scope_values)) if grant.scope_field and grant.scope_values else None
        )
        if plan.operation == Operation.INVOKE:
            return self._invoke(plan, body), [], 1, grant
        masker = self._masker(plan, wanted, grant.unmask_fields)
        table = self.rt.serving.table(plan.schema)
        if table is None:
            raise _Refuse(Refusal.NO_DATA, NotFound("exchange.service.no_data"))
        if scope is not None and scope.field not in table.columns:
            scope = Scope(scope.field, ("\x00",))  # a scope on a missing column matches nothing
        if plan.operation == Operation.LOOKUP:
            key = self._key(plan.schema, body.key)
            rows = self.rt.serving.lookup(table, key, self._columns(wanted, scope))
            if rows and scope is not None and not scope.covers(rows[0].get(scope.field)):
                raise _refused(Refusal.OUTSIDE_SCOPE)
            record = masker(rows[0]) if rows else None
            return {"found": record is not None, "record": record}, wanted, int(record is not None), grant
        if plan.operation == Operation.VERIFY:
            return self._verify(plan, body, table, scope, audit, grant)
        if plan.operation == Operation.SEARCH:
            filters = self._typed(plan.schema, body.filters or {}, "filters")
            if scope is not None and scope.field in filters and not scope.covers(filters[scope.field]):
                raise _refused(Refusal.OUTSIDE_SCOPE)
            size = min(body.page_size, self.rt.settings.exchange_page_size, rows_left)
            rows, total = self.rt.serving.search(
                table, wanted, filters, scope, plan.schema.key or wanted[:1], (body.page - 1) * size, size
            )
            result = {"total": total, "page": body.page, "page_size": size, "records": [masker(r) for r in rows]}
            return result, wanted, len(rows), grant
        # EXTRACT
        limit = min(body.limit, self.rt.settings.exchange_extract_rows, rows_left)
        rows, total = self.rt.serving.search(table, wanted, {}, scope, plan.schema.key or wanted, body.cursor, limit)
        following = body.cursor + len(rows)
        result = {
            "total": total,
            "cursor": body.cursor,
            "next_cursor": following if following < total else None,
            "records": [masker(r) for r in rows],
        }
        return result, wanted, len(rows), grant

    def _grant_rows(self, db: Session, client_id: int, resource_id: int) -> list[Any]:
        """The client's grants on the resource, reread after ``exchange_grant_cache_seconds`` or at once when
        this process changed a grant; states and expiry are judged at every call."""
        key = (client_id, resource_id)
        ttl = self.rt.settings.exchange_grant_cache_seconds
        hit = self._grants.get(key)
        now = time.monotonic()
        if hit is not None and hit[0] == self.rt.grant_epoch and now - hit[1] < ttl:
            return hit[2]
        epoch = self.rt.grant_epoch  # read before the query: a change meanwhile makes this entry stale
        rows = repo.grants_for_client(db, client_id, resource_id)
        if ttl > 0:
            if len(self._grants) >= 50_000:
                self._grants.clear()
            self._grants[key] = (epoch, now, rows)
        return rows

    def _grant(self, db: Session, client_id: int, plan: ServicePlan) -> Any:
        grants = self._grant_rows(db, client_id, plan.resource_id)
        now = utcnow()
        states = [effective_state(g, now) for g in grants]
        for g, state in zip(grants, states, strict=True):
            if state == GrantState.ACTIVE:
                return g
        for state, refusal in (
            (GrantState.SUSPENDED.value, Refusal.GRANT_SUSPENDED),
            ("expired", Refusal.GRANT_EXPIRED),
            (GrantState.REVOKED.value, Refusal.GRANT_REVOKED),
        ):
            if state in states:
                raise _refused(refusal)
        raise _refused(Refusal.NO_GRANT)

    def _masker(self, plan: ServicePlan, wanted: list[str], unmasked: list[str]) -> RowMasker:
        """The masker of these fields for this grant's lifted fields, made once per service plan."""
        key = (plan.code, plan.loaded_at, tuple(wanted), tuple(unmasked))
        masker = self._maskers.get(key)
        if masker is None:
            if len(self._maskers) >= 10_000:
                self._maskers.clear()
            masker = self._maskers[key] = RowMasker(plan.schema, wanted, unmasked)
        return masker

    @staticmethod
    def _columns(wanted: list[str], scope: Scope | None) -> list[str]:
        return wanted if scope is None or scope.field in wanted else [*wanted, scope.field]

    def _typed(self, schema: ResourceSchema, values: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        errors = []
        for name, value in values.items():
            spec = schema.field(name)
            if isinstance(value, bool) and spec.data_type is not DataType.BOOLEAN:
                errors.append(_field_error(f"{where}.{name}", "type"))
                continue
            if spec.data_type is DataType.INTEGER:
                if isinstance(value, int) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
                    out[name] = int(value)
                    continue
            elif spec.data_type is DataType.DECIMAL:
                if isinstance(value, int | float):
                    out[name] = value
                    continue
            elif spec.data_type is DataType.BOOLEAN:
                if isinstance(value, bool):
                    out[name] = value
                    continue
            elif isinstance(value, str) and 0 < len(value) <= 500 and "\x00" not in value:
                out[name] = value.strip()
                continue
            errors.append(_field_error(f"{where}.{name}", "type"))
        if errors:
            raise _bad(Refusal.BAD_INPUT, errors)
        for name, value in out.items():
            if schema.field(name).data_type in (DataType.DATE, DataType.DATETIME):
                out[name] = _date_text(value, name, where)
        return out

    def _key(self, schema: ResourceSchema, key: dict[str, Any] | None) -> dict[str, Any]:
        names = schema.key
        if not names or not key or set(key) != set(names):
            raise _bad(Refusal.BAD_INPUT, [_field_error("key", "key_fields", "exchange.call.key_fields")])
        return self._typed(schema, key, "key")

    def _verify(
        self, plan: ServicePlan, body: CallIn, table: Any, scope: Scope | None, audit: dict[str, Any], grant: Grant
    ) -> tuple[dict[str, Any], list[str], int, Grant]:
        values = body.values or {}
        key_names = plan.schema.key
        if not key_names or not set(key_names) <= set(values) or len(values) <= len(key_names):
            raise _bad(Refusal.BAD_INPUT, [_field_error("values", "key_and_more", "exchange.call.verify_fields")])
        typed = self._typed(plan.schema, values, "values")
        key = {k: typed[k] for k in key_names}
        checked = [n for n in typed if n not in key_names]
        rows = self.rt.serving.lookup(table, key, self._columns(list(typed), scope))
        if rows and scope is not None and not scope.covers(rows[0].get(scope.field)):
            raise _refused(Refusal.OUTSIDE_SCOPE)
        match = bool(rows) and all(_same(rows[0].get(n), typed[n]) for n in checked)
        return {"match": match}, list(typed), int(bool(rows)), grant

    @staticmethod
    def _invoke(plan: ServicePlan, body: CallIn) -> dict[str, Any]:
        if plan.handler not in HANDLERS:
            raise _Refuse(Refusal.NO_SERVICE, NotFound("exchange.service.not_found"))
        data = body.input or {}
        unknown = sorted(k for k in data if k not in HANDLERS[plan.handler].params)
        if unknown:
            raise _bad(Refusal.BAD_INPUT, [_field_error(f"input.{k[:64]}", "unknown_field") for k in unknown])
        try:
            return invoke(plan.handler, data)
        except CapabilityInputError as exc:
            raise _bad(Refusal.BAD_INPUT, [_field_error(f"input.{exc.field}", exc.code)]) from None


def _date_text(value: Any, name: str, where: str) -> Any:
    try:
        return (
            dt.date.fromisoformat(str(value)[:10]) if len(str(value)) <= 10 else dt.datetime.fromisoformat(str(value))
        )
    except ValueError:
        raise _bad(Refusal.BAD_INPUT, [_field_error(f"{where}.{name}", "date")]) from None


def _norm(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        value = value.isoformat()
    return "".join(str(value).split()).upper()


def _same(stored: Any, given: Any) -> bool:
    return stored is not None and _norm(stored) == _norm(given)
