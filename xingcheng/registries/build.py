"""One registry build in DuckDB, start to finish: read the sources, match addresses, link persons and
companies, choose golden values, derive relations, components, buildings and houses.

Everything here works on tables in one DuckDB connection and writes nothing to the metadata database;
:mod:`xingcheng.registries.service` persists the result (diffing it against the previous build) and
emits the change events. Timings of every stage are kept for the build log and the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from xingcheng.registries import addresses, golden, linkage, records
from xingcheng.registries import text as T
from xingcheng.registries.clock import Stopwatch
from xingcheng.registries.sources import SourceReader

__all__ = ["Computed", "Progress", "compute"]

Progress = Callable[[str, int, int], None]
STAGES = ("addresses", "persons", "companies", "components", "housing")


@dataclass
class Computed:
    """What a build computed; the tables live in ``con``."""

    con: duckdb.DuckDBPyConnection
    sources: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of each stage (timings: wall seconds)
    metrics: dict[str, Any] = field(default_factory=dict)
    person_model: dict[str, Any] | None = None
    company_model: dict[str, Any] | None = None


def _quiet(stage: str, done: int, total: int) -> None:
    """Report nothing."""


def compute(
    con: duckdb.DuckDBPyConnection,
    reader: SourceReader,
    *,
    person_model: dict[str, Any] | None = None,
    company_model: dict[str, Any] | None = None,
    authority: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> Computed:
    """Build all five registries' tables in ``con`` from what ``reader`` serves.

    ``person_model``/``company_model``: trained Splink settings of an earlier build, so an incremental build
    scores new records exactly as the full build did (and skips training). ``authority``: attribute → the
    source that is authoritative for it (from the ledger; defaults in :mod:`.golden` for the rest).
    """
    report = progress or _quiet
    watch = Stopwatch()
    out = Computed(con, timings=watch.wall, cpu=watch.cpu)
    lap = watch.lap

    report("registries", 0, len(STAGES))
    out.metrics["addresses"] = addresses.load_standard_addresses(con, reader)
    lap("addresses")

    report("registries", 1, len(STAGES))
    out.sources += records.load_person_records(con, reader)
    lap("persons_read")
    records.prepare_person_input(con)
    con.execute("ALTER TABLE person_input ADD COLUMN addr_score DOUBLE")
    out.metrics["person_address_match"] = addresses.match_column(
        con, "person_input", "address_norm", "addr_id", "addr_score"
    )
    lap("persons_prepare")
    result = linkage.link(con, "person_input", "person", model=person_model)
    out.person_model = result.model
    out.metrics["person_pairs"] = result.pairs
    out.timings.update({f"persons_{k}": round(v, 3) for k, v in result.timings.items()})
    out.cpu.update({f"persons_{k}": round(v, 3) for k, v in result.cpu.items()})
    watch.restart()
    golden.build_person_golden(con, authority=authority)
    out.metrics["authority"] = {**golden.DEFAULT_AUTHORITY, **(authority or {})}
    golden.build_relations(con)
    con.execute("DROP TABLE person_rec")  # read by the golden values and relations only
    out.metrics["persons"] = con.execute("SELECT count(*) FROM person_golden").fetchone()[0]
    out.metrics["person_records"] = con.execute("SELECT count(*) FROM person_input").fetchone()[0]
    lap("persons_golden")

    report("registries", 2, len(STAGES))
    out.sources += records.load_company_records(con, reader)
    records.prepare_company_input(con)
    out.metrics["company_address_match"] = addresses.match_column(
        con, "company_input", "address_norm", "addr_id", "addr_score"
    )
    result = linkage.link(con, "company_input", "company", model=company_model)
    out.company_model = result.model
    golden.build_company_golden(con)
    out.metrics["companies"] = con.execute("SELECT count(*) FROM company_golden").fetchone()[0]
    lap("companies")

    report("registries", 3, len(STAGES))
    out.metrics["components"] = build_components(con, reader)
    lap("components")

    report("registries", 4, len(STAGES))
    out.metrics.update(build_housing(con, reader))
    lap("housing")
    report("registries", len(STAGES), len(STAGES))
    return out


def build_components(con: duckdb.DuckDBPyConnection, reader: SourceReader) -> int:
    """``component_class``, ``component_std`` (one row per component) and ``component_issue``.

    A component surveyed twice gets two identifiers for one object (same class, place, position and
    description): the lowest identifier stays, the other becomes an alias and a duplicate issue. An
    identifier whose class digits disagree with its class columns is an ``invalid_id`` issue.
    """
    inner = reader.sql(con, "um_city_components")
    if inner is None:
        for name in ("component_class", "component_std", "component_issue"):
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT NULL AS x WHERE FALSE")
        con.execute(
            "CREATE OR REPLACE TABLE component_std (id VARCHAR, class_code VARCHAR, county_code VARCHAR, "
            "serial VARCHAR, "
            "community_code VARCHAR, grid_code VARCHAR, lon DOUBLE, lat DOUBLE, location VARCHAR, department VARCHAR, "
            "owner VARCHAR, maintainer VARCHAR, state VARCHAR, surveyed DATE, aliases VARCHAR)"
        )
        return 0
    con.execute(
        f"""
        CREATE OR REPLACE TABLE component_src AS
        SELECT {T.sql_clean('"部件标识码"')} AS id, "大类代码" AS major_code, "大类名称" AS major_name,
               "小类代码" AS minor_code, "小类名称" AS minor_name, "社区代码" AS community_code,
               nullif("网格编码", '') AS grid_code, try_cast("经度" AS DOUBLE) AS lon,
               try_cast("纬度" AS DOUBLE) AS lat,
               "位置描述" AS location, "主管部门" AS department, "权属单位" AS owner, "养护单位" AS maintainer,
               "部件状态" AS state, {T.sql_date('"普查日期"')} AS surveyed
        FROM ({inner})
        """  # noqa: S608
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE component_class AS
        SELECT major_code || minor_code AS code, major_code, any_value(major_name) AS major_name, minor_code,
               any_value(minor_name) AS minor_name, mode(department) AS authority
        FROM component_src WHERE major_code IS NOT NULL AND minor_code IS NOT NULL GROUP BY major_code, minor_code
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE component_grouped AS
        SELECT *, min(id) OVER (PARTITION BY major_code, minor_code, community_code, grid_code, lon, lat, location,
                                             state, surveyed) AS keep
        FROM component_src WHERE id IS NOT NULL
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE component_std AS
        SELECT g.id, g.major_code || g.minor_code AS class_code, substr(g.id, 1, 6) AS county_code,
               substr(g.id, 11) AS serial, g.community_code, g.grid_code, g.lon, g.lat, g.location, g.department,
               g.owner, g.maintainer, g.state, g.surveyed,
               coalesce((SELECT string_agg(o.id, ',' ORDER BY o.id) FROM component_grouped o
                         WHERE o.keep = g.id AND o.id <> g.id), '') AS aliases
        FROM component_grouped g WHERE g.id = g.keep
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE component_issue AS
        SELECT keep AS entity_ref, 'duplicate' AS kind, 'record' AS attribute, id AS record_id, id AS value,
               keep AS golden
        FROM component_grouped WHERE id <> keep
        UNION ALL
        SELECT id, 'invalid_id', 'id', id, id, major_code || minor_code
        FROM component_src
        WHERE NOT regexp_full_match(coalesce(id, ''), '4301[0-9]{12}')
           OR substr(id, 7, 4) <> major_code || minor_code
        """
    )
    return con.execute("SELECT count(*) FROM component_std").fetchone()[0]


