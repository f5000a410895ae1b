"""Tests for unified social credit codes (GB 32100-2015) and their organisation codes (GB 11714)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xingcheng.standards import divisions, uscc
from xingcheng.standards.errors import MESSAGES, InvalidCreditCode

KNOWN_VALID = ("91350100M000100Y43", "91350200776049653A")
COUNTY_CODES = sorted(
    county.code
    for province in divisions.provinces()
    for city in divisions.children(province.code)
    for county in divisions.children(city.code)
)

alphabet_chars = st.sampled_from(uscc.ALPHABET)
org_bodies = st.text(alphabet=uscc.ALPHABET, min_size=8, max_size=8)
valid_codes = st.builds(uscc.make, alphabet_chars, alphabet_chars, st.sampled_from(COUNTY_CODES), org_bodies)

PROPERTY = settings(max_examples=300, deadline=None)


def _code(value: str, **kwargs: bool) -> str:
    with pytest.raises(InvalidCreditCode) as caught:
        uscc.parse(value, **kwargs)
    assert str(caught.value) == f"{InvalidCreditCode.standard}: {MESSAGES[caught.value.code]}"
    return caught.value.code


# --- known values -------------------------------------------------------------------------------------


def test_known_valid_codes() -> None:
    fuzhou = uscc.parse(KNOWN_VALID[0])
    assert fuzhou == uscc.CreditCode(
        code="91350100M000100Y43", authority="9", org_type="1", admin_code="350100", org_code="M000100Y4"
    )
    assert (fuzhou.authority_name, fuzhou.org_type_name) == ("工商", "企业")
    xiamen = uscc.parse(KNOWN_VALID[1])
    assert (xiamen.admin_code, xiamen.org_code) == ("350200", "776049653")


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_check_chars_of_known_codes(code: str) -> None:
    assert uscc.check_char(code[:17]) == code[17]
    assert uscc.org_code_check_char(code[8:16]) == code[16]
    assert uscc.make(code[0], code[1], code[2:8], code[8:16]) == code


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_pass_the_admin_code_check(code: str) -> None:
    # 350100 and 350200 are city-level codes: city administrations register organisations too.
    assert uscc.is_valid(code, check_admin_code=True)


@pytest.mark.parametrize(
    ("body", "check"),
    [
        ("D2143569", "X"),  # the worked example of GB 11714
        ("12345678", "8"),
        ("00000000", "0"),  # 11 - 0 = 11 → 0
        ("00000006", "X"),  # 11 - 1 = 10 → X
        ("0000000B", "0"),  # B = 11 weighs like 0: the organisation code alone misses this
        ("77604965", "3"),
    ],
)
def test_org_code_check_char(body: str, check: str) -> None:
    assert uscc.org_code_check_char(body) == check


@pytest.mark.parametrize(
    "raw", [" 91350100m000100y43 ", "９１３５０１００Ｍ０００１００Ｙ４３", "\u300091350100M000100Y43"]
)
def test_parse_normalises(raw: str) -> None:
    assert uscc.parse(raw).code == KNOWN_VALID[0]


# --- names ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authority", "org_type", "authority_name", "org_type_name"),
    [
        ("1", "1", "机构编制", "机关"),
        ("1", "2", "机构编制", "事业单位"),
        ("1", "3", "机构编制", "中央编办直接管理机构编制的群众团体"),
        ("1", "9", "机构编制", "其他"),
        ("5", "1", "民政", "社会团体"),
        ("5", "2", "民政", "民办非企业单位"),
        ("5", "3", "民政", "基金会"),
        ("5", "9", "民政", "其他"),
        ("9", "1", "工商", "企业"),
        ("9", "2", "工商", "个体工商户"),
        ("9", "3", "工商", "农民专业合作社"),
        ("9", "9", "工商", None),
        ("Y", "1", "其他", "其他"),
        ("B", "1", None, None),
    ],
)
def test_names(authority: str, org_type: str, authority_name: str | None, org_type_name: str | None) -> None:
    code = uscc.parse(uscc.make(authority, org_type, "430104", "MA4L1234"))
    assert (code.authority_name, code.org_type_name) == (authority_name, org_type_name)


def test_name_tables_use_the_alphabet() -> None:
    assert set(uscc.ORG_TYPES) <= set(uscc.AUTHORITIES) <= set(uscc.ALPHABET)
    for types in uscc.ORG_TYPES.values():
        assert set(types) <= set(uscc.ALPHABET)


# --- every error code ---------------------------------------------------------------------------------


def test_bad_length() -> None:
    for value in ("", "91350100M000100Y4", "91350100M000100Y431"):
        assert _code(value) == "bad_length"


@pytest.mark.parametrize("letter", "IOSVZ")
def test_excluded_letters_are_bad_charset(letter: str) -> None:
    assert _code(letter + KNOWN_VALID[0][1:]) == "bad_charset"
    assert _code(KNOWN_VALID[0][:-1] + letter.lower()) == "bad_charset"


def test_other_bad_charset() -> None:
    assert _code("91350100M000100Y4-") == "bad_charset"
    assert _code("91350100M000100Y4中") == "bad_charset"


def test_bad_org_code_and_bad_check_char() -> None:
    # Changing the organisation-code check character breaks the organisation code first.
    assert _code("91350100M000100Y53") == "bad_org_code"
    assert _code("91350100M000100Y44") == "bad_check_char"
    # B and 0 weigh the same mod 11, so only the final check can catch this one.
    good = uscc.make("9", "1", "430104", "0000000B")
    assert good[8:17] == "0000000B0"
    assert _code(good[:15] + "0" + good[16:]) == "bad_check_char"


def test_unknown_division_only_when_asked() -> None:
    code = uscc.make("9", "1", "999999", "MA4L1234")
    assert uscc.parse(code).admin_code == "999999"
    assert _code(code, check_admin_code=True) == "unknown_division"
    assert not uscc.is_valid(code, check_admin_code=True)
    for admin_code in ("430104", "430100", "430000", "100000"):
        assert uscc.is_valid(uscc.make("9", "1", admin_code, "MA4L1234"), check_admin_code=True)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("91", "1", "430104", "MA4L1234"), "bad_length"),
        (("9", "", "430104", "MA4L1234"), "bad_length"),
        (("9", "1", "43010", "MA4L1234"), "bad_length"),
        (("9", "1", "430104", "MA4L123"), "bad_length"),
        (("9", "1", "43010A", "MA4L1234"), "bad_charset"),
        (("I", "1", "430104", "MA4L1234"), "bad_charset"),
        (("9", "1", "430104", "MA4L123O"), "bad_charset"),
    ],
)
def test_make_rejects_bad_parts(args: tuple[str, str, str, str], code: str) -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        uscc.make(*args)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("function", "value", "code"),
    [
        (uscc.check_char, "9135", "bad_length"),
        (uscc.check_char, "91350100M000100YI", "bad_charset"),
        (uscc.org_code_check_char, "M00010", "bad_length"),
        (uscc.org_code_check_char, "M00010-Y", "bad_charset"),
    ],
)
def test_check_functions_reject_bad_input(function: object, value: str, code: str) -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        function(value)  # type: ignore[operator]
    assert caught.value.code == code


def test_check_char_reaches_every_alphabet_character() -> None:
    seen = {uscc.check_char(f"9143010400000{i:04d}") for i in range(400)}
    assert seen == set(uscc.ALPHABET)


# --- properties ---------------------------------------------------------------------------------------


@PROPERTY
@given(alphabet_chars, alphabet_chars, st.sampled_from(COUNTY_CODES), org_bodies)
def test_make_parse_round_trip(authority: str, org_type: str, admin_code: str, org_body: str) -> None:
    code = uscc.make(authority, org_type, admin_code, org_body)
    parsed = uscc.parse(code, check_admin_code=True)
    assert (parsed.code, parsed.authority, parsed.org_type, parsed.admin_code) == (
        code,
        authority,
        org_type,
        admin_code,
    )
    assert parsed.org_code[:8] == org_body
    assert uscc.parse(code.lower()) == parsed


def _all_substitutions(code: str) -> list[str]:
    return [code[:i] + char + code[i + 1 :] for i in range(len(code)) for char in uscc.ALPHABET if char != code[i]]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_every_substitution_of_known_codes_is_rejected(code: str) -> None:
    for changed in _all_substitutions(code):
        assert not uscc.is_valid(changed), changed


@PROPERTY
@given(valid_codes)
def test_every_substitution_is_rejected(code: str) -> None:
    for changed in _all_substitutions(code):
        with pytest.raises(InvalidCreditCode) as caught:
            uscc.parse(changed)
        assert caught.value.code in ("bad_org_code", "bad_check_char")


def test_mod_31_weights_detect_every_adjacent_transposition() -> None:
    # The weights are powers of 3 mod 31, so neighbours never differ by a multiple of 31 (a prime).
    weights = uscc.WEIGHTS
    assert all((a - b) % 31 for a, b in itertools.pairwise(weights))
    assert all(w % 31 for w in weights)


@PROPERTY
@given(valid_codes)
def test_every_adjacent_transposition_is_rejected(code: str) -> None:
    for i in range(16):
        if code[i] != code[i + 1]:
            assert not uscc.is_valid(code[:i] + code[i + 1] + code[i] + code[i + 2 :])


@PROPERTY
@given(st.text(max_size=22))
def test_parse_only_raises_invalid_credit_code(value: str) -> None:
    try:
        uscc.parse(value, check_admin_code=True)
    except InvalidCreditCode as error:
        assert str(error) == f"{InvalidCreditCode.standard}: {MESSAGES[error.code]}"
