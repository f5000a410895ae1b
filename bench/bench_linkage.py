"""Benchmark the registries: linkage quality against the synthetic truth, address matching, timings, Spark parity.

Run ``.venv/bin/python bench/bench_linkage.py [--persons 1000000] [--sample 20000]``. Both cities are
generated once into the temp folder (``xingcheng-bench-city-N``) and reused by later runs. For each city the
full registry build runs end to end (read every departmental source, match addresses, train and run the
Splink models, cluster, choose golden values, write everything to a fresh SQLite metadata database), and
its DuckDB tables are measured before they are dropped:

* pairwise precision and recall of the person and company clusters against ``truth/links.csv``;
* the baseline, measured in the same run: clusters by exact valid ID number (credit code) only;
* address matching accuracy: the standard address matched to each departmental address text against the
  truth (a person record is right when it matched the person's address or, for movers, the old one);
* the conflicts the city shows, by department and kind.

On the sample city the same trained model then links the person records on Spark (local mode) and the
clusters are compared with DuckDB's.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from _report import machine_line, peak_rss_mib, write_section

from xingcheng.core.db import Database
from xingcheng.core.migrate import upgrade
from xingcheng.registries import service
from xingcheng.registries.sources import FileSources
from xingcheng.synth import generate

PAIRS = """
WITH j AS (SELECT c.rid, c.cluster_id, t.entity_id FROM {clusters} c JOIN xb_truth t USING (rid)),
p AS (SELECT coalesce(sum(n * (n - 1) / 2), 0) AS v FROM (SELECT count(*) AS n FROM j GROUP BY cluster_id)),
t AS (SELECT coalesce(sum(n * (n - 1) / 2), 0) AS v FROM (SELECT count(*) AS n FROM j GROUP BY entity_id)),
b AS (SELECT coalesce(sum(n * (n - 1) / 2), 0) AS v FROM (SELECT count(*) AS n FROM j GROUP BY cluster_id, entity_id))
SELECT (SELECT v FROM b), (SELECT v FROM p), (SELECT v FROM t)
"""


def city(persons: int, seed: int = 2021) -> Path:
    folder = Path(tempfile.gettempdir()) / f"xingcheng-bench-city-{persons}-{seed}"
    if not (folder / "manifest.json").exists():
        started = time.perf_counter()
        generate(folder, persons=persons, seed=seed)
        print(f"generated {persons:,} persons in {time.perf_counter() - started:,.0f} s into {folder}", flush=True)
    return folder


def pairwise(con: duckdb.DuckDBPyConnection, clusters: str) -> dict[str, float]:
    both, predicted, true = con.execute(PAIRS.format(clusters=clusters)).fetchone()
    return {
        "precision": both / predicted if predicted else 1.0,
        "recall": both / true if true else 1.0,
        "pairs_predicted": predicted,
        "pairs_true": true,
    }


def measure(folder: Path) -> dict[str, Any]:
    """Callback body: quality of the build's tables (run inside ``run_build`` before they are dropped)."""
    out: dict[str, Any] = {}

    def inspect(con: duckdb.DuckDBPyConnection) -> None:
        truth = folder / "truth"
        con.execute(
            f"CREATE TEMP TABLE xb_truth AS SELECT source || ':' || record_id AS rid, entity_id "
            f"FROM read_csv('{truth / 'links.csv'}', all_varchar = true)"
        )
        out["persons"] = pairwise(con, "person_cluster")
        out["companies"] = pairwise(con, "company_cluster")
        # Baseline: exact valid ID number (credit code) only; records without one stand alone.
        started = time.perf_counter()
        con.execute(
            "CREATE TEMP TABLE xb_id_only AS SELECT rid, coalesce(id_number, rid) AS cluster_id FROM person_input"
        )
        out["persons_id_only"] = pairwise(con, "xb_id_only") | {"seconds": time.perf_counter() - started}
        con.execute(
            "CREATE TEMP TABLE xb_uscc_only AS SELECT rid, coalesce(uscc, rid) AS cluster_id FROM company_input"
        )
        out["companies_id_only"] = pairwise(con, "xb_uscc_only")
        # Address matching.
        con.execute(
            f"""CREATE TEMP TABLE xb_person_truth AS SELECT person_id, address_id, old_address_id
                FROM read_csv('{truth / "persons.csv"}', all_varchar = true)"""
        )
        person_acc = con.execute(
            """SELECT count(*) FILTER (WHERE p.addr_id IN (t.address_id, t.old_address_id)), count(*)
               FROM person_input p JOIN xb_truth l USING (rid) JOIN xb_person_truth t ON t.person_id = l.entity_id
               WHERE p.address_norm IS NOT NULL"""
        ).fetchone()
        company_acc = con.execute(
            f"""SELECT count(*) FILTER (WHERE p.addr_id = t.address_id), count(*)
                FROM company_input p JOIN xb_truth l USING (rid)
                JOIN read_csv('{truth / "companies.csv"}', all_varchar = true) t ON t.company_id = l.entity_id
                WHERE p.address_norm IS NOT NULL"""
        ).fetchone()
        housing_acc = con.execute(
            """SELECT count(*) FILTER (WHERE h.addr_id = l.entity_id), count(*)
               FROM housing_src h JOIN xb_truth l ON l.rid = 'housing_properties:' || h.record_no
               WHERE h.location_norm IS NOT NULL"""
        ).fetchone()
        right = person_acc[0] + company_acc[0] + housing_acc[0]
        total = person_acc[1] + company_acc[1] + housing_acc[1]
        out["addresses"] = {
            "accuracy": right / total if total else 1.0,
            "persons": person_acc,
            "companies": company_acc,
            "housing": housing_acc,
        }
        out["issues"] = con.execute(
            """SELECT registry_name, department_code, kind, count(*) FROM issue_new GROUP BY ALL ORDER BY ALL"""
        ).fetchall()
        out["person_records"] = con.execute("SELECT count(*) FROM person_input").fetchone()[0]
        out["company_records"] = con.execute("SELECT count(*) FROM company_input").fetchone()[0]
        out["model"] = None

    out["inspect"] = inspect
    return out


