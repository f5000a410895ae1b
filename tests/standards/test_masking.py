"""Tests for masking of personal data: examples per kind, and totality properties over arbitrary text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xingcheng.standards import idnumber, masking

PROPERTY = settings(max_examples=300, deadline=None)
MASKERS = sorted(masking.MASKERS.items())
KINDS = [kind for kind, _ in MASKERS]

# Text that looks like the data the maskers recognise, so the properties reach the structured branches
# and not only the fallbacks.
lookalike = st.text(
    alphabet="0123456789Xx*+-@.· \u3000１２ＸＡ张欧阳娜社区村街道镇乡湘京A",
    max_size=24,
)
any_text = st.one_of(st.text(max_size=40), lookalike)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马相如", "司马**"),
        ("诸葛亮", "诸葛*"),
        ("欧阳", "欧*"),
        ("张", "*"),
        (" 张三 ", "张*"),
        ("阿卜杜拉·买买提", "阿*******"),
        ("John Smith", "J*********"),
        ("", ""),
        ("   ", "*"),
    ],
)
def test_mask_name(value: str, masked: str) -> None:
    assert masking.mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("430104199001011234", "430104********1234"),
        ("11010519491231002x", "110105********002X"),
        ("４３０１０４１９９００１０１１２３４", "430104********1234"),
        ("430104900101123", "430104******123"),
        ("4301041990", "4*********"),
        ("not an id", "n********"),
    ],
)
def test_mask_id_number(value: str, masked: str) -> None:
    assert masking.mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("8613812345678", "86138****5678"),
        ("008613812345678", "0086138****5678"),
        ("138-1234-5678", "138-****-5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("0731-88888888", "0731-****8888"),
        ("073188888888", "0731****8888"),
        ("010-12345678", "010-****5678"),
        ("01012345678", "010****5678"),
        ("(0731)8888888", "(0731)***8888"),
        ("110", "1**"),
        ("call me", "c******"),
    ],
)
def test_mask_phone(value: str, masked: str) -> None:
    assert masking.mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("湖南省长沙市岳麓区桔子洲街道大学社区12栋3单元", "湖南省长沙市岳麓区桔子洲街道大学社区***"),
        ("湖南省长沙市岳麓区桔子洲街道大学社区居委会", "湖南省长沙市岳麓区桔子洲街道大学社区***"),
        ("长沙县黄兴镇蓝田村5组12号", "长沙县黄兴镇蓝田村***"),
        ("雨花区东塘居委会8栋", "雨花区东塘居委会***"),
        ("长沙市芙蓉区文艺路街道八一路12号", "长沙市芙蓉区文艺路街道***"),
        ("浏阳市大围山镇楚东路1号", "浏阳市大围山镇***"),
        ("湘潭市湘乡市月山镇龙洞街3号", "湘潭市湘乡市月山镇***"),
        ("某某县某某乡某路", "某某县某某乡***"),
        ("湖南省长沙市岳麓区麓山南路2号", "湖南省长沙市***"),
        ("岳麓区麓山", "岳麓***"),
        ("岳麓区", "***"),
        ("大学社区", "大学社区***"),
        ("", ""),
        ("  ", "*"),
    ],
)
def test_mask_address(value: str, masked: str) -> None:
    assert masking.mask_address(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("湘A12345", "湘A***45"),
        ("湘a·12345", "湘A***45"),
        ("湘AD12345", "湘A****45"),
        ("湘A12345D", "湘A****5D"),
        ("粤Z1234港", "粤******"),
    ],
)
def test_mask_plate(value: str, masked: str) -> None:
    assert masking.mask_plate(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("zhang@example.com", "z***@example.com"),
        ("a@example.com", "a***@example.com"),
        (" Zhang.San+tag@gov.cn ", "Z***@gov.cn"),
        ("a@b@c", "a***@c"),
        ("@example.com", "@***********"),
        ("zhang@", "z*****"),
        ("no-at-sign", "n*********"),
    ],
)
def test_mask_email(value: str, masked: str) -> None:
    assert masking.mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6222021234567890123", "622202*********0123"),
        ("6222 0212 3456 7890", "622202******7890"),
        ("6222-0212-3456", "622202**3456"),
        ("62220212345", "6**********"),
        ("62220212345678901234", "6*******************"),
    ],
)
def test_mask_bank_card(value: str, masked: str) -> None:
    assert masking.mask_bank_card(value) == masked


def test_maskers_table() -> None:
    assert set(masking.MASKERS) == {"name", "id_number", "phone", "address", "plate", "email", "bank_card"}
    assert masking.MASKERS["name"] is masking.mask_name
    assert masking.mask_name.__name__ == "mask_name"
    assert masking.mask_name.__doc__


def test_mask_dispatch() -> None:
    assert masking.mask("name", "张三") == "张*"
    assert masking.mask("phone", "13812345678") == "138****5678"
    assert masking.mask("name", None) is None
    assert masking.mask("no-such-kind", None) is None
    assert masking.mask("no-such-kind", "张三") == "**"
    assert masking.mask("credit_code", "91350100M000100Y43") == "*" * 18


def test_already_masked_values_are_masked_again() -> None:
    # Returning "张*" for "张*" would make the masker the identity on that value.
    assert masking.mask_name("张*") == "**"
    assert masking.mask_address("大学社区***") == "*" * 7
    # Nothing is left to hide in pure mask characters, so they may come back unchanged.
    assert masking.mask_name("**") == "**"


def test_non_string_input_is_masked_not_raised() -> None:
    assert masking.mask_phone(13812345678) == "138****5678"  # type: ignore[arg-type]
    assert masking.mask("bank_card", 6222021234567890123) == "622202*********0123"  # type: ignore[arg-type]
    assert masking.mask("nope", 123) == "*"  # type: ignore[arg-type]


def test_a_crashing_masker_falls_back_to_a_full_mask() -> None:
    def explode(value: str) -> str:
        raise RuntimeError(value)

    guarded = masking._total(explode)
    assert guarded("secret") == "******"


# --- properties ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "masker"), MASKERS, ids=KINDS)
@PROPERTY
@given(value=any_text)
def test_maskers_are_total_and_never_the_identity(kind: str, masker: Callable[[str], str], value: str) -> None:
    masked = masker(value)
    assert isinstance(masked, str)
    assert masking.mask(kind, value) == masked
    if value and set(value) - {masking.MASK}:
        assert masked != value


@PROPERTY
@given(value=any_text)
def test_unknown_kind_masks_everything(value: str) -> None:
    masked = masking.mask("unknown", value)
    assert masked == "*" * len(value)


@PROPERTY
@given(
    st.sampled_from(["110105", "430104", "430102", "440300"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_masked_id_numbers_hide_birth_date_and_sequence(address: str, birth: dt.date, sequence: int) -> None:
    number = idnumber.make(address, birth, sequence)
    masked = masking.mask_id_number(number)
    assert masked == number[:6] + "*" * 8 + number[-4:]
    assert f"{birth:%Y%m%d}" not in masked


@PROPERTY
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_masked_mobiles_hide_the_middle_four(number: str) -> None:
    assert masking.mask_phone(number) == number[:3] + "****" + number[7:]
