"""One load, start to finish, inside DuckDB: read, validate, quarantine, and commit one DuckLake snapshot.

The file is read once (decision 0031): one ``INSERT`` into the resource's DuckLake table writes every record
— typed values, the bit masks of the rules it breaks (compiled to SQL by :mod:`xingcheng.lake.rules`) and,
for a failing record only, its values as sent. Everything after reads the inserted columns: duplicate keys,
the quarantine (failing rows with their rules), the counts for the scorecard; then the failing rows are
deleted again.

All of it, the delete of what the load replaces and the commit message run in one DuckLake transaction: the
load becomes one snapshot — one version — or nothing. A process killed before COMMIT leaves at most
Parquet files that no snapshot references (removed by :func:`xingcheng.lake.retention`), spill files in the
temp folder, and a load row that the next load marks as interrupted.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb

from xingcheng.core.errors import ValidationFailed
from xingcheng.lake.engine import CATALOG, quote_ident, quote_literal
from xingcheng.lake.readers import SourceFile, open_source
from xingcheng.lake.rules import DUCKDB, CompiledRules, Dialect, compile_rules, lake_type
from xingcheng.ledger.schema import FieldSpec, ResourceSchema

__all__ = [
    "LOAD_COLUMN",
    "FileDigest",
    "LoadOutcome",
    "LoadRequest",
    "Profile",
    "ProgressFn",
    "resolve_columns",
    "run_load",
    "table_name",
]

ProgressFn = Callable[[str, int, int], None]
Mode = Literal["full", "upsert"]
LOAD_COLUMN = "_xc_load"  # the load that wrote the row
# The record's number in its file (XLSX, JSON lines, Parquet; a CSV record has none). The column exists only in
# the tables of resources that have been fed such a file: a column of NULLs costs a CSV load of ten million rows
# about a CPU second to write (decision 0036).
ROW_COLUMN = "_xc_row"
RAW_COLUMN = "_xc_raw"  # a failing record's text (only until the failing records are deleted, pre-commit)
SYSTEM_PREFIX = "_xc_"
STAGES = ("read", "validate", "write", "commit")
_UNSAFE = re.compile(r"[^0-9a-z_]")


def table_name(resource_code: str) -> str:
    """The DuckLake table of a resource: ``r_<code>`` folded to ``[0-9a-z_]`` (plus a hash when folded)."""
    folded = _UNSAFE.sub("_", resource_code.lower())
    if folded != resource_code:
        folded += "_" + hashlib.sha256(resource_code.encode()).hexdigest()[:8]
    return "r_" + folded


@dataclass
class Profile:
    """How one resource's source files are written: the department's column names, encoding, date formats."""

    columns: dict[str, str] = field(default_factory=dict)  # field name → column header in the files
    encoding: str | None = None  # None: detect (UTF-8 or GB18030)
    date_formats: dict[str, list[str]] = field(default_factory=dict)  # field name → strftime patterns
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)  # field → {department value: code}
    sheet: str | None = None
    delimiter: str | None = None
    format: str | None = None
    max_failure_ratio: float | None = None
    code_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # field → {code: meaning}

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "encoding": self.encoding,
            "date_formats": self.date_formats,
            "value_maps": self.value_maps,
            "sheet": self.sheet,
            "delimiter": self.delimiter,
            "format": self.format,
            "max_failure_ratio": self.max_failure_ratio,
            "code_labels": self.code_labels,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Profile:
        data = data or {}
        return cls(
            columns=dict(data.get("columns") or {}),
            encoding=data.get("encoding"),
            date_formats={k: list(v) for k, v in (data.get("date_formats") or {}).items()},
            value_maps={k: dict(v) for k, v in (data.get("value_maps") or {}).items()},
            sheet=data.get("sheet"),
            delimiter=data.get("delimiter"),
            format=data.get("format"),
            max_failure_ratio=data.get("max_failure_ratio"),
            code_labels={k: dict(v) for k, v in (data.get("code_labels") or {}).items()},
        )


@dataclass
class LoadRequest:
    load_id: int
    schema: ResourceSchema
    path: Path
    mode: Mode = "full"
    profile: Profile = field(default_factory=Profile)
    max_failure_ratio: float = 0.05
    author: str = ""
    temp_dir: Path = Path("/tmp")  # noqa: S108 - replaced by the lake's own temp folder
    quarantine_path: Path = Path("quarantine.parquet")
    # The file's SHA-256, being computed while the load runs (see FileDigest); None: not wanted.
    digest: FileDigest | None = None


@dataclass
class LoadOutcome:
    status: Literal["committed", "refused"]
    rows_read: int
    rows_loaded: int
    rows_failed: int
    rows_malformed: int
    rule_counts: dict[str, int]
    quality: dict[str, float | None]
    snapshot_id: int | None = None
    rows_in_version: int | None = None
    unmapped_columns: list[str] = field(default_factory=list)
    missing_fields: list[str] = field(default_factory=list)
    source_format: str = ""
    source_encoding: str | None = None
    source_sha256: str | None = None


class FileDigest:
    """The SHA-256 of a file, computed on a thread of its own while the load reads the same file.

    Hashing the whole file before the load starts put about a second per gigabyte on the load's path;
    hashlib releases the GIL while it hashes large buffers, so the thread runs beside DuckDB's own. The
    load joins it before its commit, and the hash goes into the commit message with the load id.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._value: str | None = None
        self._thread = threading.Thread(target=self._run, name="xc-lake-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # Read in chunks, not through a memory map: mapped pages count in the process's resident memory
        # (measured: a mapped 1.3 GB file raised the load's peak from 806 to 2,005 MiB, for 0.3 CPU s saved).
        digest = hashlib.sha256()
        try:
            with self.path.open("rb", buffering=0) as fh:
                buffer = bytearray(_DIGEST_CHUNK)
                view = memoryview(buffer)
                while n := fh.readinto(buffer):
                    digest.update(view[:n])
        except OSError:
            return  # the load itself reports a file it cannot read
        self._value = digest.hexdigest()

    def result(self) -> str | None:
        """The hex digest (waits for the thread); None when the file could not be read."""
        self._thread.join()
        return self._value


_DIGEST_CHUNK = 4 << 20  # measured: 4 MiB reads hash a file from the page cache a fifth faster than 1 MiB


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-（）()]", "", text).lower()


