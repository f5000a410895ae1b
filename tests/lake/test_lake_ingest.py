"""Loads end to end: every file format, encodings, quarantine, thresholds, upserts, time travel, retention."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import openpyxl
import pytest
from lakekit import HEADERS, PERSON, ingest, people, service, write_csv, write_jsonl

from xingcheng.core.db import utcnow
from xingcheng.lake import repository as repo
from xingcheng.lake.loader import FileDigest, Profile, table_name
from xingcheng.lake.models import LakeVersion
from xingcheng.ledger.schema import DataType, FieldSpec, ResourceSchema

from support import make_settings


@pytest.fixture
def lake(tmp_path: Path, database_url: str, database):
    svc = service(make_settings(tmp_path / "data", database_url))
    yield svc
    svc.engine.close()


@pytest.mark.parametrize("size", [0, 3, (16 << 20) + 5])
def test_the_file_digest_is_the_sha256_of_every_byte(tmp_path: Path, size: int) -> None:
    # The file is read in 4 MiB chunks: one size crosses chunk borders and ends inside one.
    path = tmp_path / "f.bin"
    data = (b"0123456789abcdef" * ((size // 16) + 1))[:size]
    path.write_bytes(data)
    assert FileDigest(path).result() == hashlib.sha256(data).hexdigest()
    assert FileDigest(tmp_path / "missing.csv").result() is None


def _rows(svc, database, code: str = PERSON.code, number: int | None = None) -> list[tuple]:
    with database.session() as db:
        sql = svc.relation_sql(db, code, number)
    with svc.engine.cursor() as con:
        return con.execute(f"SELECT * FROM ({sql}) ORDER BY 1").fetchall()


def test_a_utf8_csv_becomes_version_1_with_typed_columns(lake, database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", people(50))
    load = ingest(lake, database, PERSON.code, path)
    assert (load.status, load.version, load.rows_read, load.rows_loaded, load.rows_failed) == (
        "committed",
        1,
        50,
        50,
        0,
    )
    assert load.source_format == "csv" and load.source_encoding == "utf-8"
    # Lineage: the file's real SHA-256 (taken while the load ran), in the load row and in the snapshot's
    # commit message (where reconcile finds it if the process dies between the two commits).
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (load.source_sha256, load.source_bytes) == (digest, path.stat().st_size)
    with lake.engine.cursor() as con:
        extra = con.execute("SELECT commit_extra_info FROM lake.snapshots() ORDER BY snapshot_id DESC").fetchone()
    assert json.loads(extra[0]) == {"load_id": load.id, "resource": PERSON.code, "source_sha256": digest}
    rows = _rows(lake, database)
    assert len(rows) == 50
    first = dict(zip([f.name for f in PERSON.fields], rows[0], strict=True))
    assert first["birth_date"] == dt.date(1950, 1, 1) and first["age"] == 74 and first["person_no"] == "P00000000"
    with database.session() as db:
        v = repo.latest_version(db, PERSON.code)
        q = repo.quality_of_versions(db, [v.id])[v.id]
        assert (q.validity, q.uniqueness, q.completeness, q.timeliness) == (1.0, 1.0, 1.0, 1.0)


def test_gbk_csv_is_detected(lake, database, tmp_path: Path) -> None:
    load = ingest(lake, database, PERSON.code, write_csv(tmp_path / "gbk.csv", people(20), encoding="gbk"))
    assert (load.status, load.source_encoding, load.rows_loaded) == ("committed", "gb18030", 20)
    assert _rows(lake, database)[0][2] in {p["name"] for p in people(20)}


def test_xlsx_jsonl_and_parquet_load_the_same_rows(lake, database, tmp_path: Path) -> None:
    rows = people(30)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(HEADERS.values()))
    for r in rows:
        sheet.append([int(r[k]) if k == "age" else r[k] for k in HEADERS])
    sheet.append([None] * len(HEADERS))  # an empty spreadsheet row is layout, not a record
    book.save(tmp_path / "p.xlsx")
    write_jsonl(tmp_path / "p.jsonl", rows)
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{write_csv(tmp_path / 'x.csv', rows)}', all_varchar=true)) "
        f"TO '{tmp_path / 'p.parquet'}'"
    )
    con.close()
    expected = None
    for name in ("p.xlsx", "p.jsonl", "p.parquet"):
        load = ingest(lake, database, PERSON.code, tmp_path / name)
        assert (load.status, load.rows_read, load.rows_loaded) == ("committed", 30, 30), name
        got = _rows(lake, database)
        expected = expected or got
        assert got == expected, name
    assert load.version == 3


def test_failing_rows_are_quarantined_with_rule_and_reason_never_dropped(lake, database, tmp_path: Path) -> None:
    rows = people(100)
    rows[3]["id_number"] = rows[3]["id_number"][:17] + ("0" if rows[3]["id_number"][-1] != "0" else "1")
    rows[5]["phone"] = "12345"
    rows[7]["sex"] = "M"
    rows[9]["birth_date"] = "19901332"
    rows[11]["age"] = "200"
    rows[13]["community"] = "430199999"
    rows[15]["employer"] = "91430104MA4L000000"
    rows[17]["plate"] = "湘AI2345"
    rows[19]["name"] = ""
    path = write_csv(tmp_path / "p.csv", rows)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("P99,too,few\r\n")  # a line the parser cannot split into the columns
    load = ingest(lake, database, PERSON.code, path)
    assert load.status == "refused" and load.version is None  # 10 of 101 fail: over 5 %
    assert load.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # a refused file is traced too
    assert load.rules == {
        "id_number:id_number": 1,
        "phone:phone": 1,
        "sex:code_list": 1,
        "birth_date:date": 1,
        "age:max": 1,
        "community:division_code": 1,
        "employer:uscc": 1,
        "plate:plate": 1,
        "name:required": 1,
        "row:malformed": 1,
    }
    assert (load.rows_read, load.rows_failed, load.rows_malformed) == (101, 10, 1)
    with database.session() as db:
        assert repo.latest_version(db, PERSON.code) is None
        sample = lake.quarantine_sample(db, repo.load_by_id(db, load.id), limit=50)
    assert len(sample) == 10
    # CSV records are found by their key (the person number is not personal data and stays readable).
    by_key = {s["values"].get("person_no"): s for s in sample if s["line"] is None}
    assert by_key["P00000003"]["rules"] == [{"field": "id_number", "rule": "id_number"}]
    shown = json.dumps(sample, ensure_ascii=False)
    for r in rows[:20]:
        assert r["id_number"] not in shown and r["phone"] not in shown  # masked, never raw
    assert "*" in by_key["P00000003"]["values"]["id_number"]
    malformed = next(s for s in sample if s["line"] is not None)
    assert malformed["line"] == 102 and malformed["rules"] == [{"field": "row", "rule": "malformed"}]
    assert "too" not in shown


def test_a_load_under_the_threshold_commits_the_good_rows(lake, database, tmp_path: Path) -> None:
    rows = people(100)
    rows[0]["phone"] = "x"
    rows[1]["id_number"] = ""
    load = ingest(lake, database, PERSON.code, write_csv(tmp_path / "p.csv", rows))
    assert (load.status, load.rows_loaded, load.rows_failed, load.version) == ("committed", 98, 2, 1)
    assert {r[0] for r in _rows(lake, database)} == {r["person_no"] for r in rows[2:]}
    with database.session() as db:
        v = repo.latest_version(db, PERSON.code)
        assert repo.quality_of_versions(db, [v.id])[v.id].validity == 0.98


def test_threshold_comes_from_the_profile(lake, database, tmp_path: Path) -> None:
    rows = people(10)
    rows[0]["phone"] = "x"
    with database.session() as db:
        lake.set_profile(db, PERSON.code, Profile(max_failure_ratio=0.2))
    assert ingest(lake, database, PERSON.code, write_csv(tmp_path / "p.csv", rows)).status == "committed"
    with database.session() as db:
        lake.set_profile(db, PERSON.code, Profile(max_failure_ratio=0.0))
    assert ingest(lake, database, PERSON.code, write_csv(tmp_path / "q.csv", rows)).status == "refused"


def test_duplicate_keys(lake, database, tmp_path: Path) -> None:
    rows = people(100)
    copy = dict(rows[5])
    conflict = dict(rows[6], name="王五")
    load = ingest(lake, database, PERSON.code, write_csv(tmp_path / "p.csv", [*rows, copy, conflict]))
    # The identical copy keeps one occurrence; both records of the conflicting key are quarantined.
    assert load.rules == {"person_no:duplicate_row": 1, "person_no:key_duplicate": 2}
    assert load.status == "committed" and load.rows_loaded == 99
    keys = [r[0] for r in _rows(lake, database)]
    assert rows[5]["person_no"] in keys and rows[6]["person_no"] not in keys and len(keys) == len(set(keys))


def test_record_numbers_come_with_the_first_numbered_file(lake, database, tmp_path: Path) -> None:
    # A CSV record has no number: its table gets no record-number column (writing NULLs costs time). The first
    # JSON lines file adds the column; its failing and duplicate records are quarantined with their numbers,
    # and CSV loads go on working beside it.
    assert ingest(lake, database, PERSON.code, write_csv(tmp_path / "a.csv", people(30))).version == 1
    with lake.engine.cursor() as con:
        columns = {r[0] for r in con.execute(f"DESCRIBE lake.main.{table_name(PERSON.code)}").fetchall()}
    assert "_xc_row" not in columns
    rows = people(60)
    rows[4]["phone"] = "12345"
    load = ingest(lake, database, PERSON.code, write_jsonl(tmp_path / "b.jsonl", [*rows, dict(rows[7])]))
    assert load.status == "committed" and load.rules == {"phone:phone": 1, "person_no:duplicate_row": 1}
    with database.session() as db:
        sample = lake.quarantine_sample(db, repo.load_by_id(db, load.id))
    assert sorted(s["record"] for s in sample) == [5, 61]
    again = ingest(lake, database, PERSON.code, write_csv(tmp_path / "c.csv", people(30)))
    assert again.status == "committed" and again.rows_loaded == 30


def test_upsert_replaces_by_key_and_time_travel_keeps_the_old_version(lake, database, tmp_path: Path) -> None:
    ingest(lake, database, PERSON.code, write_csv(tmp_path / "v1.csv", people(20)))
    changed = [dict(r, phone="13900000000") for r in people(5)] + people(5, start=100)
    load = ingest(lake, database, PERSON.code, write_csv(tmp_path / "v2.csv", changed), mode="upsert")
    assert (load.status, load.version) == ("committed", 2)
    now = {r[0]: r for r in _rows(lake, database)}
    assert len(now) == 25 and now["P00000000"][6] == "13900000000" and "P00000100" in now
    then = {r[0]: r for r in _rows(lake, database, number=1)}
    assert len(then) == 20 and then["P00000000"][6] == people(1)[0]["phone"]
    with database.session() as db:
        assert [v.rows for v in repo.list_versions(db, PERSON.code)] == [25, 20]


def test_missing_required_columns_fail_with_a_row_less_error(lake, database, tmp_path: Path) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "id_number"}
    load = ingest(lake, database, PERSON.code, write_csv(tmp_path / "p.csv", people(3), headers=headers))
    assert load.status == "failed" and load.error_key == "lake.load.missing_columns"
    assert load.errors[0]["field"] == "id_number" and load.errors[0]["params"] == {"label": "公民身份号码"}


def test_unreadable_and_unknown_files_fail_cleanly(lake, database, tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x00\x01\x02")
    assert ingest(lake, database, PERSON.code, tmp_path / "x.bin").error_key == "lake.file.format_unknown"
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    failed = ingest(lake, database, PERSON.code, tmp_path / "bad.xlsx")
    assert failed.error_key == "lake.file.unreadable"
    assert failed.source_sha256 == hashlib.sha256(b"PK\x03\x04 not really a workbook").hexdigest()
    # A failed load leaves the next one free to run.
    assert ingest(lake, database, PERSON.code, write_csv(tmp_path / "p.csv", people(3))).status == "committed"


def test_fields_added_to_the_schema_become_columns(tmp_path: Path, database_url: str, database) -> None:
    settings = make_settings(tmp_path / "data", database_url)
    v1 = service(settings, PERSON)
    ingest(v1, database, PERSON.code, write_csv(tmp_path / "a.csv", people(5)))
    v1.engine.close()
    wider = ResourceSchema(
        PERSON.code,
        PERSON.name,
        PERSON.department_code,
        fields=(*PERSON.fields, FieldSpec("note", "备注")),
        version=2,
    )
    v2 = service(settings, wider)
    headers = {**HEADERS, "note": "备注"}
    rows = [dict(r, note="新") for r in people(5)]
    assert ingest(v2, database, PERSON.code, write_csv(tmp_path / "b.csv", rows, headers=headers)).status == "committed"
    assert {r[-1] for r in _rows(v2, database)} == {"新"}
    assert {r[-1] for r in _rows(v2, database, number=1)} == {None}
    v2.engine.close()


def test_retention_expires_old_versions_and_keeps_the_newest(tmp_path: Path, database_url: str, database) -> None:
    svc = service(make_settings(tmp_path / "data", database_url, lake_keep_versions=2, lake_keep_days=0))
    for i in range(4):
        ingest(svc, database, PERSON.code, write_csv(tmp_path / f"{i}.csv", people(3 + i)))
    with database.session() as db:
        versions = repo.list_versions(db, PERSON.code)
        assert [(v.number, v.expired_at is None) for v in versions] == [(4, True), (3, True), (2, False), (1, False)]
    assert len(_rows(svc, database)) == 6 and len(_rows(svc, database, number=3)) == 5
    with database.session() as db, pytest.raises(Exception, match=r"lake\.version\.not_found"):
        svc.relation_sql(db, PERSON.code, 1)
    with svc.engine.cursor() as con:
        live = {r[0] for r in con.execute("SELECT snapshot_id FROM lake.snapshots()").fetchall()}
    with database.session() as db:
        expired = {v.snapshot_id for v in db.query(LakeVersion).filter(LakeVersion.expired_at.is_not(None))}
    assert not (expired & live)
    svc.engine.close()


def test_timeliness_follows_the_update_cycle(lake, database, tmp_path: Path) -> None:
    ingest(lake, database, PERSON.code, write_csv(tmp_path / "a.csv", people(3)))
    with database.session() as db:
        v1 = repo.latest_version(db, PERSON.code)
        v1.created_at = utcnow() - dt.timedelta(days=4)  # the department delivered four days later
    ingest(lake, database, PERSON.code, write_csv(tmp_path / "b.csv", people(3)))
    with database.session() as db:
        v2 = repo.latest_version(db, PERSON.code)
        assert repo.quality_of_versions(db, [v2.id])[v2.id].timeliness == pytest.approx(0.5, abs=0.01)


def test_agreement_with_the_authoritative_source(tmp_path: Path, database_url: str, database) -> None:
    """A resource whose shared items differ from the authority's scores lower agreement."""
    from xingcheng.lake import quality as q

    insured = ResourceSchema(
        "wjw-insured",
        "参保",
        "wjw",
        fields=(
            FieldSpec("no", "编号", is_key=True, required=True),
            FieldSpec("id_number", "证件号码", data_item="person.id_number"),
            FieldSpec("sex", "性别", data_type=DataType.CODE, data_item="person.sex"),
        ),
    )
    svc = service(make_settings(tmp_path / "data", database_url), PERSON, insured)
    ingest(svc, database, PERSON.code, write_csv(tmp_path / "p.csv", people(10)))
    mine = [
        {"no": str(i), "id_number": r["id_number"], "sex": "1" if r["sex"] == "男" else "2"}
        for i, r in enumerate(people(10))
    ]
    mine[0]["sex"] = "2" if mine[0]["sex"] == "1" else "1"  # one disagreement
    path = tmp_path / "i.csv"
    path.write_text(
        "no,id_number,sex\n" + "".join(f"{r['no']},{r['id_number']},{r['sex']}\n" for r in mine), encoding="utf-8"
    )
    ingest(svc, database, insured.code, path)
    person_sex = PERSON.field("sex")
    person_sex = FieldSpec(**{**{k: getattr(person_sex, k) for k in person_sex.__slots__}, "data_item": "person.sex"})
    with database.session() as db:
        authority = q.Authority(
            schema=ResourceSchema(PERSON.code, PERSON.name, "gaj", fields=(PERSON.field("id_number"), person_sex)),
            field=person_sex,
            snapshot_id=repo.latest_version(db, PERSON.code).snapshot_id,
            code_labels={},
        )
        snapshot_id = repo.latest_version(db, insured.code).snapshot_id
    with svc.engine.cursor() as con:
        score, details = q.agreement(
            con,
            insured,
            snapshot_id,
            {"sex": {"1": "男", "2": "女"}},
            lambda item: authority if item == "person.sex" else None,
        )
    assert score == 0.9 and details["person.sex"]["matched"] == 10 and details["person.sex"]["agree"] == 9
    svc.engine.close()


