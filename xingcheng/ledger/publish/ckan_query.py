"""The part of Solr's query syntax that CKAN clients and harvesters send in ``q``, ``fq`` and ``sort``.

Harvesters page with ``fq=metadata_modified:[2026-01-01T00:00:00Z TO *]`` and ``sort=id asc``; portals filter
with ``organization:gaj``, ``tags:"人口"``, ``res_format:(CSV OR XLSX)`` and negations (``-share_type:…``).
Clauses are joined by AND (implicitly or with ``AND``/``&&``); top-level OR across fields is refused as a
Search Query Error rather than silently misread. This module only parses; which fields exist is the
service's business.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["Clause", "QuerySyntaxError", "SortKey", "parse_filters", "parse_q", "parse_sort", "parse_timestamp"]


class QuerySyntaxError(ValueError):
    """The query is not in the supported syntax; ``key`` is the i18n key that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Clause:
    """``field:value`` (values are alternatives, OR-ed) or ``field:[low TO high]`` (None = open end)."""

    field: str
    values: tuple[str, ...] = ()
    is_range: bool = False
    low: str | None = None
    high: str | None = None
    include_low: bool = True
    include_high: bool = True
    negate: bool = False


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool


_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_MAX_CLAUSES = 50


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def eof(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def quoted(self) -> str:
        assert self.peek() == '"'
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if ch == '"':
                self.pos += 1
                return "".join(out)
            out.append(ch)
            self.pos += 1
        raise QuerySyntaxError("publish.query.unclosed_quote")

    def bare(self, stops: str = "") -> str:
        out = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch.isspace() or ch in stops:
                break
            if ch == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            out.append(ch)
            self.pos += 1
        return "".join(out)

    def value(self, stops: str = "") -> str:
        return self.quoted() if self.peek() == '"' else self.bare(stops)


def _range(sc: _Scanner, field: str, negate: bool) -> Clause:
    include_low = sc.peek() == "["
    sc.pos += 1
    sc.skip_space()
    low = sc.value("]}")
    sc.skip_space()
    if sc.bare("]}") != "TO":
        raise QuerySyntaxError("publish.query.bad_range")
    sc.skip_space()
    high = sc.value("]}")
    sc.skip_space()
    close = sc.peek()
    if close not in ("]", "}"):
        raise QuerySyntaxError("publish.query.bad_range")
    sc.pos += 1
    return Clause(
        field,
        is_range=True,
        low=None if low == "*" else low,
        high=None if high == "*" else high,
        include_low=include_low,
        include_high=close == "]",
        negate=negate,
    )


def _group(sc: _Scanner, field: str, negate: bool) -> Clause:
    sc.pos += 1
    values: list[str] = []
    expect_value = True
    while True:
        sc.skip_space()
        if sc.eof():
            raise QuerySyntaxError("publish.query.unclosed_group")
        if sc.peek() == ")":
            sc.pos += 1
            break
        token = sc.value(")")
        if not expect_value and token in ("OR", "||"):
            expect_value = True
            continue
        if not expect_value or token in ("AND", "&&", ""):
            raise QuerySyntaxError("publish.query.bad_group")
        values.append(token)
        expect_value = False
    if not values or expect_value:
        raise QuerySyntaxError("publish.query.bad_group")
    return Clause(field, values=tuple(values), negate=negate)


def _clauses(text: str, *, allow_text: bool) -> tuple[list[Clause], list[str]]:
    sc = _Scanner(text)
    clauses: list[Clause] = []
    words: list[str] = []
    while True:
        sc.skip_space()
        if sc.eof():
            break
        negate = False
        if sc.peek() in "+-" and sc.pos + 1 < len(sc.text) and not sc.text[sc.pos + 1].isspace():
            negate = sc.peek() == "-"
            sc.pos += 1
        start = sc.pos
        match = _FIELD.match(sc.text, sc.pos)
        if match and match.end() < len(sc.text) and sc.text[match.end()] == ":":
            field = match.group(0)
            sc.pos = match.end() + 1
            nxt = sc.peek()
            if nxt in ("[", "{"):
                clauses.append(_range(sc, field, negate))
            elif nxt == "(":
                clauses.append(_group(sc, field, negate))
            elif nxt == "" or nxt.isspace():
                raise QuerySyntaxError("publish.query.missing_value")
            else:
                clauses.append(Clause(field, values=(sc.value(),), negate=negate))
        elif sc.text.startswith("*:*", sc.pos):
            sc.pos += 3
        else:
            sc.pos = start
            word = sc.value()
            if word in ("AND", "&&"):
                continue
            if word in ("OR", "||", "NOT"):
                raise QuerySyntaxError("publish.query.unsupported_operator")
            if not allow_text:
                raise QuerySyntaxError("publish.query.expected_field")
            if word:
                words.append(word)
        if len(clauses) > _MAX_CLAUSES:
            raise QuerySyntaxError("publish.query.too_many_clauses")
    return clauses, words


def parse_filters(*fqs: str) -> list[Clause]:
    """Parse one or more ``fq`` strings into clauses (all must hold)."""
    out: list[Clause] = []
    for fq in fqs:
        clauses, _ = _clauses(fq, allow_text=False)
        out.extend(clauses)
    return out


def parse_q(q: str) -> tuple[str, list[Clause]]:
    """Split ``q`` into free text (for the full-text search) and ``field:value`` clauses."""
    clauses, words = _clauses(q, allow_text=True)
    return " ".join(words), clauses


def parse_sort(sort: str, allowed: frozenset[str]) -> list[SortKey]:
    """``"metadata_modified desc, id asc"`` → sort keys; an unknown field or direction is a syntax error."""
    keys: list[SortKey] = []
    for part in sort.split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or bits[0] not in allowed:
            raise QuerySyntaxError("publish.query.bad_sort")
        direction = bits[1].lower() if len(bits) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise QuerySyntaxError("publish.query.bad_sort")
        keys.append(SortKey(bits[0], direction == "desc"))
    return keys


_NOW_MATH = re.compile(r"^NOW(?:([+-])(\d+)(SECOND|MINUTE|HOUR|DAY)S?)?(?:/(DAY|HOUR))?$")


def parse_timestamp(value: str, now: dt.datetime) -> dt.datetime:
    """Solr date: ``2026-11-01T08:00:00Z`` (fractions allowed, Z optional: CKAN stores UTC) or ``NOW-1DAY``."""
    text = value.strip()
    match = _NOW_MATH.match(text)
    if match:
        sign, amount, unit, round_to = match.groups()
        result = now
        if sign:
            delta = dt.timedelta(**{unit.lower() + "s": int(amount)})
            result = now + delta if sign == "+" else now - delta
        if round_to == "DAY":
            result = result.replace(hour=0, minute=0, second=0, microsecond=0)
        elif round_to == "HOUR":
            result = result.replace(minute=0, second=0, microsecond=0)
        return result
    if text.endswith("Z"):
        text = text[:-1]
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise QuerySyntaxError("publish.query.bad_date") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
