"""One query interface over the lake's versions, on DuckDB (the default) or Apache Spark (city scale).

Both engines answer the same SQL over the same snapshot: :class:`DuckDBQuery` reads the DuckLake table at
the snapshot (time travel); :class:`SparkQuery` reads the snapshot's Parquet files — the list DuckLake
keeps for that snapshot — and applies its delete files itself (merge-on-read: a row is gone when its file
and position are in a delete file), so no DuckDB runs on the Spark side.

:func:`validation_job` is the batch job both run for the parity check: the ledger schema's validation
rules, compiled to each engine's dialect, and an aggregation of records, valid records and each rule's
failures per area and code.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from xingcheng.lake.engine import CATALOG, quote_ident
from xingcheng.lake.loader import table_name
from xingcheng.lake.rules import DIVISION_TABLE, SPARK, Dialect, compile_rules, division_codes
from xingcheng.ledger.schema import DataType, FieldFormat, ResourceSchema

__all__ = [
    "DuckDBQuery",
    "ParityResult",
    "QueryEngine",
    "Snapshot",
    "SparkQuery",
    "parity_check",
    "snapshot",
    "validation_job",
]


@dataclass
class Snapshot:
    """A version of a resource as files: what Spark (or any Parquet reader) needs to read it."""

    code: str
    number: int
    snapshot_id: int
    table: str
    columns: list[tuple[str, str]]  # (name, DuckDB type) of the schema's fields
    files: list[tuple[str, str | None]] = field(default_factory=list)  # (data file, its delete file)


def snapshot(service: Any, db: Session, code: str, number: int | None = None) -> Snapshot:
    schema = service.schema(db, code)
    v = service.get_version(db, code, number)
    table = table_name(code)
    names = [f.name for f in schema.fields]
    with service.engine.cursor() as con:
        described = con.execute(
            f"DESCRIBE SELECT {', '.join(quote_ident(n) for n in names)} "  # noqa: S608
            f"FROM {CATALOG}.main.{quote_ident(table)} AT (VERSION => {int(v.snapshot_id)})"
        ).fetchall()
        files = con.execute(
            f"SELECT data_file, delete_file FROM ducklake_list_files('{CATALOG}', ?, snapshot_version => ?)",  # noqa: S608
            [table, int(v.snapshot_id)],
        ).fetchall()
    return Snapshot(
        code=code,
        number=v.number,
        snapshot_id=v.snapshot_id,
        table=table,
        columns=[(r[0], r[1]) for r in described],
        files=[(str(a), str(b) if b else None) for a, b in files],
    )


class QueryEngine(Protocol):
    name: str
    dialect: Dialect

    def register(self, alias: str, snap: Snapshot) -> None: ...

    def sql(self, query: str) -> list[tuple[Any, ...]]: ...

    def close(self) -> None: ...


class DuckDBQuery:
    """DuckDB over the DuckLake catalog: a registered snapshot is a view with time travel."""

    name = "duckdb"

    def __init__(self, service: Any) -> None:
        self.con = service.engine.db.cursor()
        # The rules with the compiled checks where the engine has them (the parity test compares those).
        self.dialect: Dialect = service.engine.dialect

    def register(self, alias: str, snap: Snapshot) -> None:
        cols = ", ".join(quote_ident(n) for n, _ in snap.columns)
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {quote_ident(alias)} AS SELECT {cols} "  # noqa: S608
            f"FROM {CATALOG}.main.{quote_ident(snap.table)} AT (VERSION => {int(snap.snapshot_id)})"
        )

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.con.execute(query).fetchall()]

    def close(self) -> None:
        self.con.close()


_SPARK_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp_ntz",
    "BOOLEAN": "boolean",
}


class SparkQuery:
    """Spark over a snapshot's Parquet files, delete files applied by (file, row position)."""

    name = "spark"
    dialect = SPARK

    def __init__(self, master: str = "local[2]", *, session: Any = None) -> None:
        if session is None:
            from pyspark.sql import SparkSession

            session = (
                SparkSession.builder.master(master)
                .appName("xingcheng-lake")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.memory", "1g")
                .config("spark.driver.host", "127.0.0.1")  # local mode talks over loopback only
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate()
            )
        self.spark = session
        self._divisions = False

    def register(self, alias: str, snap: Snapshot) -> None:
        from pyspark.sql import functions as F

        schema = ", ".join(f"`{n}` {_SPARK_TYPES.get(t.split('(')[0], 'string')}" for n, t in snap.columns)
        names = [n for n, _ in snap.columns]
        data_files = sorted({d for d, _ in snap.files})
        if not data_files:
            self.spark.createDataFrame([], schema).createOrReplaceTempView(alias)
            return
        df = self.spark.read.schema(schema).parquet(*data_files)
        df = df.select(
            *[F.col(f"`{n}`") for n in names],
            F.col("_metadata.file_path").alias("_xc_file"),
            F.col("_metadata.row_index").alias("_xc_pos"),
        )
        deletes = sorted({d for _, d in snap.files if d})
        if deletes:
            gone = self.spark.read.parquet(*deletes).select(
                F.col("file_path").alias("_d_file"), F.col("pos").alias("_d_pos")
            )
            # Spark names files by URI (file:///…), DuckLake by path: compare both without scheme and slashes.
            df = df.withColumn("_xc_local", F.regexp_replace(F.col("_xc_file"), "^(file:)?/+", ""))
            gone = gone.withColumn("_d_local", F.regexp_replace(F.col("_d_file"), "^(file:)?/+", ""))
            df = df.join(gone, (df["_xc_local"] == gone["_d_local"]) & (df["_xc_pos"] == gone["_d_pos"]), "left_anti")
        df.select(*[F.col(f"`{n}`") for n in names]).createOrReplaceTempView(alias)

    def register_divisions(self) -> None:
        if not self._divisions:
            self.spark.createDataFrame([(c,) for c in division_codes()], "code string").createOrReplaceTempView(
                DIVISION_TABLE
            )
            self._divisions = True

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        self.register_divisions()
        return [tuple(r) for r in self.spark.sql(query).collect()]

    def close(self) -> None:
        from pyspark import SparkContext

        self.spark.stop()
        # Stop the JVM gateway too, so no py4j socket is left for the garbage collector.
        gateway = SparkContext._gateway
        if gateway is None:
            return
        proc = getattr(gateway, "proc", None)
        gateway.shutdown()
        SparkContext._gateway = None
        SparkContext._jvm = None
        if proc is not None:
            # The JVM ends when its stdin closes; wait for it rather than leave it to the garbage collector.
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _group_fields(schema: ResourceSchema) -> list[str]:
    area = next((f for f in schema.fields if f.format in (FieldFormat.ID_NUMBER, FieldFormat.DIVISION_CODE)), None)
    code = next((f for f in schema.fields if f.data_type is DataType.CODE and f.code_list), None)
    return [f.name for f in (area, code) if f is not None]


