"""Decisions of the registries: run a build and apply it to the metadata database, incrementally, emitting
change events; and the read functions pages, the JSON API and other domains use.

A build (:func:`run_build`) computes everything in DuckDB (:mod:`.build`), then applies only what changed:
each new cluster of records is mapped to the golden person its records belonged to before (by the record
links), so person numbers stay stable; new clusters become new persons, persons whose records all vanished
are marked removed, and a person whose golden values changed is updated. Each such change is one event.
Reference registries (addresses, places, components, housing) are replaced whole.

Functions flush, never commit: the CLI command, the demo or the request that called them commits.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.events import Event, EventBus
from xingcheng.registries import build as builder
from xingcheng.registries import catalog
from xingcheng.registries import events as ev
from xingcheng.registries import places as place_builder
from xingcheng.registries import repository as repo
from xingcheng.registries.clock import Stopwatch
from xingcheng.registries.models import (
    Address,
    AddressAlias,
    Build,
    Building,
    Company,
    CompanyAddress,
    CompanyLink,
    CompanyName,
    Component,
    ComponentClass,
    House,
    Issue,
    Person,
    PersonLink,
    Place,
    Relation,
    RightHolder,
)
from xingcheng.registries.records import COMPANY_SOURCES, PERSON_SOURCES
from xingcheng.registries.sources import SourceReader, connect

__all__ = ["DEPARTMENTS", "BuildOutcome", "ledger_authority", "match_text", "resolve_issue", "run_build"]

DEPARTMENTS: dict[str, str] = {
    **{m.source: m.department for m in PERSON_SOURCES},
    **{m.source: m.department for m in COMPANY_SOURCES},
    "um_city_components": "cgj",
    "housing_properties": "zjj",
    "nrp_standard_addresses": "zrzyj",
}


@dataclass
class BuildOutcome:
    build: Build
    events: list[Event] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds of each stage
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of each stage


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Iterator[dict[str, Any]]:
    """Stream a query's rows as dicts, in batches."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    while batch := cur.fetchmany(50_000):
        for row in batch:
            yield dict(zip(names, row, strict=True))


def _copy(
    db: Session,
    con: duckdb.DuckDBPyConnection,
    model: type,
    sql: str,
    *,
    json_text: tuple[str, ...] = (),
    const: dict[str, Any] | None = None,
) -> int:
    """Stream a DuckDB query's rows into a table (columns named by the query; ``const`` appended to each row)."""
    cur = con.execute(sql)
    columns = [d[0] for d in cur.description]

    def rows() -> Iterator[tuple[Any, ...]]:
        while batch := cur.fetchmany(50_000):
            yield from batch

    return repo.copy_rows(db, model, columns, rows(), json_text=json_text, const=const)


def _register(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, list[Any]]) -> None:
    """A temp table from Python lists; ``id``, ``person_id``, ``company_id`` and ``cluster_id`` are integers, the rest
    text."""
    import pyarrow as pa

    def kind(column: str) -> Any:
        return pa.int64() if column in ("id", "person_id", "company_id", "cluster_id") else pa.string()

    con.register(f"{name}_arrow", pa.table({k: pa.array(v, type=kind(k)) for k, v in columns.items()}))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")  # noqa: S608
    con.unregister(f"{name}_arrow")


