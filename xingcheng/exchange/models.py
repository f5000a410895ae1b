"""Tables of the exchange: services, share requests, grants, notices, and the audit log with its signed heads.

The audit tables hold plain numbers and codes, not foreign keys: an audit entry must outlive the grant,
the client or the department it names, and nothing may cascade into it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xingcheng.core.db import Base, UTCDateTime, utcnow
from xingcheng.ledger.models import Resource

__all__ = ["AuditEntry", "AuditState", "Grant", "Notice", "Service", "ShareRequest", "TreeHead"]


class Service(Base):
    """One data service of the supermarket: an operation on a published resource (or a capability)."""

    __tablename__ = "exchange_service"
    __table_args__ = (UniqueConstraint("resource_id", "operation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ledger_resource.id", ondelete="CASCADE"), index=True)
    operation: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(240))
    handler: Mapped[str] = mapped_column(String(32), default="")  # capabilities: which built-in handler
    state: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship(lazy="raise")


class ShareRequest(Base):
    """A department asks for a resource (or some of its fields) for a stated purpose (共享申请)."""

    __tablename__ = "exchange_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ledger_resource.id", ondelete="CASCADE"), index=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("identity_department.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("identity_department.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("identity_api_client.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(100))  # log-safe actor ref
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    unmask_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    operations: Mapped[list[str]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text)
    scenario: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    duration_days: Mapped[int] = mapped_column(Integer)
    scope_field: Mapped[str | None] = mapped_column(String(64), default=None)
    scope_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_per_second: Mapped[float] = mapped_column(Float)
    daily_rows: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), index=True)
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None, index=True)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship(lazy="raise")


class Grant(Base):
    """What one consumer system may call: fields, rows, operations, limits, until when (授权)."""

    __tablename__ = "exchange_grant"
    __table_args__ = (Index("ix_exchange_grant_client_resource", "client_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_request.id"), index=True, default=None)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ledger_resource.id", ondelete="CASCADE"), index=True)
    consumer_department_id: Mapped[int] = mapped_column(ForeignKey("identity_department.id"), index=True)
    provider_department_id: Mapped[int] = mapped_column(ForeignKey("identity_department.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("identity_api_client.id"))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    unmask_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    operations: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_field: Mapped[str | None] = mapped_column(String(64), default=None)
    scope_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_per_second: Mapped[float] = mapped_column(Float)
    burst: Mapped[int] = mapped_column(Integer)
    daily_rows: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="active", index=True)
    state_reason: Mapped[str] = mapped_column(Text, default="")
    state_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    state_changed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    resource: Mapped[Resource] = relationship(lazy="raise")


class Notice(Base):
    """A message to a department's inbox (department set) or to the data bureau (department None)."""

    __tablename__ = "exchange_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("identity_department.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("exchange_request.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """One appended, hash-chained entry: a gateway call (served or refused) or an approval decision.

    ``entry_hash`` is the RFC 9162 leaf hash SHA-256(0x00 || canonical entry), and the canonical entry
    contains ``prev_hash``: the leaves of the Merkle tree are the links of the chain.
    """

    __tablename__ = "exchange_audit_entry"
    __table_args__ = (
        Index("ix_exchange_audit_entry_service_at", "service_code", "at"),
        Index("ix_exchange_audit_entry_provider_at", "provider_department_id", "at"),
        Index("ix_exchange_audit_entry_consumer_at", "consumer_department_id", "at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # call | decision
    action: Mapped[str] = mapped_column(String(32))  # lookup, verify … | request, approve, refuse, revoke …
    outcome: Mapped[str] = mapped_column(String(48))  # ok | refused:<code> | the decision
    actor: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[int | None] = mapped_column(Integer, default=None)
    consumer_department_id: Mapped[int | None] = mapped_column(Integer, default=None)
    provider_department_id: Mapped[int | None] = mapped_column(Integer, default=None)
    grant_id: Mapped[int | None] = mapped_column(Integer, default=None)
    request_id: Mapped[int | None] = mapped_column(Integer, default=None)
    service_code: Mapped[str | None] = mapped_column(String(100), default=None)
    resource_code: Mapped[str | None] = mapped_column(String(64), default=None)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    case_ref: Mapped[str] = mapped_column(String(200), default="")
    end_user: Mapped[str] = mapped_column(String(100), default="")
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    xc_request_id: Mapped[str] = mapped_column(String(64), default="")
    request_hash: Mapped[str] = mapped_column(String(64), default="")
    response_hash: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditState(Base):
    """The log's head (one row): size, last hash and the Merkle frontier (the roots of its perfect subtrees)."""

    __tablename__ = "exchange_audit_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    frontier: Mapped[list[str]] = mapped_column(JSON, default=list)
    signed_size: Mapped[int] = mapped_column(BigInteger, default=0)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class TreeHead(Base):
    """A signed Merkle tree head (RFC 6962 TreeHeadSignature, Ed25519)."""

    __tablename__ = "exchange_tree_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, unique=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(64))
