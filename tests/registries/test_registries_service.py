"""Building the registries into the database, and a new source version changing them incrementally."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
from registry_helpers import EditedSources
from sqlalchemy import func, select

from xingcheng.core.db import Database
from xingcheng.core.events import Event, EventBus
from xingcheng.registries import events as ev
from xingcheng.registries import service
from xingcheng.registries.models import Company, Issue, Person, PersonLink, Relation
from xingcheng.registries.records import PERSON_ATTRIBUTES
from xingcheng.registries.sources import FileSources
from xingcheng.standards import idnumber, uscc


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _truth(city: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE links AS FROM read_csv('{city / 'truth' / 'links.csv'}', all_varchar = true)")
    con.execute(f"CREATE TABLE persons AS FROM read_csv('{city / 'truth' / 'persons.csv'}', all_varchar = true)")
    con.execute(f"CREATE TABLE addresses AS FROM read_csv('{city / 'truth' / 'addresses.csv'}', all_varchar = true)")
    rows = con.execute(sql).fetchall()
    con.close()
    return rows


def _build(database: Database, reader: Any, models: Any, bus: EventBus | None = None) -> service.BuildOutcome:
    with database.session() as db:
        return service.run_build(db, reader, events=bus, models=models)


def test_first_build_fills_every_registry(database: Database, city: Path, models: Any) -> None:
    outcome = _build(database, FileSources(city), models)
    assert outcome.build.kind == "full" and outcome.build.status == "done"
    assert [type(e) for e in outcome.events] == [ev.RegistryBuilt]
    with database.session() as db:
        persons = db.scalar(select(func.count()).select_from(Person))
        assert 950 <= persons <= 1010
        assert db.scalar(select(func.count()).select_from(PersonLink)) > 2500
        assert db.scalar(select(func.count()).select_from(Company)) > 100
        assert db.scalar(select(func.count()).select_from(Relation)) > 300
        issue = db.scalar(select(Issue).where(Issue.kind == "conflict", Issue.registry_name == "person").limit(1))
        assert issue is not None and issue.department_code in {"gaj", "ybj", "rsj", "wjw", "mzj"}
        person = db.scalar(select(Person).where(Person.id_number.is_not(None)).limit(1))
        assert (
            person.attributes["name"]["source"] == "psb_hukou" or "psb_hukou" not in person.attributes["name"]["agree"]
        )
        # Provenance keys in the registry's attribute order, whatever order the build computed them in.
        order = [a for a in PERSON_ATTRIBUTES if a in person.attributes]
        assert list(person.attributes) == order
        before = dict(db.execute(select(Person.id, Person.digest)).all())
        updated = dict(db.execute(select(Person.id, Person.updated_at)).all())
    metrics = outcome.build.metrics
    assert set(metrics["cpu"]) == set(metrics["timings"]) and "persons_golden" in metrics["cpu"]
    # The same sources again: nothing changes, no issue is opened twice, no person is rewritten (the golden
    # values and their provenance come out the same, text for text).
    again = _build(database, FileSources(city), None)
    assert again.build.kind == "incremental"
    assert [type(e) for e in again.events] == [ev.RegistryBuilt]
    with database.session() as db:
        assert db.scalar(select(func.count()).select_from(Person)) == persons
        assert dict(db.execute(select(Person.id, Person.digest)).all()) == before
        assert dict(db.execute(select(Person.id, Person.updated_at)).all()) == updated


def test_a_build_leaves_the_schema_and_the_connection_as_it_found_them(
    database: Database, city: Path, models: Any
) -> None:
    # On SQLite a build loads empty tables before building their indexes, under a bigger page cache.
    with database.session() as db:
        raw = db.connection().connection.driver_connection
        sqlite = database.dialect == "sqlite"
        schema = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'registry_%' ORDER BY 1"
        if sqlite:
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]
            indexes = raw.execute(schema).fetchall()
            assert len(indexes) > 20
        service.run_build(db, FileSources(city), models=models)
        if sqlite:
            assert raw.execute("PRAGMA cache_size").fetchone()[0] == cache
            assert raw.execute(schema).fetchall() == indexes
        assert db.scalar(select(func.count()).select_from(PersonLink)) > 2500


def test_a_new_source_version_updates_incrementally_and_emits_events(
    database: Database, city: Path, models: Any
) -> None:
    _build(database, FileSources(city), models)
    # Someone to die (every record removed), someone to move (a new address in every department), a baby and
    # a company to be born.
    (dead_id, dead_records), (mover, mover_records) = _pick(city)
    new_home = _truth(city, "SELECT full_address FROM addresses WHERE level = '户室' ORDER BY address_id DESC LIMIT 1")
    home = new_home[0][0]
    baby_id = idnumber.make("430104", dt.date(2024, 6, 1), 111)
    baby_cert = "T4399900001"
    company = uscc.make("9", "1", "430104", "MA4LXC01")
    mother = _truth(
        city,
        "SELECT id_number FROM persons WHERE sex = 'F' AND birth_date BETWEEN '1985-01-01' AND '1995-01-01' "
        "ORDER BY person_id LIMIT 1",
    )[0][0]
    gone = ", ".join(_lit(r) for r in dead_records)
    moved = ", ".join(_lit(r) for r in mover_records)

    def person_source(key: str, address: str | None) -> Any:
        def edit(inner: str) -> str:
            sql = f"SELECT * FROM ({inner}) WHERE {key} NOT IN ({gone or _lit('-')})"
            if address:
                sql = (
                    f"SELECT * REPLACE (CASE WHEN {key} IN ({moved}) THEN {_lit(home)} ELSE {address} END "
                    f"AS {address}) FROM ({sql})"
                )
            return sql

        return edit

    hukou = person_source('"人员编号"', '"户籍地址"')
    edits = {
        "psb_hukou": lambda inner: (
            hukou(inner) + " UNION ALL BY NAME SELECT '4301999900000001' AS \"人员编号\", "
            f'{_lit(baby_id)} AS "公民身份号码", \'李星辰\' AS "姓名", \'男\' AS "性别", \'汉族\' AS "民族", '
            f'\'20240601\' AS "出生日期", {_lit("湖南省" + home)} AS "户籍地址", \'子\' AS "与户主关系"'
        ),
        "hsa_insured": person_source("psn_no", "addr"),
        "hrss_insured": person_source("aac001", "aae006"),
        "mca_marriages": person_source('"业务编号"', None),
        "hc_birth_certificates": lambda inner: (
            f'SELECT * FROM ({inner}) UNION ALL BY NAME SELECT {_lit(baby_cert)} AS "出生医学证明编号", '
            "'李星辰' AS \"新生儿姓名\", '男' AS \"性别\", '2024年6月1日' AS \"出生日期\", "
            f'{_lit(mother)} AS "母亲身份证件号码", {_lit("湖南省" + home)} AS "家庭住址"'
        ),
        "amr_market_entities": lambda inner: (
            f"SELECT * FROM ({inner}) UNION ALL BY NAME SELECT '430100999900000001' AS \"主体身份代码\", "
            f'{_lit(company)} AS "统一社会信用代码", \'长沙星辰数据科技有限公司\' AS "企业名称", '
            f'{_lit(home)} AS "住所", \'存续（在营、开业、在册）\' AS "登记状态"'
        ),
    }
    got: list[Event] = []
    bus = EventBus()
    bus.subscribe(Event, got.append)
    outcome = _build(database, EditedSources(FileSources(city), edits), None, bus)
    assert outcome.build.kind == "incremental"
    kinds = [type(e) for e in got]
    assert kinds.count(ev.PersonBorn) == 1
    assert kinds.count(ev.PersonRemoved) == 1
    assert kinds.count(ev.CompanyRegistered) == 1
    assert ev.PersonMoved in kinds
    assert kinds[-1] is ev.RegistryBuilt
    born = next(e for e in got if isinstance(e, ev.PersonBorn))
    moved_event = next(e for e in got if isinstance(e, ev.PersonMoved))
    with database.session() as db:
        baby = db.scalar(select(Person).where(Person.person_no == born.person_no))
        assert baby.id_number == baby_id and baby.birth_date == dt.date(2024, 6, 1) and baby.records == 2
        mother_row = db.scalar(select(Person).where(Person.id_number == mother))
        assert db.scalar(
            select(Relation).where(
                Relation.person_id == baby.id, Relation.kind == "mother", Relation.other_id == mother_row.id
            )
        )
        dead = db.scalar(select(Person).where(Person.id_number == dead_id))
        assert dead.state == "removed"
        mover_row = db.scalar(select(Person).where(Person.id_number == mover))
        assert mover_row.person_no == moved_event.person_no or mover_row.address_code == moved_event.new_address_code
        assert mover_row.state == "active"
        assert db.scalar(select(Company).where(Company.uscc == company)).name == "长沙星辰数据科技有限公司"


def _pick(city: Path) -> tuple[tuple[str, list[str]], tuple[str, list[str]]]:
    """Two adults with clean ID numbers and records in household registration and insurance."""
    rows = _truth(
        city,
        """SELECT p.id_number, list(l.record_id ORDER BY l.record_id)
           FROM persons p JOIN links l ON l.entity_id = p.person_id
           WHERE p.birth_date < '1990-01-01' AND p.old_address_id IS NULL AND p.spouse_id IS NULL
             AND l.source IN ('psb_hukou', 'hsa_insured', 'hrss_insured', 'mca_marriages', 'hc_birth_certificates')
           GROUP BY p.id_number HAVING count(DISTINCT l.source) >= 3 ORDER BY p.id_number LIMIT 2""",
    )
    return (rows[0][0], rows[0][1]), (rows[1][0], rows[1][1])


def test_the_ledger_names_the_authoritative_source(database: Database, cast: Any) -> None:
    from xingcheng.ledger import service as ledger
    from xingcheng.ledger.schemas import FieldIn, ResourceIn

    with database.session() as db:
        assert service.ledger_authority(db) == {}
        ledger.create_resource(
            db,
            ResourceIn(
                name="社会保险参保人员信息",
                abstract="测试",
                class_code="1-01-001",
                department_id=cast.department_id,
                share_type="unconditional",
                share_methods=["file"],
                fields=[FieldIn(name="aac003", label="姓名", data_item="person.name", authoritative=True)],
            ),
            ledger.SYSTEM,
        )
        assert service.ledger_authority(db) == {"name": "hrss_insured"}