def run_build(
    db: Session,
    reader: SourceReader,
    *,
    events: EventBus | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    retrain: bool = False,
    models: tuple[dict[str, Any], dict[str, Any]] | None = None,
    inspect: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> BuildOutcome:
    """Build the registries from ``reader`` and apply the changes to the database.

    The first build trains the linkage models; later builds reuse them (``retrain`` to train again), so
    that a record is scored the same way in every build. ``inspect`` sees the build's DuckDB tables before
    they are dropped (the benchmark measures quality on them). ``models``: (person, company) Splink models
    trained elsewhere, used instead of training or the previous build's.
    """
    # The registries are resources of the ledger, read only under exchange grants: registered before the first
    # build and checked at every later one (idempotent; needs the data bureau's department).
    catalog.ensure_registered(db)
    previous = repo.last_build(db)
    kind = "incremental" if previous is not None else "full"
    record = Build(kind=kind, status="running", sources=reader.describe())
    db.add(record)
    db.flush()
    scratch = tempfile.mkdtemp(prefix="xc-registries-")
    con = connect(threads=threads, memory_limit=memory_limit, temp_directory=scratch)
    person_model = company_model = None
    if models is not None:
        person_model, company_model = models
    elif previous is not None and not retrain:
        person_model, company_model = previous.person_model, previous.company_model
    try:
        computed = builder.compute(
            con,
            reader,
            person_model=person_model,
            company_model=company_model,
            authority=ledger_authority(db),
            progress=progress,
        )
        watch = Stopwatch()
        changes: list[Event] = []
        now = utcnow()
        with repo.bulk_writes(db):
            _replace_reference(db, con)
            watch.lap("store_reference")
            changes += _apply_persons(db, con, record.id, now, initial=previous is None)
            watch.lap("store_persons")
            changes += _apply_companies(db, con, record.id, now, initial=previous is None)
            _replace_housing(db, con)
            _sync_issues(db, con, record.id, now)
            watch.lap("store_rest")
        computed.timings.update(watch.wall)
        computed.cpu.update(watch.cpu)
        if inspect is not None:
            inspect(con)
    finally:
        con.close()
        reader.close()
        shutil.rmtree(scratch, ignore_errors=True)
    record.sources = reader.describe()
    record.status = "done"
    record.finished_at = utcnow()
    record.metrics = {**computed.metrics, "timings": computed.timings, "cpu": computed.cpu, "changes": len(changes)}
    record.person_model = computed.person_model
    record.company_model = computed.company_model
    db.flush()
    built = ev.RegistryBuilt(
        record.id, kind, computed.metrics.get("persons", 0), computed.metrics.get("companies", 0), len(changes)
    )
    emitted = [*changes, built]
    if events is not None:
        for event in emitted:
            events.emit(event)
    return BuildOutcome(record, emitted, computed.timings, computed.cpu)


def ledger_authority(db: Session) -> dict[str, str]:
    """一数一源 from the ledger: for each golden attribute, the source whose field is authoritative for its data
    item (matched by the field's name, which is the department's column name). Items without an authoritative
    field keep the defaults of :mod:`.golden`."""
    from xingcheng.ledger import service as ledger
    from xingcheng.registries.golden import DATA_ITEMS

    out: dict[str, str] = {}
    for attribute, (item, key) in DATA_ITEMS.items():
        found = ledger.authoritative_source(db, item)
        if found is None:
            continue
        _resource, fld = found
        names = {fld.name, *(fld.source_names or [])}
        for m in PERSON_SOURCES:
            if m.columns.get(key) in names:
                out[attribute] = m.source
                break
    return out


# -- reference registries: replaced whole ----------------------------------------------------------------


def _replace_reference(db: Session, con: duckdb.DuckDBPyConnection) -> None:
    repo.delete_all(db, Component, ComponentClass, AddressAlias, Address, Place)
    db.flush()
    repo.bulk_insert(db, Place, place_builder.build_places(con))
    _copy(
        db,
        con,
        Address,
        """SELECT code, level, district_code, township_code, community_code, grid_code, road, door_no, estate,
                      building, unit, room, full_address, lon, lat FROM address_std ORDER BY code""",
    )
    _copy(
        db,
        con,
        AddressAlias,
        "SELECT code, std_code AS address_code FROM address_alias WHERE code <> std_code ORDER BY code",
    )
    _copy(
        db,
        con,
        ComponentClass,
        "SELECT code, major_code, major_name, minor_code, minor_name, authority FROM component_class ORDER BY code",
    )
    _copy(
        db,
        con,
        Component,
        """SELECT id, class_code, county_code, serial, community_code, grid_code, lon, lat, location, department,
                      owner, maintainer, state, surveyed, aliases FROM component_std
               WHERE class_code IN (SELECT code FROM component_class) ORDER BY id""",
    )


# -- persons: applied incrementally -----------------------------------------------------------------------

_GOLDEN = ("name", "sex", "birth_date", "ethnicity", "phone", "address_id", "marital_status")


def _apply_persons(
    db: Session, con: duckdb.DuckDBPyConnection, build_id: int, now: dt.datetime, *, initial: bool
) -> list[Event]:
    links = repo.all_links(db, PersonLink, "person_id")
    _register(
        con,
        "prev_link",
        {"rid": [f"{s}:{r}" for s, r, _ in links], "person_id": [p for _, _, p in links]},
    )
    state = repo.person_state(db)
    _register(
        con,
        "prev_person",
        {
            "person_id": [s[0] for s in state],
            "state": [s[1] for s in state],
            "digest": [s[2] for s in state],
            "address_code": [s[3] for s in state],
        },
    )
    # Each cluster takes over the person most of its records belonged to (one cluster per person: the biggest).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE cluster_person AS
        WITH votes AS (
            SELECT c.cluster_id, l.person_id, count(*) AS n FROM person_cluster c JOIN prev_link l USING (rid)
            GROUP BY ALL
        ), best AS (
            SELECT cluster_id, arg_max(person_id, (n, -person_id)) AS person_id, max(n) AS n
            FROM votes GROUP BY cluster_id
        )
        SELECT cluster_id, person_id FROM (
            SELECT *, row_number() OVER (PARTITION BY person_id ORDER BY n DESC, cluster_id) AS k FROM best
        ) WHERE k = 1
        """
    )
    base = repo.max_id(db, Person)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE person_out AS
        SELECT g.*,
               coalesce(cp.person_id, {base} + row_number() OVER (PARTITION BY cp.person_id IS NULL
                                                                   ORDER BY g.first_rid)) AS person_id,
               cp.person_id IS NULL AS is_new,
               md5(concat_ws('|', g.id_number, g.name, g.sex, g.birth_date, g.ethnicity, g.phone, g.address_id,
                   g.marital_status, g.household, g.relation, g.records, g.attributes)) AS digest
        FROM person_golden g LEFT JOIN cluster_person cp USING (cluster_id)
        """  # noqa: S608
    )
    select_person = """
        SELECT o.person_id AS id, 'RK' || lpad(CAST(o.person_id AS VARCHAR), 10, '0') AS person_no, o.id_number,
               o.name, o.sex, try_cast(o.birth_date AS DATE) AS birth_date, o.ethnicity, o.phone,
               o.address_id AS address_code, o.marital_status, o.household AS household_no,
               o.relation AS household_relation, 'active' AS state, CAST(o.records AS INTEGER) AS records,
               o.attributes, o.digest
        FROM person_out o
    """
    changes: list[Event] = []

    def with_json(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            row["attributes"] = json.loads(row["attributes"]) if row["attributes"] else {}
            row["created_at"] = row["updated_at"] = now
            yield row

    _copy(
        db,
        con,
        Person,
        select_person.replace("o.attributes,", "coalesce(o.attributes, '{}') AS attributes,")
        + " WHERE o.is_new ORDER BY o.person_id",
        json_text=("attributes",),
        const={"created_at": now, "updated_at": now},
    )
    updated = list(
        with_json(
            _rows(
                con,
                select_person + " JOIN prev_person p USING (person_id)"
                " WHERE NOT o.is_new AND (o.digest <> p.digest OR p.state <> 'active')",
            )
        )
    )
    for row in updated:
        del row["created_at"]
    repo.bulk_update(db, Person, updated)
    removed = [
        r[0]
        for r in con.execute(
            "SELECT person_id FROM prev_person WHERE state = 'active' "
            "AND person_id NOT IN (SELECT person_id FROM person_out)"
        ).fetchall()
    ]
    repo.bulk_update(db, Person, [{"id": pid, "state": "removed", "updated_at": now} for pid in removed])
    if not initial:
        numbers = dict(
            con.execute(
                "SELECT person_id, 'RK' || lpad(CAST(person_id AS VARCHAR), 10, '0') FROM person_out"
            ).fetchall()
        )
        for pid, birth, address, born in con.execute(
            """SELECT person_id, birth_date, address_id, list_contains(sources, 'hc_birth_certificates')
               FROM person_out WHERE is_new ORDER BY person_id"""
        ).fetchall():
            changes.append(
                ev.PersonBorn(numbers[pid], birth, address) if born else ev.PersonAdded(numbers[pid], address)
            )
        for pid, old, new in con.execute(
            """SELECT o.person_id, p.address_code, o.address_id FROM person_out o JOIN prev_person p USING (person_id)
               WHERE NOT o.is_new AND p.address_code IS DISTINCT FROM o.address_id AND o.address_id IS NOT NULL
               ORDER BY o.person_id"""
        ).fetchall():
            changes.append(ev.PersonMoved(numbers[pid], old, new))
        for pid in removed:
            changes.append(ev.PersonRemoved(f"RK{pid:010d}"))
    _sync_person_links(db, con)
    _sync_relations(db, con, initial=initial)
    return changes


def _sync_person_links(db: Session, con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE link_diff AS
        SELECT coalesce(n.rid, p.rid) AS rid, n.person_id AS new_id, p.person_id AS old_id
        FROM (SELECT c.rid, o.person_id FROM person_cluster c JOIN person_out o USING (cluster_id)) n
        FULL JOIN prev_link p USING (rid)
        WHERE n.person_id IS DISTINCT FROM p.person_id
        """
    )
    stale = [r[0] for r in con.execute("SELECT rid FROM link_diff WHERE old_id IS NOT NULL").fetchall()]
    if stale:
        for source in {s.split(":", 1)[0] for s in stale}:
            ids = [s.split(":", 1)[1] for s in stale if s.startswith(source + ":")]
            _delete_links(db, source, ids)
    _copy(
        db,
        con,
        PersonLink,
        """SELECT split_part(rid, ':', 1) AS source, substr(rid, strpos(rid, ':') + 1) AS record_id,
                      new_id AS person_id FROM link_diff WHERE new_id IS NOT NULL ORDER BY rid""",
    )


def _delete_links(db: Session, source: str, record_ids: list[str]) -> None:
    from sqlalchemy import delete

    for start in range(0, len(record_ids), 5_000):
        db.execute(
            delete(PersonLink).where(
                PersonLink.source == source, PersonLink.record_id.in_(record_ids[start : start + 5_000])
            )
        )


def _sync_relations(db: Session, con: duckdb.DuckDBPyConnection, *, initial: bool) -> None:
    from sqlalchemy import delete, or_

    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE relation_out AS
        SELECT a.person_id, r.kind, b.person_id AS other_id, array_to_string(r.sources, ',') AS sources
        FROM person_relation r JOIN person_out a ON a.cluster_id = r.cluster_id
             JOIN person_out b ON b.cluster_id = r.other_cluster_id
        """
    )
    if initial:
        _copy(db, con, Relation, "SELECT * FROM relation_out ORDER BY person_id, kind, other_id")
        return
    touched = [
        r[0]
        for r in con.execute(
            """SELECT person_id FROM person_out o LEFT JOIN prev_person p USING (person_id)
               WHERE o.is_new OR o.digest IS DISTINCT FROM p.digest
               UNION SELECT person_id FROM prev_person WHERE person_id NOT IN (SELECT person_id FROM person_out)"""
        ).fetchall()
    ]
    for start in range(0, len(touched), 2_000):
        chunk = touched[start : start + 2_000]
        db.execute(delete(Relation).where(or_(Relation.person_id.in_(chunk), Relation.other_id.in_(chunk))))
    if touched:
        _register(con, "touched", {"person_id": touched})
        _copy(
            db,
            con,
            Relation,
            """SELECT * FROM relation_out WHERE person_id IN (SELECT person_id FROM touched)
                   OR other_id IN (SELECT person_id FROM touched) ORDER BY person_id, kind, other_id""",
        )


# -- companies ------------------------------------------------------------------------------------------------


def _apply_companies(
    db: Session, con: duckdb.DuckDBPyConnection, build_id: int, now: dt.datetime, *, initial: bool
) -> list[Event]:
    before = repo.company_state(db)
    changes: list[Event] = []
    people = dict(con.execute("SELECT cluster_id, person_id FROM person_out").fetchall())
    golden = list(
        _rows(
            con,
            """SELECT g.cluster_id, g.uscc, g.name_shown AS name, g.entity_type, g.status, g.established, g.capital,
                      g.addr_id AS address_code, CAST(g.records AS INTEGER) AS records, p.cluster_id AS rep_cluster
               FROM company_golden g LEFT JOIN person_golden p ON p.id_number = g.rep_id
               WHERE g.uscc IS NOT NULL ORDER BY g.uscc""",
        )
    )
    seen: set[str] = set()
    ids: dict[Any, int] = {}
    base = repo.max_id(db, Company)
    new_rows, upd_rows = [], []
    for row in golden:
        uscc = row["uscc"]
        if uscc in seen:
            continue
        seen.add(uscc)
        values = {
            "uscc": uscc,
            "name": row["name"] or "",
            "entity_type": row["entity_type"],
            "status": row["status"],
            "established": row["established"],
            "capital": row["capital"],
            "legal_rep_id": people.get(row["rep_cluster"]),
            "address_code": row["address_code"],
            "records": row["records"],
            "state": "active",
            "updated_at": now,
        }
        old = before.get(uscc)
        if old is None:
            base += 1
            ids[row["cluster_id"]] = base
            new_rows.append({"id": base, "created_at": now, **values})
            if not initial:
                changes.append(ev.CompanyRegistered(uscc, row["address_code"]))
        else:
            ids[row["cluster_id"]] = old[0]
            upd_rows.append({"id": old[0], **values})
            if not initial and old[2] != values["name"]:
                changes.append(ev.CompanyRenamed(uscc))
    if new_rows:
        columns = list(new_rows[0])
        repo.copy_rows(
            db,
            Company,
            columns,
            (tuple(r[c] for c in columns) for r in new_rows),
            json_text=("attributes",),
            const={"attributes": "{}"},
        )
    repo.bulk_update(db, Company, upd_rows)
    gone = [(code, v[0]) for code, v in before.items() if code not in seen and v[1] == "active"]
    repo.bulk_update(db, Company, [{"id": cid, "state": "removed", "updated_at": now} for _, cid in gone])
    if not initial:
        changes += [ev.CompanyRemoved(code) for code, _ in gone]
    _register(con, "company_ids", {"cluster_id": list(ids), "company_id": list(ids.values())})
    repo.delete_all(db, CompanyLink, CompanyName, CompanyAddress)
    db.flush()
    _copy(
        db,
        con,
        CompanyLink,
        """SELECT c.source, c.record_id, i.company_id FROM company_rec c JOIN company_ids i USING (cluster_id)
               ORDER BY c.source, c.record_id""",
    )
    _copy(
        db,
        con,
        CompanyName,
        """SELECT i.company_id, h.name, 'amr_market_entities' AS source, h.valid_from, h.valid_to
               FROM company_name_history h JOIN company_ids i USING (cluster_id) ORDER BY i.company_id, h.valid_from""",
    )
    _copy(
        db,
        con,
        CompanyAddress,
        """SELECT i.company_id, h.addr_id AS address_code, coalesce(h.text, '') AS text,
                      'amr_market_entities' AS source,
                      h.valid_from, h.valid_to
               FROM company_address_history h JOIN company_ids i USING (cluster_id)
               ORDER BY i.company_id, h.valid_from""",
    )
    return changes


# -- housing ----------------------------------------------------------------------------------------------------


def _replace_housing(db: Session, con: duckdb.DuckDBPyConnection) -> None:
    repo.delete_all(db, RightHolder, House, Building)
    db.flush()
    con.execute(
        """CREATE OR REPLACE TEMP TABLE building_out AS
           SELECT row_number() OVER (ORDER BY address_code) AS id, * FROM building_std"""
    )
    _copy(
        db,
        con,
        Building,
        """SELECT id, address_code, unit_no, estate, building_no, district_code, floors, units, built_year, "use"
               FROM building_out ORDER BY id""",
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE house_out AS
           SELECT row_number() OVER (ORDER BY h.address_code) AS id, h.*, b.id AS building_id
           FROM house_std h LEFT JOIN building_out b ON b.address_code = h.building_code"""
    )
    _copy(
        db,
        con,
        House,
        """SELECT id, address_code, building_id, unit_no, floor, room_no, area, "use", share_mode,
                      CAST(registered_at AS VARCHAR) AS registered_at FROM house_out ORDER BY id""",
    )
    _copy(
        db,
        con,
        RightHolder,
        """SELECT h.id AS house_id, r.role, r.holder_type, p.person_id, c.company_id,
                      CASE WHEN p.person_id IS NULL AND c.company_id IS NULL THEN r.name END AS name
               FROM holder_std r JOIN house_out h USING (address_code)
               LEFT JOIN person_out p ON p.cluster_id = r.person_cluster
               LEFT JOIN company_ids c ON c.cluster_id = r.company_cluster
               ORDER BY h.id, r.role DESC""",
    )


# -- data-quality issues ----------------------------------------------------------------------------------------


def _sync_issues(db: Session, con: duckdb.DuckDBPyConnection, build_id: int, now: dt.datetime) -> None:
    """Open the issues this build found that are not open yet; resolve open ones it no longer finds."""
    dept = {"source": list(DEPARTMENTS), "department_code": list(DEPARTMENTS.values())}
    _register(con, "xc_dept", dept)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE issue_out AS
        SELECT 'person' AS registry_name, 'RK' || lpad(CAST(o.person_id AS VARCHAR), 10, '0') AS entity_ref, i.kind,
               i.attribute, i.source, i.record_id, i.value, i.golden AS golden_value, i.golden_source
        FROM person_issue i JOIN person_out o USING (cluster_id)
        UNION ALL
        SELECT 'company', g.uscc, i.kind, i.attribute, i.source, i.record_id, i.value, i.golden, 'amr_market_entities'
        FROM company_issue i JOIN company_golden g USING (cluster_id) WHERE g.uscc IS NOT NULL
        UNION ALL
        SELECT 'component', entity_ref, kind, attribute, 'um_city_components', record_id, value, golden, NULL
        FROM component_issue
        UNION ALL
        SELECT 'housing', coalesce(entity_ref, ''), kind, attribute, 'housing_properties', record_id, value, golden,
               NULL
        FROM housing_issue
        """
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE issue_new AS
           SELECT i.*, d.department_code FROM issue_out i JOIN xc_dept d USING (source)"""
    )
    keys = repo.open_issue_keys(db)
    _register(
        con,
        "issue_open",
        {
            "id": [k[0] for k in keys],
            "registry_name": [k[1] for k in keys],
            "entity_ref": [k[2] for k in keys],
            "kind": [k[3] for k in keys],
            "attribute": [k[4] for k in keys],
            "source": [k[5] for k in keys],
            "record_id": [k[6] for k in keys],
            "value": [k[7] for k in keys],
        },
    )
    join = """o.registry_name = n.registry_name AND o.entity_ref = n.entity_ref AND o.kind = n.kind
              AND o.attribute = n.attribute
              AND o.source = n.source AND o.record_id IS NOT DISTINCT FROM n.record_id
              AND o.value IS NOT DISTINCT FROM n.value"""
    resolved = [
        r[0]
        for r in con.execute(
            f"SELECT o.id FROM issue_open o WHERE NOT EXISTS (SELECT 1 FROM issue_new n WHERE {join})"  # noqa: S608
        ).fetchall()
    ]
    repo.bulk_update(db, Issue, [{"id": i, "status": "resolved", "resolved_at": now} for i in resolved])

    _copy(
        db,
        con,
        Issue,
        f"""SELECT registry_name, left(entity_ref, 32) AS entity_ref, kind, attribute, source, record_id, value,
                   golden_value, golden_source, department_code
            FROM issue_new n WHERE NOT EXISTS (SELECT 1 FROM issue_open o WHERE {join})
            ORDER BY registry_name, entity_ref, kind, attribute, source, record_id""",  # noqa: S608
        const={"build_id": build_id, "created_at": now, "status": "open"},
    )


def match_text(db: Session, text: str) -> dict[str, Any]:
    """Standardise one free-text address: exact lookup, else parse against the gazetteer of its district and road."""
    from xingcheng.registries.addresses import AddressIndex
    from xingcheng.registries.text import fold_address

    folded = fold_address(text)
    if not folded:
        return {"address_code": None, "score": 0.0, "level": None, "full_address": None}
    found = repo.address_by_text(db, "长沙市" + folded)
    if found is not None:
        return {"address_code": found.code, "score": 1.0, "level": found.level, "full_address": found.full_address}
    district = next((p for p in repo.places(db, "district") if folded.startswith(p.name)), None)
    if district is None:
        return {"address_code": None, "score": 0.0, "level": None, "full_address": None}
    roads = [r for r in repo.roads_of(db, district.code) if r and r in folded]
    rows = repo.gazetteer_rows(db, district.code, max(roads, key=len)) if roads else []
    match = AddressIndex(rows).match(folded) if rows else None
    if match is None or match.code is None:
        return {"address_code": None, "score": 0.0, "level": None, "full_address": None}
    a = repo.address(db, match.code)
    return {
        "address_code": match.code,
        "score": match.score,
        "level": match.level,
        "full_address": a.full_address if a else None,
    }


def resolve_issue(db: Session, issue: Issue) -> Issue:
    if issue.status != "resolved":
        issue.status = "resolved"
        issue.resolved_at = utcnow()
        db.flush()
    return issue
