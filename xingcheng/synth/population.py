"""Households and persons: ages, families, names, ID numbers, phones and places of birth.

Households of one to five people are drawn from the types a Chinese city census reports (people living
alone, couples, parents with one or two children, single parents, three generations). Parents are 20 to
40 years older than their children; spouses are of similar age; children carry the father's surname (a few
the mother's). ID numbers (:func:`xingcheng.standards.idnumber.make`) carry the county of first
registration: the district for a child born here, otherwise Changsha, elsewhere in Hunan or another
province. Uniqueness across chunks without coordination: for each (county, birth date) an affine
bijection ``q = (a * slot + b) mod 500`` (``a`` coprime to 500, both derived from the key) maps slots to
sequence values, and chunk *k* only uses slots ``5k`` to ``5k+4``; the sequence is ``2q`` for a woman and
``2q + 1`` for a man. If a chunk's five slots are taken for a (county, birth date, sex), the birth date
moves by a day.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Final

from xingcheng.standards import divisions, idnumber

from . import names
from .config import LANE_WIDTH, LANES, REFERENCE_DATE, derive_seed
from .dwellings import Address, DwellingAllocator
from .geography import Community

if TYPE_CHECKING:
    from .companies import Company

__all__ = ["BirthPlaces", "Household", "Person", "PopulationBuilder", "surname_of"]

_REF_ORD: Final = REFERENCE_DATE.toordinal()
# A mover's old address survives in one of these departments.
_STALE_SOURCES: Final = ("psb_hukou", "hsa_insured", "hrss_insured")
# Multipliers that are bijections modulo LANES (coprime to 500).
_UNITS: Final = tuple(a for a in range(1, LANES) if a % 2 and a % 5)
# (household type, weight): sizes 1, 2, 3, 4, 2 and 4-5.
_TYPES: Final = (("single", 25), ("couple", 23), ("one_child", 25), ("two_children", 12),
                 ("single_parent", 4), ("three_gen", 11))  # fmt: skip
_TYPE_CUM: Final = tuple(accumulate(w for _, w in _TYPES))
_MAX_SIZE: Final = {"single": 1, "couple": 2, "one_child": 3, "two_children": 4, "single_parent": 2,
                    "three_gen": 5}  # fmt: skip
# Ages of children living with their parents: fewer babies (births have fallen), fewer adults at home.
_CHILD_AGE_CUM: Final = tuple(accumulate([6, 6, 7, 8, 8] + [9] * 10 + [10, 10, 10, 9, 8, 7, 6, 5, 4, 3, 2]))
# Other provinces people move to Changsha from, weighted.
_PROVINCE_WEIGHTS: Final = (("42", 6), ("36", 6), ("44", 4), ("45", 4), ("52", 4), ("51", 4), ("41", 4),
                            ("50", 2), ("34", 2), ("32", 2), ("33", 2), ("37", 2), ("11", 1), ("31", 1),
                            ("35", 1), ("61", 1), ("13", 1), ("53", 1))  # fmt: skip


class Person:
    """One resident; the truth about them. Slotted and positional: millions are created."""

    __slots__ = (
        "address", "age", "birth", "birth_code", "employer", "ethnicity", "father", "household", "id_number",
        "index", "male", "marriage", "mother", "name", "old_address", "person_id", "phone", "relation",
        "spouse", "stale_in",
    )  # fmt: skip

    def __init__(self, index: int, male: bool, birth: dt.date, relation: str) -> None:
        self.index = index
        self.person_id = f"P{index:09d}"
        self.male = male
        self.birth = birth
        self.age = (_REF_ORD - birth.toordinal()) // 365  # in years on the reference date; fixed
        self.relation = relation
        self.name = ""
        self.id_number = ""
        self.birth_code = ""
        self.ethnicity = ("01", "汉族")
        self.phone = ""
        self.household: Household | None = None
        self.father: Person | None = None
        self.mother: Person | None = None
        self.spouse: Person | None = None
        self.marriage: dt.date | None = None
        self.address: Address | None = None
        self.old_address: Address | None = None
        self.stale_in = ""  # the source that still has the old address
        self.employer: Company | None = None


@dataclass(slots=True)
class Household:
    household_id: str
    kind: str
    members: list[Person] = field(default_factory=list)
    address: Address | None = None

    @property
    def head(self) -> Person:
        return self.members[0]


class BirthPlaces:
    """County codes of first registration outside Changsha, from the division tables."""

    def __init__(self) -> None:
        changsha = divisions.counties_of(divisions.CHANGSHA)
        self.changsha = tuple(c.code for c in changsha)
        hunan = [c for city in divisions.children("43") if city.code != divisions.CHANGSHA
                 for c in divisions.children(city.code)]  # fmt: skip
        self.hunan = tuple(c.code for c in hunan)
        self.provinces: list[tuple[str, ...]] = []
        for code, _ in _PROVINCE_WEIGHTS:
            counties = [c.code for city in divisions.children(code) for c in divisions.children(city.code)]
            self.provinces.append(tuple(counties))
        self.province_cum = tuple(accumulate(w for _, w in _PROVINCE_WEIGHTS))

    def adult(self, rng: random.Random, home_county: str) -> str:
        r = rng.random()
        if r < 0.35:
            return home_county
        if r < 0.55:
            return self.changsha[rng.randrange(len(self.changsha))]
        if r < 0.83:
            return self.hunan[rng.randrange(len(self.hunan))]
        counties = self.provinces[bisect(self.province_cum, rng.random() * self.province_cum[-1])]
        return counties[rng.randrange(len(counties))]


class PopulationBuilder:
    """Generates one chunk's households, batch after batch, with unique ID numbers."""

    def __init__(
        self,
        rng: random.Random,
        seed: int,
        lane: int,
        communities: Sequence[Community],
        allocator: DwellingAllocator,
        birth_places: BirthPlaces,
        mover_rate: float,
    ) -> None:
        self.rng = rng
        self._mover_rate = mover_rate
        self._lane = lane * LANE_WIDTH
        self._salt = derive_seed(seed, "sequence") % 1_000_003
        self._used: dict[tuple[str, int, bool], int] = {}
        self._communities = communities
        self._community_cum = tuple(accumulate(c.weight for c in communities))
        self._allocator = allocator
        self._places = birth_places
        self._recent: list[Address] = []  # a few earlier homes, for movers' old addresses

    # -- households -------------------------------------------------------------------------------------

    def batch(self, start: int, size: int) -> list[Household]:
        rng = self.rng
        households: list[Household] = []
        index, end = start, start + size
        while index < end:
            kind = _TYPES[bisect(_TYPE_CUM, rng.random() * _TYPE_CUM[-1])][0]
            if _MAX_SIZE[kind] > end - index:
                kind = "single" if end - index == 1 else "couple"
            household = self._household(kind, index)
            index += len(household.members)
            households.append(household)
        return households

    def _household(self, kind: str, index: int) -> Household:
        rng = self.rng
        h = Household(f"H{index:09d}", kind)
        if kind == "single":
            r = rng.random()
            age = rng.randint(18, 34) if r < 0.45 else rng.randint(35, 59) if r < 0.7 else rng.randint(60, 92)
            self._add(h, rng.random() < 0.5, age, "户主")
        elif kind == "couple":
            r = rng.random()
            low, high = (22, 35) if r < 0.25 else (36, 59) if r < 0.6 else (60, 88)
            wife = rng.randint(low, high)
            self._couple(h, wife)
        elif kind in ("one_child", "two_children"):
            child = bisect(_CHILD_AGE_CUM, rng.random() * _CHILD_AGE_CUM[-1])
            at_birth = rng.randint(21, 34)
            gap = rng.randint(1, 8) if kind == "two_children" else 0
            if at_birth + gap > 39:
                gap = 39 - at_birth
            wife, husband = self._couple(h, child + at_birth, at_birth, gap)
            self._child(h, child, husband, wife)
            if kind == "two_children" and child - gap >= 0:
                self._child(h, child - gap, husband, wife)
        elif kind == "single_parent":
            child = bisect(_CHILD_AGE_CUM, rng.random() * _CHILD_AGE_CUM[-1])
            mother = rng.random() < 0.75
            parent = self._add(h, not mother, child + rng.randint(22, 38), "户主")
            self._child(h, child, None if mother else parent, parent if mother else None)
        else:
            self._three_generations(h)
        self._settle(h)
        return h

    def _add(self, h: Household, male: bool, age: int, relation: str) -> Person:
        day = _REF_ORD - age * 365 - age // 4 - self.rng.randrange(365)
        person = Person(int(h.household_id[1:]) + len(h.members), male, dt.date.fromordinal(day), relation)
        person.household = h
        h.members.append(person)
        return person

    def _couple(self, h: Household, wife_age: int, at_birth: int | None = None, gap: int = 0) -> tuple[Person, Person]:
        """Add a married couple; with ``at_birth`` (the wife's age at the first child's birth) the
        husband stays 20-40 years older than every child and the wedding comes before the child."""
        rng = self.rng
        delta = min(max(int(rng.gauss(2, 2.5)), -3), 8)
        husband_age = max(wife_age + delta, 23)
        if at_birth is not None:
            husband_age = min(max(husband_age, wife_age - at_birth + 21), wife_age - at_birth + 39 - gap)
            wed_age = max(20, at_birth - rng.randint(0, 3))
        else:
            wed_age = rng.randint(21, max(21, min(wife_age, 30)))
        if rng.random() < 0.8:
            husband = self._add(h, True, husband_age, "户主")
            wife = self._add(h, False, wife_age, "配偶")
        else:
            wife = self._add(h, False, wife_age, "户主")
            husband = self._add(h, True, husband_age, "配偶")
        self._marry(husband, wife, wed_age)
        return wife, husband

    def _marry(self, husband: Person, wife: Person, wed_age: int) -> None:
        """Marry at about the wife's ``wed_age``, never below the legal ages (22 for men, 20 for women)."""
        husband.spouse, wife.spouse = wife, husband
        wed = wife.birth.toordinal() + int(365.25 * wed_age) + self.rng.randrange(300)
        wed = max(wed, wife.birth.toordinal() + 7306, husband.birth.toordinal() + 8037)
        husband.marriage = wife.marriage = dt.date.fromordinal(min(wed, _REF_ORD - 1))

    def _child(self, h: Household, age: int, father: Person | None, mother: Person | None) -> Person:
        male = self.rng.random() < 0.52
        if h.kind == "three_gen":
            relation = "孙子" if male else "孙女"
        else:
            relation = "子" if male else "女"
        child = self._add(h, male, age, relation)
        child.father, child.mother = father, mother
        return child

    def _three_generations(self, h: Household) -> None:
        rng = self.rng
        grandchild = rng.randint(0, 15)
        at_birth = rng.randint(22, 34)
        wife, husband = self._couple(h, grandchild + at_birth, at_birth)
        own_son = rng.random() < 0.7
        adult = husband if own_son else wife
        grand_age = adult.age + rng.randint(22, 36)
        both = rng.random() < 0.6 and len(h.members) + 2 <= 4
        grandfather = self._add(h, True, grand_age + 2, "父亲") if both or rng.random() < 0.4 else None
        grandmother = self._add(h, False, grand_age, "母亲") if both or grandfather is None else None
        if grandfather and grandmother:
            self._marry(grandfather, grandmother, rng.randint(20, 26))
        adult.father, adult.mother = grandfather, grandmother
        if not own_son:
            for g in (grandfather, grandmother):
                if g is not None:
                    g.relation = "岳父" if g.male else "岳母"
        self._child(h, grandchild, husband, wife)

    # -- identity -----------------------------------------------------------------------------------------

    def _settle(self, h: Household) -> None:
        """Give every member a name, an ID number and a phone, then the household a home."""
        rng = self.rng
        community = self._communities[bisect(self._community_cum, rng.random() * self._community_cum[-1])]
        for p in h.members:
            self._identify(p, community.county_code)
        h.address = self._allocator.home(community, h)
        old = None
        if self._recent and rng.random() < self._mover_rate:
            old = self._recent[rng.randrange(len(self._recent))]
        if len(self._recent) < 64:
            self._recent.append(h.address)
        else:
            self._recent[rng.randrange(64)] = h.address
        stale_in = _STALE_SOURCES[rng.randrange(len(_STALE_SOURCES))]
        for p in h.members:
            p.address = h.address
            if old is not None:
                p.old_address = old
                p.stale_in = stale_in

    def _identify(self, p: Person, county: str) -> None:
        rng = self.rng
        father = p.father
        if father is not None and father.household is p.household and p.age < 40:
            surname = surname_of(father.name) if rng.random() < 0.92 else ""
        else:
            surname = ""
        if not surname:
            mother = p.mother
            if mother is not None and mother.name and rng.random() < 0.5:
                surname = surname_of(mother.name)
            else:
                surname = names.SURNAMES[bisect(names.SURNAME_CUM, rng.random() * names.SURNAME_CUM[-1])]
        first, second, single, single_share = names.GIVEN_NAME_POOLS[(names.era_of(p.birth.year), p.male)]
        if rng.random() < single_share:
            given = single[rng.randrange(len(single))]
        else:
            given = first[rng.randrange(len(first))] + second[rng.randrange(len(second))]
        p.name = surname + given
        if p.age < 18 and rng.random() < 0.85:
            p.birth_code = county
        elif p.mother is not None and p.age < 18:
            p.birth_code = p.mother.birth_code or self._places.adult(rng, county)
        else:
            p.birth_code = self._places.adult(rng, county)
        r = rng.random() * names.ETHNICITY_CUM[-1]
        p.ethnicity = names.ETHNICITIES[bisect(names.ETHNICITY_CUM, r)]
        if p.age >= 16 and (p.age < 80 or rng.random() < 0.6):
            prefixes = names.MOBILE_PREFIXES
            p.phone = f"{prefixes[rng.randrange(len(prefixes))]}{rng.randrange(100_000_000):08d}"
        self._number(p)

    def _number(self, p: Person) -> None:
        day = p.birth.toordinal()
        while True:
            key = (p.birth_code, day, p.male)
            taken = self._used.get(key, 0)
            if taken < LANE_WIDTH:
                self._used[key] = taken + 1
                break
            day = day + 1 if day < _REF_ORD else day - 1  # this chunk's lane is full for that day
        if day != p.birth.toordinal():
            p.birth = dt.date.fromordinal(day)
            p.age = (_REF_ORD - day) // 365
        mix = (int(p.birth_code) * 1_000_003 + day * 7_919 + self._salt) % 1_000_000_007
        q = (_UNITS[mix % len(_UNITS)] * (self._lane + taken) + mix // len(_UNITS)) % LANES
        sequence = 2 * q + (1 if p.male else 0)
        p.id_number = idnumber.make(p.birth_code, p.birth, sequence)


def surname_of(full_name: str) -> str:
    """The surname: one character except the compound surnames the generator uses."""
    return full_name[:2] if full_name[:2] in ("欧阳", "司马", "上官") else full_name[:1]
