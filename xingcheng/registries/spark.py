"""The same linkage on Apache Spark: Splink's Spark backend with the model trained in DuckDB.

At city scale the prepared comparison table (``person_input`` written as Parquet) is linked by a Spark
cluster; here Spark runs in local mode, and :func:`parity` checks on a sample that Spark and DuckDB put
the records into exactly the same clusters. Splink's Spark backend needs its similarity UDF jar (shipped
inside the splink wheel) on Spark's class path; nothing is downloaded.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb

__all__ = ["ParityResult", "link_on_spark", "parity", "partition", "spark_session"]


def spark_session(master: str = "local[2]") -> Any:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    return (
        SparkSession.builder.master(master)
        .appName("xingcheng-registries")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )


def link_on_spark(spark: Any, rows: Any, model: dict[str, Any], threshold: float, workdir: str) -> dict[str, str]:
    """Cluster the records of ``rows`` (a pyarrow table of the comparison columns) on Spark: rid → cluster."""
    from splink import Linker
    from splink.backends.spark import SparkAPI

    # Intermediate tables go through Parquet files: Spark 4.1's CTE optimiser fails on the connected-components
    # query when the predictions keep their CTE lineage (persist), and cut lineage is what a cluster wants anyway.
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(workdir)
    api = SparkAPI(spark_session=spark, break_lineage_method="parquet")
    frame = spark.createDataFrame(rows)
    linker = Linker(api.register(frame), model, log_level=logging.WARNING)
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    table = clusters.as_pyarrow_table()
    return dict(
        zip(table.column("rid").to_pylist(), (str(c) for c in table.column("cluster_id").to_pylist()), strict=True)
    )


def partition(assignment: dict[str, str]) -> set[frozenset[str]]:
    """The clusters of an assignment rid → cluster id, independent of how clusters are named."""
    groups: dict[str, set[str]] = {}
    for rid, cluster in assignment.items():
        groups.setdefault(cluster, set()).add(rid)
    return {frozenset(g) for g in groups.values()}


@dataclass
class ParityResult:
    records: int
    duckdb_clusters: int
    spark_clusters: int
    equal: bool
    differing_records: int


def parity(
    con: duckdb.DuckDBPyConnection,
    table: str,
    model: dict[str, Any],
    threshold: float,
    *,
    master: str = "local[2]",
    columns: Iterable[str] | None = None,
) -> ParityResult:
    """Link ``table`` in DuckDB and on Spark with the same trained ``model``; compare the clusters."""
    from xingcheng.registries.linkage import link

    link(con, table, "person", model=model, threshold=threshold, out="xc_parity_duck")
    duck = dict(con.execute("SELECT rid, CAST(cluster_id AS VARCHAR) FROM xc_parity_duck").fetchall())
    cols = ", ".join(columns) if columns else "*"
    rows = con.execute(f"SELECT {cols} FROM {table}").fetch_arrow_table()  # noqa: S608
    spark = spark_session(master)
    try:
        with tempfile.TemporaryDirectory(prefix="xc-spark-") as workdir:
            sparked = link_on_spark(spark, rows, model, threshold, workdir)
    finally:
        spark.stop()
    a, b = partition(duck), partition(sparked)
    differing = sum(len(g) for g in a ^ b)
    return ParityResult(len(duck), len(a), len(b), a == b, differing)