def validation_job(
    schema: ResourceSchema,
    alias: str,
    dialect: Dialect,
    *,
    date_formats: dict[str, Sequence[str]] | None = None,
    today: Any = None,
) -> str:
    """SQL (in ``dialect``) validating ``alias`` against ``schema`` and aggregating the outcome."""
    rules = compile_rules(
        schema,
        {f.name: f.name for f in schema.fields},
        dialect=dialect,
        date_formats=date_formats,
        source_alias="src",
        today=today,
    )
    stage = rules.stage_sql(f"SELECT * FROM {dialect.ident(alias)}", keep=())  # noqa: S608
    groups = _group_fields(schema)
    keys = []
    for i, name in enumerate(groups):
        col = f"n.{dialect.ident(name)}"
        expr = f"substr({col}, 1, 6)" if i == 0 and schema.field(name).data_type is not DataType.CODE else col
        keys.append((expr, f"g{i}"))
    ok = " AND ".join(f"n._m{i} = 0" for i in range(len(rules.masks)))
    counts = [f"sum(CASE WHEN {ok} THEN 1 ELSE 0 END) AS valid"]
    for c in rules.checks:
        counts.append(
            f"sum(CASE WHEN {dialect.intdiv(f'n._m{c.mask}', c.value)} % 2 = 1 THEN 1 ELSE 0 END) AS r{c.bit}"
        )
    select_keys = ", ".join(f"{expr} AS {alias_}" for expr, alias_ in keys)
    group_by = ", ".join(expr for expr, _ in keys)
    head = f"{select_keys}, " if keys else ""
    tail = f" GROUP BY {group_by} ORDER BY {', '.join(a for _, a in keys)}" if keys else ""
    return f"SELECT {head}count(*) AS records, {', '.join(counts)} FROM ({stage}) n{tail}"  # noqa: S608


@dataclass
class ParityResult:
    duckdb: list[tuple[Any, ...]]
    spark: list[tuple[Any, ...]]

    @property
    def equal(self) -> bool:
        return self.duckdb == self.spark


def _normal(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(int(v) if isinstance(v, bool | int) else v for v in row) for row in rows), key=repr)


def parity_check(
    service: Any,
    db: Session,
    code: str,
    *,
    target: ResourceSchema | None = None,
    spark: SparkQuery | None = None,
    today: Any = None,
) -> ParityResult:
    """Run :func:`validation_job` over the newest version of ``code`` on both engines."""
    schema = target or service.schema(db, code)
    snap = snapshot(service, db, code)
    formats = service.profile(db, code).date_formats
    duck = DuckDBQuery(service)
    try:
        duck.register("lake_input", snap)
        left = duck.sql(validation_job(schema, "lake_input", duck.dialect, date_formats=formats, today=today))
    finally:
        duck.close()
    own = spark is None
    engine = spark or SparkQuery(service.settings.lake_spark_master)
    try:
        engine.register("lake_input", snap)
        right = engine.sql(validation_job(schema, "lake_input", SPARK, date_formats=formats, today=today))
    finally:
        if own:
            engine.close()
    return ParityResult(_normal(left), _normal(right))