def run(folder: Path, workdir: Path) -> dict[str, Any]:
    url = f"sqlite:///{workdir / 'registries.db'}"
    upgrade(url)
    db = Database(url)
    result = measure(folder)
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), _cpu()
    with db.session() as session:
        outcome = service.run_build(session, FileSources(folder), memory_limit="8GB", inspect=result.pop("inspect"))
        build_metrics = outcome.build.metrics
        model = outcome.build.person_model
    result["wall"] = time.perf_counter() - started
    result["cpu"] = _cpu() - cpu
    result["load_before"] = load_before
    result["load"] = os.getloadavg()[0]
    result["timings"] = outcome.timings
    result["stage_cpu"] = outcome.cpu
    result["metrics"] = build_metrics
    result["model"] = model
    db.dispose()
    return result


def _cpu() -> float:
    """CPU seconds of this process (user + system): what the build cost, whatever else runs on the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def spark_parity(folder: Path, model: dict[str, Any], sample_persons: int) -> dict[str, Any]:
    from xingcheng.registries import addresses, records, spark
    from xingcheng.registries.linkage import PERSON_THRESHOLD
    from xingcheng.registries.sources import connect

    con = connect()
    reader = FileSources(folder)
    addresses.load_standard_addresses(con, reader)
    records.load_person_records(con, reader)
    records.prepare_person_input(con)
    con.execute("ALTER TABLE person_input ADD COLUMN addr_score DOUBLE")
    addresses.match_column(con, "person_input", "address_norm", "addr_id", "addr_score")
    # The sample: every record of the first N persons (by truth), so that clusters are whole.
    con.execute(
        f"""CREATE TABLE sample_input AS SELECT p.rid, p.id_number, p.id_raw, p.name, p.name_py, p.sex, p.birth_day,
                   p.addr_id, p.phone
            FROM person_input p
            JOIN (SELECT source || ':' || record_id AS rid, entity_id
                  FROM read_csv('{folder / "truth" / "links.csv"}', all_varchar = true)) t USING (rid)
            WHERE t.entity_id < 'P{sample_persons:09d}' ORDER BY p.rid"""
    )
    started = time.perf_counter()
    result = spark.parity(con, "sample_input", model, PERSON_THRESHOLD)
    reader.close()
    return {**result.__dict__, "seconds": time.perf_counter() - started, "persons": sample_persons}


def _fmt(p: dict[str, float]) -> str:
    return f"{p['precision']:.5f} | {p['recall']:.5f} | {p['pairs_predicted']:,.0f} | {p['pairs_true']:,.0f}"


def report(
    persons: int, big: dict[str, Any], sample_n: int, small: dict[str, Any], parity: dict[str, Any] | None
) -> str:
    t = big["timings"]
    linkage_s = t.get("persons_train", 0) + t.get("persons_predict", 0) + t.get("persons_cluster", 0)
    resolved = sum(v for k, v in t.items() if not k.startswith("store_"))
    cpu = big["stage_cpu"]
    resolved_cpu = sum(v for k, v in cpu.items() if not k.startswith("store_"))
    id_only_s = big["persons_id_only"]["seconds"]
    lines = [
        f"Measured {machine_line()} · load average at the end: {os.getloadavg()[0]:.1f} · "
        f"peak RSS {peak_rss_mib():,.0f} MiB",
        "",
        f"`bench/bench_linkage.py --persons {persons}` — registry build end to end from the departmental source "
        f"files to a fresh SQLite metadata database: {big['person_records']:,} person records and "
        f"{big['company_records']:,} company records of {persons:,} persons.",
        "",
        "| linkage | precision | recall | predicted pairs | true pairs |",
        "|---|---:|---:|---:|---:|",
        f"| persons, Splink | {_fmt(big['persons'])} |",
        f"| persons, baseline: exact valid ID number only | {_fmt(big['persons_id_only'])} |",
        f"| companies, Splink | {_fmt(big['companies'])} |",
        f"| companies, baseline: exact valid credit code only | {_fmt(big['companies_id_only'])} |",
        f"| persons, {sample_n:,}-person demo-size city | {_fmt(small['persons'])} |",
        f"| companies, {sample_n:,}-person demo-size city | {_fmt(small['companies'])} |",
        "",
        f"Address matching accuracy: **{big['addresses']['accuracy']:.5f}** "
        f"(persons {big['addresses']['persons'][0]:,}/{big['addresses']['persons'][1]:,}, "
        f"companies {big['addresses']['companies'][0]:,}/{big['addresses']['companies'][1]:,}, "
        f"housing {big['addresses']['housing'][0]:,}/{big['addresses']['housing'][1]:,}).",
        "",
        f"| {persons:,} persons: stage | seconds | CPU seconds |",
        "|---|---:|---:|",
        *[f"| {name} | {seconds:,.1f} | {cpu.get(name, 0):,.1f} |" for name, seconds in t.items()],
        f"| resolved: sources to golden records, relations and issues (before the database) | {resolved:,.1f} | "
        f"{resolved_cpu:,.1f} |",
        f"| **total, sources to database** | **{big['wall']:,.1f}** | {big['cpu']:,.1f} |",
        "",
        f"The {persons:,}-person build used {big['cpu']:,.0f} CPU seconds ({big['cpu'] / 2:,.0f} s of both cores); "
        f"the machine is shared: its load average was {big['load_before']:.1f} when the build started and "
        f"{big['load']:.1f} when it finished. CPU seconds count every thread of the process (DuckDB's included), "
        "whatever else the machine was doing.",
        "",
        f"Person linkage (train + predict + cluster) took {linkage_s:,.1f} s against {id_only_s:,.2f} s for the "
        f"exact-ID baseline ({linkage_s / max(id_only_s, 1e-9):,.0f}×), and recovers "
        f"{(big['persons']['recall'] - big['persons_id_only']['recall']) * big['persons']['pairs_true']:,.0f} true "
        "pairs the baseline misses (records with a missing or mistyped ID number, birth certificates, which "
        "carry none).",
        "",
    ]
    if parity is not None:
        lines += [
            f"Spark parity (the first {parity['persons']:,} persons of the {sample_n:,}-person city: "
            f"{parity['records']:,} records; Spark local[2]; the model trained in DuckDB): "
            f"DuckDB {parity['duckdb_clusters']:,} clusters, Spark "
            f"{parity['spark_clusters']:,} clusters, **{'identical' if parity['equal'] else 'DIFFERENT'}** "
            f"({parity['differing_records']} records in differing clusters; {parity['seconds']:,.0f} s).",
            "",
        ]
    lines += [
        f"Data-quality issues in the {sample_n:,}-person demo-size city (what the demo shows):",
        "",
        "| registry | department | kind | issues |",
        "|---|---|---|---:|",
        *[f"| {r} | {d} | {k} | {n:,} |" for r, d, k, n in small["issues"]],
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--parity-persons", type=int, default=5_000, help="persons of the sample linked on Spark")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument(
        "--skip-sample",
        action="store_true",
        help="build only the big city and print its figures (for iterating; docs/benchmarks.md is left alone)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xc-bench-linkage-") as tmp:
        small = parity = None
        if not args.skip_sample:
            small_city = city(args.sample)
            small_dir = Path(tmp) / "small"
            small_dir.mkdir()
            small = run(small_city, small_dir)
            print(f"sample: persons {small['persons']}, companies {small['companies']}", flush=True)
            parity = None if args.no_spark else spark_parity(small_city, small["model"], args.parity_persons)
            print(f"parity: {parity}", flush=True)
        big_city = city(args.persons)
        big_dir = Path(tmp) / "big"
        big_dir.mkdir()
        big = run(big_city, big_dir)
        print(f"{args.persons:,}: persons {big['persons']}, wall {big['wall']:.0f} s", flush=True)
    if small is None:
        print(_summary(args.persons, big))
        return
    write_section("linkage", report(args.persons, big, args.sample, small, parity))


def _summary(persons: int, big: dict[str, Any]) -> str:
    """The big city's figures as text, without the sample city (``--skip-sample``)."""
    cpu = big["stage_cpu"]
    lines = [
        f"{persons:,} persons: {big['person_records']:,} person records, {big['company_records']:,} company records"
    ]
    lines += [
        f"persons P {big['persons']['precision']:.5f} R {big['persons']['recall']:.5f}; companies P "
        f"{big['companies']['precision']:.5f} R {big['companies']['recall']:.5f}; addresses "
        f"{big['addresses']['accuracy']:.5f}"
    ]
    lines += [f"{name:<18} {seconds:8.1f} s {cpu.get(name, 0):8.1f} CPU s" for name, seconds in big["timings"].items()]
    lines += [
        f"total {big['wall']:.1f} s, {big['cpu']:.1f} CPU s; load average {big['load_before']:.1f} at the start, "
        f"{big['load']:.1f} at the end; peak RSS {peak_rss_mib():,.0f} MiB"
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
