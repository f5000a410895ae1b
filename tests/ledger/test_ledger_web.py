"""The ledger as people use it: the JSON API and the pages, with each role doing its part."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from ledger_factories import field, register

from support import login as _login


def login(client: TestClient, username: str) -> str:
    """Log in as someone else (the previous session's cookie would otherwise need its own CSRF token)."""
    client.cookies.clear()
    return _login(client, username)


BODY = {
    "name": "常住人口基本信息",
    "abstract": "本市户籍人口",
    "class_code": "1-01-001",
    "share_type": "conditional",
    "share_conditions": "依法履职需要",
    "share_methods": ["service"],
    "update_cycle": "daily",
    "tags": ["人口"],
    "fields": [
        {"name": "sfzh", "label": "公民身份号码", "sensitivity": "sensitive", "is_key": True, "required": True},
        {"name": "xm", "label": "姓名", "sensitivity": "personal", "data_item": "person.name", "authoritative": True},
    ],
}


def test_register_review_return_publish_through_the_api(client: TestClient, cast) -> None:
    csrf = login(client, "data-admin")
    r = client.post("/api/ledger/resources", json=BODY, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    created = r.json()
    rid = created["id"]
    assert created["code"] == "1-01-001-000-000001" and created["grade"] == "important"
    assert created["department_id"] == cast.department_id and created["state"] == "draft"
    assert [f["grade"] for f in created["fields"]] == ["important", "general"]
    r = client.patch(f"/api/ledger/resources/{rid}", json={"tags": ["人口", "户籍"]}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["revision"] == 2
    assert client.post(f"/api/ledger/resources/{rid}/submit", headers={"X-CSRF-Token": csrf}).status_code == 200
    assert (
        client.post(f"/api/ledger/resources/{rid}/publish", json={}, headers={"X-CSRF-Token": csrf}).status_code == 403
    )

    csrf = login(client, "approver")
    assert (
        client.post(
            f"/api/ledger/resources/{rid}/return", json={"comment": ""}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 422
    )
    r = client.post(
        f"/api/ledger/resources/{rid}/return", json={"comment": "请补充摘要"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.json()["state"] == "returned" and r.json()["review_comment"] == "请补充摘要"

    csrf = login(client, "data-admin")
    client.patch(
        f"/api/ledger/resources/{rid}", json={"abstract": "本市户籍人口的身份信息"}, headers={"X-CSRF-Token": csrf}
    )
    client.post(f"/api/ledger/resources/{rid}/submit", headers={"X-CSRF-Token": csrf})
    csrf = login(client, "approver")
    r = client.post(f"/api/ledger/resources/{rid}/publish", json={"comment": "同意"}, headers={"X-CSRF-Token": csrf})
    assert r.json()["state"] == "published" and r.json()["published_at"]

    login(client, "analyst")
    history = client.get(f"/api/ledger/resources/{rid}/history").json()
    assert [h["action"] for h in history] == ["publish", "submit", "update", "return", "submit", "update", "create"]
    assert history[3]["comment"] == "请补充摘要" and history[3]["actor"] == f"user:{cast.users['approver']}"
    schema = client.get(f"/api/ledger/resources/{rid}/schema").json()
    assert schema["key"] == ["sfzh"] and schema["fields"][0]["sensitivity"] == "sensitive"
    assert client.get(f"/api/ledger/by-code/{created['code']}").json()["id"] == rid
    found = client.get("/api/ledger/resources", params={"q": "人口"}).json()
    assert found["total"] == 1 and found["items"][0]["id"] == rid
    assert {"value": "conditional", "label": "有条件共享", "count": 1} in found["facets"]["share_type"]
    items = client.get("/api/ledger/data-items").json()
    assert items == [
        {
            "data_item": "person.name",
            "field": "xm",
            "resource_code": created["code"],
            "resource_name": "常住人口基本信息",
        }
    ]


def test_other_departments_drafts_are_invisible_and_untouchable(client: TestClient, database, cast) -> None:
    r = register(database, cast.other_department_id, "出生医学证明", class_code="1-01-003")
    csrf = login(client, "data-admin")
    assert client.get(f"/api/ledger/resources/{r.id}").status_code == 404
    assert (
        client.patch(
            f"/api/ledger/resources/{r.id}", json={"name": "改名资源"}, headers={"X-CSRF-Token": csrf}
        ).status_code
        == 404
    )
    published = register(database, cast.other_department_id, "医疗机构信息", class_code="2-08-001", publish=True)
    assert client.get(f"/api/ledger/resources/{published.id}").status_code == 200
    r = client.patch(f"/api/ledger/resources/{published.id}", json={"name": "改名资源"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403
    r = client.post(
        "/api/ledger/resources",
        json={**BODY, "department_id": cast.other_department_id},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "other_department"
    login(client, "approver")  # the bureau sees every department's drafts
    assert client.get(f"/api/ledger/resources/{r.json() and published.id}").status_code == 200


def test_field_editor_page_creates_and_reports_errors(client: TestClient, cast) -> None:
    csrf = login(client, "data-admin")
    page = client.get("/ledger/resources/new")
    assert page.status_code == 200 and 'name="f_name"' in page.text and "1-01-001" in page.text
    form = {
        "csrf_token": csrf,
        "name": "流动人口登记信息",
        "abstract": "暂住登记",
        "class_code": "1-01-002",
        "kind": "data",
        "share_type": "none",
        "share_methods": "service",
        "open_type": "none",
        "update_cycle": "monthly",
        "tags": "人口、流动人口",
        "f_name": ["sfzh", "xm", ""],
        "f_label": ["公民身份号码", "姓名", ""],
        "f_data_type": ["code", "string", "string"],
        "f_sensitivity": ["sensitive", "personal", "none"],
        "f_required": ["1", "0", "0"],
        "f_is_key": ["1", "0", "0"],
        "f_authoritative": ["0", "0", "0"],
    }
    bad = client.post("/ledger/resources/new", data=form, follow_redirects=False)
    assert bad.status_code == 422 and "不予共享须填写法律法规或政策依据" in bad.text
    assert 'value="流动人口登记信息"' in bad.text  # nothing typed is lost
    form["legal_basis"] = "《居住证暂行条例》"
    ok = client.post("/ledger/resources/new", data=form, follow_redirects=False)
    assert ok.status_code == 303
    rid = int(ok.headers["location"].rsplit("/", 1)[1])
    detail = client.get(f"/ledger/resources/{rid}")
    assert detail.status_code == 200 and "不予共享" in detail.text and "公民身份号码" in detail.text
    edit = client.get(f"/ledger/resources/{rid}/edit")
    assert edit.status_code == 200 and 'value="sfzh"' in edit.text
    revision = re.search(r'name="expected_revision" value="(\d+)"', edit.text).group(1)
    form.update({"expected_revision": revision, "f_name": ["sfzh"], "f_label": ["公民身份号码（居民）"]})
    for key in ("f_data_type", "f_sensitivity", "f_required", "f_is_key", "f_authoritative"):
        form[key] = form[key][:1]
    assert client.post(f"/ledger/resources/{rid}/edit", data=form, follow_redirects=False).status_code == 303
    assert (
        client.post(f"/ledger/resources/{rid}/submit", data={"csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )
    assert "公民身份号码（居民）" in client.get(f"/ledger/resources/{rid}").text

    csrf = login(client, "approver")
    review = client.get("/ledger/review")
    assert review.status_code == 200 and "流动人口登记信息" in review.text
    r = client.post(f"/ledger/resources/{rid}/publish", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "已发布" in client.get(f"/ledger/resources/{rid}").text


def test_catalog_page_dashboard_and_home(client: TestClient, database, cast) -> None:
    register(database, cast.department_id, "常住人口基本信息", publish=True)
    register(
        database,
        cast.other_department_id,
        "道路名录",
        class_code="1-03-001",
        abstract="全市道路",
        tags=[],
        share_type="unconditional",
        fields=[field("mc", "名称")],
        publish=True,
    )
    login(client, "analyst")
    page = client.get("/ledger", params={"q": "人口"})
    assert page.status_code == 200 and "常住人口基本信息" in page.text and "道路名录" not in page.text
    assert 'data-facet="share_type"' in page.text
    facet = client.get("/ledger", params={"share_type": "unconditional"})
    assert "道路名录" in facet.text and "常住人口基本信息" not in facet.text
    dash = client.get("/ledger/dashboard")
    assert dash.status_code == 200 and "data-pie=" in dash.text and "/static/vendor/echarts.min.js" in dash.text
    data = client.get("/api/ledger/dashboard").json()
    assert data["totals"] == {"resources": 2, "published": 2, "capabilities": 0, "stale": 0}
    assert data["share_types"] == {"conditional": 1, "unconditional": 1}
    one = client.get("/api/ledger/dashboard", params={"department_id": cast.department_id}).json()
    assert one["totals"]["resources"] == 1 and one["grades"] == {"important": 1}
    home = client.get("/api/home").json()["pillars"]["ledger"]
    figures = {i["label_key"]: i["value"] for i in home if "label_key" in i}
    assert figures["pillar.ledger.resources"] == 2 and figures["pillar.ledger.departments"] == 2


def test_arbitration_decided_on_the_review_page(client: TestClient, database, cast) -> None:
    item = [field("xm", "姓名", data_item="person.name", authoritative=True)]
    register(database, cast.department_id, "常住人口户籍信息", fields=item, publish=True)
    register(
        database, cast.other_department_id, "出生医学证明", class_code="1-01-003", fields=item, claim_arbitration=True
    )
    csrf = login(client, "approver")
    pending = client.get("/api/ledger/arbitrations").json()
    assert [a["data_item"] for a in pending] == ["person.name"]
    assert "person.name" in client.get("/ledger/review").text
    r = client.post(
        f"/ledger/arbitrations/{pending[0]['id']}/decide",
        data={"csrf_token": csrf, "decision": "grant"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/api/ledger/data-items").json()[0]["resource_name"] == "出生医学证明"
