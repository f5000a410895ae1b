"""The ways departmental records go wrong, applied at seeded, configurable rates.

Every function takes the clean value from the truth and returns what a department might hold instead:
a typo'd or traditional-character name, a name with a stray space, an ID number with two adjacent digits
swapped (the MOD 11-2 check then fails) or written in full-width digits, a birth date a day off, an old
phone number. The truth files never pass through here.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Final

from . import names
from .config import MessRates

__all__ = ["FULL_WIDTH", "Mess", "swap_adjacent", "to_full_width"]

FULL_WIDTH: Final = str.maketrans("0123456789X-", "０１２３４５６７８９Ｘ－")


def to_full_width(value: str) -> str:
    """Digits (and X, -) as typed with a full-width input method: ４３０１０２…"""
    return value.translate(FULL_WIDTH)


def swap_adjacent(rng: random.Random, number: str) -> str:
    """Swap two different adjacent digits among the first 17 characters of an ID number."""
    candidates = [i for i in range(16) if number[i] != number[i + 1]]
    i = candidates[rng.randrange(len(candidates))]
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]


class Mess:
    """Seeded decisions about which records go wrong and how."""

    __slots__ = ("_name_cut", "_rng", "rates")

    def __init__(self, rng: random.Random, rates: MessRates) -> None:
        self._rng = rng
        self.rates = rates
        r = rates
        # One draw decides whether (and how) a name is damaged: typo, traditional, stray space.
        self._name_cut = (r.name_typo, r.name_typo + r.traditional, r.name_typo + r.traditional + r.stray_space)

    def chance(self, rate: float) -> bool:
        return self._rng.random() < rate

    def name(self, name: str) -> str:
        """The name as a department holds it: usually clean, sometimes damaged in one way."""
        x = self._rng.random()
        typo, trad, space = self._name_cut
        if x >= space:
            return name
        if x < typo:
            return self.typo(name)
        if x < trad:
            return self.traditional(name)
        return self.stray_space(name)

    def typo(self, name: str) -> str:
        positions = [i for i, ch in enumerate(name) if ch in names.TYPOS]
        if not positions:
            return self.stray_space(name)
        i = positions[self._rng.randrange(len(positions))]
        return name[:i] + names.TYPOS[name[i]] + name[i + 1 :]

    def traditional(self, name: str) -> str:
        converted = "".join(names.TRADITIONAL.get(ch, ch) for ch in name)
        return converted if converted != name else self.typo(name)

    def stray_space(self, name: str) -> str:
        where = self._rng.randrange(3)
        if where == 0 and len(name) > 1:
            return name[0] + " " + name[1:]
        if where == 1:
            return name + " "
        return " " + name

    def variant(self, name: str) -> str:
        """A name that certainly differs a little (for near duplicates)."""
        pick = self._rng.randrange(3)
        return (self.typo, self.traditional, self.stray_space)[pick](name)

    def id_number(self, number: str, *, may_be_missing: bool = True) -> str:
        x = self._rng.random()
        r = self.rates
        if x < r.id_swap:
            return swap_adjacent(self._rng, number)
        x -= r.id_swap
        if x < r.full_width:
            return to_full_width(number)
        x -= r.full_width
        if may_be_missing and x < r.id_missing:
            return ""
        return number

    def phone(self, phone: str) -> str:
        """A phone number, sometimes missing, sometimes an older number, rarely full-width."""
        if not phone:
            return ""
        x = self._rng.random()
        r = self.rates
        if x < r.missing_field:
            return ""
        x -= r.missing_field
        if x < r.other_phone:
            return phone[:3] + f"{self._rng.randrange(100_000_000):08d}"
        x -= r.other_phone
        if x < r.full_width:
            return to_full_width(phone)
        return phone

    def birth(self, birth: dt.date) -> dt.date:
        """The birth date, sometimes a day off (the ID number keeps the true one)."""
        if self._rng.random() < self.rates.birth_date_off:
            return birth + dt.timedelta(days=1 if self._rng.random() < 0.5 else -1)
        return birth

    def missing(self) -> bool:
        return self._rng.random() < self.rates.missing_field

    def text(self, value: str) -> str:
        """Free text such as an address: sometimes full-width digits, sometimes missing."""
        x = self._rng.random()
        if x < self.rates.missing_field:
            return ""
        if x < self.rates.missing_field + self.rates.full_width:
            return to_full_width(value)
        return value

    def duplicates(self) -> int:
        """0 for a single record, 1 for an extra exact duplicate, 2 for an extra near duplicate."""
        x = self._rng.random()
        if x < self.rates.exact_duplicate:
            return 1
        if x < self.rates.exact_duplicate + self.rates.near_duplicate:
            return 2
        return 0
