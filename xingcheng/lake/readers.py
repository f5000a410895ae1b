"""Reading what departments hand over — CSV (UTF-8 or GBK/GB18030), XLSX, JSON lines, Parquet — as SQL.

Every reader yields text columns (the validation decides what they mean) and a ``_row`` column: the
record's number in the file (1 = the first record after the header) for XLSX, JSON lines and Parquet; NULL
for CSV, whose records are numbered only at the cost of a single-threaded scan. Nothing is skipped silently: a CSV
line the parser cannot split and a JSON line that is not JSON come back as *malformed* records with their
line number, and go to the quarantine like any other failing row.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from xingcheng.core.errors import ValidationFailed
from xingcheng.lake.engine import quote_ident, quote_literal

__all__ = ["FORMATS", "SourceFile", "detect_encoding", "detect_format", "open_source"]

Format = Literal["csv", "xlsx", "jsonl", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "jsonl", "parquet")
_SUFFIXES: dict[str, Format] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
}
_SAMPLE = 1 << 20
_RS = "\x1e"  # record separator: cannot occur unescaped in valid JSON, so a JSON line is one column


def _invalid(code: str, key: str, params: dict[str, object] | None = None) -> ValidationFailed:
    return ValidationFailed(key, params=params, errors=[{"field": "file", "code": code, "message_key": key}])


def detect_format(path: Path, declared: str | None = None) -> Format:
    if declared:
        if declared not in FORMATS:
            raise _invalid("format", "lake.file.format_unknown")
        return declared  # type: ignore[return-value]
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        with path.open("rb") as fh:
            head = fh.read(4)
        if head == b"PK\x03\x04":
            return "xlsx"
        if head == b"PAR1":
            return "parquet"
        raise _invalid("format", "lake.file.format_unknown")
    return fmt


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``gb18030`` (a superset of GBK and GB2312), from the first megabyte of the file."""
    with path.open("rb") as fh:
        sample = fh.read(_SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    for encoding in ("utf-8", "gb18030"):
        try:
            # final=False: a multi-byte character cut at the end of the sample is not an error.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise _invalid("encoding", "lake.file.encoding_unknown")


@dataclass
class SourceFile:
    """A file opened as SQL: ``sql`` selects ``_row`` and the file's columns as text."""

    path: Path
    format: Format
    encoding: str | None
    columns: list[str]
    sql: str
    malformed_sql: str | None = None  # selects (_line, _raw) of records that could not be read


def _columns(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM ({sql})").fetchall()]  # noqa: S608


def open_source(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    delimiter: str | None = None,
    expected: list[str] | None = None,
    name: str = "src",
) -> SourceFile:
    """Open ``path`` for reading in ``con``; ``expected`` names the JSON keys to extract."""
    if not path.is_file():
        raise _invalid("file", "lake.file.missing")
    kind = detect_format(path, fmt)
    p = quote_literal(str(path))
    try:
        if kind == "csv":
            enc = encoding or detect_encoding(path)
            rejects = f"{name}_rejects"
            options = [
                "header = true",
                "all_varchar = true",
                f"encoding = {quote_literal(enc)}",
                "store_rejects = true",
                f"rejects_table = {quote_literal(rejects)}",
                f"rejects_scan = {quote_literal(rejects + '_scan')}",
            ]
            if delimiter:
                options.append(f"delim = {quote_literal(delimiter)}")
            inner = f"read_csv({p}, {', '.join(options)})"
            # No record number: numbering the rows (a window over the scan) would make DuckDB read and validate
            # the file on one thread — measured 1.75 times slower. Records are found by their key; lines the
            # parser rejects keep their line number (the rejects table fills when the file is scanned).
            sql = f"SELECT CAST(NULL AS BIGINT) AS _row, * FROM {inner}"  # noqa: S608
            columns = _columns(con, sql)
            # The rejects table exists once the file has been scanned (after the stage is built).
            malformed = f"SELECT DISTINCT line AS _line, csv_line AS _raw FROM {quote_ident(rejects)}"  # noqa: S608
            return SourceFile(path, kind, enc, [c for c in columns if c != "_row"], sql, malformed)
        if kind == "xlsx":
            _check_workbook(path)
            options = ["header = true", "all_varchar = true", "stop_at_empty = false"]
            if sheet:
                options.append(f"sheet = {quote_literal(sheet)}")
            inner = f"SELECT * FROM read_xlsx({p}, {', '.join(options)})"  # noqa: S608
            columns = _columns(con, inner)
            # An entirely empty spreadsheet row is layout, not a record.
            any_value = " OR ".join(f"{quote_ident(c)} IS NOT NULL" for c in columns) or "FALSE"
            sql = f"SELECT row_number() OVER () AS _row, * FROM ({inner}) WHERE {any_value}"  # noqa: S608
            return SourceFile(path, kind, None, columns, sql)
        if kind == "jsonl":
            lines = (
                f"SELECT row_number() OVER () AS _row, line FROM read_csv({p}, header = false, "  # noqa: S608
                f"columns = {{'line': 'VARCHAR'}}, delim = {quote_literal(_RS)}, quote = '', escape = '', "
                "auto_detect = false) WHERE trim(line) <> ''"
            )
            keys = expected or _json_keys(con, path)
            paths = ", ".join(quote_literal("$." + _json_key(k)) for k in keys)
            picks = ", ".join(f"_v[{i + 1}] AS {quote_ident(k)}" for i, k in enumerate(keys))
            body = f"SELECT _row, json_extract_string(line, [{paths}]) AS _v FROM ({lines}) WHERE json_valid(line)"  # noqa: S608
            sql = f"SELECT _row{', ' + picks if picks else ''} FROM ({body})"  # noqa: S608
            malformed = f"SELECT _row AS _line, line AS _raw FROM ({lines}) WHERE NOT json_valid(line)"  # noqa: S608
            return SourceFile(path, kind, "utf-8", list(keys), sql, malformed)
        inner = f"read_parquet({p}, file_row_number = true)"
        columns = [c for c in _columns(con, f"SELECT * FROM {inner}") if c != "file_row_number"]  # noqa: S608
        casts = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in columns)
        sql = f"SELECT file_row_number + 1 AS _row, {casts} FROM {inner}"  # noqa: S608
        return SourceFile(path, kind, None, columns, sql)
    except duckdb.Error:
        # The engine's message may quote the file's content: it is not passed on.
        raise _invalid("unreadable", "lake.file.unreadable", {"format": kind}) from None


def _check_workbook(path: Path) -> None:
    """A workbook is a zip with a workbook part and sound members; the engine's reader is not given anything
    else (a damaged archive can make it hang)."""
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist() or archive.testzip() is not None:
                raise _invalid("unreadable", "lake.file.unreadable", {"format": "xlsx"})
    except (zipfile.BadZipFile, OSError, EOFError):
        raise _invalid("unreadable", "lake.file.unreadable", {"format": "xlsx"}) from None


def _json_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _json_keys(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    row = con.execute(
        "SELECT list_distinct(flatten(list(json_keys(line)))) FROM (SELECT line FROM read_csv(?, header = false, "  # noqa: S608
        f"columns = {{'line': 'VARCHAR'}}, delim = {quote_literal(_RS)}, quote = '', escape = '', "
        "auto_detect = false) WHERE json_valid(line) LIMIT 1000)",
        [str(path)],
    ).fetchone()
    return list(row[0] or []) if row else []
