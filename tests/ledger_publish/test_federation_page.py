"""The federation page: sources, runs with their outcome, and who may see it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from xingcheng.ledger.publish.schemas import HarvestSourceIn
from xingcheng.ledger.publish.service import add_source

from support import login


def test_page_lists_sources_and_runs(client: TestClient, database, cast) -> None:
    with database.session() as db:
        add_source(db, HarvestSourceIn(name="xiangtan", title="湘潭市政务数据资源目录", url="http://127.0.0.1:9"))
    token = login(client, "platform-admin")
    run = client.post("/api/ledger/harvest/sources/xiangtan/run", headers={"X-CSRF-Token": token})
    assert run.status_code == 200 and run.json()["status"] == "failed"
    assert run.json()["error_key"] == "publish.harvest.unreachable"
    page = client.get("/ledger/federation", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "湘潭市政务数据资源目录" in page.text and "无法连接对方平台" in page.text
    sources = client.get("/api/ledger/harvest/sources").json()
    assert sources[0]["last_status"] == "failed" and sources[0]["cursor"] is None


def test_department_scope_on_runs(client: TestClient, database, cast) -> None:
    with database.session() as db:
        add_source(db, HarvestSourceIn(name="other", title="别的平台", url="http://127.0.0.1:9"))
    token = login(client, "data-admin")
    r = client.post("/api/ledger/harvest/sources/other/run", headers={"X-CSRF-Token": token})
    assert r.status_code == 403  # a data administrator runs only the source of their own department
    assert client.post("/api/ledger/harvest/sources/nope/run", headers={"X-CSRF-Token": token}).status_code == 404
    denied = client.post(
        "/api/ledger/harvest/sources",
        json={"name": "x1", "title": "x", "url": "http://127.0.0.1:9"},
        headers={"X-CSRF-Token": token},
    )
    assert denied.status_code == 403  # only the platform admin adds sources


def test_demo_city_knows_its_peers_and_province(database) -> None:
    from types import SimpleNamespace

    from xingcheng.ledger.publish.demo import build
    from xingcheng.ledger.publish.repository import list_sources

    with database.session() as db:
        build(SimpleNamespace(session=db))
        build(SimpleNamespace(session=db))  # a rebuild adds nothing twice
        assert [(s.name, s.kind) for s in list_sources(db)] == [
            ("hunan", "upper"),
            ("xiangtan", "peer"),
            ("zhuzhou", "peer"),
        ]
