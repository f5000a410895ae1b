"""Reading the registries: the one narrow door pages and the JSON API go through.

A record (person, company, address) is read only under an exchange grant: the app's *read policy* — which
the exchange provides through the ``xingcheng_read_policy`` hook — decides, for the caller's department,
which grant on the registry's ledger resource applies (:class:`ReadPolicy`, :class:`ReadAccess`); without
one the read is refused (:class:`ReadRefused`, audited by the policy) and with no policy installed every
record read is refused. The grant's fields decide which attributes are shown (the others are returned as not
granted, without a value), its unmask fields lift masking per field — every other personal value leaves
masked by the exchange's rules (the masker follows the kind of value: name, ID number, phone, address; any
other personal attribute — birth date, sex, ethnicity, marital status — is masked whole) — and its row scope
limits which records. Every served read is announced as a :class:`RegistryRead` event naming the grant,
which the exchange's audit log subscribes to: the handler appends the entry and waits for its commit, and
raises (503, nothing served) when it cannot be written.

Summary counts, places, components and address matching carry no personal data and need no grant; the
data-quality issue lists are the departments' correction workflow, scoped to one's department and masked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from xingcheng.core.errors import NotFound, PermissionDenied
from xingcheng.core.events import Event, EventBus
from xingcheng.registries import repository as repo
from xingcheng.registries.models import Company, Issue, Person
from xingcheng.registries.records import PERSON_ATTRIBUTES
from xingcheng.standards import masking

__all__ = [
    "MASK_KINDS",
    "ReadAccess",
    "ReadPolicy",
    "ReadRefused",
    "RegistryRead",
    "address_card",
    "authorize_lookup",
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
    "holder_name": "name",
    "resident_name": "name",
    "record": "none",
    "id": "none",
    "uscc": "none",
}

# The non-personal fields of the company and address registries (shown as they are when granted).
COMPANY_FIELDS = ("name", "entity_type", "status", "established", "capital", "address", "district_code")
ADDRESS_FIELDS = (
    "full_address",
    "level",
    "road",
    "door_no",
    "estate",
    "building",
    "unit",
    "room",
    "lon",
    "lat",
    "district_code",
    "township_code",
    "community_code",
    "grid_code",
)


@dataclass(frozen=True, slots=True)
class RegistryRead(Event):
    """Someone read a registry record under a grant (for the exchange's audit log): who, which record, which
    attributes were delivered and which of them unmasked, under which grant of which resource."""

    actor: str
    registry: str
    ref: str
    fields: tuple[str, ...]
    purpose: str = ""
    grant_id: int | None = None
    resource_code: str = ""
    consumer_department_id: int | None = None
    provider_department_id: int | None = None
    unmasked: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadAccess:
    """What one grant lets the caller see of one registry: fields shown, fields unmasked, rows in scope."""

    registry: str
    resource_code: str
    grant_id: int | None
    consumer_department_id: int | None
    provider_department_id: int | None
    fields: frozenset[str]
    unmasked: frozenset[str] = frozenset()
    scope_field: str | None = None
    scope_values: tuple[str, ...] = ()
    purpose: str = ""

    def granted(self, field: str) -> bool:
        return field in self.fields

    def clear(self, field: str) -> bool:
        """Granted and unmasked: the value leaves as it is."""
        return field in self.fields and field in self.unmasked

    def show(self, field: str, value: Any, kind: str | None = None) -> Any:
        """The value as this grant delivers it: None when not granted; masked by ``kind`` (a personal value)
        unless the grant unmasks the field; ``kind`` None: not personal, as it is."""
        if field not in self.fields or value is None:
            return None
        if kind is None or field in self.unmasked:
            return _text(value) if kind is not None else _plain(value)
        return mask_as(kind, value)


class ReadPolicy(Protocol):
    """Who may read which registry record, decided by the exchange (``app.state.read_policy``)."""

    def authorize(
        self, db: Session, principal: Any, registry: str, ref: str, scope: Callable[[str], str | None]
    ) -> ReadAccess:
        """The grant that lets ``principal`` read record ``ref`` of ``registry``; ``scope(field)`` gives the
        record's value of a grant's scope field. Raises :class:`ReadRefused` (the refusal already audited)."""
        ...


class ReadRefused(PermissionDenied):
    """A registry read refused: no policy, no usable grant, out of the grant's scope (403, nothing served)."""

    code = "registry_read_refused"
    title_key = "registries.refused.title"

    def __init__(
        self,
        reason: str,
        *,
        registry: str,
        resource_id: int | None = None,
        resource_code: str = "",
        request_url: str | None = None,
    ) -> None:
        headers = {"Link": f'<{request_url}>; rel="request-access"'} if request_url else None
        params = {"resource": resource_code or "-", "registry": registry}
        key = f"registries.refused.{reason}"
        super().__init__(
            key,
            params=params,
            # the reason as a code a program can act on (``no_grant``, ``outside_scope`` …)
            errors=[{"field": "grant", "code": reason, "message_key": key, "params": params}],
            headers=headers,
        )
        self.reason = reason
        self.registry = registry
        self.resource_id = resource_id
        self.resource_code = resource_code
        self.request_url = request_url


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def mask_as(kind: str, value: Any) -> Any:
    text = _text(value)
    return text if kind == "none" else masking.mask(kind, text)


def mask(attribute: str, value: Any) -> Any:
    if value is None:
        return None
    return mask_as(MASK_KINDS.get(attribute, "whole"), value)


def _address_text(db: Session, code: str | None) -> str | None:
    if not code:
        return None
    a = repo.address(db, code)
    return a.full_address if a else code


def _emit(events: EventBus | None, event: Event) -> None:
    if events is not None:
        events.emit(event)


def _authorize(
    policy: ReadPolicy | None,
    db: Session,
    principal: Any,
    registry: str,
    ref: str,
    scope: dict[str, str | None],
) -> ReadAccess:
    if policy is None:  # fail closed: without the exchange nothing decides who may read, so nobody does
        raise ReadRefused("no_policy", registry=registry)
    return policy.authorize(db, principal, registry, ref, scope.get)


def _announce(events: EventBus | None, principal: Any, access: ReadAccess, ref: str, delivered: list[str]) -> None:
    _emit(
        events,
        RegistryRead(
            actor=principal.ref,
            registry=access.registry,
            ref=ref,
            fields=tuple(delivered),
            purpose=access.purpose,
            grant_id=access.grant_id,
            resource_code=access.resource_code,
            consumer_department_id=access.consumer_department_id,
            provider_department_id=access.provider_department_id,
            unmasked=tuple(f for f in delivered if f in access.unmasked),
        ),
    )


def _scope_of(db: Session, code: str | None) -> dict[str, str | None]:
    a = repo.address(db, code) if code else None
    if a is None:
        return {}
    return {
        "district_code": a.district_code,
        "township_code": a.township_code,
        "community_code": a.community_code,
        "grid_code": a.grid_code,
    }


def person_card(
    db: Session, person_no: str, *, principal: Any, policy: ReadPolicy | None, events: EventBus | None
) -> dict[str, Any]:
    """The golden record, where each attribute comes from, relations, household, houses and open issues — as
    the caller's grant on the person registry shows them."""
    p = repo.person_by_no(db, person_no)
    if p is None:
        raise NotFound("registries.person.not_found")
    access = _authorize(policy, db, principal, "person", p.person_no, _scope_of(db, p.address_code))
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
        granted = access.granted(attr)
        # Other departments' values stay masked whatever the grant lifts: they are the conflicts to correct,
        # read on the department's issue list, not a second copy of the clear value.
        others = (
            [
                {"source": o.get("source"), "record_id": o.get("record_id"), "value": mask(attr, o.get("value"))}
                for o in (prov.get("other") or [])
            ]
            if granted
            else []
        )
        attributes.append(
            {
                "attribute": attr,
                "granted": granted,
                "unmasked": access.clear(attr),
                "value": access.show(attr, values[attr], MASK_KINDS[attr]),
                "source": prov.get("source"),
                "agree": prov.get("agree") or [],
                "other": others,
            }
        )
    relations = [
        {
            "kind": r.kind,
            "person_no": other.person_no,
            "name": access.show("name", other.name, "name"),
            "sources": [s for s in r.sources.split(",") if s],
        }
        for r, other in repo.person_relations(db, p.id)
    ]
    household = []
    if p.household_no:
        household = [
            {"person_no": m.person_no, "name": access.show("name", m.name, "name"), "relation": m.household_relation}
            for m in repo.household_members(db, p.household_no)
        ]
    houses = [
        {
            "address_code": h.address_code if access.clear("address") else None,
            "address": access.show("address", _address_text(db, h.address_code), "address"),
        }
        for h in repo.houses_of_person(db, p.id)
    ]
    links = [{"source": link.source, "record_id": link.record_id} for link in repo.person_links(db, p.id)]
    issues = [_granted_issue(issue_row(i), access) for i in repo.issues_for(db, "person", p.person_no)]
    delivered = ["person_no", *(a for a in PERSON_ATTRIBUTES if access.granted(a))]
    _announce(events, principal, access, p.person_no, delivered)
    return {
        "person_no": p.person_no,
        "state": p.state,
        "grant_id": access.grant_id,
        "resource_code": access.resource_code,
        "scope": {"field": access.scope_field, "values": list(access.scope_values)} if access.scope_field else None,
        # the standard address code points to the clear address: only where the grant unmasks the address
        "address_code": p.address_code if access.clear("address") else None,
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


def authorize_lookup(db: Session, principal: Any, policy: ReadPolicy | None, person: Person | None) -> ReadAccess:
    """Finding a person (by number or ID number) needs the same grant as reading them; the search text is
    never the audited reference (``lookup`` when nobody was found)."""
    ref = person.person_no if person is not None else "lookup"
    return _authorize(policy, db, principal, "person", ref, _scope_of(db, person.address_code) if person else {})


def _granted_issue(row: dict[str, Any], access: ReadAccess) -> dict[str, Any]:
    """An issue on a record page: its values only where the grant shows the attribute (masked as on the list)."""
    if not access.granted(row["attribute"]):
        return {**row, "value": None, "golden_value": None}
    return row


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


def company_card(
    db: Session, uscc: str, *, principal: Any, policy: ReadPolicy | None, events: EventBus | None
) -> dict[str, Any]:
    """A legal entity as the caller's grant on the legal-entity registry shows it."""
    c: Company | None = repo.company_by_uscc(db, uscc)
    if c is None:
        raise NotFound("registries.company.not_found")
    scope = _scope_of(db, c.address_code)
    access = _authorize(policy, db, principal, "company", c.uscc, scope)
    names, addresses = repo.company_history(db, c.id)
    rep = repo.person(db, c.legal_rep_id) if c.legal_rep_id and access.granted("legal_rep") else None
    plain = {
        "name": c.name,
        "entity_type": c.entity_type,
        "status": c.status,
        "established": c.established,
        "capital": c.capital,
        "address": _address_text(db, c.address_code),
        "district_code": scope.get("district_code"),
    }
    delivered = ["uscc", *(f for f in (*COMPANY_FIELDS, "legal_rep") if access.granted(f))]
    _announce(events, principal, access, c.uscc, delivered)
    return {
        "uscc": c.uscc,
        **{f: access.show(f, v) for f, v in plain.items()},
        "granted": sorted(access.fields),
        "grant_id": access.grant_id,
        "resource_code": access.resource_code,
        "state": c.state,
        "address_code": c.address_code if access.granted("address") else None,
        "legal_rep": {"person_no": rep.person_no, "name": access.show("legal_rep", rep.name, "name")} if rep else None,
        "names": [
            {"name": n.name, "valid_from": _iso(n.valid_from), "valid_to": _iso(n.valid_to), "source": n.source}
            for n in names
        ]
        if access.granted("name")
        else [],
        "addresses": [
            {
                "address_code": a.address_code,
                "text": a.text,
                "valid_from": _iso(a.valid_from),
                "valid_to": _iso(a.valid_to),
            }
            for a in addresses
        ]
        if access.granted("address")
        else [],
        "issues": [_granted_issue(issue_row(i), access) for i in repo.issues_for(db, "company", c.uscc)],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def address_card(
    db: Session, code: str, *, principal: Any, policy: ReadPolicy | None, events: EventBus | None
) -> dict[str, Any]:
    """A standard address with its places, building, house, right holders and residents, as the caller's grant
    on the address registry shows it (holders' and residents' names follow ``holder_name`` / ``resident_name``)."""
    a = repo.address(db, code)
    if a is None:
        raise NotFound("registries.address.not_found")
    access = _authorize(policy, db, principal, "address", a.code, _scope_of(db, a.code))
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
    if house is not None and access.granted("holder_name"):
        for h in repo.house_holders(db, house.id):
            if h.person_id:
                person: Person | None = repo.person(db, h.person_id)
                name = access.show("holder_name", person.name if person else h.name, "name")
                holders.append(
                    {"role": h.role, "type": "person", "ref": person.person_no if person else None, "name": name}
                )
            elif h.company_id:
                company = repo.company(db, h.company_id)
                holders.append({"role": h.role, "type": "company", "ref": company.uscc if company else None,
                                "name": company.name if company else h.name})  # fmt: skip
            else:
                holders.append(
                    {
                        "role": h.role,
                        "type": h.holder_type,
                        "ref": None,
                        "name": access.show("holder_name", h.name, "name"),
                    }
                )
    residents = (
        [
            {"person_no": r.person_no, "name": access.show("resident_name", r.name, "name")}
            for r in repo.residents(db, a.code)
        ]
        if access.granted("resident_name")
        else []
    )
    plain = {
        "full_address": a.full_address,
        "level": a.level,
        "road": a.road,
        "door_no": a.door_no,
        "estate": a.estate,
        "building": a.building,
        "unit": a.unit,
        "room": a.room,
        "lon": a.lon,
        "lat": a.lat,
        "district_code": a.district_code,
        "township_code": a.township_code,
        "community_code": a.community_code,
        "grid_code": a.grid_code,
    }
    delivered = ["code", *(f for f in (*ADDRESS_FIELDS, "holder_name", "resident_name") if access.granted(f))]
    _announce(events, principal, access, a.code, delivered)
    return {
        "code": a.code,
        **{f: access.show(f, v) for f, v in plain.items()},
        "granted": sorted(access.fields),
        "grant_id": access.grant_id,
        "resource_code": access.resource_code,
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
        "holders_granted": access.granted("holder_name"),
        "residents": residents,
        "residents_granted": access.granted("resident_name"),
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
