"""Indexed serving copies of the lake's current versions: what the gateway reads.

DuckLake tables are Parquet files without indexes: a point lookup scans (≈100 lookups/s). The gateway
instead reads a copy of the resource's current version materialised in an in-memory DuckDB database
attached to the lake engine (``xc_serving``), with ART indexes on what services look up: the key, the
identifier fields (ID number, credit code, plate, phone) and the grant scope field. A copy is built on
first use and rebuilt when the lake commits a new version of that table (checked every
``XINGCHENG_EXCHANGE_SERVING_CHECK_SECONDS``); the previous copy is dropped one rebuild later, so a query
running against it finishes. See docs/decisions/0040-indexed-serving-copies.md.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from xingcheng.lake.engine import CATALOG, LakeEngine, quote_ident, quote_literal
from xingcheng.lake.loader import table_name
from xingcheng.ledger.schema import FieldFormat, ResourceSchema

__all__ = ["SERVING", "Scope", "ServingStore", "ServingTable", "sql_literal"]

SERVING = "xc_serving"
_INDEXED_FORMATS = {FieldFormat.ID_NUMBER, FieldFormat.USCC, FieldFormat.PLATE, FieldFormat.PHONE}


def sql_literal(value: Any) -> str:
    """A typed value as a DuckDB literal.

    Lookups are sent as literals, not parameters: DuckDB plans a constant filter as an index probe and a
    parameter as a filtered scan (0.7 ms against 2.3 ms per lookup on 20,000 rows here). Strings are quoted
    SQL-standard (a quote doubled; DuckDB reads no backslash escapes in '…'), and NUL is refused.
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return repr(float(value))
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    text = str(value)
    if "\x00" in text:
        raise ValueError("NUL in a value")
    return quote_literal(text)


@dataclass(frozen=True, slots=True)
class Scope:
    """A grant's row scope: rows whose ``field`` starts with one of ``values`` (430104 covers 430104001…)."""

    field: str
    values: tuple[str, ...]

    def sql(self) -> str:
        col = f"CAST({quote_ident(self.field)} AS VARCHAR)"
        return "(" + " OR ".join(f"starts_with({col}, {sql_literal(v)})" for v in self.values) + ")"

    def covers(self, value: Any) -> bool:
        text = "" if value is None else str(value)
        return any(text.startswith(v) for v in self.values)


@dataclass(frozen=True, slots=True)
class ServingTable:
    resource_code: str
    qualified: str
    columns: tuple[str, ...]
    fingerprint: tuple[Any, ...]
    snapshot_id: int
    rows: int
    built_at: float


