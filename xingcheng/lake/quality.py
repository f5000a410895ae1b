"""The scorecard of a version beyond what the load counts itself: timeliness and agreement.

*Timeliness* compares the time since the previous version with the resource's update cycle (a daily
resource delivered after four days scores 2/4). *Agreement* compares shared data items (一数一源) with
their authoritative source: the version is joined with the authority's newest version on an identifying
data item (an ID number, a credit code or the authority's key) and each shared item is compared, codes by
their meaning (``1`` and ``男`` agree when both mean 男).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from xingcheng.lake.engine import CATALOG, quote_ident, quote_literal
from xingcheng.lake.loader import table_name
from xingcheng.ledger.schema import FieldFormat, FieldSpec, ResourceSchema, UpdateCycle

__all__ = ["Authority", "agreement", "overall", "timeliness"]

DIMENSIONS = ("completeness", "validity", "uniqueness", "timeliness", "agreement")


def timeliness(cycle: UpdateCycle, previous: dt.datetime | None, now: dt.datetime) -> float | None:
    days = cycle.days
    if days is None:
        return None
    if previous is None:
        return 1.0
    elapsed = max((now - previous).total_seconds() / 86400, 0.0)
    return 1.0 if elapsed <= days else round(days / elapsed, 4)


def overall(scores: dict[str, float | None]) -> float | None:
    values = [v for k, v in scores.items() if k in DIMENSIONS and v is not None]
    return round(sum(values) / len(values), 4) if values else None


@dataclass(frozen=True)
class Authority:
    """The authoritative source of one data item: its resource, field and newest snapshot."""

    schema: ResourceSchema
    field: FieldSpec
    snapshot_id: int
    code_labels: dict[str, dict[str, str]]


def _comparable(expr: str, labels: dict[str, str] | None) -> str:
    text = f"CAST({expr} AS VARCHAR)"
    if not labels:
        return text
    cases = " ".join(f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in sorted(labels.items()))
    return f"CASE {text} {cases} ELSE {text} END"


def _join_item(schema: ResourceSchema, authority: ResourceSchema) -> tuple[FieldSpec, FieldSpec] | None:
    """(our field, their field) carrying the same identifying data item, identifiers first."""
    theirs = {f.data_item: f for f in authority.fields if f.data_item}
    candidates = []
    for f in schema.fields:
        other = theirs.get(f.data_item) if f.data_item else None
        if other is None:
            continue
        if other.format in (FieldFormat.ID_NUMBER, FieldFormat.USCC):
            candidates.append((0, f, other))
        elif other.is_key:
            candidates.append((1, f, other))
    if not candidates:
        return None
    candidates.sort(key=lambda c: c[0])
    return candidates[0][1], candidates[0][2]


def agreement(
    con: duckdb.DuckDBPyConnection,
    schema: ResourceSchema,
    snapshot_id: int,
    code_labels: dict[str, dict[str, str]],
    authority_of: Callable[[str], Authority | None],
) -> tuple[float | None, dict[str, Any]]:
    """Share of compared shared-item values that equal the authority's; details per data item."""
    details: dict[str, Any] = {}
    agree_total = both_total = 0
    for f in schema.fields:
        if not f.data_item:
            continue
        auth = authority_of(f.data_item)
        if auth is None or auth.schema.code == schema.code:
            continue
        join = _join_item(schema, auth.schema)
        if join is None or join[0].name == f.name:
            continue
        ours_key, theirs_key = join
        mine = (
            f"(SELECT * FROM {CATALOG}.main.{quote_ident(table_name(schema.code))} AT (VERSION => {int(snapshot_id)}))"  # noqa: S608
        )
        theirs = (
            f"(SELECT * FROM {CATALOG}.main.{quote_ident(table_name(auth.schema.code))} "  # noqa: S608
            f"AT (VERSION => {int(auth.snapshot_id)}))"
        )
        left = _comparable(f"t.{quote_ident(f.name)}", code_labels.get(f.name))
        right = _comparable(f"a.{quote_ident(auth.field.name)}", auth.code_labels.get(auth.field.name))
        row = con.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE l IS NOT NULL AND r IS NOT NULL),
                   count(*) FILTER (WHERE l = r)
            FROM (SELECT {left} AS l, {right} AS r FROM {mine} t
                  JOIN (SELECT * FROM {theirs}
                        QUALIFY row_number() OVER (PARTITION BY {quote_ident(theirs_key.name)}) = 1) a
                  ON t.{quote_ident(ours_key.name)} = a.{quote_ident(theirs_key.name)})"""  # noqa: S608
        ).fetchone()
        matched, both, agree = (int(x or 0) for x in (row or (0, 0, 0)))
        details[f.data_item] = {
            "field": f.name,
            "authority": auth.schema.code,
            "matched": matched,
            "compared": both,
            "agree": agree,
            "rate": round(agree / both, 4) if both else None,
        }
        agree_total += agree
        both_total += both
    return (round(agree_total / both_total, 4) if both_total else None), details
