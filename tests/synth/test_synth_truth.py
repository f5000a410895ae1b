"""The truth: valid and unique identifiers, consistent families, real Changsha geography."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from synth_helpers import PERSONS, City

from xingcheng.standards import divisions, idnumber, uscc
from xingcheng.synth import REFERENCE_DATE
from xingcheng.synth.geography import LAT_RANGE, LON_RANGE

CHANGSHA = {c.code for c in divisions.counties_of(divisions.CHANGSHA)}


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_every_id_number_is_valid_unique_and_matches_sex_and_birth_date(city: City) -> None:
    persons = city.truth("persons")
    assert len(persons) == PERSONS
    assert len({p["id_number"] for p in persons}) == PERSONS
    for p in persons:
        parsed = idnumber.parse(p["id_number"], today=REFERENCE_DATE)
        assert parsed.sex == p["sex"]
        assert parsed.birth_date == _date(p["birth_date"])
        assert parsed.address_code == p["birth_place_code"]


def test_birth_places_are_mostly_changsha_some_hunan_some_elsewhere(city: City) -> None:
    places = Counter(
        "changsha" if code in CHANGSHA else "hunan" if code.startswith("43") else "other"
        for code in (p["birth_place_code"] for p in city.truth("persons"))
    )
    assert places["changsha"] > places["hunan"] > 0
    assert places["other"] > 0.05 * PERSONS


def test_credit_codes_are_valid_unique_and_registered_in_changsha(city: City) -> None:
    companies = city.truth("companies")
    assert len(companies) == PERSONS // 8
    assert len({c["uscc"] for c in companies}) == len(companies)
    assert len({c["name"] for c in companies}) == len(companies)
    for c in companies:
        parsed = uscc.parse(c["uscc"], check_admin_code=True)
        assert parsed.authority == "9" and parsed.org_type in "123"
        assert parsed.admin_code in CHANGSHA
    kinds = Counter(c["kind"] for c in companies)
    assert kinds["enterprise"] > kinds["individual"] > 0


def test_families_are_consistent(city: City) -> None:
    persons = {p["person_id"]: p for p in city.truth("persons")}
    households = Counter(p["household_id"] for p in persons.values())
    assert set(households.values()) <= {1, 2, 3, 4, 5}
    for p in persons.values():
        born = _date(p["birth_date"])
        for parent_id, sex in ((p["father_id"], "M"), (p["mother_id"], "F")):
            if parent_id:
                parent = persons[parent_id]
                assert parent["sex"] == sex
                gap = (born - _date(parent["birth_date"])).days / 365.25
                assert 20 <= gap <= 40, (p["person_id"], gap)
        if p["spouse_id"]:
            spouse = persons[p["spouse_id"]]
            assert spouse["spouse_id"] == p["person_id"] and spouse["sex"] != p["sex"]
            assert spouse["marriage_date"] == p["marriage_date"]
            legal_age = 22 if p["sex"] == "M" else 20
            assert (_date(p["marriage_date"]) - born).days / 365.25 >= legal_age
            assert p["marital_status"] == "已婚"


def test_ages_look_like_a_chinese_city(city: City) -> None:
    ages = [(REFERENCE_DATE - _date(p["birth_date"])).days // 365 for p in city.truth("persons")]
    share = lambda low, high: sum(low <= a <= high for a in ages) / len(ages)  # noqa: E731
    assert 0.10 < share(0, 14) < 0.25
    assert 0.55 < share(15, 59) < 0.80
    assert 0.08 < share(60, 120) < 0.25


def test_names_and_phones_are_plausible(city: City) -> None:
    persons = city.truth("persons")
    surnames = Counter(p["name"][0] for p in persons)
    assert {s for s, _ in surnames.most_common(6)} <= set("王李张刘陈杨黄周彭胡罗唐赵吴")
    assert all(2 <= len(p["name"]) <= 4 for p in persons)
    phones = [p["phone"] for p in persons if p["phone"]]
    assert len(phones) > 0.6 * PERSONS
    assert all(re.fullmatch(r"1[35789]\d{9}", phone) for phone in phones)


def test_every_township_has_communities_named_by_kind(city: City) -> None:
    communities = city.truth("communities")
    townships = {t.code: t for c in CHANGSHA for t in divisions.townships_of(c)}
    assert len(townships) == 172
    assert {c["township_code"] for c in communities} == set(townships)
    for c in communities:
        assert re.fullmatch(r"\d{12}", c["code"]) and c["code"][:9] == c["township_code"]
        township = townships[c["township_code"]].name
        serial = int(c["code"][9:])
        if c["kind"] == "村":
            assert township.endswith(("镇", "乡")) and 200 < serial < 400 and c["name"].endswith("村")
        else:
            assert serial < 200 and c["name"].endswith("社区")
        assert LON_RANGE[0] <= float(c["lon"]) <= LON_RANGE[1]
        assert LAT_RANGE[0] <= float(c["lat"]) <= LAT_RANGE[1]
    assert Counter(c["kind"] for c in communities)["村"] > 500


def test_grid_cells_and_addresses_sit_in_communities(city: City) -> None:
    communities = {c["code"] for c in city.truth("communities")}
    cells = city.truth("grid_cells")
    assert {g["community_code"] for g in cells} == communities
    assert all(g["code"].startswith(g["community_code"]) for g in cells)
    cell_codes = {g["code"] for g in cells}
    addresses = {a["address_id"]: a for a in city.truth("addresses")}
    for a in addresses.values():
        assert len(a["address_id"]) == 23 and a["address_id"][:12] == a["community_code"]
        assert a["grid_code"] in cell_codes and a["grid_code"].startswith(a["community_code"])
    for p in city.truth("persons"):
        assert p["address_code"] in communities
        assert addresses[p["address_id"]]["community_code"] == p["address_code"]
