"""The registries' pages and JSON API on a built registry: masking, department scope, reads announced (each
test grants the registries its callers read; tests/registries/test_registries_grants.py covers the grants)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from registry_helpers import EditedSources, grant_registry, login_as
from sqlalchemy import select

from xingcheng.core.db import Database
from xingcheng.core.events import EventBus
from xingcheng.registries import service
from xingcheng.registries.models import Address, Issue, Person
from xingcheng.registries.reading import RegistryRead
from xingcheng.registries.sources import FileSources
from xingcheng.standards import masking


def _built(database: Database, city: Path, models: Any) -> None:
    with database.session() as db:
        service.run_build(db, EditedSources(FileSources(city)), models=models)


def test_person_page_is_masked_and_each_read_is_announced(
    app: Any, client: Any, cast: Any, database: Database, city: Path, models: Any
) -> None:
    _built(database, city, models)
    grant_registry(app, database, "person", cast.department_id)  # every attribute, all masked
    with database.session() as db:
        person = db.scalar(
            select(Person).where(Person.id_number.is_not(None), Person.phone.is_not(None)).order_by(Person.id).limit(1)
        )
        number, id_number, name, phone = person.person_no, person.id_number, person.name, person.phone
    reads: list[RegistryRead] = []
    bus: EventBus = app.state.events
    bus.subscribe(RegistryRead, reads.append)

    login_as(client, "case-handler")
    page = client.get(f"/registries/persons/{number}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert id_number not in page.text and phone not in page.text
    assert masking.mask_id_number(id_number) in page.text
    assert masking.mask_name(name) in page.text
    data = client.get(f"/api/registries/persons/{number}").json()
    attrs = {a["attribute"]: a for a in data["attributes"]}
    assert attrs["id_number"]["value"] == masking.mask_id_number(id_number)
    assert attrs["name"]["source"] == "psb_hukou"
    assert any(r.ref == number and r.registry == "person" for r in reads)
    # Looking a person up by ID number leads to the page; an unknown number to a 404 page.
    found = client.get(f"/registries/persons?q={id_number}", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"].endswith(number)
    assert client.get("/registries/persons?q=RK0000000000", headers={"accept": "text/html"}).status_code == 404
    _issues_are_scoped_to_the_department(client, database)


def test_analyst_sees_the_overview_addresses_but_no_person(
    app: Any, client: Any, cast: Any, database: Database, city: Path, models: Any
) -> None:
    _built(database, city, models)
    grant_registry(app, database, "address", cast.department_id)
    login_as(client, "analyst")
    overview = client.get("/registries", headers={"accept": "text/html"})
    assert overview.status_code == 200 and "district-map" in overview.text
    summary = client.get("/api/registries/summary").json()
    assert summary["persons"] > 900 and summary["open_issues"] > 0
    with database.session() as db:
        number = db.scalar(select(Person.person_no).limit(1))
    assert client.get(f"/api/registries/persons/{number}").status_code == 403
    places = client.get("/api/registries/places", params={"level": "district"}).json()
    assert places["type"] == "FeatureCollection" and places["features"]
    assert places["features"][0]["geometry"]["type"] == "Polygon"
    _address_matching_and_address_page(client, database)


def _issues_are_scoped_to_the_department(client: Any, database: Database) -> None:
    token = login_as(client, "data-admin")  # of 长沙市公安局 (gaj)
    own = client.get("/api/registries/issues").json()
    assert own["total"] > 0 and {i["department_code"] for i in own["issues"]} == {"gaj"}
    assert client.get("/api/registries/issues", params={"department": "wjw"}).status_code == 403
    with database.session() as db:
        mine = db.scalar(select(Issue.id).where(Issue.department_code == "gaj").limit(1))
        other = db.scalar(select(Issue.id).where(Issue.department_code != "gaj").limit(1))
    done = client.post(f"/api/registries/issues/{mine}/resolve", headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.json()["status"] == "resolved"
    assert client.post(f"/api/registries/issues/{other}/resolve", headers={"X-CSRF-Token": token}).status_code == 403
    login_as(client, "approver")
    anyone = client.get("/api/registries/issues", params={"department": "wjw"}).json()
    assert {i["department_code"] for i in anyone["issues"]} <= {"wjw"}
    page = client.get("/registries/issues", headers={"accept": "text/html"})
    assert page.status_code == 200


def _address_matching_and_address_page(client: Any, database: Database) -> None:
    with database.session() as db:
        room = db.scalar(select(Address).where(Address.level == "户室", Address.unit.is_not(None)).limit(1))
        code, text, building, unit, number = room.code, room.full_address, room.building, room.unit, room.room
        door_text = text[: text.index(building)]
    token = login_as(client, "analyst")
    exact = client.post(
        "/api/registries/addresses/match", json={"text": "湖南省" + text}, headers={"X-CSRF-Token": token}
    )
    assert exact.json()["address_code"] == code and exact.json()["score"] == 1.0
    # Written the other way departments do: 1-2-301 for building, unit and room, full-width digits.
    short = building.removesuffix("栋")
    variant = door_text.replace("长沙市", "") + f"{short}-{unit}-{number}".translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    parsed = client.post("/api/registries/addresses/match", json={"text": variant}, headers={"X-CSRF-Token": token})
    assert parsed.json()["address_code"] == code and 0.5 < parsed.json()["score"] < 1.0
    none = client.post("/api/registries/addresses/match", json={"text": "火星"}, headers={"X-CSRF-Token": token})
    assert none.json()["address_code"] is None
    page = client.get(f"/registries/addresses/{code}", headers={"accept": "text/html"})
    assert page.status_code == 200 and text in page.text


def test_components_are_listed_with_their_classes(
    client: Any, cast: Any, database: Database, city: Path, models: Any
) -> None:
    _built(database, city, models)
    login_as(client, "grid-worker")
    data = client.get("/api/registries/components").json()
    assert data["total"] > 50 and data["classes"]
    first = data["components"][0]
    assert first["id"][6:10] == first["class_code"] and first["id"][:6] == first["county_code"]
    one_class = data["classes"][0]["code"]
    only = client.get("/api/registries/components", params={"class": one_class}).json()
    assert {c["class_code"] for c in only["components"]} == {one_class}
    assert client.get("/api/registries/components", params={"class": "x"}).status_code == 422
