"""Reading the registries: the one narrow door pages and the JSON API go through.

Every personal value leaves masked by the exchange's rules (the masker follows the kind of value: name,
ID number, phone, address; any other personal attribute — birth date, sex, ethnicity, marital status — is
masked whole), and every read of a record is announced as a :class:`RegistryRead` event, which the
exchange's audit log subscribes to: the handler appends the entry and waits for its commit, and raises
(503, nothing served) when it cannot be written. The registries sit below the exchange and cannot call it; once the
exchange serves the registries' golden tables as ledger resources with grants (that can lift masking for
a purpose), :func:`person_card` and :func:`address_card` become calls to its gateway — their output shape
stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from xingcheng.core.errors import NotFound
from xingcheng.core.events import Event, EventBus
from xingcheng.registries import repository as repo
from xingcheng.registries.models import Company, Issue, Person
from xingcheng.registries.records import PERSON_ATTRIBUTES
from xingcheng.standards import masking

__all__ = [
    "MASK_KINDS",
    "RegistryRead",
    "address_card",
    "company_card",
    "issue_row",
    "mask",
    "person_card",
    "summary",
]

# How each person attribute is masked (standards.masking kinds; "whole" masks every character).
MASK_KINDS: dict[str, str] = {
    "id_number": "id_number",
    "name": "name",
    "phone": "phone",
    "address": "address",
    "sex": "whole",
    "birth_date": "whole",
    "ethnicity": "whole",
    "marital_status": "whole",
    "legal_rep": "name",
    "owner": "name",
    "co_owner": "name",
    "record": "none",
    "id": "none",
    "uscc": "none",
}


@dataclass(frozen=True, slots=True)
class RegistryRead(Event):
    """Someone read a registry record (for the exchange's audit log): who, which record, which attributes."""

    actor: str
    registry: str
    ref: str
    fields: tuple[str, ...]
    purpose: str = ""


def mask(attribute: str, value: Any) -> Any:
    if value is None:
        return None
    kind = MASK_KINDS.get(attribute, "whole")
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if kind == "none":
        return text
    return masking.mask(kind, text)


def _address_text(db: Session, code: str | None) -> str | None:
    if not code:
        return None
    a = repo.address(db, code)
    return a.full_address if a else code


def _emit(events: EventBus | None, event: Event) -> None:
    if events is not None:
        events.emit(event)


def person_card(db: Session, person_no: str, *, actor: str, events: EventBus | None) -> dict[str, Any]:
    """The golden record, where each attribute comes from, relations, household, houses and open issues."""
    p = repo.person_by_no(db, person_no)
    if p is None:
        raise NotFound("registries.person.not_found")
    values = {
        "id_number": p.id_number,
        "name": p.name,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "ethnicity": p.ethnicity,
        "phone": p.phone,
        "address": _address_text(db, p.address_code),
        "marital_status": p.marital_status,
    }
    attributes = []
    for attr in PERSON_ATTRIBUTES:
        prov = (p.attributes or {}).get(attr) or {}
        others = [
            {
                "source": o.get("source"),
                "record_id": o.get("record_id"),
                "value": mask(attr, o.get("value")),
            }
            for o in (prov.get("other") or [])
        ]
        attributes.append(
            {
                "attribute": attr,
                "value": mask(attr, values[attr]),
                "source": prov.get("source"),
                "agree": prov.get("agree") or [],
                "other": others,
            }
        )
    relations = [
        {
            "kind": r.kind,
            "person_no": other.person_no,
            "name": mask("name", other.name),
            "sources": [s for s in r.sources.split(",") if s],
        }
        for r, other in repo.person_relations(db, p.id)
    ]
    household = []
    if p.household_no:
        household = [
            {"person_no": m.person_no, "name": mask("name", m.name), "relation": m.household_relation}
            for m in repo.household_members(db, p.household_no)
        ]
    houses = [
        {"address_code": h.address_code, "address": mask("address", _address_text(db, h.address_code))}
        for h in repo.houses_of_person(db, p.id)
    ]
    links = [{"source": link.source, "record_id": link.record_id} for link in repo.person_links(db, p.id)]
    issues = [issue_row(i) for i in repo.issues_for(db, "person", p.person_no)]
    _emit(events, RegistryRead(actor, "person", p.person_no, tuple(PERSON_ATTRIBUTES)))
    return {
        "person_no": p.person_no,
        "state": p.state,
        "address_code": p.address_code,
        "household_no": p.household_no,
        "household_relation": p.household_relation,
        "records": p.records,
        "attributes": attributes,
        "relations": relations,
        "household": household,
        "houses": houses,
        "links": links,
        "issues": issues,
    }


def issue_row(i: Issue) -> dict[str, Any]:
    personal = i.registry_name in ("person", "housing") or i.attribute in ("legal_rep",)
    return {
        "id": i.id,
        "registry": i.registry_name,
        "entity_ref": i.entity_ref,
        "kind": i.kind,
        "attribute": i.attribute,
        "source": i.source,
        "record_id": i.record_id,
        "department_code": i.department_code,
        "value": mask(i.attribute, i.value) if personal else i.value,
        "golden_value": mask(i.attribute, i.golden_value) if personal else i.golden_value,
        "golden_source": i.golden_source,
        "status": i.status,
        "created_at": i.created_at.isoformat(),
    }


def company_card(db: Session, uscc: str, *, actor: str, events: EventBus | None) -> dict[str, Any]:
    c: Company | None = repo.company_by_uscc(db, uscc)
    if c is None:
        raise NotFound("registries.company.not_found")
    names, addresses = repo.company_history(db, c.id)
    rep = repo.person(db, c.legal_rep_id) if c.legal_rep_id else None
    _emit(events, RegistryRead(actor, "company", c.uscc, ("legal_rep",)))
    return {
        "uscc": c.uscc,
        "name": c.name,
        "entity_type": c.entity_type,
        "status": c.status,
        "established": c.established.isoformat() if c.established else None,
        "capital": c.capital,
        "state": c.state,
        "address_code": c.address_code,
        "address": _address_text(db, c.address_code),
        "legal_rep": {"person_no": rep.person_no, "name": mask("name", rep.name)} if rep else None,
        "names": [
            {"name": n.name, "valid_from": _iso(n.valid_from), "valid_to": _iso(n.valid_to), "source": n.source}
            for n in names
        ],
        "addresses": [
            {
                "address_code": a.address_code,
                "text": a.text,
                "valid_from": _iso(a.valid_from),
                "valid_to": _iso(a.valid_to),
            }
            for a in addresses
        ],
        "issues": [issue_row(i) for i in repo.issues_for(db, "company", c.uscc)],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def address_card(db: Session, code: str, *, actor: str, events: EventBus | None) -> dict[str, Any]:
    a = repo.address(db, code)
    if a is None:
        raise NotFound("registries.address.not_found")
    chain = []
    for level_code in (a.district_code, a.township_code, a.community_code, a.grid_code):
        if level_code:
            place = repo.place(db, level_code)
            chain.append(
                {"code": level_code, "level": place.level if place else "", "name": place.name if place else ""}
            )
    house = repo.house_by_address(db, a.code)
    building = repo.building_by_address(db, a.code[:18] + "00000")
    holders = []
    if house is not None:
        for h in repo.house_holders(db, house.id):
            if h.person_id:
                person: Person | None = repo.person(db, h.person_id)
                holders.append({"role": h.role, "type": "person", "ref": person.person_no if person else None,
                                "name": mask("name", person.name if person else h.name)})  # fmt: skip
            elif h.company_id:
                company = repo.company(db, h.company_id)
                holders.append({"role": h.role, "type": "company", "ref": company.uscc if company else None,
                                "name": company.name if company else h.name})  # fmt: skip
            else:
                holders.append({"role": h.role, "type": h.holder_type, "ref": None, "name": mask("name", h.name)})
    residents = repo.residents(db, a.code)
    _emit(events, RegistryRead(actor, "address", a.code, ("owner", "residents")))
    return {
        "code": a.code,
        "level": a.level,
        "full_address": a.full_address,
        "road": a.road,
        "door_no": a.door_no,
        "estate": a.estate,
        "building": a.building,
        "unit": a.unit,
        "room": a.room,
        "lon": a.lon,
        "lat": a.lat,
        "places": chain,
        "building_record": {
            "floors": building.floors,
            "units": building.units,
            "built_year": building.built_year,
            "use": building.use,
        }
        if building
        else None,
        "house": {"area": house.area, "use": house.use, "share_mode": house.share_mode} if house else None,
        "holders": holders,
        "residents": [{"person_no": r.person_no, "name": mask("name", r.name)} for r in residents],
    }


def summary(db: Session) -> dict[str, Any]:
    from xingcheng.registries.models import Address, Building, Component, House, Place

    build = repo.last_build(db)
    names = repo.department_names(db)
    return {
        "persons": repo.count(db, Person, Person.state == "active"),
        "companies": repo.count(db, Company, Company.state == "active"),
        "addresses": repo.count(db, Address),
        "places": repo.counts_by(db, Place.level),
        "components": repo.count(db, Component),
        "buildings": repo.count(db, Building),
        "houses": repo.count(db, House),
        "open_issues": repo.count(db, Issue, Issue.status == "open"),
        "issues": [
            {"registry": r, "department_code": d, "department": names.get(d, d), "kind": k, "count": n}
            for r, d, k, n in repo.issue_summary(db)
        ],
        "last_build": {
            "id": build.id,
            "kind": build.kind,
            "finished_at": build.finished_at.isoformat() if build.finished_at else None,
            "metrics": {k: v for k, v in (build.metrics or {}).items() if k != "timings"},
        }
        if build
        else None,
    }
