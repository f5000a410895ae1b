"""Pydantic shapes of the lake API. Nothing here carries personal data: quarantine samples are masked
before they reach these models, and a pull's database URL is shown without its password."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "LoadOut",
    "ProfileIn",
    "PullIn",
    "PullOut",
    "QualityOut",
    "QuarantineRow",
    "RuleCountOut",
    "UploadIn",
    "UploadOut",
    "VersionOut",
]

Mode = Literal["full", "upsert"]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RuleCountOut(_Out):
    field: str
    rule: str
    count: int


class LoadOut(_Out):
    id: int
    resource_code: str
    mode: str
    source_kind: str
    source_name: str
    source_sha256: str | None
    source_bytes: int | None
    source_format: str | None
    source_encoding: str | None
    status: str
    stage: str
    progress: int
    error_key: str | None
    error: str | None = None
    errors: list[dict[str, Any]] = []
    rows_read: int
    rows_loaded: int
    rows_failed: int
    rows_malformed: int
    max_failure_ratio: float
    unmapped_columns: list[str]
    version: int | None = None
    rule_counts: list[RuleCountOut] = []
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class QualityOut(BaseModel):
    completeness: float | None
    validity: float | None
    uniqueness: float | None
    timeliness: float | None
    agreement: float | None
    score: float | None
    details: dict[str, Any] = {}


class VersionOut(BaseModel):
    number: int
    snapshot_id: int
    rows: int
    schema_version: int
    created_at: dt.datetime
    expired_at: dt.datetime | None
    load_id: int | None
    source_kind: str | None = None
    source_name: str | None = None
    quality: QualityOut | None = None


class QuarantineRow(BaseModel):
    record: int | None
    line: int | None
    rules: list[dict[str, str]]
    values: dict[str, Any]


class UploadIn(BaseModel):
    filename: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=1)
    mode: Mode = "full"


class UploadOut(BaseModel):
    id: int
    resource_code: str
    filename: str
    size: int
    received: int
    chunk_bytes: int
    load_id: int | None = None


class ProfileIn(BaseModel):
    columns: dict[str, str] = {}
    encoding: Literal["utf-8", "gb18030"] | None = None
    date_formats: dict[str, list[str]] = {}
    value_maps: dict[str, dict[str, str]] = {}
    code_labels: dict[str, dict[str, str]] = {}
    sheet: str | None = Field(None, max_length=100)
    delimiter: str | None = Field(None, max_length=1)
    format: Literal["csv", "xlsx", "jsonl", "parquet"] | None = None
    max_failure_ratio: float | None = Field(None, ge=0, le=1)


class PullIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=3, max_length=500)
    query: str = Field(min_length=1, max_length=10_000)
    mode: Mode = "full"
    interval_minutes: int = Field(1440, ge=1, le=527_040)
    enabled: bool = True


class PullOut(BaseModel):
    id: int
    resource_code: str
    name: str
    url: str  # without password
    query: str
    mode: str
    interval_minutes: int
    enabled: bool
    next_run_at: dt.datetime
    last_load_id: int | None
