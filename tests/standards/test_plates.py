"""Tests for motor-vehicle plate numbers (GA 36-2018)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xingcheng.standards import plates
from xingcheng.standards.errors import MESSAGES, InvalidPlate

PROPERTY = settings(max_examples=200, deadline=None)

provinces = st.sampled_from(sorted(plates.PROVINCES))
authorities = st.sampled_from(sorted(plates.AUTHORITY_LETTERS))
serial_chars = st.sampled_from(sorted(plates.SERIAL_CHARS))
energy_letters = st.sampled_from(sorted(plates.ENERGY_LETTERS))
ordinary_serials = st.text(alphabet=sorted(plates.SERIAL_CHARS), min_size=5, max_size=5)
new_energy_serials = st.one_of(
    st.tuples(energy_letters, ordinary_serials).map("".join),
    st.tuples(ordinary_serials, energy_letters).map("".join),
)


def _code(value: str) -> str:
    with pytest.raises(InvalidPlate) as caught:
        plates.parse(value)
    assert str(caught.value) == f"{InvalidPlate.standard}: {MESSAGES[caught.value.code]}"
    return caught.value.code


def test_the_31_mainland_provinces() -> None:
    assert set(plates.PROVINCES) == set("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
    assert len(plates.PROVINCES) == 31


def test_letters_exclude_i_and_o() -> None:
    assert not {"I", "O"} & (plates.AUTHORITY_LETTERS | plates.SERIAL_CHARS | plates.ENERGY_LETTERS)
    assert len(plates.AUTHORITY_LETTERS) == 24
    assert plates.ENERGY_LETTERS == set("DABCEFGHJK")


@pytest.mark.parametrize(
    ("raw", "plate", "serial", "new_energy"),
    [
        ("湘A12345", "湘A12345", "12345", False),
        ("湘A·12345", "湘A12345", "12345", False),
        ("湘A 12345", "湘A12345", "12345", False),
        ("  湘a·1234x ", "湘A1234X", "1234X", False),
        ("湘Ａ１２３４５", "湘A12345", "12345", False),
        ("湘A・12345", "湘A12345", "12345", False),
        ("湘AD12345", "湘AD12345", "D12345", True),
        ("湘A·F12345", "湘AF12345", "F12345", True),
        ("湘A12345D", "湘A12345D", "12345D", True),
        ("湘AK1234J", "湘AK1234J", "K1234J", True),
    ],
)
def test_parse_valid(raw: str, plate: str, serial: str, new_energy: bool) -> None:
    parsed = plates.parse(raw)
    assert parsed == plates.Plate(plate=plate, province="湘", authority="A", serial=serial, new_energy=new_energy)
    assert plates.is_valid(raw)


@pytest.mark.parametrize(
    ("plate", "region"),
    [
        ("湘A12345", "长沙"),
        ("湘B12345", "株洲"),
        ("湘C12345", "湘潭"),
        ("湘U12345", "湘西"),
        ("京A12345", None),
    ],
)
def test_region_name(plate: str, region: str | None) -> None:
    assert plates.parse(plate).region_name == region


def test_province_name() -> None:
    assert plates.parse("湘A12345").province_name == "湖南省"
    assert plates.parse("粤B12345").province_name == "广东省"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "bad_length"),
        ("湘A1234", "bad_length"),
        ("湘A1234567", "bad_length"),
        ("湘A··12345", "bad_charset"),  # only one separator is dropped
        ("港A12345", "unknown_province"),
        ("台A12345", "unknown_province"),
        ("AA12345", "unknown_province"),
        ("湘I12345", "bad_authority"),
        ("湘O12345", "bad_authority"),
        ("湘112345", "bad_authority"),
        ("湘A1234O", "bad_charset"),
        ("湘AI2345", "bad_charset"),
        ("湘A1234警", "bad_charset"),
        ("湘A-12345", "bad_charset"),
        ("湘A123456", "bad_new_energy"),
        ("湘AM12345", "bad_new_energy"),
    ],
)
def test_error_codes(value: str, code: str) -> None:
    assert _code(value) == code
    assert not plates.is_valid(value)


def test_make() -> None:
    assert plates.make("湘", "A", "12345") == "湘A12345"
    assert plates.make("湘", "B", "D12345") == "湘BD12345"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("港", "A", "12345"), "unknown_province"),
        (("湘", "I", "12345"), "bad_authority"),
        (("湘", "AB", "12345"), "bad_authority"),
        (("湘", "A", "1234"), "bad_length"),
        (("湘", "A", "1234O"), "bad_charset"),
        (("湘", "A", "123456"), "bad_new_energy"),
    ],
)
def test_make_rejects_bad_parts(args: tuple[str, str, str], code: str) -> None:
    with pytest.raises(InvalidPlate) as caught:
        plates.make(*args)
    assert caught.value.code == code


@PROPERTY
@given(provinces, authorities, st.one_of(ordinary_serials, new_energy_serials))
def test_make_parse_round_trip(province: str, authority: str, serial: str) -> None:
    plate = plates.make(province, authority, serial)
    parsed = plates.parse(plate)
    assert (parsed.plate, parsed.province, parsed.authority, parsed.serial) == (
        plate,
        province,
        authority,
        serial,
    )
    assert parsed.new_energy is (len(serial) == 6)
    assert plates.parse(f" {province}{authority.lower()}·{serial.lower()} ") == parsed


@PROPERTY
@given(st.text(max_size=10))
def test_parse_only_raises_invalid_plate(value: str) -> None:
    try:
        parsed = plates.parse(value)
    except InvalidPlate as error:
        assert error.code in MESSAGES
    else:
        assert plates.make(parsed.province, parsed.authority, parsed.serial) == parsed.plate
