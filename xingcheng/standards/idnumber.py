"""Resident ID numbers (公民身份号码, GB 11643-1999): build, parse and validate.

An ID number has 18 characters: a 6-digit address code (GB/T 2260 county of first registration), an
8-digit birth date ``YYYYMMDD``, a 3-digit sequence number whose parity gives the sex (odd = male), and an
ISO 7064 MOD 11-2 check character that is a digit or ``X`` (standing for 10).

MOD 11-2 detects every single-character substitution and every transposition of two adjacent characters
in the first 17: a substitution changes the weighted sum by ``w * d`` and a transposition by
``(w_i - w_{i+1}) * d`` with ``d`` and the weight differences all between 1 and 10, and 11 is prime, so the
change is never a multiple of 11. The tests check this exhaustively.

The old 15-digit numbers (two-digit year, no check character) are rejected as ``bad_length``; they were
replaced in 2004-2013 and carry no check character to validate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

from . import divisions
from ._text import ASCII_DIGITS, to_halfwidth
from .errors import InvalidIdNumber

__all__ = [
    "CHECK_CHARS",
    "EARLIEST_BIRTH_DATE",
    "LENGTH",
    "WEIGHTS",
    "IdNumber",
    "check_char",
    "is_valid",
    "make",
    "normalize",
    "parse",
]

LENGTH: Final = 18
WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Indexed by the weighted sum mod 11: the check character c satisfies sum + value(c) ≡ 1 (mod 11).
CHECK_CHARS: Final = "10X98765432"
EARLIEST_BIRTH_DATE: Final = dt.date(1900, 1, 1)

# China has used a single UTC+8 offset without daylight saving since 1991, so a fixed offset gives the
# local date exactly without depending on a tz database being installed.
_CHINA_TZ: Final = dt.timezone(dt.timedelta(hours=8), "CST")


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A parsed, valid resident ID number and the facts it encodes."""

    number: str
    address_code: str
    birth_date: dt.date
    sequence: int
    sex: Literal["M", "F"]

    def age_on(self, day: dt.date) -> int:
        """Return the age in completed years on ``day``.

        Someone born on 29 February turns a year older on 1 March in common years. A ``day`` before the
        birth date is a caller error and raises :class:`ValueError`.
        """
        if day < self.birth_date:
            raise ValueError("day is before the birth date")
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday

    def __repr__(self) -> str:
        # The dataclass repr would print the full number into logs and tracebacks; it is personal data.
        return f"IdNumber(address_code={self.address_code!r}, sex={self.sex!r}, number=<redacted>)"


def check_char(first17: str) -> str:
    """Return the MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != LENGTH - 1:
        raise InvalidIdNumber("bad_length")
    if not set(first17) <= ASCII_DIGITS:
        raise InvalidIdNumber("bad_charset")
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def make(address_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid ID number; ``sequence`` is 0..999 and odd for men.

    The address code must be six digits but is not looked up, so historical codes can be used; the birth
    date must not be before 1900-01-01. Raises :class:`InvalidIdNumber`.
    """
    if len(address_code) != 6:
        raise InvalidIdNumber("bad_length")
    if not set(address_code) <= ASCII_DIGITS:
        raise InvalidIdNumber("bad_charset")
    if birth_date < EARLIEST_BIRTH_DATE:
        raise InvalidIdNumber("bad_birth_date")
    # bool is an int subclass; a True sequence is a bug at the call site, not sequence 1.
    if isinstance(sequence, bool) or not 0 <= sequence <= 999:
        raise InvalidIdNumber("bad_sequence")
    first17 = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def normalize(value: str) -> str:
    """Strip surrounding whitespace, fold full-width characters and upper-case ``x``; does not validate."""
    return to_halfwidth(value).strip().replace("x", "X")


def _birth_date(digits: str) -> dt.date:
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidIdNumber("bad_birth_date") from None


def parse(value: str, *, check_address: bool = True, today: dt.date | None = None) -> IdNumber:
    """Validate an ID number and return what it encodes; raise :class:`InvalidIdNumber` otherwise.

    Checks, in order: length (``bad_length``), characters (``bad_charset``), the check character
    (``bad_check_char``), the birth date — a real date from 1900-01-01 to ``today``, which defaults to the
    current date in China (``bad_birth_date``) — and, if ``check_address``, that the address code is a
    county-level code in the bundled division list (``unknown_address_code``). People registered under
    codes abolished since have valid numbers that fail the last check; pass ``check_address=False`` for
    them.
    """
    number = normalize(value)
    if len(number) != LENGTH:
        raise InvalidIdNumber("bad_length")
    first17, last = number[:-1], number[-1]
    if not set(first17) <= ASCII_DIGITS or last not in CHECK_CHARS:
        raise InvalidIdNumber("bad_charset")
    if check_char(first17) != last:
        raise InvalidIdNumber("bad_check_char")
    birth_date = _birth_date(number[6:14])
    if today is None:
        today = dt.datetime.now(_CHINA_TZ).date()
    if not EARLIEST_BIRTH_DATE <= birth_date <= today:
        raise InvalidIdNumber("bad_birth_date")
    address_code = number[:6]
    if check_address and not divisions.is_county_code(address_code):
        raise InvalidIdNumber("unknown_address_code")
    sequence = int(number[14:17])
    return IdNumber(
        number=number,
        address_code=address_code,
        birth_date=birth_date,
        sequence=sequence,
        sex="M" if sequence % 2 else "F",
    )


def is_valid(value: str, *, check_address: bool = True) -> bool:
    """Tell whether ``value`` is a valid ID number (see :func:`parse` for what is checked)."""
    try:
        parse(value, check_address=check_address)
    except InvalidIdNumber:
        return False
    return True
