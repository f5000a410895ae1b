"""Record linkage with Splink: which departmental records are the same person (or company).

The person model compares six things, each with levels from "agrees" to "disagrees", and Splink weighs
every level by how much likelier it is among true matches (m) than among random pairs (u):

* ID number: both valid and equal / one a typo of the other (Damerau-Levenshtein 1: a swap of two
  digits, which the MOD 11-2 check exposes) / different. Missing or invalid numbers are "no evidence".
* name: equal after folding (traditional → simplified, no spaces; term-frequency adjusted, so 王伟
  counts less than 欧阳梓萱) / same pinyin (音近字 typos) / one character apart (形近字) / different.
* birth date: equal / one day apart / different;  sex: equal / different.
* address: the same standard address / the same building / the same community / different.
* phone: equal / different.

Candidate pairs come from blocking rules (same valid ID; same pinyin name and birth date; same phone
and sex; same address and birth date). u comes from random sampling; m from two EM passes, each blocked
on something it does not train. Pairs above the threshold are clustered into connected components.

The same settings, SQL and trained parameters run on Spark (:mod:`xingcheng.registries.spark`); the
comparisons use only functions both engines have.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import duckdb

__all__ = [
    "COMPANY_COLUMNS",
    "COMPANY_THRESHOLD",
    "PERSON_COLUMNS",
    "PERSON_THRESHOLD",
    "LinkResult",
    "company_settings",
    "link",
    "person_settings",
]

PERSON_THRESHOLD = 0.99
COMPANY_THRESHOLD = 0.99

logging.getLogger("splink").setLevel(logging.ERROR)


def _null(col: str) -> dict[str, Any]:
    return {"sql_condition": f"{col}_l IS NULL OR {col}_r IS NULL", "label_for_charts": "null", "is_null_level": True}


def _level(sql: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": sql, "label_for_charts": label, **extra}


def _else() -> dict[str, Any]:
    return {"sql_condition": "ELSE", "label_for_charts": "else"}


def person_comparisons() -> list[dict[str, Any]]:
    return [
        {
            "output_column_name": "id_number",
            "comparison_levels": [
                _null("id_raw"),
                _level("id_number_l = id_number_r", "valid and equal"),
                _level("damerau_levenshtein(id_raw_l, id_raw_r) <= 1", "one typo apart"),
                _else(),
            ],
        },
        {
            "output_column_name": "name",
            "comparison_levels": [
                _null("name"),
                _level("name_l = name_r", "equal", tf_adjustment_column="name", tf_adjustment_weight=1.0),
                _level("name_py_l = name_py_r", "same pinyin"),
                _level("levenshtein(name_l, name_r) <= 1", "one character apart"),
                _else(),
            ],
        },
        {
            "output_column_name": "birth_date",
            "comparison_levels": [
                _null("birth_day"),
                _level("birth_day_l = birth_day_r", "equal"),
                _level("abs(birth_day_l - birth_day_r) <= 1", "one day apart"),
                _else(),
            ],
        },
        {
            "output_column_name": "sex",
            "comparison_levels": [_null("sex"), _level("sex_l = sex_r", "equal"), _else()],
        },
        {
            "output_column_name": "address",
            "comparison_levels": [
                _null("addr_id"),
                _level("addr_id_l = addr_id_r", "same address"),
                _level("substr(addr_id_l, 1, 18) = substr(addr_id_r, 1, 18)", "same building"),
                _level("substr(addr_id_l, 1, 12) = substr(addr_id_r, 1, 12)", "same community"),
                _else(),
            ],
        },
        {
            "output_column_name": "phone",
            "comparison_levels": [_null("phone"), _level("phone_l = phone_r", "equal"), _else()],
        },
    ]


# The columns the person model compares and blocks on (and the record id).
PERSON_COLUMNS = ("rid", "id_number", "id_raw", "name", "name_py", "sex", "birth_day", "addr_id", "phone")

PERSON_BLOCKING = [
    "l.id_number = r.id_number",
    "l.name_py = r.name_py AND l.birth_day = r.birth_day",
    "l.phone = r.phone AND l.sex = r.sex",
    "l.addr_id = r.addr_id AND l.birth_day = r.birth_day",
]


def person_settings() -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "rid",
        "comparisons": person_comparisons(),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": b} for b in PERSON_BLOCKING],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "probability_two_random_records_match": 1e-6,
        "max_iterations": 12,
    }


def company_comparisons() -> list[dict[str, Any]]:
    return [
        {
            "output_column_name": "uscc",
            "comparison_levels": [
                _null("uscc"),
                _level("uscc_l = uscc_r", "equal"),
                _level("damerau_levenshtein(uscc_raw_l, uscc_raw_r) <= 1", "one typo apart"),
                _else(),
            ],
        },
        {
            "output_column_name": "name",
            "comparison_levels": [
                _null("name"),
                _level("name_l = name_r", "equal"),
                _level("name_core_l = name_core_r", "same name but the legal form"),
                _level("levenshtein(name_l, name_r) <= 2", "two characters apart"),
                _else(),
            ],
        },
        {
            "output_column_name": "address",
            "comparison_levels": [
                _null("addr_id"),
                _level("addr_id_l = addr_id_r", "same address"),
                _level("substr(addr_id_l, 1, 12) = substr(addr_id_r, 1, 12)", "same community"),
                _else(),
            ],
        },
        {
            "output_column_name": "legal_rep",
            "comparison_levels": [_null("rep_id"), _level("rep_id_l = rep_id_r", "equal"), _else()],
        },
    ]


COMPANY_COLUMNS = ("rid", "uscc", "uscc_raw", "name", "name_core", "addr_id", "rep_id")

COMPANY_BLOCKING = [
    "l.uscc = r.uscc",
    "l.name = r.name",
    "l.name_core = r.name_core AND l.rep_id = r.rep_id",
]


def company_settings() -> dict[str, Any]:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "rid",
        "comparisons": company_comparisons(),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": b} for b in COMPANY_BLOCKING],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "probability_two_random_records_match": 1e-5,
        "max_iterations": 12,
    }


@dataclass
class LinkResult:
    """``clusters``: the table (rid, cluster_id: a number); ``model``: the trained Splink settings (JSON-able)."""

    clusters: str
    pairs: int
    model: dict[str, Any]
    timings: dict[str, float]
    cpu: dict[str, float]


def _train(linker: Any, kind: str, rows: int) -> None:
    from splink import block_on

    del block_on
    pairs = int(min(2_000_000, max(100_000, rows * 4)))
    linker.training.estimate_u_using_random_sampling(max_pairs=pairs, seed=2021)
    if kind == "person":
        passes = ["l.id_number = r.id_number", "l.name_py = r.name_py AND l.birth_day = r.birth_day"]
    else:
        passes = ["l.uscc = r.uscc", "l.name = r.name"]
    for rule in passes:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, estimate_without_term_frequencies=True)


def link(
    con: duckdb.DuckDBPyConnection,
    table: str,
    kind: str,
    *,
    model: dict[str, Any] | None = None,
    threshold: float | None = None,
    out: str | None = None,
) -> LinkResult:
    """Link the records of ``table`` (``kind``: person or company) into clusters in DuckDB.

    With ``model`` (a trained settings dict), training is skipped: incremental runs and the Spark parity
    check reuse the parameters of the full build.
    """
    from splink import DuckDBAPI, Linker

    from xingcheng.registries.clock import Stopwatch

    watch = Stopwatch()
    settings = model or (person_settings() if kind == "person" else company_settings())
    threshold = threshold or (PERSON_THRESHOLD if kind == "person" else COMPANY_THRESHOLD)
    db_api = DuckDBAPI(con)
    # Splink copies its input into every table it builds (concatenated input, blocked pairs, training samples):
    # it gets only the columns the model compares and blocks on, not every column of the records.
    lean = f"xc_link_{kind}"
    columns = ", ".join(PERSON_COLUMNS if kind == "person" else COMPANY_COLUMNS)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {lean} AS SELECT {columns} FROM {table}")  # noqa: S608
    rows = con.execute(f"SELECT count(*) FROM {lean}").fetchone()[0]  # noqa: S608
    sdf = db_api.register(lean)
    linker = Linker(sdf, settings, log_level=logging.ERROR)
    if model is None and rows > 1:
        _train(linker, kind, rows)
        linker.training.estimate_probability_two_random_records_match(
            [PERSON_BLOCKING[0] if kind == "person" else COMPANY_BLOCKING[0]], recall=0.97
        )
    watch.lap("train")
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    pairs = con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchone()[0]  # noqa: S608
    watch.lap("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    out = out or f"{kind}_cluster"
    # Clusters are numbered (in the order of Splink's cluster names, the smallest record id of each cluster):
    # every later step groups and joins on them, and an integer is cheaper to hash and hold than that text.
    con.execute(
        f"CREATE OR REPLACE TABLE {out} AS SELECT rid, "  # noqa: S608
        f"CAST(dense_rank() OVER (ORDER BY cluster_id) AS BIGINT) AS cluster_id FROM {clusters.physical_name}"
    )
    watch.lap("cluster")
    trained = linker.misc.save_model_to_json()
    predictions.drop_table_from_database_and_remove_from_cache()
    clusters.drop_table_from_database_and_remove_from_cache()
    _drop_splink_tables(con)
    con.execute(f"DROP TABLE {lean}")
    return LinkResult(out, int(pairs), trained, watch.wall, watch.cpu)


def _drop_splink_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Splink keeps what training computed (comparison vectors of millions of pairs, term frequencies) in the
    connection; the rest of the build needs none of it, and memory is what a city-scale build runs short of."""
    leftovers = con.execute(
        "SELECT database_name, schema_name, table_name FROM duckdb_tables() WHERE starts_with(table_name, '__splink__')"
    ).fetchall()
    for database, schema, name in leftovers:
        con.execute(f'DROP TABLE IF EXISTS "{database}"."{schema}"."{name}"')
