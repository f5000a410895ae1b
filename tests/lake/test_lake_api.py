"""The lake over HTTP and on the command line, with ledger resources: chunked uploads, loads followed to
their end, versions, scorecards, lineage, masked quarantine, department scope, pages, `xingcheng ingest`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lakekit import HEADERS, people, write_csv

from xingcheng.lake.service import LakeService
from xingcheng.ledger import service as ledger
from xingcheng.ledger.schemas import FieldIn, ResourceIn

from support import login, make_settings

EXE = str(Path(sys.executable).with_name("xingcheng"))


def _resource(app, department_id: int, name: str = "测试人口信息") -> str:
    """A ledger resource with the fields of lakekit.PERSON, as the department registered it."""
    fields = [
        FieldIn(name="person_no", label="人员编号", is_key=True, required=True),
        FieldIn(
            name="id_number",
            label="公民身份号码",
            format="id_number",
            required=True,
            sensitivity="sensitive",
            source_names=["身份证号"],
        ),
        FieldIn(name="name", label="姓名", required=True, sensitivity="personal", max_length=20),
        FieldIn(name="sex", label="性别", data_type="code", code_list=["男", "女"], sensitivity="personal"),
        FieldIn(name="birth_date", label="出生日期", data_type="date", sensitivity="personal"),
        FieldIn(name="community", label="社区代码", format="division_code"),
        FieldIn(name="phone", label="联系电话", format="phone", sensitivity="personal"),
        FieldIn(name="plate", label="号牌号码", format="plate", sensitivity="personal"),
        FieldIn(name="employer", label="单位统一社会信用代码", format="uscc"),
        FieldIn(name="age", label="年龄", data_type="integer", min_value=0, max_value=150),
    ]
    with app.state.db.session() as db:
        r = ledger.create_resource(
            db,
            ResourceIn(
                name=name,
                abstract="数据湖测试",
                class_code="1-01-001",
                department_id=department_id,
                share_type="conditional",
                share_conditions="测试",
                share_methods=["file"],
                fields=fields,
            ),
            ledger.SYSTEM,
        )
        return r.code


def _csv(tmp_path: Path, rows: list[dict], name: str = "p.csv") -> bytes:
    return write_csv(tmp_path / name, rows).read_bytes()


def _chunked(client, token: str, code: str, data: bytes, *, mode: str = "full", wait: bool = True) -> dict:
    headers = {"X-CSRF-Token": token}
    up = client.post(
        f"/api/lake/resources/{code}/uploads",
        json={"filename": "部门文件.csv", "size": len(data), "mode": mode},
        headers=headers,
    )
    assert up.status_code == 201, up.text
    upload = up.json()
    step = 700  # small parts so that the test crosses several
    for offset in range(0, len(data), step):
        r = client.put(
            f"/api/lake/uploads/{upload['id']}?offset={offset}", content=data[offset : offset + step], headers=headers
        )
        assert r.status_code == 200, r.text
    # A retried part is ignored, a part at the wrong place refused.
    assert (
        client.put(f"/api/lake/uploads/{upload['id']}?offset=0", content=data[:step], headers=headers).status_code
        == 200
    )
    assert (
        client.put(
            f"/api/lake/uploads/{upload['id']}?offset={len(data) + 5}", content=data[:step], headers=headers
        ).status_code
        == 400
    )
    r = client.post(f"/api/lake/uploads/{upload['id']}/load" + ("?wait=true" if wait else ""), json={}, headers=headers)
    assert r.status_code == 202, r.text
    return r.json()


@pytest.fixture(autouse=True)
def _own_lake(app, database_url: str, tmp_path: Path):
    """A lake of its own for each test (the metadata tables are emptied between tests, the lake is not)."""
    app.state.lake = LakeService(make_settings(tmp_path / "lake-data", database_url))
    yield
    app.state.lake.engine.close()
    del app.state.lake


def test_chunked_upload_versions_quality_lineage_and_pages(app, client, cast, tmp_path: Path) -> None:
    code = _resource(app, cast.department_id)
    token = login(client, "data-admin")
    rows = people(60)
    rows[2]["id_number"] = rows[2]["id_number"][:17] + ("1" if rows[2]["id_number"][-1] != "1" else "2")
    load = _chunked(client, token, code, _csv(tmp_path, rows))
    assert (load["status"], load["version"], load["rows_loaded"], load["rows_failed"]) == ("committed", 1, 59, 1)
    assert load["rule_counts"] == [{"field": "id_number", "rule": "id_number", "count": 1}]

    # Background mode: 202 at once, the load is followed at /api/lake/loads/{id}.
    queued = _chunked(client, token, code, _csv(tmp_path, people(10, start=500), "q.csv"), mode="upsert", wait=False)
    followed = client.get(f"/api/lake/loads/{queued['id']}").json()
    assert (followed["status"], followed["version"], followed["progress"]) == ("committed", 2, 100)

    res = client.get(f"/api/lake/resources/{code}").json()
    assert [v["number"] for v in res["versions"]] == [2, 1] and res["versions"][0]["rows"] == 69
    q = res["versions"][1]["quality"]
    assert q["validity"] == pytest.approx(59 / 60, abs=1e-4) and q["completeness"] == 1.0 and q["score"] > 0.9
    graph = client.get(f"/api/lake/resources/{code}/lineage").json()
    assert {n["name"] for n in graph["nodes"]} >= {code, "部门文件.csv"}
    assert {link["label"] for link in graph["links"]} == {"v1", "v2"}

    sample = client.get(f"/api/lake/loads/{load['id']}/quarantine").json()
    assert len(sample) == 1 and sample[0]["values"]["person_no"] == rows[2]["person_no"]
    assert sample[0]["values"]["id_number"] == rows[2]["id_number"][:6] + "********" + rows[2]["id_number"][-4:]
    assert sample[0]["values"]["name"].endswith("*") and "*" in sample[0]["values"]["phone"]

    for page in ("/lake", f"/lake/resources/{code}", f"/lake/loads/{load['id']}"):
        r = client.get(page, headers={"Accept": "text/html"})
        assert r.status_code == 200, page
        assert "数据湖" in r.text and "https://" not in r.text
        for row in rows:  # no personal data unmasked on any page
            assert row["id_number"] not in r.text and row["phone"] not in r.text
    page = client.get(f"/lake/resources/{code}", headers={"Accept": "text/html"}).text
    assert 'id="lake-quality-chart"' in page and 'id="lake-lineage-chart"' in page and 'id="lake-upload"' in page
    assert "公民身份号码无效" in page  # the top failing rule, by name


def test_multipart_load_and_refusal_over_the_threshold(app, client, cast, tmp_path: Path) -> None:
    code = _resource(app, cast.department_id)
    token = login(client, "data-admin")
    rows = people(20)
    for r in rows[:5]:
        r["phone"] = "bad"
    files = {"file": ("persons.csv", _csv(tmp_path, rows), "text/csv")}
    r = client.post(
        f"/api/lake/resources/{code}/loads?wait=true",
        files=files,
        data={"mode": "full"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["status"], body["version"], body["rows_failed"]) == ("refused", None, 5)
    assert "5.0%" in body["error"] and body["rule_counts"][0]["count"] == 5
    assert client.get(f"/api/lake/resources/{code}").json()["versions"] == []
    assert len(client.get(f"/api/lake/loads/{body['id']}/quarantine").json()) == 5  # the report is kept


def test_department_scope_and_permissions(app, client, cast, tmp_path: Path) -> None:
    other = _resource(app, cast.other_department_id, "卫健委资源")
    own = _resource(app, cast.department_id)
    token = login(client, "data-admin")
    body = {"filename": "x.csv", "size": 10}
    assert (
        client.post(f"/api/lake/resources/{other}/uploads", json=body, headers={"X-CSRF-Token": token}).status_code
        == 403
    )
    assert (
        client.put(f"/api/lake/resources/{other}/profile", json={}, headers={"X-CSRF-Token": token}).status_code == 403
    )
    client.cookies.clear()
    token = login(client, "analyst")
    assert (
        client.post(f"/api/lake/resources/{own}/uploads", json=body, headers={"X-CSRF-Token": token}).status_code == 403
    )
    assert client.get(f"/api/lake/resources/{own}").status_code == 200
    client.cookies.clear()
    token = login(client, "platform-admin")
    assert (
        client.post(f"/api/lake/resources/{other}/uploads", json=body, headers={"X-CSRF-Token": token}).status_code
        == 201
    )


def test_profiles_and_pulls_keep_passwords_out(app, client, cast) -> None:
    code = _resource(app, cast.department_id)
    token = login(client, "data-admin")
    h = {"X-CSRF-Token": token}
    r = client.put(
        f"/api/lake/resources/{code}/profile",
        json={
            "columns": {"id_number": "证件号码"},
            "date_formats": {"birth_date": ["%Y年%-m月%-d日"]},
            "max_failure_ratio": 0.1,
        },
        headers=h,
    )
    assert r.status_code == 200 and r.json()["columns"] == {"id_number": "证件号码"}
    bad = client.put(f"/api/lake/resources/{code}/profile", json={"columns": {"nope": "x"}}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "nope"
    pull = {
        "name": "户籍库",
        "url": "postgresql://huji:s3cret@10.0.0.5/huji",
        "query": "public.persons",
        "interval_minutes": 60,
    }
    created = client.post(f"/api/lake/resources/{code}/pulls", json=pull, headers=h)
    assert created.status_code == 201 and "s3cret" not in created.text and "***" in created.json()["url"]
    assert "s3cret" not in client.get(f"/api/lake/resources/{code}/pulls").text
    injected = dict(pull, query="select 1; drop table persons")
    assert client.post(f"/api/lake/resources/{code}/pulls", json=injected, headers=h).status_code == 422


def test_cli_ingest_exit_status(app, cast, database_url: str, tmp_path: Path) -> None:
    code = _resource(app, cast.department_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINGCHENG_")}
    env.update({"XINGCHENG_DATA_DIR": str(tmp_path / "data"), "XINGCHENG_DATABASE_URL": database_url, "COLUMNS": "200"})
    good = write_csv(tmp_path / "good.csv", people(30))
    r = subprocess.run([EXE, "ingest", code, str(good)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-500:]
    assert "v1" in r.stdout
    rows = people(30)
    for row in rows[:10]:
        row["age"] = "-5"
    bad = write_csv(tmp_path / "bad.csv", rows)
    r = subprocess.run([EXE, "ingest", code, str(bad)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    r = subprocess.run(
        [EXE, "ingest", code, str(tmp_path / "none.csv")], env=env, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 2
    assert set(HEADERS)  # the file layout the resource was registered with
