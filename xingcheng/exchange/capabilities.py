"""The built-in intelligent capabilities (智能中枢能力) served through the gateway: address standardisation,
ID number verification and geocoding. A capability resource of the ledger is bound to a handler by its
name, code or tags; the gateway checks the grant, limits the rate and audits the call like any data service.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from xingcheng.standards import divisions, idnumber
from xingcheng.standards._text import to_halfwidth
from xingcheng.standards.errors import StandardError

__all__ = ["HANDLERS", "CapabilityInputError", "detect_handler", "invoke"]


class CapabilityInputError(ValueError):
    """The input does not fit the capability; ``field`` names the offending parameter."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(code)
        self.field = field
        self.code = code


@dataclass(frozen=True, slots=True)
class Handler:
    name: str
    keywords: tuple[tuple[str, ...], ...]  # any group whose words all occur in the name/code/tags
    params: dict[str, str]  # parameter → JSON type
    func: Callable[[dict[str, Any]], dict[str, Any]]
    result: dict[str, str]


def _text(data: dict[str, Any], name: str, limit: int = 200) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CapabilityInputError(name, "required")
    if len(value) > limit:
        raise CapabilityInputError(name, "too_long")
    return value


# -- ID verification ----------------------------------------------------------------------------
def verify_id(data: dict[str, Any]) -> dict[str, Any]:
    """Is this a valid resident ID number (GB 11643), and what does the number itself say?"""
    text = _text(data, "id_number", 32)
    try:
        parsed = idnumber.parse(text)
    except StandardError as exc:
        return {"valid": False, "reason": exc.code}
    today = dt.datetime.now(dt.UTC).date()
    return {
        "valid": True,
        "address_code": parsed.address_code,
        "region": divisions.full_name(parsed.address_code) if divisions.find(parsed.address_code) else "",
        "birth_date": parsed.birth_date.isoformat(),
        "sex": parsed.sex,
        "adult": parsed.age_on(today) >= 18,
    }


# -- address standardisation --------------------------------------------------------------------
_SUFFIXES = ("省", "市", "区", "县", "自治州", "自治县", "地区", "盟", "旗", "街道", "镇", "乡")


@functools.cache
def _names() -> list[tuple[str, divisions.Division]]:
    """Names and short names of Hunan's divisions down to the bundled townships, longest first."""
    found: list[tuple[str, divisions.Division]] = []
    stack = [divisions.get("43")]
    while stack:
        d = stack.pop()
        found.append((d.name, d))
        for suffix in _SUFFIXES:
            if d.name.endswith(suffix) and len(d.name) - len(suffix) >= 2 and d.level != "township":
                found.append((d.name[: -len(suffix)], d))
                break
        stack.extend(divisions.children(d.code))
    return sorted(found, key=lambda x: -len(x[0]))


def _deepest(text: str) -> tuple[divisions.Division | None, int]:
    """The deepest division named in the text, consistent with the ones above it, and where its name ends."""
    best: divisions.Division | None = None
    end = 0
    pos = 0
    while pos < len(text):
        for name, d in _names():
            if text.startswith(name, pos) and (best is None or (d.code.startswith(best.code) and d.code != best.code)):
                best, pos = d, pos + len(name)
                end = pos
                break
        else:
            pos += 1
            if best is not None and pos - end > 12:
                break
    return best, end


def standardise_address(data: dict[str, Any]) -> dict[str, Any]:
    """Split a Chinese address into its divisions and the rest; write it out in full (标准地址)."""
    raw = _text(data, "address")
    text = "".join(to_halfwidth(raw).split()).replace("湖南长沙", "湖南省长沙市")
    division, end = _deepest(text)
    if division is None:
        return {"matched": False, "standard": text, "levels": {}, "division_code": None, "rest": text}
    chain = [*divisions.ancestors(division.code), division]
    levels = {d.level: d.name for d in chain}
    rest = text[end:]
    return {
        "matched": True,
        "standard": "".join(d.name for d in chain) + rest,
        "levels": levels,
        "division_code": division.code,
        "rest": rest,
    }


# -- geocoding ----------------------------------------------------------------------------------
@functools.cache
def _centres() -> dict[str, tuple[str, float, float]]:
    text = (resources.files("xingcheng.exchange") / "data" / "county-centres.csv").read_text(encoding="utf-8")
    return {r["code"]: (r["name"], float(r["lon"]), float(r["lat"])) for r in csv.DictReader(text.splitlines())}


def geocode(data: dict[str, Any]) -> dict[str, Any]:
    """A coarse position for an address: the centre of the finest division we know a centre for."""
    std = standardise_address(data)
    code = std["division_code"] or ""
    centres = _centres()
    for length, precision in ((6, "county"), (4, "city")):
        centre = centres.get(code[:length]) if len(code) >= length else None
        if centre is not None:
            return {
                "found": True,
                "lon": centre[1],
                "lat": centre[2],
                "crs": "WGS84",
                "precision": precision,
                "division_code": code,
                "standard": std["standard"],
            }
    return {"found": False, "lon": None, "lat": None, "crs": "WGS84", "precision": None, "division_code": code or None}


HANDLERS: dict[str, Handler] = {
    "address_standardise": Handler(
        "address_standardise",
        (("地址", "标准"), ("address", "standard")),
        {"address": "string"},
        standardise_address,
        {"matched": "boolean", "standard": "string", "levels": "object", "division_code": "string", "rest": "string"},
    ),
    "id_verify": Handler(
        "id_verify",
        (("身份", "核验"), ("身份", "校验"), ("身份", "验证"), ("id", "verif")),
        {"id_number": "string"},
        verify_id,
        {"valid": "boolean", "address_code": "string", "region": "string", "birth_date": "string", "sex": "string"},
    ),
    "geocode": Handler(
        "geocode",
        (("地理编码",), ("地址", "坐标"), ("geocod",)),
        {"address": "string"},
        geocode,
        {"found": "boolean", "lon": "number", "lat": "number", "precision": "string", "division_code": "string"},
    ),
}


def detect_handler(name: str, code: str, tags: list[str]) -> str:
    """The handler a capability resource is bound to ('' when none fits)."""
    hay = " ".join([name, code, *tags]).lower()
    for handler in HANDLERS.values():
        if any(all(word in hay for word in group) for group in handler.keywords):
            return handler.name
    return ""


def invoke(handler: str, data: dict[str, Any]) -> dict[str, Any]:
    return HANDLERS[handler].func(data)
