"""Administrative divisions of China (行政区划代码, GB/T 2260 and the NBS statistical codes).

Codes nest by prefix: 2 digits for a province, 4 for a prefecture-level city, 6 for a county-level unit
(the first six digits of a resident ID number), 9 for a township or street (乡镇/街道) and 12 for a
village or community. The bundled data (``data/*.csv``, see ``data/SOURCE.md``) covers every province,
city and county, and the townships of Changsha, Zhuzhou and Xiangtan only. Village and community codes are
not bundled: the synthetic city invents its own communities.

GB/T 2260 writes provinces and cities padded to six digits (``430000``, ``430100``); :func:`get` accepts
both forms and :attr:`Division.gb2260` produces the padded one.
"""

from __future__ import annotations

import csv
import functools
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Final, Literal

from .errors import InvalidDivisionCode

__all__ = [
    "CHANGSHA",
    "CHANG_ZHU_TAN",
    "XIANGTAN",
    "ZHUZHOU",
    "Division",
    "Level",
    "ancestors",
    "children",
    "counties_of",
    "find",
    "full_name",
    "get",
    "is_county_code",
    "provinces",
    "townships_of",
]

CHANGSHA: Final = "4301"
ZHUZHOU: Final = "4302"
XIANGTAN: Final = "4303"
CHANG_ZHU_TAN: Final = (CHANGSHA, ZHUZHOU, XIANGTAN)

Level = Literal["province", "city", "county", "township", "village"]

_LEVEL_BY_LENGTH: Final[dict[int, Level]] = {
    2: "province",
    4: "city",
    6: "county",
    9: "township",
    12: "village",
}

# Placeholder "cities" that exist only to keep the code tree regular: the districts of a municipality
# (1101 市辖区), the counties of Chongqing (5002 县) and county-level units directly under a province
# (4190 省直辖县级行政区划). They are real codes but must not appear in a postal-style full name.
_PLACEHOLDER_NAMES: Final = frozenset({"市辖区", "县", "省直辖县级行政区划"})


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division: its own code (unpadded), name, level and parent's code."""

    code: str
    name: str
    level: Level
    parent_code: str | None

    @property
    def gb2260(self) -> str:
        """The six-digit GB/T 2260 form: provinces and cities zero-padded, townships cut to their county."""
        return self.code[:6].ljust(6, "0")


# One file per level, each naming its parent in a different column; the township file covers only
# Chang-Zhu-Tan.
_SOURCES: Final[tuple[tuple[str, Level, str | None], ...]] = (
    ("china-provinces.csv", "province", None),
    ("china-cities.csv", "city", "provinceCode"),
    ("china-counties.csv", "county", "cityCode"),
    ("chang-zhu-tan-townships.csv", "township", "areaCode"),
)


@dataclass(frozen=True, slots=True)
class _Index:
    by_code: dict[str, Division]
    children: dict[str, tuple[Division, ...]]


def _rows(filename: str) -> Iterator[dict[str, str]]:
    package = __name__.rpartition(".")[0]
    text = resources.files(package).joinpath("data").joinpath(filename).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text))


@functools.cache
def _index() -> _Index:
    # Loaded on first use, not at import: importing the package must stay cheap for the CLI and workers.
    divisions: list[Division] = []
    for filename, level, parent_column in _SOURCES:
        divisions += (
            Division(row["code"], row["name"], level, row[parent_column] if parent_column else None)
            for row in _rows(filename)
        )
    by_code = {d.code: d for d in divisions}
    kids: defaultdict[str, list[Division]] = defaultdict(list)
    for division in divisions:
        if division.parent_code is not None:
            kids[division.parent_code].append(division)
    return _Index(
        by_code=by_code,
        children={code: tuple(sorted(group, key=lambda d: d.code)) for code, group in kids.items()},
    )


def _candidates(code: str) -> Iterator[str]:
    """Yield the unpadded codes that ``code`` may stand for, most specific first."""
    yield code
    if len(code) == 6:
        # A county code is tried before the padded reading because some county-level units carry the
        # padded code of their city: 东莞 is both city 4419 and county 441900.
        if code.endswith("0000"):
            yield code[:2]
        elif code.endswith("00"):
            yield code[:4]


def find(code: str) -> Division | None:
    """Return the division with this code (2/4/6/9 digits, or a padded 6-digit form), or ``None``."""
    if not isinstance(code, str):
        return None
    code = code.strip()
    if not code.isascii() or not code.isdigit() or len(code) not in _LEVEL_BY_LENGTH:
        return None
    by_code = _index().by_code
    for candidate in _candidates(code):
        division = by_code.get(candidate)
        if division is not None:
            return division
    return None


def get(code: str) -> Division:
    """Return the division with this code; raise :class:`InvalidDivisionCode` (``unknown_division``).

    Twelve-digit village/community codes always raise: no village data is bundled.
    """
    division = find(code)
    if division is None:
        raise InvalidDivisionCode("unknown_division")
    return division


def provinces() -> list[Division]:
    """Return the 31 mainland provinces, sorted by code: the roots for walking the whole tree."""
    return sorted((d for d in _index().by_code.values() if d.level == "province"), key=lambda d: d.code)


def children(code: str) -> list[Division]:
    """Return the divisions directly below ``code``, sorted by code (empty below the bundled data)."""
    return list(_index().children.get(get(code).code, ()))


def ancestors(code: str) -> list[Division]:
    """Return the divisions above ``code``, province first; the division itself is not included."""
    by_code = _index().by_code
    chain: list[Division] = []
    parent_code = get(code).parent_code
    while parent_code is not None:
        parent = by_code[parent_code]
        chain.append(parent)
        parent_code = parent.parent_code
    chain.reverse()
    return chain


def full_name(code: str) -> str:
    """Return the postal-style name from the province down, e.g. ``湖南省长沙市岳麓区``.

    Placeholder levels (市辖区, 省直辖县级行政区划) are left out, and a name repeated by the level below
    (东莞市 the city and 东莞市 the county-level unit) is written once.
    """
    names: list[str] = []
    for division in [*ancestors(code), get(code)]:
        if division.name in _PLACEHOLDER_NAMES and division.level == "city":
            continue
        if names and names[-1] == division.name:
            continue
        names.append(division.name)
    return "".join(names)


def is_county_code(code: str) -> bool:
    """Tell whether ``code`` is exactly a six-digit county-level code in the bundled data.

    Padded province and city codes (``430000``, ``430100``) are not county codes, with the exception of
    cities without districts whose county-level unit shares the padded code (``441900`` 东莞市).
    """
    if not isinstance(code, str) or len(code) != 6:
        return False
    division = _index().by_code.get(code)
    return division is not None and division.level == "county"


def counties_of(city_code: str) -> list[Division]:
    """Return the county-level units of a city (4-digit or padded 6-digit code), sorted by code."""
    city = get(city_code)
    if city.level != "city":
        raise InvalidDivisionCode("wrong_level")
    return children(city.code)


def townships_of(county_code: str) -> list[Division]:
    """Return the townships and streets of a county, sorted by code.

    Only Changsha, Zhuzhou and Xiangtan have township data; other counties return an empty list.
    """
    county = get(county_code)
    if county.level != "county":
        raise InvalidDivisionCode("wrong_level")
    return children(county.code)
