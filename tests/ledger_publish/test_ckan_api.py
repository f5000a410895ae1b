"""The CKAN Action API in-process: envelope, error types, visibility, search, both URL forms, GET and POST."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from publish_helpers import publish_resource, small_catalog

from xingcheng.core.db import Database
from xingcheng.ledger import service as ledger
from xingcheng.ledger.schemas import ResourceUpdate


@pytest.fixture
def catalog(app, database: Database) -> dict:
    return small_catalog(app, database)


def ok(r) -> object:
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and "help" in body
    assert r.headers["content-type"].startswith("application/json")
    return body["result"]


def err(r, status: int, kind: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["success"] is False and body["error"]["__type"] == kind
    assert "help_show?name=" in body["help"]
    return body["error"]


@pytest.mark.parametrize("prefix", ["/api/3/action", "/api/action"])
def test_both_prefixes_get_and_post(client: TestClient, catalog: dict, prefix: str) -> None:
    names = ok(client.get(f"{prefix}/package_list"))
    assert names == ok(client.post(f"{prefix}/package_list", json={}))
    assert len(names) == 2  # open and conditionally open; not shared-only, not 不予共享, not the draft
    assert ok(client.post(f"{prefix}/status_show"))["hub_name"] == "hub-4301"


def test_anonymous_sees_only_open_entries(client: TestClient, catalog: dict) -> None:
    result = ok(client.get("/api/3/action/package_search", params={"rows": 100}))
    ids = {p["id"] for p in result["results"]}
    assert ids == {catalog["open"], catalog["cond"]}
    assert result["count"] == 2
    # Asking for private entries without a key changes nothing (CKAN ignores it).
    assert ok(client.get("/api/3/action/package_search", params={"include_private": "true"}))["count"] == 2
    err(client.get("/api/3/action/package_show", params={"id": catalog["shared"]}), 403, "Authorization Error")
    err(client.get("/api/3/action/package_show", params={"id": catalog["secret"]}), 404, "Not Found Error")
    err(client.get("/api/3/action/package_show", params={"id": catalog["draft"]}), 404, "Not Found Error")


@pytest.mark.parametrize("header", ["Authorization", "X-CKAN-API-Key", "X-API-Key", "Bearer"])
def test_an_authorised_key_sees_the_shareable_catalog(client: TestClient, catalog: dict, header: str) -> None:
    key = catalog["key"]
    headers = {"Authorization": f"Bearer {key}"} if header == "Bearer" else {header: key}
    result = ok(
        client.post("/api/3/action/package_search", json={"include_private": True, "rows": 100}, headers=headers)
    )
    ids = {p["id"] for p in result["results"]}
    assert ids == {catalog["open"], catalog["cond"], catalog["shared"]}  # never the 不予共享 one
    shared = ok(client.post("/api/3/action/package_show", json={"id": catalog["shared"]}, headers=headers))
    assert shared["private"] is True and shared["open_type"] == "none"
    # Without include_private the search stays public, as in CKAN.
    assert ok(client.post("/api/3/action/package_search", json={}, headers=headers))["count"] == 2


def test_a_wrong_key_is_refused_in_the_envelope(client: TestClient, catalog: dict) -> None:
    for headers in ({"Authorization": "xck_wrong"}, {"X-CKAN-API-Key": "not-a-key"}):
        error = err(client.post("/api/3/action/package_search", json={}, headers=headers), 403, "Authorization Error")
        assert "xck_wrong" not in json.dumps(error)


def test_package_dict_has_ckan_keys_and_hub_fields_mirrored_in_extras(client: TestClient, catalog: dict) -> None:
    pkg = ok(client.get("/api/3/action/package_show", params={"id": catalog["cond"]}))
    for key in ("id", "name", "title", "notes", "organization", "owner_org", "tags", "groups", "resources", "extras"):
        assert key in pkg
    assert pkg["organization"]["name"] == "wjw" and pkg["organization"]["title"] == "长沙市卫生健康委员会"
    assert {r["format"] for r in pkg["resources"]} == {"XLSX", "JSON"}
    assert pkg["groups"][0]["name"] == "2-08"
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    for key in ("code", "share_type", "open_type", "grade", "catalog_code", "update_cycle", "kind", "catalog_class"):
        assert key in pkg and extras[key] == str(pkg[key]), key
    assert pkg["share_type"] == "unconditional" and pkg["open_type"] == "conditional"
    assert pkg["catalog_class"] == "theme" and pkg["theme"] == "医疗健康"
    assert json.loads(extras["fields"])[0]["label"] == "编号"
    # By name too, and each distribution by its id.
    assert ok(client.get("/api/3/action/package_show", params={"id": pkg["name"]}))["id"] == pkg["id"]
    res = ok(client.get("/api/3/action/resource_show", params={"id": pkg["resources"][0]["id"]}))
    assert res["package_id"] == pkg["id"]
    err(client.get("/api/3/action/resource_show", params={"id": pkg["id"] + ".pdf"}), 404, "Not Found Error")


def test_search_q_fq_sort_paging_and_facets(client: TestClient, catalog: dict, database: Database) -> None:
    found = ok(client.get("/api/3/action/package_search", params={"q": "人口"}))
    assert [p["id"] for p in found["results"]] == [catalog["open"]]  # 人口 finds 常住人口基本信息
    fq = ok(client.get("/api/3/action/package_search", params={"fq": "organization:wjw"}))
    assert [p["id"] for p in fq["results"]] == [catalog["cond"]]
    neg = ok(client.get("/api/3/action/package_search", params={"fq": "-organization:wjw +res_format:CSV"}))
    assert [p["id"] for p in neg["results"]] == [catalog["open"]]
    by_id = ok(client.get("/api/3/action/package_search", params={"sort": "id asc", "rows": 1, "start": 1}))
    assert by_id["count"] == 2 and [p["id"] for p in by_id["results"]] == [max(catalog["open"], catalog["cond"])]
    facets = ok(
        client.get(
            "/api/3/action/package_search",
            params={"facet.field": json.dumps(["organization", "license_id", "open_type"]), "rows": 0},
        )
    )
    assert facets["results"] == [] and facets["facets"]["organization"] == {"gaj": 1, "wjw": 1}
    assert facets["facets"]["license_id"] == {"CC-BY-4.0": 1, "conditional-open": 1}
    assert facets["search_facets"]["open_type"]["items"][0]["count"] == 1

    # Incremental: only what changed since a moment.
    newest = max(p["metadata_modified"] for p in ok(client.get("/api/3/action/package_search"))["results"])
    since = {"fq": f"metadata_modified:[{newest}Z TO *]", "sort": "id asc"}
    assert ok(client.get("/api/3/action/package_search", params=since))["count"] == 1
    with database.session() as db:
        r = ledger.get_resource_by_code(db, _code(client, catalog["open"]))
        ledger.update_resource(db, r.id, ResourceUpdate(abstract="新的摘要"), ledger.SYSTEM)
    later = ok(client.get("/api/3/action/package_search", params=since))
    assert catalog["open"] in {p["id"] for p in later["results"]}


def _code(client: TestClient, uuid: str) -> str:
    return ok(client.get("/api/3/action/package_show", params={"id": uuid}))["code"]


def test_rows_are_capped_and_bad_parameters_are_ckan_errors(client: TestClient, catalog: dict) -> None:
    assert ok(client.get("/api/3/action/package_search", params={"rows": 5000}))["count"] == 2
    error = err(client.get("/api/3/action/package_search", params={"rows": "many"}), 409, "Validation Error")
    assert "rows" in error
    err(client.get("/api/3/action/package_search", params={"start": -1}), 409, "Validation Error")
    err(client.get("/api/3/action/package_search", params={"fq": "colour:red"}), 400, "Search Query Error")
    err(client.get("/api/3/action/package_search", params={"fq": "tags:(a"}), 400, "Search Query Error")
    err(client.get("/api/3/action/package_search", params={"sort": "colour asc"}), 400, "Search Query Error")
    err(client.get("/api/3/action/package_search", params={"facet.field": '["colour"]'}), 400, "Search Query Error")
    err(client.get("/api/3/action/package_show"), 409, "Validation Error")
    err(client.get("/api/3/action/no_such_action"), 400, "Bad Request")
    bad = client.post(
        "/api/3/action/package_search", content=b"{not json", headers={"content-type": "application/json"}
    )
    err(bad, 400, "Bad Request")
    err(client.post("/api/3/action/package_search", json=[1, 2]), 400, "Bad Request")


def test_no_redirects(client: TestClient, catalog: dict) -> None:
    r = client.post("/api/action/package_list/", json={}, follow_redirects=False)
    assert r.status_code not in (301, 302, 307, 308)


def test_organisations_groups_tags(client: TestClient, catalog: dict) -> None:
    assert ok(client.get("/api/3/action/organization_list")) == ["gaj", "wjw"]
    orgs = ok(client.get("/api/3/action/organization_list", params={"all_fields": "true"}))
    assert {o["name"]: o["package_count"] for o in orgs} == {"gaj": 1, "wjw": 1}
    org = ok(client.get("/api/3/action/organization_show", params={"id": "gaj", "include_datasets": "true"}))
    assert [p["id"] for p in org["packages"]] == [catalog["open"]]
    err(client.get("/api/3/action/organization_show", params={"id": "nope"}), 404, "Not Found Error")
    groups = ok(client.get("/api/3/action/group_list", params={"all_fields": "true"}))
    counts = {g["name"]: g["package_count"] for g in groups}
    assert counts["1-01"] == 1 and counts["2-08"] == 1
    assert ok(client.get("/api/3/action/tag_list")) == ["人口", "医疗", "户籍"]
    assert ok(client.get("/api/3/action/tag_list", params={"query": "医"})) == ["医疗"]
    assert "fq" in ok(client.get("/api/3/action/help_show", params={"name": "package_search"}))


def test_capabilities_are_entries_too(client: TestClient, app, database: Database, catalog: dict) -> None:
    with database.session() as db:
        publish_resource(db, catalog["departments"][0], "地址标准化服务", class_code="2-12-003", kind="capability")
    result = ok(client.get("/api/3/action/package_search", params={"fq": "kind:capability"}))
    [cap] = result["results"]
    assert cap["kind"] == "capability" and cap["resources"][0]["format"] == "CSV"
