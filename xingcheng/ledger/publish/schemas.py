"""Pydantic shapes of federation (harvest sources and runs)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["HarvestRunOut", "HarvestSourceIn", "HarvestSourceOut"]


class HarvestSourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=8, max_length=300, pattern=r"^https?://[^\s]+$")
    kind: Literal["peer", "lower", "upper"] = "peer"
    include_private: bool = True
    department_code: str | None = Field(None, max_length=32, description="The department that stands for that hub.")
    enabled: bool = True


class HarvestSourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    title: str
    url: str
    kind: str
    include_private: bool
    department_id: int | None
    enabled: bool
    cursor: dt.datetime | None
    last_run_at: dt.datetime | None
    last_status: str


class HarvestRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source_id: int
    trigger: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    full: bool
    cursor_before: dt.datetime | None
    cursor_after: dt.datetime | None
    requests: int
    seen: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    withdrawn: int
    error_key: str | None
    errors: list[dict[str, Any]]
