"""The canonical bytes of an audit entry: what its hash covers, documented in docs/exchange.md.

UTF-8 JSON of the entry's fields with keys sorted, no whitespace, non-ASCII kept as is, the time as
ISO 8601 UTC with microseconds (``2026-11-21T08:00:00.000000Z``), and ``v`` the format version.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

__all__ = ["CANONICAL_FIELDS", "GENESIS", "canonical_bytes", "format_time"]

GENESIS = "0" * 64  # the prev_hash of the first entry
CANONICAL_FIELDS = (
    "seq",
    "at",
    "kind",
    "action",
    "outcome",
    "actor",
    "client_id",
    "consumer_department_id",
    "provider_department_id",
    "grant_id",
    "request_id",
    "service_code",
    "resource_code",
    "purpose",
    "case_ref",
    "end_user",
    "fields",
    "row_count",
    "xc_request_id",
    "request_hash",
    "response_hash",
    "detail",
    "prev_hash",
)


def format_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(values: dict[str, Any]) -> bytes:
    doc: dict[str, Any] = {"v": 1}
    for name in CANONICAL_FIELDS:
        value = values.get(name)
        if name == "at":
            value = format_time(value)
        doc[name] = value
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
