"""Places for maps: districts, townships, communities and grid cells with outlines as GeoJSON.

The hub has no surveyed boundaries (the synthetic city has none), so outlines are *synthetic*: the convex
hull of the standard addresses and city components known in each unit, padded a little, or a small square
around a unit with fewer than three distinct points. Enough to colour a district map and to find what lies
in a grid cell; not a cadastral boundary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import duckdb

__all__ = ["build_places", "convex_hull", "polygon"]

_PAD = 0.0008  # degrees (≈ 80 m) around the points of a unit


def convex_hull(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain; counter-clockwise, without repeating the first point."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def polygon(points: list[tuple[float, float]], pad: float = _PAD) -> dict[str, Any] | None:
    """A GeoJSON Polygon around the points (padded outward from their centre)."""
    if not points:
        return None
    hull = convex_hull(points)
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    if len(hull) < 3:
        ring = [(cx - pad, cy - pad), (cx + pad, cy - pad), (cx + pad, cy + pad), (cx - pad, cy + pad)]
    else:
        ring = []
        for x, y in hull:
            dx, dy = x - cx, y - cy
            norm = max((dx * dx + dy * dy) ** 0.5, 1e-9)
            ring.append((x + pad * dx / norm, y + pad * dy / norm))
    coords = [[round(x, 6), round(y, 6)] for x, y in ring]
    coords.append(coords[0])
    return {"type": "Polygon", "coordinates": [coords]}


def build_places(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Rows for ``registry_place`` from ``address_std`` and ``component_std`` (when built)."""
    has_components = bool(
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'component_std'").fetchone()[0]
    )
    extra = (
        "UNION ALL SELECT NULL, NULL, NULL, NULL, community_code, NULL, grid_code, lon, lat FROM component_std"
        if has_components
        else ""
    )
    rows = con.execute(
        f"""
        SELECT district_code, district_name, township_code, township_name, community_code, community_name,
               grid_code, lon, lat
        FROM address_std WHERE lon IS NOT NULL AND lat IS NOT NULL
        {extra}
        """  # noqa: S608
    ).fetchall()
    names: dict[str, tuple[str, str | None, str]] = {}
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for dc, dn, tc, tn, cc, cn, gc, lon, lat in rows:
        if lon is None or lat is None:
            continue
        p = (float(lon), float(lat))
        if dc and dn:
            names.setdefault(dc, ("district", None, dn))
        if tc and tn:
            names.setdefault(tc, ("township", dc, tn))
        if cc and cn:
            names.setdefault(cc, ("community", tc, cn))
        for code in (dc, tc, cc, gc):
            if code:
                points[code].append(p)
        if gc and cc:
            names.setdefault(gc, ("grid", cc, ""))
    out = []
    for code, (level, parent, name) in sorted(names.items()):
        pts = points.get(code, [])
        if level == "grid":
            community = names.get(parent or "", ("", None, ""))[2]
            name = f"{community}第{int(code[-3:])}网格" if code[-3:].isdigit() else code
        out.append(
            {
                "code": code,
                "level": level,
                "name": name,
                "parent_code": parent,
                "lon": round(sum(p[0] for p in pts) / len(pts), 6) if pts else None,
                "lat": round(sum(p[1] for p in pts) / len(pts), 6) if pts else None,
                "geometry": polygon(pts, _PAD * {"district": 4, "township": 3, "community": 2, "grid": 1}[level]),
            }
        )
    return out
