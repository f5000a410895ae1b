"""Pydantic shapes of the exchange API (in and out)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xingcheng.exchange.vocab import Operation

__all__ = [
    "CallIn",
    "DecisionIn",
    "GrantOut",
    "GrantStateIn",
    "RequestIn",
    "RequestOut",
    "ServiceOut",
]

_Text = Field(min_length=2, max_length=2000)


class RequestIn(BaseModel):
    """A share request (共享申请): what, why, for which system, how much, how long."""

    model_config = ConfigDict(extra="forbid")

    resource_id: int
    client_id: int = Field(description="The consumer department's calling system (API client).")
    fields: list[str] = Field(default_factory=list, max_length=500, description="Empty: every field.")
    unmask_fields: list[str] = Field(default_factory=list, max_length=500)
    operations: list[Operation] = Field(default_factory=lambda: [Operation.LOOKUP], min_length=1, max_length=5)
    purpose: str = _Text
    scenario: str = Field("", max_length=2000)
    legal_basis: str = Field("", max_length=2000)
    duration_days: int = Field(365, ge=1, le=3650)
    scope_field: str | None = Field(None, max_length=64)
    scope_values: list[str] = Field(default_factory=list, max_length=200)
    rate_per_second: float | None = Field(None, gt=0, le=10_000)
    daily_rows: int | None = Field(None, ge=1, le=100_000_000)


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    resource_id: int
    consumer_department_id: int
    provider_department_id: int
    client_id: int
    fields: list[str]
    unmask_fields: list[str]
    operations: list[str]
    purpose: str
    scenario: str
    legal_basis: str
    duration_days: int
    scope_field: str | None
    scope_values: list[str]
    rate_per_second: float
    daily_rows: int
    state: str
    deadline_at: dt.datetime | None
    escalated_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_reason: str
    created_at: dt.datetime
    grant_id: int | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=2000)
    unmask_fields: list[str] | None = Field(None, max_length=500, description="Approve: the fields left unmasked.")


class GrantStateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=2000)


class GrantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    request_id: int | None
    resource_id: int
    consumer_department_id: int
    provider_department_id: int
    client_id: int
    fields: list[str]
    unmask_fields: list[str]
    operations: list[str]
    scope_field: str | None
    scope_values: list[str]
    rate_per_second: float
    burst: int
    daily_rows: int
    starts_at: dt.datetime
    expires_at: dt.datetime
    state: str
    effective_state: str
    state_reason: str


class ServiceOut(BaseModel):
    code: str
    name: str
    operation: str
    resource_id: int
    resource_code: str
    resource_name: str
    provider: str
    share_type: str
    calls_30d: int = 0
    grant_status: str = "none"
    openapi: str


class CallIn(BaseModel):
    """The body of a gateway call; which members apply depends on the service's operation."""

    model_config = ConfigDict(extra="forbid")

    key: dict[str, Any] | None = Field(None, description="lookup: the key fields and their values.")
    filters: dict[str, Any] | None = Field(None, description="search: field → value (equality).")
    values: dict[str, Any] | None = Field(None, description="verify: field → value to check against the record.")
    input: dict[str, Any] | None = Field(None, description="invoke: the capability's parameters.")
    fields: list[str] | None = Field(None, max_length=500, description="The fields wanted (default: all granted).")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=10_000)
    cursor: int = Field(0, ge=0, le=10**12, description="extract: where the next batch starts.")
    limit: int = Field(1000, ge=1, le=1_000_000)
