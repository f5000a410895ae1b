"""The gateway: evidence, grants enforced at call time, masking, operations, refusals audited, the response
hash, and no data served when the audit log cannot be written."""

from __future__ import annotations

import hashlib

import pytest
from exchange_helpers import call, evidence, grant_people, make_world
from sqlalchemy import select

from xingcheng.exchange.gateway import request_hash, response_hash
from xingcheng.exchange.models import AuditEntry, Grant
from xingcheng.standards import masking

from support import audit_inserts_fail


@pytest.fixture
def world(app, database, cast):
    return make_world(app, database, cast)


def _entries(database) -> list[AuditEntry]:
    with database.session() as db:
        return list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_lookup_is_masked_and_carries_evidence(client, database, cast, world) -> None:
    grant_people(database, world, cast)
    person = world.rows[3]
    r = call(client, world, world.service(world.people, "lookup"), {"key": {"id_number": person["id_number"]}})
    assert r.status_code == 200, r.text
    record = r.json()["record"]
    assert record["id_number"] == masking.mask_id_number(person["id_number"])
    assert record["name"] == "欧阳**"
    assert record["phone"] == masking.mask_phone(person["phone"])
    assert record["address"].endswith("望月社区***")
    assert set(record["birth_date"]) == {"*"}
    assert record["district_code"] == person["district_code"] and record["household_size"] == person["household_size"]
    # The response hash binds this body to this request (canonical form in docs/exchange.md).
    rid = r.headers["X-XC-Request-Id"]
    body = r.request.content  # the exact bytes sent
    path = f"/api/exchange/v1/services/{world.service(world.people, 'lookup')}"
    from urllib.parse import unquote

    from xingcheng.exchange.gateway import Evidence

    ev = Evidence(*(unquote(evidence()[h]) for h in ("X-XC-Client", "X-XC-User", "X-XC-Case", "X-XC-Purpose")))
    req_hash = request_hash("POST", path, "", ev, body)
    assert r.headers["X-XC-Request-Hash"] == req_hash
    assert r.headers["X-XC-Response-Hash"] == response_hash(rid, req_hash, r.content)
    assert (
        r.headers["X-XC-Response-Hash"]
        == hashlib.sha256(
            f"xc-response-v1\n{rid}\n{req_hash}\n{hashlib.sha256(r.content).hexdigest()}".encode()
        ).hexdigest()
    )
    last = _entries(database)[-1]
    assert (last.kind, last.outcome, last.row_count) == ("call", "ok", 1)
    assert last.response_hash == r.headers["X-XC-Response-Hash"] and last.xc_request_id == rid
    assert (last.end_user, last.case_ref, last.purpose) == ("警号 004521", "HJ-2026-000123", "户籍办理")
    assert person["id_number"] not in r.text and person["phone"] not in r.text


def test_unmasking_lifted_only_for_granted_fields(client, database, cast, world) -> None:
    gid = grant_people(database, world, cast)
    with database.session() as db:
        db.get(Grant, gid).unmask_fields = ["name"]
    person = world.rows[1]
    r = call(client, world, world.service(world.people, "lookup"), {"key": {"id_number": person["id_number"]}})
    assert r.json()["record"]["name"] == person["name"]
    assert r.json()["record"]["id_number"] != person["id_number"]


def test_missing_evidence_is_refused_and_audited(client, database, cast, world) -> None:
    grant_people(database, world, cast)
    r = client.post(
        f"/api/exchange/v1/services/{world.service(world.people, 'lookup')}",
        json={"key": {"id_number": world.rows[0]["id_number"]}},
        headers={"X-API-Key": world.api_key, "X-XC-Client": "gaj/huji"},
    )
    assert r.status_code == 400
    assert "X-XC-User" in r.json()["detail"]
    assert _entries(database)[-1].outcome == "refused:evidence_missing"
    r = call(
        client, world, world.service(world.people, "lookup"), {"key": {"id_number": "x"}}, **{"X-XC-Client": "wjw/yy"}
    )
    assert r.status_code == 403 and _entries(database)[-1].outcome == "refused:client_mismatch"


@pytest.mark.parametrize("state", ["none", "expired", "suspended", "revoked"])
def test_calls_without_a_live_grant_are_refused_and_audited(client, database, cast, world, state) -> None:
    import datetime as dt

    if state != "none":
        gid = grant_people(database, world, cast)
        with database.session() as db:
            g = db.get(Grant, gid)
            if state == "expired":
                g.expires_at = g.starts_at - dt.timedelta(seconds=1)
            else:
                g.state = state
    person = world.rows[0]
    r = call(client, world, world.service(world.people, "lookup"), {"key": {"id_number": person["id_number"]}})
    assert r.status_code == 403, r.text
    code = {"none": "no_grant", "expired": "grant_expired", "suspended": "grant_suspended", "revoked": "grant_revoked"}
    assert r.json()["detail"] and person["id_number"] not in r.text
    last = _entries(database)[-1]
    assert last.outcome == f"refused:{code[state]}" and last.row_count == 0