def resolve_columns(schema: ResourceSchema, columns: list[str], profile: Profile) -> dict[str, str | None]:
    """Which file column feeds which field: the profile first, then the field's name, label and source names."""
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
    out: dict[str, str | None] = {}
    for f in schema.fields:
        chosen = profile.columns.get(f.name)
        if chosen is not None and chosen not in columns:
            chosen = by_norm.get(_norm(chosen))
        if chosen is None:
            for candidate in (f.name, f.label, *f.source_names):
                chosen = by_norm.get(_norm(candidate))
                if chosen is not None:
                    break
        out[f.name] = chosen
    return out


class _Progress:
    """Polls DuckDB's progress of the running statement and reports it as one stage."""

    def __init__(self, con: duckdb.DuckDBPyConnection, report: ProgressFn | None) -> None:
        self.con = con
        self.report = report
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run(self, stage: str, sql: str, params: list[Any] | None = None) -> None:
        report = self.report
        if report is None:
            self.con.execute(sql, params or [])
            return
        report(stage, 0, 100)
        self._stop.clear()

        def poll() -> None:
            while not self._stop.wait(0.5):
                value = self.con.query_progress()
                if value is not None and value >= 0:
                    report(stage, min(99, int(value)), 100)

        self._thread = threading.Thread(target=poll, daemon=True)
        self._thread.start()
        try:
            self.con.execute(sql, params or [])
        finally:
            self._stop.set()
            self._thread.join()
        report(stage, 100, 100)


def _fields_sql(rules: CompiledRules, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{quote_ident(f.name)}" for f in rules.schema.fields)


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' AND table_name = ?",
        [CATALOG, table],
    ).fetchone()
    return bool(row and row[0])