def build_housing(con: duckdb.DuckDBPyConnection, reader: SourceReader) -> dict[str, int]:
    """``building_std``, ``house_std``, ``holder_std`` (right holders, linked to persons and companies)."""
    inner = reader.sql(con, "housing_properties")
    if inner is None:
        inner = "SELECT " + ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in _HOUSING_COLUMNS) + " WHERE FALSE"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE housing_src AS
        SELECT h.*, a.std_code AS addr_id, CAST(CASE WHEN a.std_code IS NOT NULL THEN 1 END AS DOUBLE) AS addr_score
        FROM (
        SELECT record_no, record_type, unit_no, project_name, building_no, location,
               {T.sql_clean("address_code")} AS address_code, district_code, try_cast(floors AS INTEGER) AS floors,
               try_cast(units AS INTEGER) AS units, try_cast(built_year AS INTEGER) AS built_year,
               try_cast(floor AS INTEGER) AS floor, room_no, try_cast(area AS DOUBLE) AS area, "use",
               owner_type, owner_name, {T.sql_id_raw("owner_cert_no")} AS owner_cert,
               co_owner_name, {T.sql_id_raw("co_owner_cert_no")} AS co_owner_cert, share_mode, registered_at,
               {T.sql_id_number(T.sql_id_raw("owner_cert_no"))} AS owner_id,
               {T.sql_uscc("owner_cert_no")} AS owner_uscc,
               {T.sql_id_number(T.sql_id_raw("co_owner_cert_no"))} AS co_owner_id,
               {T.sql_address("location")} AS location_norm
        FROM ({inner})
        ) h
        -- The code the record gives (through the alias table), else (below) the matched location text.
        LEFT JOIN (SELECT code, min(std_code) AS std_code FROM address_alias GROUP BY code) a
               ON a.code = h.address_code
        """  # noqa: S608
    )
    match = addresses.match_column(con, "housing_src", "location_norm", "addr_id", "addr_score")
    con.execute(
        """
        CREATE OR REPLACE TABLE building_std AS
        SELECT addr_id AS address_code, arg_min(unit_no, record_no) AS unit_no,
               arg_min(project_name, record_no) AS estate,
               arg_min(building_no, record_no) AS building_no, arg_min(district_code, record_no) AS district_code,
               arg_min(floors, record_no) AS floors, arg_min(units, record_no) AS units,
               arg_min(built_year, record_no) AS built_year, arg_min("use", record_no) AS "use"
        FROM housing_src WHERE record_type = 'building' AND addr_id IS NOT NULL GROUP BY addr_id
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE house_std AS
        SELECT addr_id AS address_code, substr(addr_id, 1, 18) || '00000' AS building_code,
               arg_min(unit_no, record_no) AS unit_no, arg_min(floor, record_no) AS floor,
               arg_min(room_no, record_no) AS room_no, arg_min(area, record_no) AS area,
               arg_min("use", record_no) AS "use",
               arg_min(share_mode, record_no) AS share_mode, arg_min(registered_at, record_no) AS registered_at,
               arg_min(owner_type, record_no) AS owner_type, arg_min(owner_name, record_no) AS owner_name,
               arg_min(owner_cert, record_no) AS owner_cert, arg_min(co_owner_name, record_no) AS co_owner_name,
               arg_min(co_owner_cert, record_no) AS co_owner_cert, arg_min(owner_id, record_no) AS owner_id,
               arg_min(owner_uscc, record_no) AS owner_uscc, arg_min(co_owner_id, record_no) AS co_owner_id,
               count(*) AS records
        FROM housing_src WHERE record_type = 'house' AND addr_id IS NOT NULL GROUP BY addr_id
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE holder_std AS
        WITH h AS (
            SELECT address_code, 'owner' AS role, owner_type AS holder_type, owner_name AS name,
                   CASE WHEN owner_type = 'person' THEN owner_id END AS person_key,
                   CASE WHEN owner_type = 'company' THEN owner_uscc END AS company_key
            FROM house_std WHERE owner_name IS NOT NULL
            UNION ALL
            SELECT address_code, 'co_owner', 'person', co_owner_name, co_owner_id, NULL
            FROM house_std WHERE co_owner_name IS NOT NULL
        )
        SELECT h.address_code, h.role, h.holder_type, h.name, p.cluster_id AS person_cluster,
               c.cluster_id AS company_cluster
        FROM h
        LEFT JOIN person_golden p ON p.id_number = h.person_key
        LEFT JOIN company_golden c ON c.uscc = h.company_key
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE housing_issue AS
        SELECT address_code AS entity_ref, 'duplicate' AS kind, 'record' AS attribute, NULL AS record_id,
               CAST(records AS VARCHAR) AS value, NULL AS golden FROM house_std WHERE records > 1
        UNION ALL
        SELECT address_code, 'unmatched', role, NULL, name, NULL FROM holder_std
        WHERE person_cluster IS NULL AND company_cluster IS NULL
        UNION ALL
        SELECT coalesce(address_code, location), 'unmatched', 'address', record_no, location, NULL FROM housing_src
        WHERE addr_id IS NULL
        """
    )
    return {
        "buildings": con.execute("SELECT count(*) FROM building_std").fetchone()[0],
        "houses": con.execute("SELECT count(*) FROM house_std").fetchone()[0],
        "housing_unmatched_texts": match["unmatched_texts"],
    }


_HOUSING_COLUMNS = (
    "record_no record_type unit_no project_name building_no location address_code district_code floors units "
    "built_year floor room_no area use owner_type owner_name owner_cert_no co_owner_name co_owner_cert_no "
    "share_mode registered_at"
).split()