def test_lake_tables_are_named_after_resources() -> None:
    assert table_name("gaj_person") == "r_gaj_person"
    assert table_name("gaj-person").startswith("r_gaj_person_") and table_name("1-01-001-0002") != table_name(
        "1_01_001_0002"
    )


def test_jobs_record_lineage_from_resource_to_job_to_resource(tmp_path: Path, database_url: str, database) -> None:
    from xingcheng.lake.lineage import lineage_graph

    stats = ResourceSchema(
        "gaj-person-stats",
        "按性别统计",
        "gaj",
        fields=(
            FieldSpec("sex", "性别", is_key=True, required=True),
            FieldSpec("persons", "人数", data_type=DataType.INTEGER, required=True),
        ),
    )
    svc = service(make_settings(tmp_path / "data", database_url), PERSON, stats)
    ingest(svc, database, PERSON.code, write_csv(tmp_path / "p.csv", people(30)))
    out = tmp_path / "stats.parquet"
    with database.session() as db, svc.job(db, "按性别统计作业", by="test") as job:
        v = job.version(PERSON.code)
        with svc.engine.cursor() as con:
            con.execute(
                f"COPY (SELECT sex, count(*) AS persons FROM ({svc.relation_sql(db, PERSON.code, v.number)}) "
                f"GROUP BY sex) TO '{out}' (FORMAT parquet)"
            )
        written = job.write(stats.code, out)
        assert written.status == "committed"
    with database.session() as db:
        graph = lineage_graph(db, PERSON.code)
        names = {n["name"] for n in graph["nodes"]}
        assert {PERSON.code, "p.csv", "按性别统计作业", stats.code} <= names
        ids = {n["name"]: n["id"] for n in graph["nodes"]}
        links = {(x["source"], x["target"], x["label"]) for x in graph["links"]}
        assert (ids[PERSON.code], ids["按性别统计作业"], "v1") in links
        assert (ids["按性别统计作业"], ids[stats.code], "v1") in links
        upstream = lineage_graph(db, stats.code)
        assert (ids[PERSON.code], ids["按性别统计作业"], "v1") in {
            (x["source"], x["target"], x["label"]) for x in upstream["links"]
        }
    assert sorted(_rows(svc, database, stats.code)) == [("女", 15), ("男", 15)]
    svc.engine.close()
