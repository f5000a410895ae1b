"""Registry records are read only under an exchange grant of the reader's department: the grant's fields are
shown, its unmask fields lifted, its scope enforced; no grant, an expired, suspended or revoked one, or a record
outside the scope is refused (403), audited, and no value — clear or masked — leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from registry_helpers import EditedSources, add_bureau, grant_registry, login_as
from sqlalchemy import select

from xingcheng.core.db import Database
from xingcheng.exchange.models import AuditEntry
from xingcheng.registries import catalog, service
from xingcheng.registries.models import Address, Company, House, Person, RightHolder
from xingcheng.registries.sources import FileSources
from xingcheng.standards import masking

HTML = {"accept": "text/html"}


@pytest.fixture
def built(app: Any, cast: Any, database: Database, city: Path, models: Any) -> dict[str, Any]:
    """A built registry, the registries in the ledger, and one well-documented person (with a district)."""
    add_bureau(database)
    with database.session() as db:
        service.run_build(db, EditedSources(FileSources(city)), models=models)
    with database.session() as db:
        p = db.scalar(
            select(Person)
            .join(Address, Address.code == Person.address_code)
            .where(Person.id_number.is_not(None), Person.phone.is_not(None), Person.name.is_not(None))
            .order_by(Person.id)
            .limit(1)
        )
        home = db.get(Address, p.address_code)
        codes = {r: catalog.resource_for(db, r).code for r in ("person", "company", "address")}
        return {
            "person_no": p.person_no,
            "id_number": p.id_number,
            "name": p.name,
            "phone": p.phone,
            "district": home.district_code,
            "full_address": home.full_address,
            "codes": codes,
        }


def _reads(database: Database) -> list[AuditEntry]:
    with database.session() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.kind == "read").order_by(AuditEntry.seq)))


def _nothing_personal(text: str, b: dict[str, Any]) -> None:
    for value in (b["id_number"], b["name"], b["phone"]):
        assert value not in text
    assert masking.mask_id_number(b["id_number"]) not in text
    assert masking.mask_phone(b["phone"]) not in text


def test_the_registries_are_published_ledger_resources_of_the_bureau(built: dict[str, Any], database: Any) -> None:
    from xingcheng.identity.models import Department

    with database.session() as db:
        bureau = db.scalar(select(Department).where(Department.kind == "bureau"))
        for entry in catalog.REGISTRIES:
            r = catalog.resource_for(db, entry.registry)
            assert r.state == "published" and r.share_type == "conditional" and r.department_id == bureau.id
            assert r.code.startswith(entry.class_code + "-") and catalog.registry_of(r) == entry.registry
            assert {f.name for f in r.fields} == {f.name for f in entry.fields}
        assert catalog.ensure_registered(db) == built["codes"] | {
            r: catalog.resource_for(db, r).code for r in ("component", "housing")
        }
        again = [catalog.resource_for(db, e.registry).id for e in catalog.REGISTRIES]
        assert len(set(again)) == 5  # idempotent: registering again made nothing new


def test_without_a_grant_reads_are_refused_audited_and_point_to_the_request_form(
    app: Any, client: Any, cast: Any, database: Database, built: dict[str, Any]
) -> None:
    number = built["person_no"]
    login_as(client, "case-handler")
    page = client.get(f"/registries/persons/{number}", headers=HTML)
    assert page.status_code == 403
    with database.session() as db:
        resource = catalog.resource_for(db, "person")
    assert f"/exchange/requests/new?resource_id={resource.id}" in page.text and resource.code in page.text
    api = client.get(f"/api/registries/persons/{number}")
    assert api.status_code == 403 and api.json()["code"] == "registry_read_refused"
    assert api.json()["errors"][0]["code"] == "no_grant"
    assert f"resource_id={resource.id}" in api.headers["link"]
    # Looking the person up by ID number is refused too, and the ID number never reaches the audit log.
    found = client.get("/registries/persons", params={"q": built["id_number"]}, headers=HTML, follow_redirects=False)
    assert found.status_code == 403
    for r in (page, api, found):
        _nothing_personal(r.text, built)
    reads = _reads(database)
    assert [e.outcome for e in reads] == ["refused:no_grant"] * 3
    assert all(e.resource_code == resource.code and e.grant_id is None and e.row_count == 0 for e in reads)
    assert [e.detail["ref"] for e in reads] == [number, number, number]
    assert built["id_number"] not in str([(e.detail, e.fields) for e in reads])
    # Another department's grant does not help; a nonexistent record is 404 whatever the grants.
    grant_registry(app, database, "person", cast.other_department_id)
    assert client.get(f"/api/registries/persons/{number}").status_code == 403
    assert client.get("/api/registries/persons/RK9999999999").status_code == 404
    # No read policy installed (no exchange): every record read refused, fail closed.
    grant_registry(app, database, "person", cast.department_id)
    assert client.get(f"/api/registries/persons/{number}").status_code == 200
    policy = app.state.read_policy
    app.state.read_policy = None
    try:
        closed = client.get(f"/api/registries/persons/{number}")
    finally:
        app.state.read_policy = policy
    assert closed.status_code == 403 and closed.json()["code"] == "registry_read_refused"
    assert _reads(database)[-1].outcome == "ok"  # refused before any policy: nothing read, nothing to audit
    _nothing_personal(closed.text, built)


def test_a_grant_shows_its_fields_and_lifts_masking_only_where_it_says(
    app: Any, client: Any, cast: Any, database: Database, built: dict[str, Any]
) -> None:
    number = built["person_no"]
    shown = ("person_no", "id_number", "name", "phone", "address", "district_code")
    masked_only = grant_registry(app, database, "person", cast.department_id, fields=shown)
    lifted = grant_registry(app, database, "person", cast.department_id, fields=shown, unmask=("name", "phone"))
    login_as(client, "data-admin")
    data = client.get(f"/api/registries/persons/{number}").json()
    assert data["grant_id"] == lifted != masked_only  # of two usable grants, the one lifting more masking
    attrs = {a["attribute"]: a for a in data["attributes"]}
    assert attrs["name"]["value"] == built["name"] and attrs["name"]["unmasked"]
    assert attrs["phone"]["value"] == built["phone"]
    assert attrs["id_number"]["value"] == masking.mask_id_number(built["id_number"])
    assert not attrs["id_number"]["unmasked"]
    for absent in ("sex", "birth_date", "ethnicity", "marital_status"):
        assert attrs[absent]["granted"] is False and attrs[absent]["value"] is None and attrs[absent]["other"] == []
    # other departments' values stay masked even where the grant unmasks the attribute
    for attr in ("name", "phone"):
        for other in attrs[attr]["other"]:
            assert other["value"] is None or other["value"] != built[attr]
    assert data["address_code"] is None  # the address is granted masked: no code leading to it in clear
    page = client.get(f"/registries/persons/{number}", headers=HTML)
    assert page.status_code == 200 and built["name"] in page.text and built["id_number"] not in page.text
    entry = _reads(database)[-1]
    assert entry.outcome == "ok" and entry.grant_id == lifted and entry.row_count == 1
    assert entry.resource_code == built["codes"]["person"] and entry.purpose
    assert entry.consumer_department_id == cast.department_id and entry.provider_department_id is not None
    assert set(entry.fields) == {"person_no", "id_number", "name", "phone", "address"}
    assert entry.detail == {"ref": number, "unmasked": ["name", "phone"]}


def test_scope_and_grant_states_refuse(
    app: Any, client: Any, cast: Any, database: Database, built: dict[str, Any]
) -> None:
    number, district = built["person_no"], built["district"]
    other = "430181" if district != "430181" else "430182"
    login_as(client, "grid-worker")
    url = f"/api/registries/persons/{number}"
    outside = grant_registry(app, database, "person", cast.department_id, scope=("district_code", [other]))
    r = client.get(url)
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "outside_scope"
    page = client.get(f"/registries/persons/{number}", headers=HTML)
    assert page.status_code == 403 and "outside_scope" in page.text
    _nothing_personal(r.text, built)
    assert _reads(database)[-1].outcome == "refused:outside_scope" and _reads(database)[-1].grant_id == outside
    inside = grant_registry(app, database, "person", cast.department_id, scope=("district_code", [district]))
    assert client.get(url).json()["grant_id"] == inside
    assert client.get(url).json()["scope"] == {"field": "district_code", "values": [district]}


@pytest.mark.parametrize(
    ("state", "outcome"),
    [("expire", "grant_expired"), ("suspend", "grant_suspended"), ("revoke", "grant_revoked")],
)
def test_expired_suspended_and_revoked_grants_refuse(
    app: Any, client: Any, cast: Any, database: Database, built: dict[str, Any], state: str, outcome: str
) -> None:
    grant = grant_registry(app, database, "person", cast.department_id, unmask=("name",), state=state)
    login_as(client, "case-handler")
    r = client.get(f"/api/registries/persons/{built['person_no']}")
    assert r.status_code == 403
    _nothing_personal(r.text, built)
    entry = _reads(database)[-1]
    assert entry.outcome == f"refused:{outcome}" and entry.grant_id == grant
    # a grant without the lookup operation does not open records either
    grant_registry(app, database, "person", cast.department_id, operations=("search",))
    assert client.get(f"/api/registries/persons/{built['person_no']}").status_code == 403
    assert _reads(database)[-1].outcome == "refused:operation_not_granted"


def test_company_and_address_records_follow_their_own_grants(
    app: Any, client: Any, cast: Any, database: Database, built: dict[str, Any]
) -> None:
    with database.session() as db:
        company = db.scalar(select(Company).where(Company.legal_rep_id.is_not(None)).order_by(Company.id).limit(1))
        rep = db.get(Person, company.legal_rep_id)
        uscc, rep_name = company.uscc, rep.name
        held = db.scalar(
            select(House.address_code)
            .join(RightHolder, RightHolder.house_id == House.id)
            .where(RightHolder.person_id.is_not(None))
            .limit(1)
        )
    login_as(client, "analyst")
    assert client.get(f"/api/registries/companies/{uscc}").status_code == 403
    assert client.get(f"/api/registries/addresses/{held}").status_code == 403
    grant_registry(app, database, "company", cast.department_id, fields=("uscc", "name", "legal_rep"))
    c = client.get(f"/api/registries/companies/{uscc}").json()
    assert c["name"] and c["legal_rep"]["name"] == masking.mask_name(rep_name) != rep_name
    assert c["capital"] is None and c["address"] is None and c["addresses"] == []
    page = client.get(f"/registries/companies/{uscc}", headers=HTML)
    assert page.status_code == 200 and rep_name not in page.text
    grant_registry(app, database, "address", cast.department_id, fields=("code", "full_address"))
    a = client.get(f"/api/registries/addresses/{held}").json()
    assert a["full_address"] and a["holders"] == [] and not a["holders_granted"] and a["residents"] == []
    grant_registry(app, database, "address", cast.department_id, unmask=("holder_name",))
    a = client.get(f"/api/registries/addresses/{held}").json()
    people = [h for h in a["holders"] if h["type"] == "person"]
    assert people and all("*" not in h["name"] for h in people)
    assert all("*" in r["name"] for r in a["residents"] if r["name"] and len(r["name"]) > 1)
    entry = _reads(database)[-1]
    assert entry.action == "registry.address" and entry.detail["unmasked"] == ["holder_name"]


def test_a_scope_value_covers_the_codes_it_begins(
    app: Any, client: Any, cast: Any, database: Database, built: dict[str, Any]
) -> None:
    number, district = built["person_no"], built["district"]
    login_as(client, "grid-worker")
    city = grant_registry(app, database, "person", cast.department_id, scope=("district_code", [district[:4]]))
    r = client.get(f"/api/registries/persons/{number}")
    assert r.status_code == 200 and r.json()["grant_id"] == city  # 4301 covers every district of the city
