"""The fixed geography of the synthetic Changsha: communities, villages, grid cells and roads.

Built from the real county and township codes in :mod:`xingcheng.standards.divisions` (9 county-level
units, 172 townships) and invented below them: 社区 under streets (街道) and development zones, a few
社区 and many 村 under towns (镇, 乡), 网格 under each. Serial numbers follow the statistical code
practice: 001-199 for residents' committees (社区), 200-399 for villagers' committees (村).
Coordinates scatter around each district's real centre. The geography depends on the seed only, never on
the number of persons, so cities of different sizes built from one seed share their map.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Final

from xingcheng.standards import divisions

from . import lexicon
from .config import make_rng

__all__ = [
    "COUNTY_PROFILES",
    "Community",
    "CountyProfile",
    "Geography",
    "GridCell",
    "build_geography",
]

LON_RANGE: Final = (112.60, 113.90)
LAT_RANGE: Final = (27.90, 28.70)


@dataclass(frozen=True, slots=True)
class CountyProfile:
    """Approximate centre (lon, lat), spread in degrees and 2020 census population (10k) of a county."""

    lon: float
    lat: float
    spread: float
    population: float


COUNTY_PROFILES: Final[dict[str, CountyProfile]] = {
    "430102": CountyProfile(113.032, 28.186, 0.03, 68.5),  # 芙蓉区
    "430103": CountyProfile(112.990, 28.114, 0.04, 83.8),  # 天心区
    "430104": CountyProfile(112.880, 28.220, 0.08, 153.0),  # 岳麓区
    "430105": CountyProfile(112.990, 28.257, 0.05, 92.3),  # 开福区
    "430111": CountyProfile(113.036, 28.135, 0.04, 124.1),  # 雨花区
    "430112": CountyProfile(112.820, 28.350, 0.09, 86.2),  # 望城区
    "430121": CountyProfile(113.200, 28.250, 0.12, 137.8),  # 长沙县
    "430181": CountyProfile(113.640, 28.160, 0.22, 143.1),  # 浏阳市
    "430182": CountyProfile(112.680, 28.280, 0.07, 126.7),  # 宁乡市
}


@dataclass(frozen=True, slots=True)
class GridCell:
    code: str
    name: str
    community_code: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Community:
    """A 社区 or 村 (12-digit code) with its roads, grid cells and share of the population."""

    code: str
    name: str
    urban: bool
    township_code: str
    township_name: str
    county_code: str
    county_name: str
    lon: float
    lat: float
    roads: tuple[tuple[str, int], ...]  # (road name, first door number of this community on it)
    grids: tuple[GridCell, ...]
    weight: float

    @property
    def kind(self) -> str:
        return "社区" if self.urban else "村"

    @property
    def place_prefix(self) -> str:
        """The postal prefix of its addresses, e.g. ``长沙市芙蓉区``."""
        return "长沙市" + self.county_name


@dataclass(frozen=True, slots=True)
class Geography:
    seed: int
    communities: tuple[Community, ...]

    def grid_cells(self) -> Iterator[GridCell]:
        for community in self.communities:
            yield from community.grids


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    return round(min(max(value, bounds[0]), bounds[1]), 6)


def _scatter(rng: random.Random, lon: float, lat: float, spread: float) -> tuple[float, float]:
    return (
        _clamp(rng.gauss(lon, spread / 2), LON_RANGE),
        _clamp(rng.gauss(lat, spread / 2), LAT_RANGE),
    )


def _unique_name(make: Callable[[], str], taken: set[str]) -> str:
    for _ in range(200):
        name = make()
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("name pool exhausted")  # pragma: no cover - pools are far larger than needed


def _community_name(rng: random.Random) -> str:
    return rng.choice(lexicon.COMMUNITY_ROOTS) + rng.choice(lexicon.COMMUNITY_SUFFIXES) + "社区"


def _village_name(rng: random.Random) -> str:
    first, second = rng.sample(lexicon.VILLAGE_PARTS, 2)
    return f"{first}{second}村"


def _road_name(rng: random.Random) -> str:
    return rng.choice(lexicon.ROAD_ROOTS) + rng.choice(lexicon.ROAD_SUFFIXES)


def _township_roads(rng: random.Random, count: int) -> list[str]:
    roads: list[str] = []
    taken: set[str] = set()
    while len(roads) < count:
        name = _road_name(rng)
        if name not in taken:
            taken.add(name)
            roads.append(name)
    return roads


def _grids(rng: random.Random, code: str, name: str, lon: float, lat: float, count: int) -> tuple[GridCell, ...]:
    cells = []
    for serial in range(1, count + 1):
        glon, glat = _scatter(rng, lon, lat, 0.006)
        cells.append(GridCell(f"{code}{serial:03d}", f"{name}第{serial}网格", code, glon, glat))
    return tuple(cells)


def _township_communities(rng: random.Random, township: divisions.Division, county_name: str) -> list[Community]:
    profile = COUNTY_PROFILES[township.parent_code or ""]
    tlon, tlat = _scatter(rng, profile.lon, profile.lat, profile.spread)
    street = not township.name.endswith(("镇", "乡"))
    urban_count = rng.randint(5, 14) if street else rng.randint(1, 3)
    village_count = 0 if street else rng.randint(8, 20)
    roads = _township_roads(rng, rng.randint(6, 12) if street else 3)
    users: dict[str, int] = {}
    taken: set[str] = set()
    result: list[Community] = []
    specs = [(True, f"{n:03d}") for n in range(1, urban_count + 1)]
    specs += [(False, f"{200 + n:03d}") for n in range(1, village_count + 1)]
    for urban, serial in specs:
        code = township.code + serial
        if urban:
            name = _unique_name(lambda: _community_name(rng), taken)
            weight = 1.0 if street else 0.8
            spread = 0.012
        else:
            name = _unique_name(lambda: _village_name(rng), taken)
            weight = 0.35
            spread = 0.03
        lon, lat = _scatter(rng, tlon, tlat, spread)
        own_roads: list[tuple[str, int]] = []
        if urban:
            for road in rng.sample(roads, rng.randint(1, min(3, len(roads)))):
                # Each community owns a stretch of 200 door numbers on each of its roads.
                own_roads.append((road, 1 + 200 * users.get(road, 0)))
                users[road] = users.get(road, 0) + 1
        grids = _grids(rng, code, name, lon, lat, rng.randint(3, 8) if urban else rng.randint(2, 5))
        result.append(
            Community(
                code=code,
                name=name,
                urban=urban,
                township_code=township.code,
                township_name=township.name,
                county_code=township.parent_code or "",
                county_name=county_name,
                lon=lon,
                lat=lat,
                roads=tuple(own_roads),
                grids=grids,
                weight=weight,
            )
        )
    return result


@functools.cache
def build_geography(seed: int) -> Geography:
    """Build (once per process and seed) the communities of Changsha's 172 townships."""
    rng = make_rng(seed, "geography")
    communities: list[Community] = []
    for county in divisions.counties_of(divisions.CHANGSHA):
        in_county: list[Community] = []
        for township in divisions.townships_of(county.code):
            in_county += _township_communities(rng, township, county.name)
        # Scale the weights so that each county holds its census share of the population.
        total = sum(c.weight for c in in_county)
        scale = COUNTY_PROFILES[county.code].population / total
        communities += [replace(c, weight=round(c.weight * scale, 6)) for c in in_county]
    return Geography(seed=seed, communities=tuple(communities))