def _ensure_table(
    con: duckdb.DuckDBPyConnection, table: str, fields: tuple[FieldSpec, ...], system: list[tuple[str, str]]
) -> set[str]:
    """Create the table or add what it lacks; returns the names of its columns."""
    qualified = f"{CATALOG}.main.{quote_ident(table)}"
    if not _table_exists(con, table):
        cols = ", ".join(f"{quote_ident(f.name)} {lake_type(f)}" for f in fields)
        extra = ", ".join(f"{name} {dtype}" for name, dtype in system)
        con.execute(f"CREATE TABLE {qualified} ({cols}, {LOAD_COLUMN} BIGINT, {extra})")
        return {f.name for f in fields} | {LOAD_COLUMN} | {name for name, _ in system}
    existing = {
        name: dtype
        for name, dtype in con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
            "AND table_name = ?",
            [CATALOG, table],
        ).fetchall()
    }
    for f in fields:
        wanted = lake_type(f)
        if f.name not in existing:
            # Schema evolution: a field added to the resource becomes a column; old versions read it as NULL.
            con.execute(f"ALTER TABLE {qualified} ADD COLUMN {quote_ident(f.name)} {wanted}")
        elif existing[f.name] != wanted:
            raise ValidationFailed(
                "lake.schema.type_changed",
                errors=[{"field": f.name, "code": "type_changed", "message_key": "lake.schema.type_changed"}],
            )
    for name, dtype in system:
        if name not in existing:
            con.execute(f"ALTER TABLE {qualified} ADD COLUMN {name} {dtype}")
    return set(existing) | {f.name for f in fields} | {name for name, _ in system}


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0] or 0) if row else 0


def _malformed_rows(con: duckdb.DuckDBPyConnection, source: SourceFile) -> str | None:
    if source.malformed_sql is None:
        return None
    if source.format == "csv":
        row = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [_rejects_name(source)]
        ).fetchone()
        if not row or not row[0]:
            return None
    return source.malformed_sql


def _rejects_name(source: SourceFile) -> str:
    match = re.search(r"rejects_table = '([^']+)'", source.sql)
    return match.group(1) if match else ""


def run_load(
    con: duckdb.DuckDBPyConnection,
    request: LoadRequest,
    progress: ProgressFn | None = None,
    *,
    before_commit: Callable[[str], None] | None = None,
    dialect: Dialect = DUCKDB,
) -> LoadOutcome:
    """Run one load on ``con`` (a cursor of its own). Raises ``ValidationFailed`` for an unusable file.

    ``dialect``: the engine's (:attr:`LakeEngine.dialect`), with the compiled checks when they are loaded."""
    schema, profile = request.schema, request.profile
    runner = _Progress(con, progress)
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    expected = [profile.columns.get(f.name) or f.name for f in schema.fields] if profile.columns else None
    source = open_source(
        con,
        request.path,
        fmt=profile.format,
        encoding=profile.encoding,
        sheet=profile.sheet,
        delimiter=profile.delimiter,
        expected=expected,
        name=f"src_{request.load_id}",
    )
    mapping = resolve_columns(schema, source.columns, profile)
    missing = [f for f in schema.fields if mapping[f.name] is None]
    hard = [f for f in missing if f.required or f.is_key]
    if hard:
        raise ValidationFailed(
            "lake.load.missing_columns",
            errors=[
                {
                    "field": f.name,
                    "code": "missing_column",
                    "message_key": "lake.load.missing_column",
                    "params": {"label": f.label},
                }
                for f in hard
            ],
        )
    used = {c for c in mapping.values() if c is not None}
    unmapped = [c for c in source.columns if c not in used]
    rules = compile_rules(
        schema,
        mapping,
        dialect=dialect,
        date_formats=profile.date_formats,
        value_maps=profile.value_maps,
        source_alias="src",
    )
    base: dict[str, Any] = {
        "unmapped_columns": unmapped,
        "missing_fields": [f.name for f in missing],
        "source_format": source.format,
        "source_encoding": source.encoding,
    }
    con.execute("BEGIN TRANSACTION")
    try:
        outcome = _run(con, request, source, rules, runner, progress, base, before_commit)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return outcome


def _system_columns(masks: int, numbered: bool) -> list[tuple[str, str]]:
    row = [(ROW_COLUMN, "BIGINT")] if numbered else []
    return [*row, (RAW_COLUMN, "VARCHAR")] + [(f"_xc_m{i}", "BIGINT") for i in range(masks)]


