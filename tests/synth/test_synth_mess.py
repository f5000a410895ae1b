"""The sources are messy the way real ones are, at about the configured rates — and clean at rate zero."""

from __future__ import annotations

import codecs
import datetime as dt
from collections import Counter
from pathlib import Path

from synth_helpers import City, source_rows

from xingcheng.standards import idnumber
from xingcheng.synth import SOURCES, MessRates, generate
from xingcheng.synth.names import TRADITIONAL

Rows = dict[str, list[dict[str, object]]]
ID_FIELDS = {s.id: [f.name for f in s.fields if f.standard == "GB 11643-1999"] for s in SOURCES}
NAME_FIELDS = {"psb_hukou": "姓名", "hsa_insured": "psn_name", "hrss_insured": "aac003", "mca_marriages": "当事人姓名"}
FULL_WIDTH_DIGITS = set("０１２３４５６７８９")


def _ids(rows: Rows) -> list[str]:
    return [str(row[f]) for source, fields in ID_FIELDS.items() for row in rows[source] for f in fields if row[f]]


def _truth_by_record(city: City, source: str) -> dict[str, dict[str, str]]:
    persons = {p["person_id"]: p for p in city.truth("persons")}
    return {link["record_id"]: persons[link["entity_id"]] for link in city.truth("links") if link["source"] == source}


def test_some_id_numbers_fail_their_check_digit(city: City, city_rows: Rows) -> None:
    ids = _ids(city_rows)
    invalid = [i for i in ids if not idnumber.is_valid(i, check_address=False)]
    assert 0.001 < len(invalid) / len(ids) < 0.015
    truth = _truth_by_record(city, "psb_hukou")
    swapped = 0
    for row in city_rows["psb_hukou"]:
        held, real = str(row["公民身份号码"]), truth[str(row["人员编号"])]["id_number"]
        if held != real and idnumber.normalize(held) != real:
            diff = [i for i in range(18) if held[i] != real[i]]
            assert len(diff) == 2 and diff[1] == diff[0] + 1 and held[diff[0]] == real[diff[1]]
            swapped += 1
    assert swapped > 0


def test_id_numbers_are_missing_only_where_departments_allow_it(city_rows: Rows) -> None:
    assert all(row["公民身份号码"] for row in city_rows["psb_hukou"])
    missing = sum(1 for row in city_rows["hsa_insured"] if not row["certno"])
    assert 0 < missing < 0.03 * len(city_rows["hsa_insured"])


def test_names_carry_typos_traditional_characters_and_stray_spaces(city: City, city_rows: Rows) -> None:
    traditional = set(TRADITIONAL.values())
    names = [str(row[field]) for source, field in NAME_FIELDS.items() for row in city_rows[source]]
    with_traditional = sum(1 for n in names if traditional & set(n))
    assert 0.002 < with_traditional / len(names) < 0.03
    assert any(n != n.strip() or " " in n for n in names)
    truth = _truth_by_record(city, "psb_hukou")
    simplified = {t: s for s, t in TRADITIONAL.items()}
    typos = 0
    for row in city_rows["psb_hukou"]:
        held = "".join(simplified.get(ch, ch) for ch in str(row["姓名"]).replace(" ", ""))
        typos += held != truth[str(row["人员编号"])]["name"]
    assert 0.002 < typos / len(city_rows["psb_hukou"]) < 0.04


def test_gbk_sources_are_really_gbk_and_the_bom_is_there(city: City) -> None:
    gbk = [s for s in SOURCES if s.encoding == "gbk"]
    assert len(gbk) >= 3
    for spec in gbk:
        data = (city.root / spec.file).read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise AssertionError(f"{spec.file} decodes as UTF-8")
        assert "长沙" in data.decode("gbk")
    marriages = (city.root / "sources/mca_marriages.csv").read_bytes()
    assert marriages.startswith(codecs.BOM_UTF8)
    assert not (city.root / "sources/tax_taxpayers.csv").read_bytes().startswith(codecs.BOM_UTF8)


def test_full_width_digits_dates_off_by_one_and_other_phones(city: City, city_rows: Rows) -> None:
    values = [str(v) for rows in city_rows.values() for row in rows for v in row.values() if v is not None]
    assert sum(1 for v in values if FULL_WIDTH_DIGITS & set(v)) > 5
    truth = _truth_by_record(city, "psb_hukou")
    off_by_one = other_phone = 0
    for row in city_rows["psb_hukou"]:
        person = truth[str(row["人员编号"])]
        held = dt.datetime.strptime(str(row["出生日期"]), "%Y%m%d").date()
        off_by_one += abs((held - dt.date.fromisoformat(person["birth_date"])).days) == 1
        other_phone += bool(row["联系电话"]) and row["联系电话"] != person["phone"] and person["phone"] != ""
    assert off_by_one > 0
    assert 0.02 < other_phone / len(city_rows["psb_hukou"]) < 0.12


def test_movers_keep_their_old_address_in_one_department(city: City, city_rows: Rows) -> None:
    addresses = {a["address_id"]: a["full_address"] for a in city.truth("addresses")}
    movers = {p["person_id"]: p for p in city.truth("persons") if p["old_address_id"]}
    assert 0.01 < len(movers) / len(city.truth("persons")) < 0.1
    fields = {"psb_hukou": ("人员编号", "户籍地址"), "hsa_insured": ("psn_no", "addr"),
              "hrss_insured": ("aac001", "aae006")}  # fmt: skip
    stale: Counter[str] = Counter()
    for source, (key, field) in fields.items():
        truth = _truth_by_record(city, source)
        for row in city_rows[source]:
            person = truth[str(row[key])]
            if person["person_id"] in movers and str(row[field]).endswith(addresses[person["old_address_id"]]):
                stale[person["person_id"]] += 1
    assert len(stale) > 0.3 * len(movers)


def test_duplicates_exact_and_near(city_rows: Rows) -> None:
    rows = city_rows["hsa_insured"] + city_rows["psb_hukou"]
    shapes = Counter(tuple(v for k, v in row.items() if k not in ("psn_no", "人员编号")) for row in rows)
    assert any(n > 1 for n in shapes.values())


def test_zero_rates_give_clean_sources(tmp_path: Path) -> None:
    clean = MessRates(**dict.fromkeys(MessRates().as_dict(), 0.0))
    city = City(tmp_path, generate(tmp_path, persons=1_000, seed=21, workers=1, mess=clean))
    rows = {spec.id: data for spec, data in source_rows(city)}
    assert all(idnumber.is_valid(i) for i in _ids(rows))
    for source, field in NAME_FIELDS.items():
        (key,) = next(s for s in SOURCES if s.id == source).key
        truth = _truth_by_record(city, source)
        assert all(row[field] == truth[str(row[key])]["name"] for row in rows[source])
    per_entity = Counter((link["source"], link["entity_id"]) for link in city.truth("links"))
    assert max(per_entity.values()) == 1


def test_rates_are_honoured(tmp_path: Path) -> None:
    rates = MessRates(id_swap=0.2)
    city = City(tmp_path, generate(tmp_path, persons=1_000, seed=22, workers=1, mess=rates))
    ids = _ids({spec.id: data for spec, data in source_rows(city)})
    invalid = sum(1 for i in ids if not idnumber.is_valid(i, check_address=False))
    assert 0.16 < invalid / len(ids) < 0.24
