"""The links: every departmental record points to exactly the entity it stands for."""

from __future__ import annotations

from collections import Counter, defaultdict

from synth_helpers import City

TRUTH_OF_ENTITY = {
    "person": ("persons", "person_id"),
    "company": ("companies", "company_id"),
    "address": ("addresses", "address_id"),
    "component": ("components", "component_id"),
}


def _links(city: City) -> dict[str, list[tuple[str, str]]]:
    by_source: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for link in city.truth("links"):
        by_source[link["source"]].append((link["record_id"], link["entity_id"]))
    return by_source


def test_every_source_record_has_exactly_one_link(city: City, city_rows: dict[str, list[dict[str, object]]]) -> None:
    links = _links(city)
    assert set(links) == {entry.spec.id for entry in city.manifest.sources}
    for entry in city.manifest.sources:
        (key,) = entry.spec.key
        keys = Counter(str(row[key]) for row in city_rows[entry.spec.id])
        assert all(n == 1 for n in keys.values()), f"{entry.spec.id}: duplicate record keys"
        linked = Counter(record for record, _ in links[entry.spec.id])
        assert linked == keys, entry.spec.id


def test_every_linked_entity_exists_in_the_truth(city: City) -> None:
    links = _links(city)
    for entry in city.manifest.sources:
        name, column = TRUTH_OF_ENTITY[entry.spec.entity]
        entities = {row[column] for row in city.truth(name)}
        missing = {entity for _, entity in links[entry.spec.id]} - entities
        assert not missing, (entry.spec.id, sorted(missing)[:3])


def test_duplicates_are_separate_records_of_the_same_entity(city: City) -> None:
    duplicated = 0
    for source, pairs in _links(city).items():
        per_entity = Counter(entity for _, entity in pairs)
        duplicated += sum(1 for n in per_entity.values() if n > 1 and source != "mca_marriages")
    assert duplicated >= 20


def test_records_reach_most_of_the_city(city: City) -> None:
    links = _links(city)
    people = {p["person_id"] for p in city.truth("persons")}
    registered = {entity for _, entity in links["psb_hukou"]}
    assert 0.93 < len(registered) / len(people) <= 1
    assert {entity for _, entity in links["amr_market_entities"]} == {c["company_id"] for c in city.truth("companies")}
    standard = {entity for _, entity in links["nrp_standard_addresses"]}
    assert standard == {a["address_id"] for a in city.truth("addresses")}


def test_marriage_records_pair_truth_spouses(city: City, city_rows: dict[str, list[dict[str, object]]]) -> None:
    persons = {p["person_id"]: p for p in city.truth("persons")}
    entity = {link["record_id"]: link["entity_id"] for link in city.truth("links") if link["source"] == "mca_marriages"}
    couples: dict[str, set[str]] = defaultdict(set)
    for row in city_rows["mca_marriages"]:
        couples[str(row["结婚证字号"])].add(entity[str(row["业务编号"])])
    assert len(couples) > 100
    for certificate, pair in couples.items():
        assert len(pair) == 2, certificate
        husband, wife = (persons[p] for p in sorted(pair))
        assert husband["spouse_id"] == wife["person_id"]
        assert certificate.split("-")[1] == husband["marriage_date"][:4]


def test_property_registrations_come_after_the_owner_could_own(
    city: City, city_rows: dict[str, list[dict[str, object]]]
) -> None:
    founded = {c["uscc"]: c["established"] for c in city.truth("companies")}
    houses = [r for r in city_rows["housing_properties"] if r["record_type"] == "house"]
    owned_by_companies = [r for r in houses if r["owner_type"] == "company"]
    assert owned_by_companies and len(houses) > 500
    for record in owned_by_companies:
        assert str(record["registered_at"])[:10] >= founded[str(record["owner_cert_no"])]
    for record in houses:
        assert str(record["registered_at"])[:4] >= str(record["built_year"]) or record["built_year"] < 1998