def _run(
    con: duckdb.DuckDBPyConnection,
    request: LoadRequest,
    source: SourceFile,
    rules: CompiledRules,
    runner: _Progress,
    progress: ProgressFn | None,
    base: dict[str, Any],
    before_commit: Callable[[str], None] | None,
) -> LoadOutcome:
    """Inside the open transaction: one pass inserts every record, then the failing ones are taken out."""
    schema = request.schema
    key = list(schema.key)
    load_id = int(request.load_id)
    table = table_name(schema.code)
    qualified = f"{CATALOG}.main.{quote_ident(table)}"
    masks = rules.mask_names
    numbered = source.format != "csv"
    columns = _ensure_table(con, table, schema.fields, _system_columns(len(masks), numbered))
    if request.mode == "full":
        con.execute(f"DELETE FROM {qualified}")  # noqa: S608

    # Pass 1, the only read of the file: typed values, the record number (not CSV), the rule masks, and for a failing
    # record its text as the department wrote it (JSON) — the quarantine's copy. Nothing is visible to
    # anyone until COMMIT, and the failing records are deleted again before it.
    fields = _fields_sql(rules)
    typed = ", ".join(rules.typed)
    failing = " OR ".join(f"n.{m} <> 0" for m in masks)
    raw = "json_object(" + ", ".join(f"{quote_literal(f.name)}, n.{quote_ident(f.name)}" for f in schema.fields) + ")"
    mask_cols = ", ".join(f"_xc_m{i}" for i in range(len(masks)))
    row_col, row_val = (f"{ROW_COLUMN}, ", "n._row, ") if numbered else ("", "")
    try:
        runner.run(
            "read",
            f"INSERT INTO {qualified} ({fields}, {LOAD_COLUMN}, {row_col}{RAW_COLUMN}, {mask_cols}) "  # noqa: S608
            f"SELECT {typed}, {load_id}, {row_val}CASE WHEN {failing} THEN {raw} END, "
            f"{', '.join('n.' + m for m in masks)} "
            f"FROM ({rules.stage_sql(source.sql)}) n",
        )
    except duckdb.Error:
        raise ValidationFailed(
            "lake.file.unreadable",
            params={"format": source.format},
            errors=[{"field": "file", "code": "unreadable", "message_key": "lake.file.unreadable"}],
        ) from None
    if progress:
        progress("validate", 0, 100)
    new = f"{qualified} WHERE {LOAD_COLUMN} = {load_id}"
    bad = " OR ".join(f"_xc_m{i} <> 0" for i in range(len(masks)))

    # Duplicate keys among records that pass every other rule: identical copies keep their first occurrence
    # (duplicate_row); conflicting records under one key all go to the quarantine (key_duplicate).
    # Rows are named by their DuckLake row id here: a CSV record has no number (see readers).
    con.execute("CREATE OR REPLACE TEMP TABLE _dup (rid BIGINT, rule VARCHAR)")
    if key:
        k = ", ".join(quote_ident(c) for c in key)
        # Candidates: 64-bit hashes of the key that occur more than once, counted by a window partitioned on
        # the hash (measured on ten million distinct keys: 0.94 s against 1.2 s for sorting the hashes and
        # comparing neighbours, and a third less again than grouping them).
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _hk AS SELECT DISTINCT hk FROM (
            SELECT hk, count(*) OVER (PARTITION BY hk) AS n FROM (SELECT hash({k}) AS hk FROM {new} AND NOT ({bad})))
            WHERE n > 1"""  # noqa: S608
        )
        # Then checked exactly on the few candidate rows (usually none: the common case ends here). The first
        # occurrence is the first record of the file: by its number where the file numbers its records (the
        # row ids of a numbered source need not follow them), else by row id (a CSV is inserted in file order).
        record = ROW_COLUMN if numbered else "NULL"
        if _count(con, "SELECT count(*) FROM _hk"):
            con.execute(
                f"""INSERT INTO _dup
                WITH d AS (SELECT rowid AS rid, {record} AS rec, {k}, hash({fields}) AS h FROM {new}
                      AND NOT ({bad}) AND hash({k}) IN (SELECT hk FROM _hk)),
                w AS (SELECT rid, count(*) OVER (PARTITION BY {k}) AS n,
                      min(h) OVER (PARTITION BY {k}) <> max(h) OVER (PARTITION BY {k}) AS conflict,
                      row_number() OVER (PARTITION BY {k}, h ORDER BY rec, rid) AS rn FROM d)
                SELECT rid, CASE WHEN conflict THEN 'key_duplicate' ELSE 'duplicate_row' END FROM w
                WHERE n > 1 AND (conflict OR rn > 1)"""  # noqa: S608
            )
    dup_count = _count(con, "SELECT count(*) FROM _dup")
    malformed_sql = _malformed_rows(con, source)
    rows_malformed = _count(con, f"SELECT count(*) FROM ({malformed_sql})") if malformed_sql else 0  # noqa: S608

    # Counts for the outcome: the mask columns alone (completeness comes from the committed files' statistics).
    stats = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {bad}) FROM {new}").fetchone()  # noqa: S608
    assert stats is not None
    rows_parsed, rows_bad = int(stats[0]), int(stats[1])
    rows_good = rows_parsed - rows_bad - dup_count
    rows_read = rows_parsed + rows_malformed
    rows_failed = rows_read - rows_good

    rule_counts: dict[str, int] = {}
    errors = rules.errors_expr(mask_prefix="_xc_m")
    for code, n in con.execute(
        f"SELECT code, count(*) FROM (SELECT unnest({errors}) AS code FROM {new} AND ({bad})) GROUP BY code"  # noqa: S608
    ).fetchall():
        rule_counts[code] = int(n)
    key_label = "+".join(key) or "row"
    for rule, n in con.execute("SELECT rule, count(*) FROM _dup GROUP BY rule").fetchall():
        rule_counts[f"{key_label}:{rule}"] = int(n)
    if rows_malformed:
        rule_counts["row:malformed"] = rows_malformed
    _write_quarantine(
        con,
        request,
        rules,
        qualified,
        new,
        bad,
        errors,
        key_label,
        malformed_sql,
        rows_failed,
        dup_count,
        ROW_COLUMN in columns,
    )
    if progress:
        progress("validate", 100, 100)

    quality = _quality(schema, rows_read, rows_good, dup_count)
    ratio = rows_failed / rows_read if rows_read else 0.0
    base.update(
        rows_read=rows_read,
        rows_failed=rows_failed,
        rows_malformed=rows_malformed,
        rule_counts=rule_counts,
        quality=quality,
    )
    if rows_read == 0 or ratio > request.max_failure_ratio:
        con.execute("ROLLBACK")
        if request.digest is not None:
            base["source_sha256"] = request.digest.result()
        return LoadOutcome(status="refused", rows_loaded=0, **base)

    if progress:
        progress("write", 0, 100)
    if rows_bad or dup_count:
        dups = " OR rowid IN (SELECT rid FROM _dup)" if dup_count else ""  # no second scan for no duplicates
        con.execute(f"DELETE FROM {new} AND (({bad}){dups})")  # noqa: S608
    if request.mode == "upsert" and key:
        k = ", ".join(quote_ident(c) for c in key)
        target = k if len(key) == 1 else f"({k})"
        con.execute(
            f"DELETE FROM {qualified} WHERE {LOAD_COLUMN} <> {load_id} AND {target} IN (SELECT {k} FROM {new})"  # noqa: S608
        )
    if progress:
        progress("write", 100, 100)
        progress("commit", 0, 100)
    if before_commit is not None:
        before_commit("commit")
    info: dict[str, Any] = {"load_id": load_id, "resource": schema.code}
    if request.digest is not None:
        # The file's hash is in the same commit as its data: reconcile recovers it with the version.
        base["source_sha256"] = info["source_sha256"] = request.digest.result()
    marker = json.dumps(info, sort_keys=True)
    con.execute(
        f"CALL {CATALOG}.set_commit_message(?, ?, extra_info => ?)",
        [request.author or "xingcheng", f"load {load_id} of {schema.code}", marker],
    )
    con.execute("COMMIT")
    snapshot_id = snapshot_of(con, load_id)
    rows_in_version = (
        rows_good  # a full load is the whole version: no second count over millions of rows
        if request.mode == "full"
        else _count(con, f"SELECT count(*) FROM {qualified} AT (VERSION => ?)", [snapshot_id])  # noqa: S608
    )
    base["quality"]["completeness"] = completeness(con, table, [f.name for f in schema.fields], snapshot_id)
    if progress:
        progress("commit", 100, 100)
    return LoadOutcome(
        status="committed",
        rows_loaded=rows_good,
        snapshot_id=snapshot_id,
        rows_in_version=rows_in_version,
        **base,
    )


def completeness(
    con: duckdb.DuckDBPyConnection, table: str, fields: list[str], snapshot_id: int | None
) -> float | None:
    """Filled cells / all cells of the fields in the files a snapshot added — from DuckLake's file statistics,
    without reading the data (the records quarantined in the same load are counted too: it measures the
    delivery)."""
    if snapshot_id is None or not fields:
        return None
    meta = f"__ducklake_metadata_{CATALOG}"
    row = con.execute(
        f"""SELECT sum(f.record_count - s.null_count), sum(f.record_count)
        FROM {meta}.ducklake_data_file f
        JOIN {meta}.ducklake_table t ON t.table_id = f.table_id AND t.end_snapshot IS NULL
        JOIN {meta}.ducklake_column c ON c.table_id = f.table_id AND c.end_snapshot IS NULL
        JOIN {meta}.ducklake_file_column_stats s ON s.data_file_id = f.data_file_id AND s.column_id = c.column_id
        WHERE t.table_name = ? AND f.begin_snapshot = ? AND list_contains(?, c.column_name)""",  # noqa: S608
        [table, snapshot_id, fields],
    ).fetchone()
    if not row or not row[1]:
        return None
    return float(row[0]) / float(row[1])


def snapshot_of(con: duckdb.DuckDBPyConnection, load_id: int) -> int | None:
    """The snapshot a load committed, found by the marker in its commit message (None: it never committed)."""
    row = con.execute(
        f"SELECT max(snapshot_id) FROM {CATALOG}.snapshots() WHERE json_extract(commit_extra_info, '$.load_id') = ?",  # noqa: S608
        [str(int(load_id))],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _write_quarantine(
    con: duckdb.DuckDBPyConnection,
    request: LoadRequest,
    rules: CompiledRules,
    qualified: str,
    new: str,
    bad: str,
    errors: str,
    key_label: str,
    malformed_sql: str | None,
    rows_failed: int,
    dup_count: int,
    numbered: bool,
) -> None:
    """Every failing record — its number, its rules, its values as sent — to the load's quarantine file."""
    path = request.quarantine_path
    path.parent.mkdir(parents=True, exist_ok=True)
    if rows_failed == 0:
        path.unlink(missing_ok=True)
        return
    typed_json = (
        "json_object(" + ", ".join(f"{quote_literal(f.name)}, {quote_ident(f.name)}" for f in rules.schema.fields) + ")"
    )
    row = ROW_COLUMN if numbered else "CAST(NULL AS BIGINT)"
    parts = [
        f"SELECT {row} AS _row, CAST(NULL AS BIGINT) AS _line, {errors} AS _errors, "  # noqa: S608
        f"CAST({RAW_COLUMN} AS VARCHAR) AS _values FROM {new} AND ({bad})",
    ]
    if dup_count:
        # (Only with duplicates: the join scans the load's rows once more.)
        parts.append(
            f"SELECT {'t.' + row if numbered else row}, CAST(NULL AS BIGINT), "  # noqa: S608
            f"[{quote_literal(key_label + ':')} || d.rule], "
            f"CAST({typed_json} AS VARCHAR) FROM {qualified} t JOIN _dup d ON d.rid = t.rowid "
            f"WHERE t.{LOAD_COLUMN} = {int(request.load_id)}"
        )
    if malformed_sql:
        # The raw line is kept as the department sent it; it is shown masked as a whole.
        parts.append(
            f"SELECT CAST(NULL AS BIGINT), m._line, ['row:malformed'], json_object('_raw', m._raw) "  # noqa: S608
            f"FROM ({malformed_sql}) m"
        )
    tmp = path.with_suffix(".part")
    con.execute(f"COPY ({' UNION ALL '.join(parts)} ORDER BY 1, 2) TO {quote_literal(str(tmp))} (FORMAT parquet)")
    tmp.replace(path)


def _quality(schema: ResourceSchema, rows_read: int, rows_good: int, dup_count: int) -> dict[str, float | None]:
    """Validity and uniqueness of the load (completeness, timeliness and agreement are added later)."""
    validity = rows_good / rows_read if rows_read else None
    uniqueness = None
    if rows_good + dup_count:
        # Records that share their key with another record (copies and conflicts alike).
        uniqueness = rows_good / (rows_good + dup_count) if schema.key else 1.0
    return {"validity": validity, "uniqueness": uniqueness}
