"""The exchange's pages: supermarket with search and grant status, a service with its masked (and audited)
preview, the provider's inbox with deadlines and who used the data, the dashboard and the audit log."""

from __future__ import annotations

from exchange_helpers import call, grant_people, make_world
from sqlalchemy import select

from xingcheng.exchange.models import AuditEntry
from xingcheng.standards import masking

from support import login


def test_supermarket_service_and_preview(app, database, cast, client) -> None:
    world = make_world(app, database, cast, n=12)
    grant_people(database, world, cast)
    login(client, "analyst")
    page = client.get("/exchange", params={"q": "人口"})
    assert page.status_code == 200
    assert "人口基本信息" in page.text and "已授权" in page.text and "精神卫生" not in page.text
    service = world.service(world.people, "lookup")
    page = client.get(f"/exchange/services/{service}")
    assert page.status_code == 200
    for person in world.rows[:5]:
        assert person["id_number"] not in page.text and person["phone"] not in page.text
    assert masking.mask_id_number(world.rows[0]["id_number"]) in page.text
    with database.session() as db:
        last = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (last.action, last.row_count, last.actor) == ("preview", 5, f"user:{cast.users['analyst']}")
    assert (
        client.get("/api/exchange/v1/services", params={"q": "人口"}).json()["services"][0]["grant_status"] == "active"
    )


def test_inbox_dashboard_and_audit_pages(app, database, cast, client) -> None:
    world = make_world(app, database, cast, n=12)
    grant_people(database, world, cast)
    for p in world.rows[:3]:
        assert (
            call(
                client, world, world.service(world.people, "lookup"), {"key": {"id_number": p["id_number"]}}
            ).status_code
            == 200
        )
    login(client, "approver")
    for path in ("/exchange/oversight", "/exchange/dashboard", "/exchange/audit", "/exchange/mine"):
        r = client.get(path)
        assert r.status_code == 200, path
    assert "户籍办理" in client.get("/exchange/audit").text
    usage = client.get("/api/exchange/usage").json()
    assert usage["by_service"][0]["calls"] == 3 and usage["by_day"][0]["calls"] == 3
    client.cookies.clear()
    login(client, "data-admin")
    inbox = client.get("/exchange/inbox")
    assert inbox.status_code == 200  # the cast's data admin is the consumer here: nothing to decide


def test_pages_fit_a_phone(app, database, cast, client) -> None:
    world = make_world(app, database, cast, n=3)
    login(client, "analyst")
    html = client.get(f"/exchange/services/{world.service(world.people, 'lookup')}").text
    assert (
        'name="viewport"' in html
        and "xc-scroll" in html
        and "http" not in html.split("<main", 1)[1].split("</main>")[0].replace("/api/", "")
    )
