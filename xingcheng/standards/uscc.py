"""Unified social credit codes (统一社会信用代码, GB 32100-2015): build, parse and validate.

A code has 18 characters from a 31-character alphabet (digits and capitals without I O S V Z, which are
too easily confused with 1 0 5 U 2): the registering authority (1), the organisation type (1), a 6-digit
GB/T 2260 administrative code, the 9-character organisation code of GB 11714 (8 characters and its own
MOD 11 check character) and a final MOD 31 check character over the first 17.

Because 31 is prime and no weight is a multiple of it, the final check catches every single-character
substitution, including the ones the weaker organisation-code check misses (``B`` = 11 ≡ ``0`` mod 11).
Credit codes identify organisations and are public, so unlike ID numbers they are not masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from . import divisions
from ._text import ASCII_DIGITS, ascii_upper, to_halfwidth
from .errors import InvalidCreditCode

__all__ = [
    "ALPHABET",
    "AUTHORITIES",
    "LENGTH",
    "ORG_CODE_WEIGHTS",
    "ORG_TYPES",
    "WEIGHTS",
    "CreditCode",
    "check_char",
    "is_valid",
    "make",
    "org_code_check_char",
    "parse",
]

LENGTH: Final = 18
ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

_VALUE: Final = {char: value for value, char in enumerate(ALPHABET)}
# GB 11714 predates GB 32100 and values letters by position in the full Latin alphabet (A=10 … Z=35).
_ORG_VALUE: Final = {str(d): d for d in range(10)} | {chr(ord("A") + i): 10 + i for i in range(26)}

# Registering authorities (登记管理部门) and, under each, organisation types (机构类别), from GB 32100-2015
# table 1 and the codes assigned since (A for the military, N for agriculture).
AUTHORITIES: Final[dict[str, str]] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
ORG_TYPES: Final[dict[str, dict[str, str]]] = {
    "1": {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    "2": {"1": "外国常驻新闻机构", "9": "其他"},
    "3": {
        "1": "律师执业机构",
        "2": "公证处",
        "3": "基层法律服务所",
        "4": "司法鉴定机构",
        "5": "仲裁委员会",
        "9": "其他",
    },
    "4": {"1": "外国在华文化中心", "9": "其他"},
    "5": {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"},
    "6": {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    "7": {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"},
    "8": {"1": "基层工会", "9": "其他"},
    "9": {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"},
    "A": {"1": "军队事业单位", "9": "其他"},
    "N": {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    "Y": {"1": "其他"},
}

# Organisations registered by a national body carry this administrative code rather than a division's.
_NATIONAL_ADMIN_CODE: Final = "100000"


@dataclass(frozen=True, slots=True)
class CreditCode:
    """A parsed, valid unified social credit code and its parts."""

    code: str
    authority: str
    org_type: str
    admin_code: str
    org_code: str

    @property
    def authority_name(self) -> str | None:
        """Chinese name of the registering authority, or ``None`` if the code is not in the table."""
        return AUTHORITIES.get(self.authority)

    @property
    def org_type_name(self) -> str | None:
        """Chinese name of the organisation type under its authority, or ``None`` if unknown."""
        return ORG_TYPES.get(self.authority, {}).get(self.org_type)


def check_char(first17: str) -> str:
    """Return the MOD 31 check character for the first 17 characters of a credit code."""
    if len(first17) != LENGTH - 1:
        raise InvalidCreditCode("bad_length")
    try:
        total = sum(_VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    except KeyError:
        raise InvalidCreditCode("bad_charset") from None
    return ALPHABET[-total % 31]


def org_code_check_char(first8: str) -> str:
    """Return the GB 11714 check character (``0``-``9`` or ``X``) for an 8-character organisation code."""
    if len(first8) != len(ORG_CODE_WEIGHTS):
        raise InvalidCreditCode("bad_length")
    try:
        total = sum(_ORG_VALUE[char] * weight for char, weight in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    except KeyError:
        raise InvalidCreditCode("bad_charset") from None
    check = -total % 11
    return "X" if check == 10 else str(check)


def make(authority: str, org_type: str, admin_code: str, org_body: str) -> str:
    """Build a valid credit code from its parts, computing both check characters.

    ``org_body`` is the 8-character organisation-code body without its check character. The authority and
    type are only checked against the alphabet, not the tables, so codes issued later remain buildable.
    Raises :class:`InvalidCreditCode`.
    """
    if len(authority) != 1 or len(org_type) != 1 or len(admin_code) != 6 or len(org_body) != 8:
        raise InvalidCreditCode("bad_length")
    if not set(admin_code) <= ASCII_DIGITS or not set(authority + org_type + org_body) <= _VALUE.keys():
        raise InvalidCreditCode("bad_charset")
    first17 = f"{authority}{org_type}{admin_code}{org_body}{org_code_check_char(org_body)}"
    return first17 + check_char(first17)


def _is_admin_code(code: str) -> bool:
    # Registrations by a city or province administration carry its padded code (350100, 430000), so any
    # known division at or above county level counts, not only county codes.
    if code == _NATIONAL_ADMIN_CODE:
        return True
    division = divisions.find(code)
    return division is not None and division.level in ("province", "city", "county")


def parse(value: str, *, check_admin_code: bool = False) -> CreditCode:
    """Validate a credit code and return its parts; raise :class:`InvalidCreditCode` otherwise.

    Checks, in order: length (``bad_length``), characters (``bad_charset``, which includes the excluded
    letters I O S V Z), the embedded organisation code (``bad_org_code``), the final check character
    (``bad_check_char``) and, if ``check_admin_code``, that characters 3-8 are a known administrative
    division code (``unknown_division``). That last check is off by default because codes keep the
    division code of their first registration, which may since have been abolished.
    """
    code = ascii_upper(to_halfwidth(value).strip())
    if len(code) != LENGTH:
        raise InvalidCreditCode("bad_length")
    if not set(code) <= _VALUE.keys():
        raise InvalidCreditCode("bad_charset")
    org_code = code[8:17]
    if org_code_check_char(org_code[:8]) != org_code[8]:
        raise InvalidCreditCode("bad_org_code")
    if check_char(code[:17]) != code[17]:
        raise InvalidCreditCode("bad_check_char")
    admin_code = code[2:8]
    if check_admin_code and not _is_admin_code(admin_code):
        raise InvalidCreditCode("unknown_division")
    return CreditCode(code=code, authority=code[0], org_type=code[1], admin_code=admin_code, org_code=org_code)


def is_valid(value: str, *, check_admin_code: bool = False) -> bool:
    """Tell whether ``value`` is a valid credit code (see :func:`parse` for what is checked)."""
    try:
        parse(value, check_admin_code=check_admin_code)
    except InvalidCreditCode:
        return False
    return True
