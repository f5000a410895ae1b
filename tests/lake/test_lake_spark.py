"""One query interface on two engines: the same validation-and-aggregation job over the same snapshot gives
identical results on DuckDB and on Apache Spark (local mode, reading the snapshot's Parquet files and
applying its delete files). One Spark session, small data: Spark's start-up is the cost here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lakekit import HEADERS, PERSON, ingest, people, service, write_csv

from xingcheng.lake.loader import Profile
from xingcheng.lake.query import SparkQuery, parity_check, snapshot
from xingcheng.ledger.schema import FieldSpec, ResourceSchema

from support import make_settings

pyspark = pytest.importorskip("pyspark")

# What a department sent, kept as text (a landing resource): the job validates it against PERSON.
RAW = ResourceSchema(
    "gaj-person-raw",
    "人口信息（原始）",
    "gaj",
    fields=tuple(
        FieldSpec(f.name, f.label, is_key=f.is_key, required=f.is_key, source_names=f.source_names)
        for f in PERSON.fields
    ),
)
TODAY = dt.date(2026, 11, 21)


def _messy(n: int, start: int = 0) -> list[dict]:
    rows = people(n, start)
    for i, r in enumerate(rows):
        if i % 7 == 1:
            r["id_number"] = r["id_number"][:16] + r["id_number"][17] + r["id_number"][16]  # swapped digits
        if i % 11 == 2:
            r["phone"] = "1381234"
        if i % 13 == 3:
            r["sex"] = "未知"
        if i % 17 == 4:
            r["community"] = "430199001"
        if i % 19 == 5:
            r["age"] = "abc"
        if i % 23 == 6:
            r["employer"] = r["employer"][:-1] + ("0" if r["employer"][-1] != "0" else "1")
        if i % 29 == 7:
            r["birth_date"] = "2019-02-30"
        if i % 31 == 8:
            r["id_number"] = "４３" + r["id_number"][2:]  # full-width digits: folded, then valid
    return rows


# PySpark's result iterator leaves a loopback socket to the garbage collector; nothing of ours is unclosed.
@pytest.mark.filterwarnings("ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning")
def test_duckdb_and_spark_give_identical_results(tmp_path: Path, database_url: str, database) -> None:
    svc = service(make_settings(tmp_path / "data", database_url), RAW)
    with database.session() as db:
        svc.set_profile(db, RAW.code, Profile(max_failure_ratio=1.0))
    assert ingest(svc, database, RAW.code, write_csv(tmp_path / "a.csv", _messy(400))).version == 1
    # An upsert replaces some records: the snapshot now has a delete file Spark must apply.
    changed = [dict(r, phone="13999999999") for r in _messy(60)] + _messy(40, start=1000)
    assert ingest(svc, database, RAW.code, write_csv(tmp_path / "b.csv", changed), mode="upsert").version == 2
    with database.session() as db:
        snap = snapshot(svc, db, RAW.code)
    assert any(delete for _, delete in snap.files), "the snapshot should carry a delete file"

    spark = SparkQuery("local[1]")
    try:
        with database.session() as db:
            result = parity_check(svc, db, RAW.code, target=PERSON, spark=spark, today=TODAY)
            # The engines also agree on a plain read of the snapshot.
            spark.register("raw", snap)
            spark_rows = sorted(spark.sql("SELECT person_no, phone FROM raw"))
            duck_rows = sorted(
                svc.engine.db.cursor()
                .execute(f"SELECT person_no, phone FROM ({svc.relation_sql(db, RAW.code)})")
                .fetchall()
            )
    finally:
        spark.close()
    assert result.duckdb == result.spark
    assert len(spark_rows) == 440 and spark_rows == duck_rows
    totals = [sum(col) for col in list(zip(*result.duckdb, strict=True))[2:]]
    records, valid, *rule_counts = totals
    assert records == 440 and 0 < valid < records and sum(rule_counts) >= records - valid
    assert len([c for c in rule_counts if c]) >= 6  # most rules fired, on both engines alike
    svc.engine.close()


def test_headers_match_the_schema() -> None:
    assert set(HEADERS) == {f.name for f in PERSON.fields}
