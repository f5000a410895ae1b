"""Federation between real hubs on loopback ports, each with its own database: incremental harvest, origin,
read-only copies, no loops, withdrawals, failures, and publishing up to a higher hub."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from fastapi.testclient import TestClient
from publish_helpers import SHAPES_DIR, _system, dept, other_hub, publish_resource, serve, small_catalog
from rdflib import Graph

from xingcheng.core.errors import Conflict
from xingcheng.identity.schemas import ApiClientCreate
from xingcheng.ledger import service as ledger
from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish import service
from xingcheng.ledger.publish.errors import HarvestFailed
from xingcheng.ledger.publish.harvest import publish_up
from xingcheng.ledger.publish.hub import hub_info_for
from xingcheng.ledger.publish.models import HarvestSource
from xingcheng.ledger.publish.schemas import HarvestSourceIn
from xingcheng.ledger.schemas import ResourceUpdate

from support import make_settings


def _me(hub) -> object:
    return hub_info_for(hub.settings, "http://127.0.0.1", hub.app.state.catalog)


def _harvest(hub, name: str, *, full: bool = False):
    with hub.database.session() as db:
        source = service.get_source(db, name)
        run = service.run_harvest(db, hub.settings, _me(hub), source, trigger="api", actor="test", full=full)
        return {k: getattr(run, k) for k in ("status", "seen", "created", "updated", "unchanged", "skipped")} | {
            "withdrawn": run.withdrawn,
            "requests": run.requests,
            "error_key": run.error_key,
            "cursor": run.cursor_after,
        }


def _add_source(hub, **kw) -> None:
    with hub.database.session() as db:
        service.add_source(db, HarvestSourceIn(**kw))


def _ckan(client: TestClient, action: str, **params):
    r = client.post(f"/api/3/action/{action}", json=params, headers=params.pop("_headers", {}))
    assert r.status_code == 200, r.text
    return r.json()["result"]


def test_two_peer_hubs(app, database, tmp_path: Path) -> None:
    catalog = small_catalog(app, database)  # Changsha (hub-4301): 2 open, 1 shared-only, 1 not shared, 1 draft
    with (
        serve(app) as changsha_url,
        other_hub(tmp_path, "zhuzhou", "4302", harvest_keys={"changsha": catalog["key"]}) as zz,
    ):
        _add_source(zz, name="changsha", title="长沙市", url=changsha_url, kind="peer")

        first = _harvest(zz, "changsha")
        assert first["status"] == "ok" and first["created"] == 3 and first["requests"] == 2  # status + 1 page
        assert first["cursor"] is not None

        zc = TestClient(zz.app)
        public = _ckan(zc, "package_search", rows=100)
        assert {p["id"] for p in public["results"]} == {catalog["open"], catalog["cond"]}  # same uuids
        pkg = _ckan(zc, "package_show", id=catalog["open"])
        assert pkg["origin_hub"] == "hub-4301" and pkg["origin_url"] == changsha_url and pkg["harvested_at"]
        assert pkg["organization"]["title"] == "长沙市公安局"
        assert {e["key"]: e["value"] for e in pkg["extras"]}["origin_hub"] == "hub-4301"

        # Harvested entries are read-only in Zhuzhou.
        with zz.database.session() as db:
            copy = ledger.get_resource_by_code(db, pkg["code"])
            with pytest.raises(Conflict):
                ledger.update_resource(db, copy.id, ResourceUpdate(abstract="改"), ledger.SYSTEM)

        # Incremental: nothing new → nothing created; a change in Changsha → one update.
        again = _harvest(zz, "changsha")
        assert again["created"] == 0 and again["updated"] == 0 and again["seen"] <= 1
        with database.session() as db:
            r = ledger.get_resource_by_code(db, _ckan(TestClient(app), "package_show", id=catalog["cond"])["code"])
            ledger.update_resource(db, r.id, ResourceUpdate(abstract="新摘要：全市医疗机构"), ledger.SYSTEM)
        changed = _harvest(zz, "changsha")
        assert changed["updated"] == 1 and changed["created"] == 0
        assert _ckan(zc, "package_show", id=catalog["cond"])["notes"] == "新摘要：全市医疗机构"

        # Zhuzhou's export, harvested entries included, is valid DCAT-AP.
        ttl = zc.get("/catalog.ttl").text
        shapes = Graph().parse(SHAPES_DIR / "shapes.ttl")
        conforms, _, text = pyshacl.validate(Graph().parse(data=ttl, format="turtle"), shacl_graph=shapes)
        assert conforms, text
        assert "CatalogRecord" in ttl and changsha_url in ttl

        # Zhuzhou's own entry; Changsha harvests Zhuzhou and never takes its own entries back (no loops).
        with zz.database.session() as db:
            ledger.ensure_classes(db)
            zd = dept(zz.app.state.identity, db, "zzgaj", "株洲市公安局", 21, "4302")
            own = publish_resource(db, zd.id, "株洲市户籍人口信息")
            own_uuid = own.uuid
        with serve(zz.app) as zhuzhou_url:
            _add_source_main(database, zhuzhou_url)
            back = _harvest_main(app, database)
        assert back["created"] == 1 and back["skipped"] == 2 and back["status"] == "ok"
        assert _ckan(TestClient(app), "package_show", id=own_uuid)["origin_hub"] == "zhuzhou"

        # Retired in Changsha: an incremental run cannot see it, a full run withdraws it.
        with database.session() as db:
            r = ledger.get_resource_by_code(db, _ckan(TestClient(app), "package_show", id=catalog["open"])["code"])
            ledger.retire(db, r.id, ledger.SYSTEM)
        full = _harvest(zz, "changsha", full=True)
        assert full["withdrawn"] == 1 and full["status"] == "ok"
        ids = {p["id"] for p in _ckan(zc, "package_search", rows=100)["results"]}
        assert catalog["open"] not in ids and catalog["cond"] in ids


def _add_source_main(database, url: str) -> None:
    with database.session() as db:
        service.add_source(db, HarvestSourceIn(name="zhuzhou", title="株洲市", url=url, kind="peer"))


def _harvest_main(app, database) -> dict:
    with database.session() as db:
        source = service.get_source(db, "zhuzhou")
        me = hub_info_for(app.state.settings, "http://127.0.0.1", app.state.catalog)
        run = service.run_harvest(db, app.state.settings, me, source, trigger="api", actor="test")
        return {"created": run.created, "skipped": run.skipped, "status": run.status}


def test_failures_are_recorded_and_keep_the_cursor(app, database, tmp_path: Path) -> None:
    catalog = small_catalog(app, database)
    with serve(app) as url, other_hub(tmp_path, "xiangtan", "4303", harvest_keys={"cs": "xck_wrong"}) as xt:
        _add_source(xt, name="cs", title="长沙市", url=url)
        refused = _harvest(xt, "cs")
        assert refused["status"] == "failed" and refused["error_key"] == "publish.harvest.peer_refused"
        _add_source(xt, name="gone", title="无人应答", url="http://127.0.0.1:9")
        gone = _harvest(xt, "gone")
        assert gone["status"] == "failed" and gone["error_key"] == "publish.harvest.unreachable"
        assert gone["cursor"] is None
        # Public-only harvesting needs no key at all.
        _add_source(xt, name="cs-open", title="长沙市（开放）", url=url, include_private=False)
        opened = _harvest(xt, "cs-open")
        assert opened["status"] == "ok" and opened["created"] == 2
        with xt.database.session() as db:
            runs = repo.list_runs(db)
            assert [r.status for r in runs] == ["ok", "failed", "failed"]
        assert catalog["key"]  # the right key was never needed for public entries


def test_publish_up_to_the_province(app, database, tmp_path: Path) -> None:
    catalog = small_catalog(app, database)  # Changsha, the lower hub
    with (
        serve(app) as changsha_url,
        other_hub(tmp_path, "hunan", "4300", harvest_keys={"hub-4301": catalog["key"]}) as province,
    ):
        with province.database.session() as db:
            svc = province.app.state.identity
            cs = dept(svc, db, "cssjj", "长沙市数据资源管理局", 31)
            other = dept(svc, db, "zzsjj", "株洲市数据资源管理局", 32, "4302")
            admin = _system(province.app)
            as_admin = ApiClientCreate(system_code="hub", name="长沙", roles=["data_admin"])
            client = svc.create_client(db, cs.id, as_admin, admin)
            key = svc.issue_key(db, client.id).plaintext
            wrong = svc.create_client(db, other.id, as_admin, admin)
            wrong_key = svc.issue_key(db, wrong.id).plaintext
        _add_source(province, name="hub-4301", title="长沙市", url=changsha_url, kind="lower", department_code="cssjj")

        with serve(province.app) as province_url:
            settings = make_settings(tmp_path / "cs", "sqlite://", harvest_keys={"hunan": key, "bad": wrong_key})
            upper = HarvestSource(name="hunan", title="湖南省", url=province_url, kind="upper")
            job = publish_up(settings, upper, "hub-4301")
            assert job["status"] == "Finished" and job["stats"]["added"] == 3  # the shareable catalog
            again = publish_up(settings, upper, "hub-4301")
            assert again["stats"]["added"] == 0

            # Another city's client cannot make the province harvest Changsha.
            bad = HarvestSource(name="bad", title="湖南省", url=province_url, kind="upper")
            with pytest.raises(HarvestFailed) as info:
                publish_up(settings, bad, "hub-4301")
            assert info.value.detail_key == "publish.harvest.peer_refused"

        pc = TestClient(province.app)
        found = _ckan(pc, "package_search", rows=100, fq="origin_hub:hub-4301")
        assert {p["id"] for p in found["results"]} == {catalog["open"], catalog["cond"]}
        with province.database.session() as db:
            assert repo.count_harvested(db) == {"hub-4301": 3}