class ServingStore:
    def __init__(self, engine: LakeEngine, check_seconds: float = 5.0) -> None:
        self.engine = engine
        self.check_seconds = check_seconds
        self._tables: dict[str, ServingTable] = {}
        self._retired: dict[str, str] = {}
        self._stale: set[str] = set()
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._attached = False
        self._seen_snapshot: int | None = None
        self._checked_at = 0.0
        self._serial = 0

    # -- the lake side -----------------------------------------------------------------------------
    def _attach(self, cur: duckdb.DuckDBPyConnection) -> None:
        if not self._attached:
            with self._lock:
                if not self._attached:
                    cur.execute(f"ATTACH IF NOT EXISTS ':memory:' AS {SERVING}")
                    self._attached = True

    @staticmethod
    def _fingerprint(cur: duckdb.DuckDBPyConnection, lake_table: str) -> tuple[Any, ...] | None:
        row = cur.execute(
            f"SELECT table_id, file_count, file_size_bytes, delete_file_count, delete_file_size_bytes "  # noqa: S608
            f"FROM ducklake_table_info('{CATALOG}') WHERE table_name = ?",
            [lake_table],
        ).fetchone()
        return tuple(row) if row else None

    def _poll(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Mark every copy stale when the lake has a newer snapshot than we last saw (rate-limited)."""
        now = time.monotonic()
        if now - self._checked_at < self.check_seconds:
            return
        self._checked_at = now
        row = cur.execute(f"SELECT max(snapshot_id) FROM {CATALOG}.snapshots()").fetchone()  # noqa: S608
        latest = int(row[0]) if row and row[0] is not None else -1
        if latest != self._seen_snapshot:
            with self._lock:
                self._seen_snapshot = latest
                self._stale.update(self._tables)

    def table(self, schema: ResourceSchema) -> ServingTable | None:
        """The serving copy of a resource's current version (None: the lake holds no data for it yet)."""
        code = schema.code
        with self.engine.cursor() as cur:
            self._attach(cur)
            self._poll(cur)
            current = self._tables.get(code)
            if current is not None and code not in self._stale:
                return current
            with self._lock:
                lock = self._locks.setdefault(code, threading.Lock())
            with lock:
                current = self._tables.get(code)
                if current is not None and code not in self._stale:
                    return current
                fingerprint = self._fingerprint(cur, table_name(code))
                if fingerprint is None:
                    return None
                if current is not None and current.fingerprint == fingerprint:
                    self._stale.discard(code)
                    return current
                built = self._build(cur, schema, fingerprint)
                with self._lock:
                    old = self._retired.pop(code, None)
                    if current is not None:
                        self._retired[code] = current.qualified
                    self._tables[code] = built
                    self._stale.discard(code)
                if old is not None:
                    cur.execute(f"DROP TABLE IF EXISTS {old}")
                return built

    def _build(
        self, cur: duckdb.DuckDBPyConnection, schema: ResourceSchema, fingerprint: tuple[Any, ...]
    ) -> ServingTable:
        lake_table = table_name(schema.code)
        present = {
            r[0]
            for r in cur.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
                "AND table_name = ?",
                [CATALOG, lake_table],
            ).fetchall()
        }
        columns = tuple(f.name for f in schema.fields if f.name in present)
        row = cur.execute(f"SELECT max(snapshot_id) FROM {CATALOG}.snapshots()").fetchone()  # noqa: S608
        snapshot = int(row[0]) if row and row[0] is not None else 0
        with self._lock:
            self._serial += 1
            serial = self._serial
        name = f"s_{lake_table}_{snapshot}_{serial}"
        qualified = f"{SERVING}.main.{quote_ident(name)}"
        cols = ", ".join(quote_ident(c) for c in columns)
        source = f"{CATALOG}.main.{quote_ident(lake_table)}"
        cur.execute(f"CREATE TABLE {qualified} AS SELECT {cols} FROM {source} AT (VERSION => ?)", [snapshot])  # noqa: S608
        indexed: list[tuple[str, ...]] = []
        key = tuple(k for k in schema.key if k in present)
        if key:
            indexed.append(key)
        for f in schema.fields:
            if f.name in present and f.format in _INDEXED_FORMATS and (f.name,) not in indexed:
                indexed.append((f.name,))
        for i, cols_ in enumerate(indexed):
            cur.execute(
                f"CREATE INDEX {quote_ident(f'ix_{name}_{i}')} ON {qualified} "
                f"({', '.join(quote_ident(c) for c in cols_)})"
            )
        count = cur.execute(f"SELECT count(*) FROM {qualified}").fetchone()  # noqa: S608
        return ServingTable(
            schema.code, qualified, columns, fingerprint, snapshot, int(count[0]) if count else 0, time.time()
        )

    def index_scope(self, schema: ResourceSchema, field: str) -> None:
        """Index a grant's scope field too (called when a grant with a scope is first used)."""
        table = self.table(schema)
        if table is None or field not in table.columns:
            return
        with self.engine.cursor() as cur:
            name = table.qualified.rsplit(".", 1)[-1].strip('"')
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {quote_ident(f'ix_{name}_scope_{field}')} ON {table.qualified} "
                f"({quote_ident(field)})"
            )

    # -- reads -------------------------------------------------------------------------------------
    @staticmethod
    def _rows(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
        names = [d[0] for d in result.description or []]
        return [dict(zip(names, r, strict=True)) for r in result.fetchall()]

    @staticmethod
    def _where(equals: dict[str, Any], scope: Scope | None) -> str:
        parts = [f"{quote_ident(name)} = {sql_literal(value)}" for name, value in equals.items()]
        if scope is not None:
            parts.append(scope.sql())
        return (" WHERE " + " AND ".join(parts)) if parts else ""

    def lookup(
        self, table: ServingTable, key: dict[str, Any], columns: Sequence[str], limit: int = 2
    ) -> list[dict[str, Any]]:
        # A field added to the resource after this version was loaded reads as null (as in the lake).
        cols = ", ".join(quote_ident(c) for c in columns if c in table.columns) or "1 AS _none"
        if any(k not in table.columns for k in key):
            return []
        where = self._where(key, None)
        with self.engine.cursor() as cur:
            return self._rows(cur.execute(f"SELECT {cols} FROM {table.qualified}{where} LIMIT {int(limit)}"))  # noqa: S608

    def search(
        self,
        table: ServingTable,
        columns: Sequence[str],
        filters: dict[str, Any],
        scope: Scope | None,
        order: Iterable[str],
        offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int]:
        cols = ", ".join(quote_ident(c) for c in columns if c in table.columns) or "1 AS _none"
        if any(k not in table.columns for k in filters):
            return [], 0  # a filter on a field this version lacks (all null) matches nothing
        where = self._where(filters, scope)
        order_sql = ", ".join(quote_ident(c) for c in order if c in table.columns) or "1"
        with self.engine.cursor() as cur:
            total_row = cur.execute(f"SELECT count(*) FROM {table.qualified}{where}").fetchone()  # noqa: S608
            rows = self._rows(
                cur.execute(
                    f"SELECT {cols} FROM {table.qualified}{where} ORDER BY {order_sql} "  # noqa: S608
                    f"LIMIT {int(limit)} OFFSET {int(offset)}"
                )
            )
        return rows, int(total_row[0]) if total_row else 0
