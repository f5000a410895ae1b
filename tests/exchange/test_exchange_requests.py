"""Share requests and grants: unconditional at once, conditional to the provider with a deadline in working
days, reminders and escalation, refusals with reasons, 不予共享 never, department scope; the JSON API."""

from __future__ import annotations

import datetime as dt

import pytest
from exchange_helpers import make_world
from sqlalchemy import select

from xingcheng.exchange.models import AuditEntry, Notice, ShareRequest
from xingcheng.exchange.service import sweep_deadlines
from xingcheng.exchange.workdays import CST, Calendar

from support import login


@pytest.fixture
def world(app, database, cast):
    return make_world(app, database, cast, n=10)


def _token(client) -> str:
    from xingcheng.identity.security import csrf_token

    from support import SECRET

    return csrf_token(SECRET.encode(), "s:" + client.cookies.get("xc_session"))


def _ask(client, world, resource, **extra):
    body = {"resource_id": resource.id, "client_id": world.client_id, "purpose": "新生儿户口登记一件事", **extra}
    token = _token(client) if client.cookies.get("xc_session") else login(client, "data-admin")
    return client.post("/api/exchange/requests", json=body, headers={"X-CSRF-Token": token})


def test_working_days_skip_weekends_and_holidays() -> None:
    cal = Calendar.load()
    # Friday 2026-09-18 + 5 working days: 21, 22, 23, 24 (Mon-Thu), 25 is 中秋 → Sun 27 is a holiday too,
    # 28 Mon. The make-up Sunday 2026-09-20 is a working day.
    start = dt.datetime(2026, 9, 18, 10, 0, tzinfo=CST)
    assert cal.is_working_day(dt.date(2026, 9, 20)) and not cal.is_working_day(dt.date(2026, 9, 25))
    deadline = cal.add_working_days(start, 5).astimezone(CST)
    assert deadline.date() == dt.date(2026, 9, 24)  # 20 (make-up Sunday), 21, 22, 23, 24
    assert (deadline.hour, deadline.minute) == (23, 59)
    assert cal.add_working_days(dt.datetime(2026, 9, 30, 9, tzinfo=CST), 1).astimezone(CST).date() == dt.date(
        2026, 10, 8
    )
    assert cal.working_days_between(start, deadline) == 5


def test_unconditional_is_granted_at_once(client, database, world) -> None:
    r = _ask(client, world, world.people, fields=["id_number", "name"])
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "approved" and r.json()["grant_id"]
    grants = client.get("/api/exchange/grants").json()
    assert grants[0]["fields"] == ["id_number", "name"] and grants[0]["effective_state"] == "active"
    with database.session() as db:
        actions = [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions == ["request", "approve"]


def test_unmasking_goes_to_the_provider_even_when_unconditional(client, world) -> None:
    r = _ask(client, world, world.people, unmask_fields=["name"])
    assert r.status_code == 201 and r.json()["state"] == "pending"


def test_not_shared_cannot_be_requested(client, world) -> None:
    r = _ask(client, world, world.closed)
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "not_shareable"


def test_bad_requests_list_every_problem(client, world) -> None:
    r = _ask(
        client,
        world,
        world.people,
        fields=["nope"],
        operations=["invoke"],
        scope_field="district_code",
        duration_days=3000,
    )
    assert r.status_code == 422
    codes = {e["code"] for e in r.json()["errors"]}
    assert {"unknown", "not_offered", "required", "too_long"} <= codes


def test_conditional_goes_to_the_provider_with_a_deadline(client, app, database, cast, world) -> None:
    r = _ask(client, world, world.conditional, legal_basis="《户口登记条例》")
    assert r.status_code == 201
    req = r.json()
    assert req["state"] == "pending" and req["deadline_at"]
    rt = world.rt
    created = dt.datetime.fromisoformat(req["created_at"])
    deadline = dt.datetime.fromisoformat(req["deadline_at"])
    assert rt.calendar.working_days_between(created, deadline) == app.state.settings.exchange_answer_days
    # The consumer cannot decide its own request.
    token = login(client, "data-admin") if not client.cookies else _token(client)
    r = client.post(f"/api/exchange/requests/{req['id']}/approve", json={}, headers={"X-CSRF-Token": token})
    assert r.status_code == 403
    # Refusing needs a reason.
    client.cookies.clear()
    token = login(client, "approver")
    r = client.post(f"/api/exchange/requests/{req['id']}/refuse", json={"reason": ""}, headers={"X-CSRF-Token": token})
    assert r.status_code == 422
    r = client.post(
        f"/api/exchange/requests/{req['id']}/refuse",
        json={"reason": "用途与共享条件不符"},
        headers={"X-CSRF-Token": token},
    )
    assert (
        r.status_code == 200 and r.json()["state"] == "refused" and r.json()["decision_reason"] == "用途与共享条件不符"
    )
    r = client.post(f"/api/exchange/requests/{req['id']}/approve", json={}, headers={"X-CSRF-Token": token})
    assert r.status_code == 409


def test_reminders_then_escalation_to_the_bureau(client, app, database, world) -> None:
    r = _ask(client, world, world.conditional)
    rid = r.json()["id"]
    deadline = dt.datetime.fromisoformat(r.json()["deadline_at"])
    with database.session() as db:
        counts = sweep_deadlines(db, world.rt, deadline - dt.timedelta(hours=30))
    assert counts == {"reminded": 1, "escalated": 0}
    with database.session() as db:
        counts = sweep_deadlines(db, world.rt, deadline + dt.timedelta(minutes=1))
    assert counts == {"reminded": 0, "escalated": 1}
    with database.session() as db:
        req = db.get(ShareRequest, rid)
        assert req.state == "escalated"
        kinds = sorted((n.department_id is None, n.kind) for n in db.scalars(select(Notice)))
        assert (True, "escalation") in kinds and (False, "reminder") in kinds
        assert db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq.desc())).first() == "escalate"
    client.cookies.clear()
    token = login(client, "approver")
    page = client.get("/exchange/oversight")
    assert page.status_code == 200 and "出生医学证明信息" in page.text
    r = client.post(
        f"/exchange/requests/{rid}/decide",
        data={"decision": "approve", "back": "oversight", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with database.session() as db:
        assert db.get(ShareRequest, rid).state == "approved"


def test_consumers_see_their_own_requests_only(client, world) -> None:
    rid = _ask(client, world, world.conditional).json()["id"]
    assert client.get(f"/api/exchange/requests/{rid}").status_code == 200
    client.cookies.clear()
    login(client, "analyst")
    assert client.get(f"/api/exchange/requests/{rid}").status_code == 200  # same department
    assert client.get("/api/exchange/requests", params={"side": "provider"}).json() == []


def test_request_form_page(client, database, world) -> None:
    client.cookies.clear()
    token = login(client, "data-admin")
    page = client.get(f"/exchange/requests/new?resource_id={world.conditional.id}")
    assert page.status_code == 200 and "出生医学证明信息" in page.text
    bad = client.post(
        "/exchange/requests",
        data={
            "csrf_token": token,
            "resource_id": str(world.conditional.id),
            "client_id": str(world.client_id),
            "purpose": "",
        },
    )
    assert bad.status_code == 422
    good = client.post(
        "/exchange/requests",
        data={
            "csrf_token": token,
            "resource_id": str(world.conditional.id),
            "client_id": str(world.client_id),
            "purpose": "出生登记",
            "fields": ["id_number", "name"],
            "operations": ["verify"],
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    mine = client.get("/exchange/mine")
    assert "出生登记" in mine.text
