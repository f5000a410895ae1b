"""Addresses that grow with the population: estates, buildings, rooms and village houses.

Each chunk owns a disjoint set of communities (see :func:`communities_of_chunk`), so it can number door
plates, buildings and rooms on its own and the result is still unique city-wide. An address id has 23
digits: the 12-digit community code, a 3-digit plot (an estate's door plate, or a village group 组), a
3-digit building (or village house number), a 1-digit unit (单元) and a 4-digit room (floor and door).
Levels: 门牌 (a door plate: an estate entrance or a village house), 楼栋 (a building), 户室 (a room).
Rooms are created as households move in, with some left empty, and every one is reported to the sink.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from . import lexicon
from .geography import Community, Geography, GridCell

__all__ = [
    "Address",
    "AddressSink",
    "DwellingAllocator",
    "communities_of_chunk",
]

VACANCY: Final = 0.12
_TOWN_FLOORS: Final = (4, 12)
_CITY_FLOORS: Final = (6, 33)


@dataclass(slots=True)
class Address:
    """One standard address; ``building``/``unit``/``room`` are empty strings above their level."""

    address_id: str
    level: str  # 门牌 | 楼栋 | 户室
    community: Community
    grid: GridCell
    road: str
    door_no: str
    estate: str
    building: str
    unit: str
    room: str
    text: str  # canonical full address without the province, e.g. 长沙市芙蓉区五一大道101号…
    lon: float
    lat: float
    commercial: bool = False
    floors: int = 0  # buildings only
    units: int = 0  # buildings only
    year: int = 0  # year built, buildings and rooms


class AddressSink(Protocol):
    def address(self, address: Address, occupant: object | None, vacant: bool) -> None:
        """Called once per address, in creation order; rooms carry their first occupant if any."""


def communities_of_chunk(geography: Geography, index: int, chunks: int) -> list[Community]:
    """The communities whose addresses chunk ``index`` creates (every ``chunks``-th one)."""
    return [c for i, c in enumerate(geography.communities) if i % chunks == index]


@dataclass(slots=True)
class _Building:
    address: Address
    floors: int
    units: int
    per_floor: int
    cursor: int = 0  # rooms handed out so far

    @property
    def capacity(self) -> int:
        return self.floors * self.units * self.per_floor


@dataclass(slots=True)
class _Plot:
    address: Address
    buildings: int  # planned
    built: int = 0
    current: _Building | None = None


@dataclass(slots=True)
class _CommunityState:
    community: Community
    plots: int = 0
    homes: _Plot | None = None
    offices: _Plot | None = None
    village_group: int = 0
    village_houses: int = 0


class DwellingAllocator:
    """Hands out rooms and village houses in a chunk's communities, reporting each new address."""

    def __init__(self, rng: random.Random, communities: Sequence[Community], sink: AddressSink) -> None:
        self._rng = rng
        self._sink = sink
        self._states = {c.code: _CommunityState(c) for c in communities}

    # -- public ---------------------------------------------------------------------------------------

    def home(self, community: Community, occupant: object) -> Address:
        """A dwelling for a new household: a room in an estate, or a house in a village."""
        state = self._states[community.code]
        if not community.urban:
            return self._village_house(state, occupant)
        if state.homes is None or (state.homes.built >= state.homes.buildings and self._full(state.homes)):
            state.homes = self._new_plot(state, commercial=False)
        return self._room(state.homes, occupant)

    def office(self, community: Community, occupant: object) -> Address:
        """Premises for a company: an office or shop room, or a house in a village."""
        state = self._states[community.code]
        if not community.urban:
            return self._village_house(state, occupant)
        if state.offices is None or (state.offices.built >= state.offices.buildings and self._full(state.offices)):
            state.offices = self._new_plot(state, commercial=True)
        return self._room(state.offices, occupant)

    # -- estates ----------------------------------------------------------------------------------------

    @staticmethod
    def _full(plot: _Plot) -> bool:
        return plot.current is None or plot.current.cursor >= plot.current.capacity

    def _new_plot(self, state: _CommunityState, *, commercial: bool) -> _Plot:
        rng = self._rng
        c = state.community
        state.plots += 1
        serial = state.plots
        if serial > 899:  # 9xx plots are reserved for duplicate keys in the address source
            raise RuntimeError("too many plots in one community")
        road, base = c.roads[(serial - 1) % len(c.roads)]
        door = base + 2 * ((serial - 1) // len(c.roads))
        parts = lexicon.ESTATE_PARTS
        if commercial:
            estate = rng.choice(parts) + rng.choice(parts) + rng.choice(lexicon.COMMERCIAL_SUFFIXES)
            buildings = rng.randint(1, 3)
        else:
            brand = rng.choice(lexicon.DEVELOPERS) if rng.random() < 0.5 else ""
            estate = brand + rng.choice(parts) + rng.choice(parts) + rng.choice(lexicon.ESTATE_SUFFIXES)
            buildings = rng.randint(2, 12)
        grid = c.grids[rng.randrange(len(c.grids))]
        lon = round(c.lon + rng.uniform(-0.004, 0.004), 6)
        lat = round(c.lat + rng.uniform(-0.004, 0.004), 6)
        text = f"{c.place_prefix}{road}{door}号{estate}"
        address = Address(
            f"{c.code}{serial:03d}00000000", "门牌", c, grid, road, str(door), estate, "", "", "",
            text, lon, lat, commercial,
        )  # fmt: skip
        self._sink.address(address, None, vacant=False)
        return _Plot(address, buildings)

    def _new_building(self, plot: _Plot) -> _Building:
        rng = self._rng
        plot.built += 1
        p = plot.address
        number = plot.built
        if p.commercial:
            label = f"{'ABCDEFGH'[number - 1]}座" if number <= 8 else f"{number}栋"
            floors, units, per_floor = rng.randint(8, 40), 1, rng.randint(8, 20)
        else:
            label = f"{number}栋"
            low, high = _CITY_FLOORS if p.community.township_name.endswith("街道") else _TOWN_FLOORS
            floors, units, per_floor = rng.randint(low, high), rng.randint(1, 4), rng.randint(2, 4)
        address = Address(
            f"{p.address_id[:15]}{number:03d}00000", "楼栋", p.community, p.grid, p.road, p.door_no,
            p.estate, label, "", "", p.text + label, p.lon, p.lat, p.commercial, floors, units,
            rng.randint(1990, 2022),
        )  # fmt: skip
        self._sink.address(address, None, vacant=False)
        return _Building(address, floors, units, per_floor)

    def _room(self, plot: _Plot, occupant: object) -> Address:
        while True:
            if self._full(plot):
                plot.current = self._new_building(plot)
            building = plot.current
            assert building is not None
            n = building.cursor
            building.cursor += 1
            per_unit = building.floors * building.per_floor
            unit, rest = divmod(n, per_unit)
            floor, door = divmod(rest, building.per_floor)
            b = building.address
            room = f"{floor + 1}{door + 1:02d}"
            unit_text = f"{unit + 1}单元" if not b.commercial else ""
            address = Address(
                f"{b.address_id[:18]}{unit + 1}{floor + 1:02d}{door + 1:02d}", "户室", b.community, b.grid,
                b.road, b.door_no, b.estate, b.building, str(unit + 1), room,
                f"{b.text}{unit_text}{room}室", b.lon, b.lat, b.commercial, year=b.year,
            )  # fmt: skip
            if self._rng.random() < VACANCY:
                self._sink.address(address, None, vacant=True)
                continue
            self._sink.address(address, occupant, vacant=False)
            return address

    # -- villages ---------------------------------------------------------------------------------------

    def _village_house(self, state: _CommunityState, occupant: object) -> Address:
        rng = self._rng
        c = state.community
        if state.village_group == 0 or state.village_houses >= 60 + state.village_group * 7 % 25:
            state.village_group += 1
            state.village_houses = 0
            if state.village_group > 899:
                raise RuntimeError("too many village groups in one community")
        state.village_houses += 1
        group, house = state.village_group, state.village_houses
        grid = c.grids[(group - 1) % len(c.grids)]
        road = f"{c.name}{group}组"
        address = Address(
            f"{c.code}{group:03d}{house:03d}00000", "门牌", c, grid, road, str(house), "", "", "", "",
            f"{c.place_prefix}{c.township_name}{road}{house}号",
            round(c.lon + rng.uniform(-0.01, 0.01), 6), round(c.lat + rng.uniform(-0.01, 0.01), 6),
        )  # fmt: skip
        self._sink.address(address, occupant, vacant=False)
        return address
