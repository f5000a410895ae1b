"""Tests for administrative divisions (GB/T 2260 and the bundled NBS tables)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xingcheng.standards import divisions
from xingcheng.standards.divisions import Division
from xingcheng.standards.errors import MESSAGES, InvalidDivisionCode

CHANGSHA_COUNTIES = {
    "430102": "芙蓉区",
    "430103": "天心区",
    "430104": "岳麓区",
    "430105": "开福区",
    "430111": "雨花区",
    "430112": "望城区",
    "430121": "长沙县",
    "430181": "浏阳市",
    "430182": "宁乡市",
}

PROVINCES = divisions.provinces()
CITIES = [city for province in PROVINCES for city in divisions.children(province.code)]
COUNTIES = [county for city in CITIES for county in divisions.children(city.code)]
TOWNSHIPS = [
    t for city in divisions.CHANG_ZHU_TAN for c in divisions.counties_of(city) for t in divisions.townships_of(c.code)
]


def _code(function: object, value: str) -> str:
    with pytest.raises(InvalidDivisionCode) as caught:
        function(value)  # type: ignore[operator]
    assert str(caught.value) == f"{InvalidDivisionCode.standard}: {MESSAGES[caught.value.code]}"
    return caught.value.code


def test_constants() -> None:
    assert (divisions.CHANGSHA, divisions.ZHUZHOU, divisions.XIANGTAN) == ("4301", "4302", "4303")
    assert divisions.CHANG_ZHU_TAN == ("4301", "4302", "4303")
    assert [divisions.get(code).name for code in divisions.CHANG_ZHU_TAN] == ["长沙市", "株洲市", "湘潭市"]


def test_data_is_not_loaded_at_import() -> None:
    script = "import xingcheng.standards as s; print(s.divisions._index.cache_info().currsize)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"


def test_table_sizes() -> None:
    assert len(PROVINCES) == 31
    assert len(CITIES) == 342
    assert len(COUNTIES) == 2978
    assert len(TOWNSHIPS) == 354


def test_changsha_has_exactly_nine_counties() -> None:
    counties = divisions.counties_of(divisions.CHANGSHA)
    assert {c.code: c.name for c in counties} == CHANGSHA_COUNTIES
    assert [c.code for c in counties] == sorted(CHANGSHA_COUNTIES)
    assert divisions.counties_of("430100") == counties


def test_changsha_has_172_townships() -> None:
    townships = [t for c in divisions.counties_of(divisions.CHANGSHA) for t in divisions.townships_of(c.code)]
    assert len(townships) == 172
    assert len({t.code for t in townships}) == 172
    assert all(t.level == "township" and t.code.startswith("4301") for t in townships)


def test_zhuzhou_and_xiangtan_have_the_other_townships() -> None:
    rest = [t for t in TOWNSHIPS if not t.code.startswith(divisions.CHANGSHA)]
    assert len(rest) == 354 - 172
    assert {t.code[:4] for t in rest} == {divisions.ZHUZHOU, divisions.XIANGTAN}


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("43", Division("43", "湖南省", "province", None)),
        ("430000", Division("43", "湖南省", "province", None)),
        ("4301", Division("4301", "长沙市", "city", "43")),
        ("430100", Division("4301", "长沙市", "city", "43")),
        ("430104", Division("430104", "岳麓区", "county", "4301")),
        (" 430104 ", Division("430104", "岳麓区", "county", "4301")),
        ("430102001", Division("430102001", "文艺路街道", "township", "430102")),
        # 东莞 has no districts: its county-level unit carries the city's padded code.
        ("441900", Division("441900", "东莞市", "county", "4419")),
        ("4419", Division("4419", "东莞市", "city", "44")),
    ],
)
def test_get(code: str, expected: Division) -> None:
    assert divisions.get(code) == expected
    assert divisions.find(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "",
        "4",
        "430",
        "43010",
        "4301041",
        "430104001001",
        "430104001001001",
        "99",
        "9999",
        "999999",
        "43a1",
        "４３",
    ],
)
def test_unknown_codes(code: str) -> None:
    assert _code(divisions.get, code) == "unknown_division"
    assert divisions.find(code) is None


def test_find_tolerates_non_strings() -> None:
    assert divisions.find(430104) is None  # type: ignore[arg-type]
    assert not divisions.is_county_code(430104)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "gb2260"),
    [
        ("43", "430000"),
        ("4301", "430100"),
        ("430104", "430104"),
        ("430104001", "430104"),
        ("441900", "441900"),
    ],
)
def test_gb2260(code: str, gb2260: str) -> None:
    assert divisions.get(code).gb2260 == gb2260


def test_children_and_ancestors() -> None:
    assert [c.code for c in divisions.children("11")] == ["1101"]
    assert divisions.children("430102001") == []
    assert divisions.children("110101") == []  # no township data outside Chang-Zhu-Tan
    assert [d.code for d in divisions.ancestors("430104001")] == ["43", "4301", "430104"]
    assert divisions.ancestors("43") == []
    assert [d.code for d in divisions.ancestors("430100")] == ["43"]
    assert _code(divisions.children, "999999") == "unknown_division"
    assert _code(divisions.ancestors, "999999") == "unknown_division"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("43", "湖南省"),
        ("4301", "湖南省长沙市"),
        ("430104", "湖南省长沙市岳麓区"),
        ("430000", "湖南省"),
        ("430102001", "湖南省长沙市芙蓉区文艺路街道"),
        ("110101", "北京市东城区"),  # 1101 市辖区 is left out
        ("500101", "重庆市万州区"),
        ("500229", "重庆市城口县"),  # 5002 县 is left out
        ("419001", "河南省济源市"),  # 4190 省直辖县级行政区划 is left out
        ("441900", "广东省东莞市"),  # the county repeats its city's name
    ],
)
def test_full_name(code: str, name: str) -> None:
    assert divisions.full_name(code) == name


def test_is_county_code() -> None:
    assert all(divisions.is_county_code(code) for code in CHANGSHA_COUNTIES)
    assert divisions.is_county_code("441900")
    for code in ("430100", "430000", "4301", "43", "430102001", "999999", "", "43010x"):
        assert not divisions.is_county_code(code)


def test_wrong_level() -> None:
    assert _code(divisions.counties_of, "43") == "wrong_level"
    assert _code(divisions.counties_of, "430104") == "wrong_level"
    assert _code(divisions.townships_of, "4301") == "wrong_level"
    assert _code(divisions.counties_of, "9901") == "unknown_division"
    assert divisions.townships_of("110101") == []


def test_the_tree_is_consistent() -> None:
    every = [*PROVINCES, *CITIES, *COUNTIES, *TOWNSHIPS]
    assert len({d.code for d in every}) == len(every)
    for division in every:
        assert divisions.get(division.code) == division
        assert len(division.code) == {"province": 2, "city": 4, "county": 6, "township": 9}[division.level]
        if division.parent_code is not None:
            parent = divisions.get(division.parent_code)
            assert division.code.startswith(parent.code)
            assert division in divisions.children(parent.code)
        if division.level == "county":
            assert divisions.is_county_code(division.code)
            assert divisions.get(division.gb2260) == division
        elif division.level in ("province", "city"):
            # The padded form resolves back to the division, except where a county already owns it.
            padded = divisions.get(division.gb2260)
            assert padded == division or padded.parent_code == division.code


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([*COUNTIES, *TOWNSHIPS]))
def test_full_name_walks_down_from_the_province(division: Division) -> None:
    chain = divisions.ancestors(division.code)
    assert chain[0].level == "province"
    assert [d.level for d in chain] == ["province", "city", "county"][: len(chain)]
    name = divisions.full_name(division.code)
    assert name.startswith(chain[0].name)
    assert name.endswith(division.name)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=13))
def test_find_never_raises(code: str) -> None:
    found = divisions.find(code)
    if found is None:
        with pytest.raises(InvalidDivisionCode):
            divisions.get(code)
    else:
        assert divisions.get(code) == found
