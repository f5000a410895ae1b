"""Standard addresses, and matching the free text departments write to them.

The standard address source (自然资源和规划局) lists every address down to the room: district → township →
community → road → door number → estate → building → unit → room, with coordinates and grid cell. The
registry keeps one standard address per place: records of the same place captured twice under two codes
(same level, same folded text) collapse onto the lowest code, and the other codes become aliases.

Matching a department's free text runs in two steps. First the folded text (full-width digits folded,
spaces, province and city prefix dropped) is looked up exactly — in SQL, for millions of records at once.
What is left is *parsed* against the registry's own gazetteer (the district names, and the roads, door
numbers, estates, buildings, units and rooms it knows) and matched to the deepest level it agrees with; the
score says how much of what the text names was found (1.0 exact, less when, say, the room is unknown).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Final

import duckdb

from xingcheng.registries import text as T
from xingcheng.registries.sources import SourceReader

__all__ = [
    "AddressIndex",
    "Match",
    "load_standard_addresses",
    "match_column",
    "parse",
]

EXACT: Final = 1.0
# Weight of each component in the score of a parsed match.
_WEIGHTS: Final = {"district": 1, "road": 3, "door": 2, "estate": 1, "building": 2, "unit": 1, "room": 2, "village": 3}
_BUILDING: Final = re.compile(r"^([A-Z]座|\d+(?:栋|幢|号楼|栋楼))")
_DASHED: Final = re.compile(r"(\d+)-(\d+)-(\d+)(?:室|房)?$")  # …3-2-1201: building-unit-room
_UNIT: Final = re.compile(r"^(\d+)单元")
_ROOM: Final = re.compile(r"^(\d+)(?:室|房|号)?$")
_DOOR: Final = re.compile(r"^(\d+)号")
_GROUP: Final = re.compile(r"^(\d+)组(\d+)号")


def load_standard_addresses(con: duckdb.DuckDBPyConnection, reader: SourceReader) -> int:
    """Create ``address_std`` (one row per place) and ``address_alias`` (code → standard code)."""
    inner = reader.sql(con, "nrp_standard_addresses")
    if inner is None:
        inner = (
            "SELECT "
            + ", ".join(
                f"CAST(NULL AS VARCHAR) AS {c}"
                for c in (
                    "addr_code addr_level district_code district_name street_code street_name community_code "
                    "community_name road_name door_no estate_name building_no unit_no room_no full_address longitude "
                    "latitude grid_code"
                ).split()
            )
            + " WHERE FALSE"
        )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE address_src AS
        SELECT T.*, {T.sql_address("full_address")} AS norm FROM (
            SELECT {T.sql_clean("addr_code")} AS code, addr_level AS level, district_code, district_name,
                   street_code AS township_code, street_name AS township_name, community_code, community_name,
                   road_name AS road, door_no, estate_name AS estate, building_no AS building, unit_no AS unit,
                   room_no AS room, full_address, try_cast(longitude AS DOUBLE) AS lon,
                   try_cast(latitude AS DOUBLE) AS lat, nullif(grid_code, '') AS grid_code
            FROM ({inner})
        ) T WHERE code IS NOT NULL
        """  # noqa: S608
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE address_alias AS
        SELECT code, min(code) OVER (PARTITION BY level, coalesce(norm, code)) AS std_code FROM address_src
        """
    )
    # The standard record of a place: the lowest code's row, with coordinates and grid from any twin that has them.
    con.execute(
        """
        CREATE OR REPLACE TABLE address_std AS
        SELECT s.code, s.level, s.district_code, s.district_name, s.township_code, s.township_name,
               s.community_code, s.community_name, s.road, s.door_no, s.estate, s.building, s.unit, s.room,
               '长沙市' || s.norm AS full_address, s.norm,
               coalesce(s.lon, t.lon) AS lon, coalesce(s.lat, t.lat) AS lat,
               coalesce(s.grid_code, t.grid_code) AS grid_code
        FROM address_src s
        JOIN (SELECT std_code, any_value(src.lon) FILTER (WHERE src.lon IS NOT NULL) AS lon,
                     any_value(src.lat) FILTER (WHERE src.lat IS NOT NULL) AS lat,
                     any_value(src.grid_code) FILTER (WHERE src.grid_code IS NOT NULL) AS grid_code
              FROM address_alias a JOIN address_src src USING (code) GROUP BY std_code) t ON t.std_code = s.code
        """
    )
    con.execute("DROP TABLE address_src")
    return con.execute("SELECT count(*) FROM address_std").fetchone()[0]


@dataclass(frozen=True, slots=True)
class Match:
    code: str | None
    score: float
    level: str = ""


@dataclass
class _Door:
    code: str
    estate: str
    buildings: dict[str, str] = field(default_factory=dict)  # building label → code
    rooms: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (building, unit, room) → code


def _building_key(label: str | None) -> str:
    if not label:
        return ""
    m = re.match(r"^(\d+)(?:栋|幢|号楼|栋楼)$", label)
    return m.group(1) if m else label


class AddressIndex:
    """The gazetteer of the standard addresses, for parsing and matching free text."""

    def __init__(self, rows: list[tuple[str | None, ...]]) -> None:
        self.districts: dict[str, str] = {}
        self.roads: dict[str, set[str]] = defaultdict(set)  # district code → road names
        self.doors: dict[tuple[str, str, str], _Door] = {}  # (district, road, door) → door
        self.villages: dict[tuple[str, str, str, str], str] = {}  # (district, village road, door) → code
        for code, level, district_code, district_name, road, door, estate, building, unit, room in rows:
            if not code or not district_code:
                continue
            if district_name:
                self.districts[district_name] = district_code
            if not road:
                continue
            self.roads[district_code].add(road)
            key = (district_code, road, door or "")
            d = self.doors.get(key)
            if d is None:
                d = self.doors[key] = _Door(code if level == "门牌" else "", estate or "")
            if level == "门牌":
                d.code = code
            elif level == "楼栋":
                d.buildings[_building_key(building)] = code
            elif level == "户室":
                d.rooms[(_building_key(building), unit or "", room or "")] = code
        self._road_patterns = {dc: sorted(names, key=len, reverse=True) for dc, names in self.roads.items()}
        self._district_names = sorted(self.districts, key=len, reverse=True)

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, districts: list[str] | None = None) -> AddressIndex:
        where = ""
        if districts is not None:
            where = "WHERE district_code IN (SELECT unnest(?::VARCHAR[]))"
        rows = con.execute(
            f"SELECT code, level, district_code, district_name, road, door_no, estate, building, unit, room "  # noqa: S608
            f"FROM address_std {where}",
            [districts] if districts is not None else [],
        ).fetchall()
        return cls(rows)

    def match(self, text: str | None) -> Match:
        parsed = parse(text, self)
        if not parsed:
            return Match(None, 0.0)
        district = self.districts.get(parsed.get("district", ""), "")
        named = sum(_WEIGHTS[k] for k in parsed if k in _WEIGHTS)
        if not district or "road" not in parsed:
            return Match(None, 0.0)
        door = self.doors.get((district, parsed["road"], parsed.get("door", "")))
        if door is None:
            return Match(None, 0.0)
        found = (
            _WEIGHTS["district"]
            + _WEIGHTS["road"]
            + _WEIGHTS["door"]
            + _WEIGHTS.get("village", 0) * ("village" in parsed)
        )
        code, level = door.code, "门牌"
        if "estate" in parsed and parsed["estate"] == door.estate:
            found += _WEIGHTS["estate"]
        building = parsed.get("building")
        if building is not None:
            b = door.buildings.get(_building_key(building))
            if b:
                code, level = b, "楼栋"
                found += _WEIGHTS["building"]
                room = door.rooms.get((_building_key(building), parsed.get("unit", ""), parsed.get("room", "")))
                if room is None and "unit" not in parsed and "room" in parsed:
                    # 写字楼 rooms have no unit; "1栋101室" may also leave the unit out: take it when unique.
                    options = [
                        c
                        for (bb, _u, r), c in door.rooms.items()
                        if bb == _building_key(building) and r == parsed["room"]
                    ]
                    room = options[0] if len(options) == 1 else None
                if room:
                    code, level = room, "户室"
                    found += _WEIGHTS["unit"] * ("unit" in parsed) + _WEIGHTS["room"]
        if not code:
            return Match(None, 0.0)
        return Match(code, round(min(found / named, 1.0) * 0.95, 3), level)


def parse(text: str | None, index: AddressIndex) -> dict[str, str]:
    """Split an address into its components with the help of the gazetteer; {} when no district is found."""
    rest = T.fold_address(text)
    if not rest:
        return {}
    out: dict[str, str] = {}
    for name in index._district_names:
        if rest.startswith(name):
            out["district"] = name
            rest = rest[len(name) :]
            break
    else:
        return {}
    district = index.districts[out["district"]]
    for road in index._road_patterns.get(district, ()):
        pos = rest.find(road)
        if pos < 0:
            continue
        after = rest[pos + len(road) :]
        if road.endswith("组"):
            m = re.match(r"^(\d+)号$", after)
            if m:
                out.update(road=road, door=m.group(1), village=road)
                return out
            continue
        m = _DOOR.match(after)
        if not m:
            continue
        out.update(road=road, door=m.group(1))
        rest = after[m.end() :]
        break
    else:
        return out
    dashed = _DASHED.search(rest)
    if dashed:
        if dashed.start():
            out["estate"] = rest[: dashed.start()]
        out.update(building=dashed.group(1) + "栋", unit=dashed.group(2), room=dashed.group(3))
        return out
    b = None
    for pos in range(len(rest)):
        b = _BUILDING.match(rest[pos:])
        if b:
            if pos:
                out["estate"] = rest[:pos]
            out["building"] = b.group(1)
            rest = rest[pos + b.end() :]
            break
    if b is None:
        if rest:
            out["estate"] = rest
        return out
    u = _UNIT.match(rest)
    if u:
        out["unit"] = u.group(1)
        rest = rest[u.end() :]
    r = _ROOM.match(rest)
    if r:
        out["room"] = r.group(1)
    return out


def match_column(
    con: duckdb.DuckDBPyConnection, table: str, text_col: str, code_col: str, score_col: str
) -> dict[str, int]:
    """Fill ``code_col`` and ``score_col`` of ``table`` from its folded address text ``text_col``."""
    con.execute(
        f"""
        UPDATE {table} t SET {code_col} = a.std_code, {score_col} = {EXACT}
        FROM (SELECT norm, min(code) AS std_code FROM address_std WHERE norm IS NOT NULL GROUP BY norm) a
        WHERE a.norm = t.{text_col}
        """  # noqa: S608
    )
    rest = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {text_col} FROM {table} WHERE {code_col} IS NULL AND {text_col} IS NOT NULL"  # noqa: S608
        ).fetchall()
    ]
    parsed = 0
    if rest:
        index = AddressIndex.load(con)
        found = [(t, m.code, m.score) for t in rest if (m := index.match(t)).code]
        parsed = len(found)
        if found:
            con.execute("CREATE OR REPLACE TEMP TABLE xc_parsed (norm VARCHAR, code VARCHAR, score DOUBLE)")
            con.executemany("INSERT INTO xc_parsed VALUES (?, ?, ?)", found)
            con.execute(
                f"UPDATE {table} t SET {code_col} = p.code, {score_col} = p.score FROM xc_parsed p "  # noqa: S608
                f"WHERE t.{text_col} = p.norm AND t.{code_col} IS NULL"
            )
    exact = con.execute(f"SELECT count(*) FROM {table} WHERE {score_col} = {EXACT}").fetchone()[0]  # noqa: S608
    return {"exact": exact, "parsed_texts": parsed, "unmatched_texts": len(rest) - parsed}
