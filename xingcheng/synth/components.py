"""City components (城市部件) for digital city management: manhole covers, street lights, trees, kiosks.

The class list is data (``data/component_classes.csv``, after GB/T 30428.2), weighted by how common each
kind is. A component id is the 6-digit county code, 2-digit major class, 2-digit minor class and a 6-digit
serial; the serial starts with the chunk's two-digit number, so chunks never collide. About one
component is placed per ten residents, in the chunk's own communities.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate
from typing import Final

from .config import REFERENCE_DATE
from .geography import Community, GridCell

__all__ = ["Component", "ComponentBuilder", "ComponentClass", "component_classes"]

PERSONS_PER_COMPONENT: Final = 10
_STATUSES: Final = ("完好",) * 45 + ("破损",) * 3 + ("丢失", "占用")
_SURVEY_START: Final = dt.date(2019, 3, 1).toordinal()
_REF_ORD: Final = REFERENCE_DATE.toordinal()


@dataclass(frozen=True, slots=True)
class ComponentClass:
    major_code: str
    major_name: str
    minor_code: str
    minor_name: str
    weight: int
    authority: str


@functools.cache
def component_classes() -> tuple[ComponentClass, ...]:
    """The class table from ``data/component_classes.csv``."""
    text = resources.files(__package__ or "xingcheng.synth").joinpath("data/component_classes.csv")
    rows = csv.DictReader(io.StringIO(text.read_text(encoding="utf-8")))
    return tuple(
        ComponentClass(
            r["major_code"], r["major_name"], r["minor_code"], r["minor_name"], int(r["weight"]), r["authority"]
        )
        for r in rows
    )


class Component:
    __slots__ = ("community", "component_id", "grid", "kind", "lat", "location", "lon", "status", "surveyed")

    def __init__(self, component_id: str, kind: ComponentClass, community: Community, grid: GridCell) -> None:
        self.component_id = component_id
        self.kind = kind
        self.community = community
        self.grid = grid
        self.lon = 0.0
        self.lat = 0.0
        self.status = "完好"
        self.location = ""
        self.surveyed = REFERENCE_DATE


class ComponentBuilder:
    """Places a batch's share of components in the chunk's communities."""

    def __init__(self, rng: random.Random, chunk: int, communities: Sequence[Community]) -> None:
        self.rng = rng
        self._chunk = chunk
        self._communities = communities
        self._community_cum = tuple(accumulate(c.weight * (2 if c.urban else 1) for c in communities))
        self._classes = component_classes()
        self._class_cum = tuple(accumulate(k.weight for k in self._classes))
        self._serials: dict[tuple[str, str, str], int] = {}

    def new_id(self, kind: ComponentClass, county_code: str) -> str:
        """The next unused id in this chunk for a class and county (also used for duplicate surveys)."""
        key = (county_code, kind.major_code, kind.minor_code)
        n = self._serials.get(key, 0) + 1
        if n > 9999:
            raise RuntimeError("component serials exhausted for one chunk")
        self._serials[key] = n
        return f"{county_code}{kind.major_code}{kind.minor_code}{self._chunk:02d}{n:04d}"

    def batch(self, persons: int) -> list[Component]:
        rng = self.rng
        made: list[Component] = []
        for _ in range(persons // PERSONS_PER_COMPONENT):
            community = self._communities[bisect(self._community_cum, rng.random() * self._community_cum[-1])]
            kind = self._classes[bisect(self._class_cum, rng.random() * self._class_cum[-1])]
            grid = community.grids[rng.randrange(len(community.grids))]
            c = Component(self.new_id(kind, community.county_code), kind, community, grid)
            c.lon = round(grid.lon + rng.uniform(-0.003, 0.003), 6)
            c.lat = round(grid.lat + rng.uniform(-0.003, 0.003), 6)
            c.status = _STATUSES[rng.randrange(len(_STATUSES))]
            c.surveyed = dt.date.fromordinal(rng.randint(_SURVEY_START, _REF_ORD))
            if community.roads:
                road, base = community.roads[rng.randrange(len(community.roads))]
                side = ("东侧", "西侧", "南侧", "北侧", "对面", "旁")[rng.randrange(6)]
                c.location = f"{road}{base + 2 * rng.randrange(40)}号{side}"
            else:
                c.location = f"{community.name}{1 + rng.randrange(8)}组"
            made.append(c)
        return made
