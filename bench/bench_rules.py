"""Benchmark the lake's compiled checks (decision 0037) against the same rules in SQL, one rule at a time.

Run ``.venv/bin/python bench/bench_rules.py [--rows 10000000]`` after ``make native``. For each field format
that has a compiled check, a one-field schema is compiled twice, in SQL (``DUCKDB``) and with the compiled
checks (``DUCKDB_NATIVE``), and the rules' stage over an in-memory table of valid values is summed (one
DuckDB thread; normalisation included, no file, no write). Best of ``--runs`` runs of each, alternating; CPU
seconds of the process, which other work on a shared machine disturbs less than the wall clock. Writes the
section "rules" of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource

import duckdb
from _report import machine_line, write_section
from bench_ingest import ID_BODY_SQL, id_check_sql

from xingcheng.lake.engine import NATIVE_EXTENSION, create_division_table
from xingcheng.lake.rules import DUCKDB, DUCKDB_NATIVE, compile_rules
from xingcheng.ledger.schema import FieldFormat, FieldSpec, ResourceSchema

TODAY = dt.date(2026, 11, 21)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not NATIVE_EXTENSION.is_file():
        raise SystemExit("the lake's compiled checks are not built: run `make native`")
    con = duckdb.connect(config={"allow_unsigned_extensions": True, "threads": 1})
    con.execute(f"LOAD '{NATIVE_EXTENSION}'")
    create_division_table(con)
    con.execute(
        f"CREATE TABLE src AS SELECT i AS _row, b || {id_check_sql()} AS id_number, "
        "'138' || lpad((i % 100000000)::VARCHAR, 8, '0') AS phone, "
        "'430104007' || lpad((i % 20)::VARCHAR, 3, '0') AS community, "
        "'91350100M000100Y43' AS uscc "
        f"FROM (SELECT i, {ID_BODY_SQL} AS b FROM range({args.rows}) t(i))"
    )
    cases = (
        ("ID number (GB 11643)", FieldFormat.ID_NUMBER, "id_number"),
        ("credit code (GB 32100)", FieldFormat.USCC, "uscc"),
        ("mobile phone", FieldFormat.PHONE, "phone"),
        ("12-digit division code", FieldFormat.DIVISION_CODE, "community"),
    )
    rows = []
    for label, fmt, column in cases:
        schema = ResourceSchema("t", "t", "x", fields=(FieldSpec("f", "f", format=fmt),))
        best = {}
        sums = {}
        for _ in range(args.runs):
            for name, dialect in (("sql", DUCKDB), ("native", DUCKDB_NATIVE)):
                rules = compile_rules(schema, {"f": column}, dialect=dialect, today=TODAY)
                sql = f"SELECT sum(_m0) FROM ({rules.stage_sql('SELECT * FROM src')})"
                start = _cpu()
                sums[name] = con.execute(sql).fetchone()[0]
                best[name] = min(best.get(name, float("inf")), _cpu() - start)
        if sums["sql"] != sums["native"]:
            raise SystemExit(f"{label}: the two dialects disagree ({sums})")
        rows.append((label, best["sql"], best["native"]))
        print(label, best, flush=True)
    lines = [
        "## Lake rules: compiled checks (decision 0037) against the same rules in SQL",
        "",
        machine_line(),
        "",
        f"One field's rules' stage over {args.rows:,} valid values in memory (normalisation included, no file, "
        f"no write), one DuckDB thread; CPU seconds, best of {args.runs} alternating runs. Both dialects "
        "flag the same rows (checked in the run).",
        "",
        "| check | SQL (CPU s) | compiled (CPU s) | SQL ÷ compiled |",
        "|---|---:|---:|---:|",
        *(f"| {label} | {sql:.2f} | {native:.2f} | {sql / native:.1f} |" for label, sql, native in rows),
    ]
    body_md = "\n".join(lines)
    write_section("rules", body_md)
    print(body_md)


if __name__ == "__main__":
    main()
