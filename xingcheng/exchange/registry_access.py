"""The exchange's read policy for the registries: staff read a registry record only under a grant.

The five registries are ledger resources of the data bureau (:mod:`xingcheng.registries.catalog`). A member
of staff reads a person, company or address record when their department holds an active, unexpired grant
on that registry's resource with the ``lookup`` operation (query by key, 按键查询). The grant's ``fields``
decide the attributes shown, its ``unmask_fields`` lift masking per field and its row scope
(``scope_field`` / ``scope_values``, e.g. ``district_code``) limits the records. Of several usable grants the
one lifting the most masking is taken (then the one showing most fields, an unscoped one, the one lasting
longest, the oldest) — the same record always reads the same way.

Refusals — no registered resource, no department, no grant, expired, suspended, revoked, no ``lookup``,
outside the scope — are appended to the audit log (``refused:<code>``) before the 403 leaves, like the
gateway's; a served read's entry (written when the registries announce :class:`RegistryRead`) names the grant,
the consumer and provider departments, the resource code, the fields delivered and those unmasked, one row
and the grant's purpose. Both go through the gateway's audit writer and wait for their commit; an entry that
cannot be written refuses the read (503).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.exchange.errors import AuditUnavailable
from xingcheng.exchange.models import Grant, ShareRequest
from xingcheng.exchange.service import effective_state
from xingcheng.exchange.vocab import GrantState, Operation, Refusal
from xingcheng.registries import catalog
from xingcheng.registries.reading import ReadAccess, ReadRefused, RegistryRead

__all__ = ["RegistryAccess", "audit_served", "request_url"]

# The operation a registry record read needs: a query by key.
READ_OPERATION = Operation.LOOKUP.value


def request_url(resource_id: int) -> str:
    """The exchange's request form for a resource (where a refused reader asks for access)."""
    return f"/exchange/requests/new?resource_id={resource_id}"


def _write(app: Any, values: dict[str, Any]) -> int:
    from xingcheng.exchange.api import gateway_for_app

    gateway = gateway_for_app(app)
    try:
        return gateway.writer.append(values, timeout=gateway.rt.settings.exchange_audit_wait_seconds)
    except Exception:  # a database error, a timeout: the read is not known audited, so it is not served
        raise AuditUnavailable() from None


def audit_served(app: Any, event: RegistryRead) -> int:
    """Append (and wait for) the entry of a served registry read; raises :class:`AuditUnavailable` otherwise."""
    return _write(
        app,
        {
            "kind": "read",
            "action": f"registry.{event.registry}"[:32],
            "outcome": "ok",
            "actor": event.actor,
            "consumer_department_id": event.consumer_department_id,
            "provider_department_id": event.provider_department_id,
            "grant_id": event.grant_id,
            "resource_code": (event.resource_code or f"registry.{event.registry}")[:64],
            "purpose": event.purpose[:200],
            "fields": list(event.fields),
            "row_count": 1,
            "detail": {"ref": event.ref[:100], "unmasked": list(event.unmasked)},
        },
    )


def _rank(grant: Grant) -> tuple[Any, ...]:
    """Most unmasking first, then most fields (an empty list is every field), unscoped, longest, oldest."""
    fields = grant.fields or []
    return (
        -len(grant.unmask_fields or []),
        0 if not fields else 1,
        -len(fields),
        0 if not grant.scope_field else 1,
        -grant.expires_at.timestamp(),
        grant.id,
    )


def _covers(grant: Grant, scope: Callable[[str], str | None]) -> bool:
    if not grant.scope_field:
        return True
    value = scope(grant.scope_field)
    # a prefix, as the gateway's scopes: 4301 covers every district of Changsha, 430104 one district
    return value is not None and any(value.startswith(v) for v in (grant.scope_values or []) if v)


class RegistryAccess:
    """The read policy (``app.state.read_policy``) the exchange gives the registries."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def authorize(
        self, db: Session, principal: Any, registry: str, ref: str, scope: Callable[[str], str | None]
    ) -> ReadAccess:
        resource = catalog.resource_for(db, registry)
        if resource is None or resource.state != "published":
            self._refuse(principal, registry, ref, "not_registered", resource)
        if principal.department_id is None:
            self._refuse(principal, registry, ref, "no_department", resource)
        grants = list(
            db.scalars(
                select(Grant)
                .where(Grant.consumer_department_id == principal.department_id, Grant.resource_id == resource.id)
                .order_by(Grant.id)
            )
        )
        now = utcnow()
        states = [(g, effective_state(g, now)) for g in grants]
        active = [g for g, state in states if state == GrantState.ACTIVE]
        usable = [g for g in active if READ_OPERATION in (g.operations or [])]
        if not usable:
            if active:
                self._refuse(principal, registry, ref, Refusal.OPERATION_NOT_GRANTED, resource, min(active, key=_rank))
            for state, refusal in (
                (GrantState.SUSPENDED.value, Refusal.GRANT_SUSPENDED),
                ("expired", Refusal.GRANT_EXPIRED),
                (GrantState.REVOKED.value, Refusal.GRANT_REVOKED),
            ):
                held = [g for g, s in states if s == state]
                if held:
                    self._refuse(principal, registry, ref, refusal, resource, held[-1])
            self._refuse(principal, registry, ref, Refusal.NO_GRANT, resource)
        covering = [g for g in usable if _covers(g, scope)]
        if not covering:
            self._refuse(principal, registry, ref, Refusal.OUTSIDE_SCOPE, resource, min(usable, key=_rank))
        grant = min(covering, key=_rank)
        every = [f.name for f in resource.fields]
        shown = frozenset(n for n in (grant.fields or every) if n in every)
        personal = {f.name for f in resource.fields if f.sensitivity != "none"}
        return ReadAccess(
            registry=registry,
            resource_code=resource.code,
            grant_id=grant.id,
            consumer_department_id=grant.consumer_department_id,
            provider_department_id=grant.provider_department_id,
            fields=shown,
            unmasked=frozenset(n for n in (grant.unmask_fields or []) if n in shown and n in personal),
            scope_field=grant.scope_field or None,
            scope_values=tuple(grant.scope_values or ()) if grant.scope_field else (),
            purpose=self._purpose(db, grant),
        )

    @staticmethod
    def _purpose(db: Session, grant: Grant) -> str:
        req = db.get(ShareRequest, grant.request_id) if grant.request_id else None
        return (req.purpose if req else "")[:200]

    def _refuse(
        self,
        principal: Any,
        registry: str,
        ref: str,
        code: str,
        resource: Any = None,
        grant: Grant | None = None,
    ) -> NoReturn:
        """Audit the refusal (and wait for its commit), then raise it."""
        code = str(code)
        _write(
            self.app,
            {
                "kind": "read",
                "action": f"registry.{registry}"[:32],
                "outcome": f"refused:{code}"[:48],
                "actor": principal.ref,
                "consumer_department_id": principal.department_id,
                "provider_department_id": resource.department_id if resource is not None else None,
                "grant_id": grant.id if grant is not None else None,
                "resource_code": (resource.code if resource is not None else f"registry.{registry}")[:64],
                "fields": [],
                "row_count": 0,
                "detail": {"ref": ref[:100]},
            },
        )
        raise ReadRefused(
            code,
            registry=registry,
            resource_id=resource.id if resource is not None else None,
            resource_code=resource.code if resource is not None else "",
            request_url=request_url(resource.id) if resource is not None and resource.state == "published" else None,
        )
