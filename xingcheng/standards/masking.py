"""Masking of personal data for display (脱敏): names, ID numbers, phones, addresses, plates, e-mail, cards.

Pages, exports and API responses show personal data only through these functions. They are total: they
never raise, whatever text they get, and they never hand back the text they were given — a value they
cannot recognise is masked almost entirely (all but its first character), because an unrecognised value
is exactly the kind that would otherwise slip through unmasked. The only exception is text made of
nothing but mask characters, which has nothing left to hide.

What each masker keeps follows common practice in Chinese government systems (and GB/T 35273 guidance):
enough to tell records apart on screen, not enough to identify the person.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Final

from . import plates
from ._text import ascii_upper, to_halfwidth
from .errors import InvalidPlate

__all__ = [
    "COMPOUND_SURNAMES",
    "MASK",
    "MASKERS",
    "mask",
    "mask_address",
    "mask_bank_card",
    "mask_email",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_plate",
]

MASK: Final = "*"

# Two-character surnames (复姓) from the Hundred Family Surnames and modern registers; for these the
# whole surname stays visible, as it would for a one-character one.
COMPOUND_SURNAMES: Final = frozenset(
    """
    欧阳 太史 端木 上官 司马 东方 独孤 南宫 万俟 闻人 夏侯 诸葛 尉迟 公羊 赫连 澹台 皇甫 宗政 濮阳
    公冶 太叔 申屠 公孙 慕容 仲孙 钟离 长孙 宇文 司徒 鲜于 司空 闾丘 子车 亓官 司寇 巫马 公西 颛孙
    壤驷 公良 漆雕 乐正 宰父 谷梁 拓跋 夹谷 轩辕 令狐 段干 百里 呼延 东郭 南门 羊舌 微生 梁丘 左丘
    东门 西门 南荣 第五 公仪 公乘 单于 即墨 淳于 东里
    """.split()
)

_ID_18: Final = re.compile(r"[0-9]{17}[0-9X]")
_ID_15: Final = re.compile(r"[0-9]{15}")
# Mobile numbers: optional country prefix, then 1xx xxxx xxxx with optional space or hyphen groups.
_MOBILE: Final = re.compile(
    r"(?P<prefix>(?:\+|00)?86[\s-]?)?(?P<head>1[0-9]{2})(?P<sep1>[\s-]?)[0-9]{4}(?P<sep2>[\s-]?)(?P<tail>[0-9]{4})"
)
# Landlines: area codes are 010 and 02x (three digits) or 0xxx (four), so the split between area code and
# subscriber number is unambiguous even when no separator is written.
_LANDLINE: Final = re.compile(r"(?P<area>\(?0(?:10|2[0-9]|[3-9][0-9]{2})\)?)(?P<sep>[\s-]?)(?P<number>[0-9]{7,8})")
_CARD_SEPARATORS: Final = re.compile(r"[\s-]")
# Community and village are the finest level an address may show; 乡 followed by 市 or 县 is part of a
# county name (湘乡市, 乡宁县), not a township.
_COMMUNITY_LEVEL: Final = re.compile(r"社区|村|居委会")
_TOWNSHIP_LEVEL: Final = re.compile(r"街道|镇|乡(?![市县])")
_ADDRESS_TAIL: Final = "***"
_ADDRESS_FALLBACK_KEEP: Final = 6
_ADDRESS_MIN_HIDDEN: Final = 3


def _keep_first(value: str) -> str:
    """Mask all but the first non-blank character: the fallback for anything unrecognised."""
    text = value.strip()
    if len(text) <= 1:
        return MASK if value else ""
    return text[0] + MASK * (len(text) - 1)


def _total(masker: Callable[[str], str]) -> Callable[[str], str]:
    """Make a masker total and never the identity, whatever its body does."""

    @functools.wraps(masker)
    def wrapper(value: str) -> str:
        # Callers sometimes hand over numbers read from spreadsheets; mask their text rather than fail.
        try:
            text = value if isinstance(value, str) else str(value)
        except Exception:
            return MASK * 3
        try:
            masked = masker(text)
        except Exception:
            # A crash here would surface in an error page or log together with the raw value.
            masked = MASK * len(text)
        if masked == text and set(text) - {MASK}:
            masked = MASK * len(text)
        return masked

    return wrapper


@_total
def mask_name(value: str) -> str:
    """Keep the surname: ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``; a single character → ``*``."""
    text = value.strip()
    if len(text) <= 1:
        return _keep_first(value)
    surname = 2 if text[:2] in COMPOUND_SURNAMES else 1
    # A bare compound surname would otherwise be shown whole.
    keep = surname if len(text) > surname else 1
    return text[:keep] + MASK * (len(text) - keep)


@_total
def mask_id_number(value: str) -> str:
    """Keep the address code and the last four: ``430104********1234``; 15-digit: first 6, last 3."""
    text = ascii_upper(to_halfwidth(value).strip())
    if _ID_18.fullmatch(text):
        return text[:6] + MASK * 8 + text[-4:]
    if _ID_15.fullmatch(text):
        return text[:6] + MASK * 6 + text[-3:]
    return _keep_first(value)


@_total
def mask_phone(value: str) -> str:
    """Hide the middle of a number: ``13812345678`` → ``138****5678``, ``0731-88888888`` → ``0731-****8888``.

    A ``+86``/``86``/``0086`` prefix and space or hyphen grouping are kept as written.
    """
    text = to_halfwidth(value).strip()
    mobile = _MOBILE.fullmatch(text)
    if mobile:
        prefix, head, sep1, sep2, tail = mobile.group("prefix", "head", "sep1", "sep2", "tail")
        return f"{prefix or ''}{head}{sep1}{MASK * 4}{sep2}{tail}"
    landline = _LANDLINE.fullmatch(text)
    if landline:
        area, sep, number = landline.group("area", "sep", "number")
        return f"{area}{sep}{MASK * (len(number) - 4)}{number[-4:]}"
    return _keep_first(value)


@_total
def mask_address(value: str) -> str:
    """Cut an address after its community or village: ``…岳麓区桔子洲街道大学社区***``.

    Without a community or village, cut after the street or township (街道, 镇, 乡); without those either,
    keep the first six characters, but always hide at least the last three so that a short address or a
    stray word in an address field is not shown whole.
    """
    text = value.strip()
    if not text:
        return _keep_first(value)
    found = _COMMUNITY_LEVEL.search(text) or _TOWNSHIP_LEVEL.search(text)
    keep = found.end() if found else max(0, min(_ADDRESS_FALLBACK_KEEP, len(text) - _ADDRESS_MIN_HIDDEN))
    return text[:keep] + _ADDRESS_TAIL


@_total
def mask_plate(value: str) -> str:
    """Keep the prefix and the last two characters: ``湘A12345`` → ``湘A***45``."""
    try:
        plate = plates.parse(value)
    except InvalidPlate:
        return _keep_first(value)
    serial = plate.serial
    return f"{plate.province}{plate.authority}{MASK * (len(serial) - 2)}{serial[-2:]}"


@_total
def mask_email(value: str) -> str:
    """Keep the first character of the mailbox and the domain: ``z***@example.com``.

    The mask has a fixed width so the length of the mailbox name is not revealed.
    """
    text = to_halfwidth(value).strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return _keep_first(value)
    return f"{local[0]}***@{domain}"


@_total
def mask_bank_card(value: str) -> str:
    """Keep the issuer prefix (6) and the last four of a 12-19 digit card number; separators are dropped."""
    digits = _CARD_SEPARATORS.sub("", to_halfwidth(value).strip())
    if not (12 <= len(digits) <= 19 and digits.isascii() and digits.isdigit()):
        return _keep_first(value)
    return digits[:6] + MASK * (len(digits) - 10) + digits[-4:]


MASKERS: Final[dict[str, Callable[[str], str]]] = {
    "name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "address": mask_address,
    "plate": mask_plate,
    "email": mask_email,
    "bank_card": mask_bank_card,
}


def mask(kind: str, value: str | None) -> str | None:
    """Mask ``value`` as personal data of ``kind`` (a key of :data:`MASKERS`); ``None`` stays ``None``.

    An unknown kind masks every character: a typo in a field declaration must not publish the data.
    """
    if value is None:
        return None
    masker = MASKERS.get(kind)
    if masker is None:
        return MASK * len(value) if isinstance(value, str) else MASK
    return masker(value)
