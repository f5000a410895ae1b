"""Motor-vehicle plate numbers (机动车号牌, GA 36-2018): build, parse and validate.

A civilian plate starts with the one-character abbreviation of a mainland province (湘 for Hunan) and
the letter of the issuing vehicle administration (A is normally the provincial capital: 湘A is Changsha).
Ordinary plates then have five serial characters; new-energy plates have six, with an energy letter
first on small vehicles (湘AD12345) or last on large ones (湘A12345D). I and O are never used, so they
cannot be mistaken for 1 and 0.

Only ordinary and new-energy civilian plates are handled. Special plates (警, 学, 挂, 领, 使, 港, 澳,
military and embassy series) are rejected; the city platform does not record them. The rule that an
ordinary serial has at most two letters is not enforced, so older personalised plates still parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ._text import ascii_upper, to_halfwidth
from .errors import InvalidPlate

__all__ = [
    "AUTHORITY_LETTERS",
    "ENERGY_LETTERS",
    "NEW_ENERGY_SERIAL_LENGTH",
    "ORDINARY_SERIAL_LENGTH",
    "PROVINCES",
    "REGION_NAMES",
    "SERIAL_CHARS",
    "Plate",
    "is_valid",
    "make",
    "normalize",
    "parse",
]

# Abbreviation → province, in GB/T 2260 order. Hong Kong, Macao and Taiwan issue their own plates.
PROVINCES: Final[dict[str, str]] = {
    "京": "北京市", "津": "天津市", "冀": "河北省", "晋": "山西省", "蒙": "内蒙古自治区",
    "辽": "辽宁省", "吉": "吉林省", "黑": "黑龙江省", "沪": "上海市", "苏": "江苏省",
    "浙": "浙江省", "皖": "安徽省", "闽": "福建省", "赣": "江西省", "鲁": "山东省",
    "豫": "河南省", "鄂": "湖北省", "湘": "湖南省", "粤": "广东省", "桂": "广西壮族自治区",
    "琼": "海南省", "渝": "重庆市", "川": "四川省", "贵": "贵州省", "云": "云南省",
    "藏": "西藏自治区", "陕": "陕西省", "甘": "甘肃省", "青": "青海省", "宁": "宁夏回族自治区",
    "新": "新疆维吾尔自治区",
}  # fmt: skip

AUTHORITY_LETTERS: Final = frozenset("ABCDEFGHJKLMNPQRSTUVWXYZ")
SERIAL_CHARS: Final = frozenset("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ")
# D and F were the original pure-electric and other-new-energy letters; A B C E G H J K were added when
# the D and F series ran out.
ENERGY_LETTERS: Final = frozenset("DABCEFGHJK")

ORDINARY_SERIAL_LENGTH: Final = 5
NEW_ENERGY_SERIAL_LENGTH: Final = 6

# (province, authority letter) → the city the vehicle administration serves. Hunan is complete because the
# platform runs in Chang-Zhu-Tan; other provinces can be added here without touching the code.
REGION_NAMES: Final[dict[tuple[str, str], str]] = {
    ("湘", "A"): "长沙", ("湘", "B"): "株洲", ("湘", "C"): "湘潭", ("湘", "D"): "衡阳",
    ("湘", "E"): "邵阳", ("湘", "F"): "岳阳", ("湘", "G"): "张家界", ("湘", "H"): "益阳",
    ("湘", "J"): "常德", ("湘", "K"): "娄底", ("湘", "L"): "郴州", ("湘", "M"): "永州",
    ("湘", "N"): "怀化", ("湘", "U"): "湘西",
}  # fmt: skip

# People write the prefix apart from the serial with a middle dot (湘A·12345) or a space; the dot comes in
# several look-alike code points depending on the input method.
_SEPARATOR: Final = re.compile(r"^(..)[\s·•・.]")


@dataclass(frozen=True, slots=True)
class Plate:
    """A parsed, valid plate; ``plate`` is the canonical form without separator (``湘A12345``)."""

    plate: str
    province: str
    authority: str
    serial: str
    new_energy: bool

    @property
    def region_name(self) -> str | None:
        """The city served by the issuing authority (湘A → 长沙), or ``None`` if not in the table."""
        return REGION_NAMES.get((self.province, self.authority))

    @property
    def province_name(self) -> str:
        """Full name of the issuing province (湘 → 湖南省)."""
        return PROVINCES[self.province]


def _check_serial(serial: str) -> bool:
    """Validate the serial; return whether it is a new-energy serial."""
    if len(serial) not in (ORDINARY_SERIAL_LENGTH, NEW_ENERGY_SERIAL_LENGTH):
        raise InvalidPlate("bad_length")
    if not set(serial) <= SERIAL_CHARS:
        raise InvalidPlate("bad_charset")
    if len(serial) == ORDINARY_SERIAL_LENGTH:
        return False
    if serial[0] not in ENERGY_LETTERS and serial[-1] not in ENERGY_LETTERS:
        raise InvalidPlate("bad_new_energy")
    return True


def _check_prefix(province: str, authority: str) -> None:
    if province not in PROVINCES:
        raise InvalidPlate("unknown_province")
    if authority not in AUTHORITY_LETTERS:
        raise InvalidPlate("bad_authority")


def normalize(value: str) -> str:
    """Strip, fold full-width characters, upper-case and drop the separator after the prefix."""
    text = ascii_upper(to_halfwidth(value).strip())
    return _SEPARATOR.sub(r"\1", text, count=1)


def parse(value: str) -> Plate:
    """Validate a plate number and return its parts; raise :class:`InvalidPlate` otherwise.

    Accepts lower case, full-width characters and one middle dot or space after the two-character prefix.
    Codes: ``bad_length``, ``unknown_province``, ``bad_authority``, ``bad_charset`` (serial characters,
    including I and O) and ``bad_new_energy`` (a six-character serial without an energy letter at either
    end).
    """
    plate = normalize(value)
    if len(plate) not in (2 + ORDINARY_SERIAL_LENGTH, 2 + NEW_ENERGY_SERIAL_LENGTH):
        raise InvalidPlate("bad_length")
    province, authority, serial = plate[0], plate[1], plate[2:]
    _check_prefix(province, authority)
    new_energy = _check_serial(serial)
    return Plate(plate=plate, province=province, authority=authority, serial=serial, new_energy=new_energy)


def is_valid(value: str) -> bool:
    """Tell whether ``value`` is a valid ordinary or new-energy plate."""
    try:
        parse(value)
    except InvalidPlate:
        return False
    return True


def make(province: str, authority: str, serial: str) -> str:
    """Build the canonical plate string from its parts; raise :class:`InvalidPlate` if they are invalid.

    The serial's length decides the kind: five characters for an ordinary plate, six for new energy.
    """
    _check_prefix(province, authority)
    _check_serial(serial)
    return f"{province}{authority}{serial}"