def test_suspend_and_revoke_through_the_api_take_effect_at_once(client, database, cast, world) -> None:
    from support import login

    gid = grant_people(database, world, cast)
    body = {"key": {"id_number": world.rows[0]["id_number"]}}
    assert call(client, world, world.service(world.people, "lookup"), body).status_code == 200
    # The provider is the cast's second department: the bureau's approver acts here.
    token = login(client, "approver")
    r = client.post(f"/api/exchange/grants/{gid}/suspend", json={"reason": "核查中"}, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["state"] == "suspended"
    client.cookies.clear()
    assert call(client, world, world.service(world.people, "lookup"), body).status_code == 403
    token = login(client, "approver")
    assert (
        client.post(
            f"/api/exchange/grants/{gid}/resume", json={"reason": "核查完毕"}, headers={"X-CSRF-Token": token}
        ).status_code
        == 200
    )
    client.cookies.clear()
    assert call(client, world, world.service(world.people, "lookup"), body).status_code == 200
    token = login(client, "approver")
    client.post(f"/api/exchange/grants/{gid}/revoke", json={"reason": "不再需要"}, headers={"X-CSRF-Token": token})
    client.cookies.clear()
    r = call(client, world, world.service(world.people, "lookup"), body)
    assert r.status_code == 403 and _entries(database)[-1].outcome == "refused:grant_revoked"


def test_row_scope_and_fields_are_enforced(client, database, cast, world) -> None:
    grant_people(
        database,
        world,
        cast,
        scope_field="district_code",
        scope_values=["430104"],
        fields=["id_number", "name", "district_code"],
    )
    inside = next(p for p in world.rows if p["district_code"] == "430104")
    outside = next(p for p in world.rows if p["district_code"] == "430102")
    lookup = world.service(world.people, "lookup")
    assert call(client, world, lookup, {"key": {"id_number": inside["id_number"]}}).status_code == 200
    r = call(client, world, lookup, {"key": {"id_number": outside["id_number"]}})
    assert r.status_code == 403 and _entries(database)[-1].outcome == "refused:outside_scope"
    r = call(client, world, lookup, {"key": {"id_number": inside["id_number"]}, "fields": ["name", "phone"]})
    assert r.status_code == 403 and _entries(database)[-1].outcome == "refused:field_not_granted"
    assert _entries(database)[-1].fields == ["phone"]
    search = world.service(world.people, "search")
    r = call(client, world, search, {"filters": {"district_code": "430102"}})
    assert r.status_code == 403 and _entries(database)[-1].outcome == "refused:outside_scope"
    r = call(client, world, search, {"page_size": 100})
    assert r.status_code == 200
    records = r.json()["records"]
    assert records and {x["district_code"] for x in records} == {"430104"}
    assert r.json()["total"] == sum(1 for p in world.rows if p["district_code"] == "430104")
    assert set(records[0]) == {"id_number", "name", "district_code"}


def test_verify_answers_yes_or_no_only(client, database, cast, world) -> None:
    grant_people(database, world, cast)
    person = world.rows[7]
    verify = world.service(world.people, "verify")
    r = call(client, world, verify, {"values": {"id_number": person["id_number"], "name": person["name"]}})
    assert r.status_code == 200 and r.json() == {"match": True}
    r = call(client, world, verify, {"values": {"id_number": person["id_number"], "name": "张冠李戴"}})
    assert r.json() == {"match": False}
    r = call(client, world, verify, {"values": {"id_number": "11010519491231002X", "name": person["name"]}})
    assert r.json() == {"match": False}
    r = call(client, world, verify, {"values": {"name": person["name"]}})
    assert r.status_code == 422 and person["name"] not in r.text


def test_bulk_extract_pages_by_cursor_and_counts_volume(client, database, cast, world) -> None:
    gid = grant_people(database, world, cast, resource=world.batch, daily_rows=25)
    extract = world.service(world.batch, "extract")
    r = call(client, world, extract, {"limit": 15, "fields": ["id_number", "name"]})
    assert r.status_code == 200
    first = r.json()
    assert len(first["records"]) == 15 and first["next_cursor"] == 15 and first["total"] == len(world.rows)
    r = call(client, world, extract, {"limit": 15, "cursor": first["next_cursor"], "fields": ["id_number"]})
    assert len(r.json()["records"]) == 10  # the daily volume (25 rows) caps the batch
    r = call(client, world, extract, {"limit": 15, "cursor": 25})
    assert r.status_code == 429 and _entries(database)[-1].outcome == "refused:volume_exceeded"
    assert gid > 0


def test_operation_not_granted_and_unknown_service(client, database, cast, world) -> None:
    grant_people(database, world, cast, operations=["verify"])
    r = call(client, world, world.service(world.people, "lookup"), {"key": {"id_number": world.rows[0]["id_number"]}})
    assert r.status_code == 403 and _entries(database)[-1].outcome == "refused:operation_not_granted"
    r = call(client, world, "no-such-service.lookup", {})
    assert r.status_code == 404 and _entries(database)[-1].outcome == "refused:no_service"


def test_capability_through_the_gateway(client, database, cast, world) -> None:
    from xingcheng.core.permissions import Role
    from xingcheng.exchange.schemas import RequestIn
    from xingcheng.exchange.service import create_request
    from xingcheng.identity.principal import Principal

    by = Principal(kind="user", id=1, department_id=cast.department_id, roles=frozenset({Role.DATA_ADMIN}))
    with database.session() as db:
        create_request(
            db,
            world.rt,
            RequestIn(
                resource_id=world.capability.id, client_id=cast.client_id, purpose="地址治理", operations=["invoke"]
            ),
            by,
        )
    r = call(
        client, world, world.service(world.capability, "invoke"), {"input": {"address": "长沙岳麓区望月湖街道1号"}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["division_code"] == "430104001" and r.json()["standard"].startswith("湖南省长沙市岳麓区望月湖街道")
    assert call(client, world, world.service(world.capability, "invoke"), {"input": {}}).status_code == 422


def test_users_are_not_calling_systems(client, database, cast, world) -> None:
    from support import login

    token = login(client, "analyst")
    r = client.post(
        f"/api/exchange/v1/services/{world.service(world.people, 'lookup')}",
        json={"key": {"id_number": world.rows[0]["id_number"]}},
        headers={"X-CSRF-Token": token, **evidence()},
    )
    assert r.status_code == 403 and _entries(database)[-1].outcome == "refused:client_only"


def test_no_data_served_when_the_audit_log_cannot_be_written(client, database, cast, world) -> None:
    grant_people(database, world, cast)
    with audit_inserts_fail(database):
        before = len(_entries(database))
        person = world.rows[2]
        r = call(client, world, world.service(world.people, "lookup"), {"key": {"id_number": person["id_number"]}})
        assert r.status_code == 503
        assert masking.mask_name(person["name"]) not in r.text and person["id_number"] not in r.text
        # a refusal cannot be recorded either: it is refused with 503 too
        r = call(client, world, world.service(world.conditional, "lookup"), {"key": {"id_number": person["id_number"]}})
        assert r.status_code == 503
        assert len(_entries(database)) == before
    r = call(client, world, world.service(world.people, "lookup"), {"key": {"id_number": world.rows[2]["id_number"]}})
    assert r.status_code == 200


def test_bad_input_never_echoes_values(client, database, cast, world) -> None:
    grant_people(database, world, cast)
    secret = "430104199001011234"
    lookup = world.service(world.people, "lookup")
    for body in (
        {"key": {"name": secret}},
        {"key": {"id_number": 12}},
        {"key": {"id_number": secret}, "extra": secret},
    ):
        r = call(client, world, lookup, body)
        assert r.status_code == 422, r.text
        assert secret not in r.text


def test_a_field_newer_than_the_served_version_reads_as_null(database, cast, world) -> None:
    from xingcheng.ledger.schema import FieldSpec, ResourceSchema
    from xingcheng.ledger.service import field_spec

    with database.session() as db:
        from xingcheng.ledger import service as ledger

        r = ledger.get_resource(db, world.people.id)
        fields = (*(field_spec(f) for f in r.fields), FieldSpec(name="email", label="邮箱", sensitivity="personal"))
    schema = ResourceSchema(code=r.code, name=r.name, department_code="", fields=fields)
    table = world.rt.serving.table(schema)
    assert "email" not in table.columns
    rows = world.rt.serving.lookup(table, {"id_number": world.rows[0]["id_number"]}, ["name", "email"])
    assert rows and rows[0]["name"] == world.rows[0]["name"] and "email" not in rows[0]
    assert world.rt.serving.lookup(table, {"email": "x@example.com"}, ["name"]) == []
    assert world.rt.serving.search(table, ["name"], {"email": "x"}, None, ["id_number"], 0, 5) == ([], 0)
