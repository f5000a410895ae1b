"""Validation rules compiled to SQL, so that the engine — not Python — checks every row.

A resource's schema (the ledger's :class:`~xingcheng.ledger.schema.ResourceSchema`) becomes three things:

* a *normalising* projection: trimmed text, empty → NULL, full-width digits and letters folded, codes mapped
  from the department's values to the schema's;
* a *check* projection: for every rule a condition that is true when the row breaks it; each rule has a bit,
  and a row's failures are the sum of its bits (``_m0``, ``_m1`` … 62 rules per column), so 10 million rows
  are checked by vectorised arithmetic;
* a *typed* projection: the values as the lake stores them.

The GB 11643 MOD 11-2 checksum is a sum of lookups in small constant tables (one per pair of digits, built
here from the standard's weights) and the birth date inside the number is checked as the integer YYYYMMDD;
the GB 32100 MOD 31 checksum is arithmetic over ``instr``; administrative codes are checked by a join with
the divisions table. Where a value must be all digits, an integer cast is trusted only behind a guard that
leaves it nothing else to accept (a cast also accepts signs, spaces, underscores, decimal points, exponents
and hex; :meth:`Dialect.digits_guard`) — Spark uses a regular expression there. The same compiler emits
DuckDB and Spark SQL (:class:`Dialect`), which is how the Spark parity test runs the same validation.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from xingcheng.ledger.schema import DataType, FieldFormat, FieldSpec, ResourceSchema
from xingcheng.standards import divisions

__all__ = [
    "DIVISION_TABLE",
    "DUCKDB",
    "DUCKDB_NATIVE",
    "SPARK",
    "Check",
    "CompiledRules",
    "Dialect",
    "compile_rules",
    "division_codes",
    "java_date_format",
]

DIVISION_TABLE = "xc_division"
BITS_PER_MASK = 62

_FULL = "".join(chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")
_HALF = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_PROVINCE_CHARS = "京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川贵云藏陕甘青宁新"
_SERIAL = "[0-9A-HJ-NP-Z]"
# GA 36: province, authority letter, five characters — or six for new energy, with D A B C E F G H J K first or last.
_PLATE = f"[{_PROVINCE_CHARS}][A-HJ-NP-Z](?:{_SERIAL}{{5}}|[DABCEFGHJK]{_SERIAL}{{5}}|{_SERIAL}{{5}}[DABCEFGHJK])"
_PHONE = r"(?:\+?86)?1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}"
_EMAIL = r"[^@ ]+@[^@ ]+\.[A-Za-z]{2,}"
_TRUE = ("true", "t", "1", "y", "yes", "是")
_FALSE = ("false", "f", "0", "n", "no", "否")
# Counties whose townships are bundled (Chang-Zhu-Tan): their 9- and 12-digit codes are checked down to the
# township; elsewhere down to the county.
_TOWNSHIP_CITIES = divisions.CHANG_ZHU_TAN
EXCEL_SERIAL = "excel_serial"


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Dialect:
    """The few places where DuckDB and Spark SQL differ."""

    name: str
    text_type: str
    ident_quote: str
    # DuckDB with the lake's compiled checks loaded (xingcheng/lake/native/xc.c, decision 0037): the ID
    # number, credit code and digit-string checks call them instead of their SQL equivalents.
    native: bool = False

    def ident(self, name: str) -> str:
        q = self.ident_quote
        return q + name.replace(q, q + q) + q

    def full_match(self, expr: str, pattern: str) -> str:
        if self.name == "spark":
            # Spark's string literals treat a backslash as an escape: double it to keep the regex's own.
            return f"({expr} RLIKE {lit('^(?:' + pattern + ')$').replace(chr(92), chr(92) * 2)})"
        return f"regexp_full_match({expr}, {lit(pattern)})"

    def to_bigint(self, expr: str) -> str:
        return f"try_cast({expr} AS BIGINT)"

    def to_double(self, expr: str) -> str:
        return f"try_cast({expr} AS DOUBLE)"

    def to_date(self, expr: str, fmt: str) -> str:
        if fmt == EXCEL_SERIAL:
            serial = self.full_match(expr, "[0-9]{5}(?:\\.[0-9]+)?")
            if self.name == "spark":
                days = f"CAST(floor(CAST({expr} AS DOUBLE)) AS INT)"
                return f"CASE WHEN {serial} THEN date_add(DATE'1899-12-30', {days}) END"
            days = f"CAST(floor(CAST({expr} AS DOUBLE)) AS INTEGER)"
            return f"CASE WHEN {serial} THEN CAST(DATE '1899-12-30' + {days} AS DATE) END"
        if self.name == "spark":
            return f"to_date(try_to_timestamp({expr}, {lit(java_date_format(fmt))}))"
        return f"CAST(try_strptime({expr}, {lit(fmt)}) AS DATE)"

    def to_timestamp(self, expr: str, fmt: str) -> str:
        if fmt == EXCEL_SERIAL:
            serial = self.full_match(expr, "[0-9]{5}(?:\\.[0-9]+)?")
            if self.name == "spark":
                return (
                    f"CASE WHEN {serial} THEN timestamp_seconds(CAST(round((CAST({expr} AS DOUBLE) - 25569) * 86400) "
                    "AS BIGINT)) END"
                )
            return (
                f"CASE WHEN {serial} THEN CAST(make_timestamp(CAST(round((CAST({expr} AS DOUBLE) - 25569) * 86400e6) "
                "AS BIGINT)) AS TIMESTAMP) END"
            )
        if self.name == "spark":
            return f"try_to_timestamp({expr}, {lit(java_date_format(fmt))})"
        return f"try_strptime({expr}, {lit(fmt)})"

    def isin(self, expr: str, items: Sequence[str]) -> str:
        """``expr IN (items)`` (SQL literals); long lists as a list lookup, which DuckDB does not turn into a join."""
        if len(items) <= 4:
            return f"{expr} IN ({', '.join(items)})"
        if self.name == "spark":
            return f"array_contains(array({', '.join(items)}), {expr})"
        return f"list_contains([{', '.join(items)}], {expr})"

    def ends(self, expr: str, suffix: str) -> str:
        return self.ends_sql(expr, lit(suffix))

    def ends_sql(self, expr: str, suffix: str) -> str:
        """``expr`` ends with the value of the SQL expression ``suffix``."""
        return f"{'endswith' if self.name == 'spark' else 'ends_with'}({expr}, {suffix})"

    def byte_length(self, expr: str) -> str:
        return f"octet_length({expr})" if self.name == "spark" else f"strlen({expr})"

    def intdiv(self, a: str, b: int) -> str:
        return f"({a} div {b})" if self.name == "spark" else f"({a} // {b})"

    def as_text(self, expr: str) -> str:
        return f"CAST({expr} AS {self.text_type})"

    def contains(self, expr: str, needle: str) -> str:
        return f"(instr({expr}, {lit(needle)}) > 0)"

    def char_match(self, expr: str, pattern: str) -> str:
        """``expr`` is exactly ``pattern``, a sequence of single-character classes such as ``[0-9]``.

        DuckDB: GLOB, which matches character classes without a regular-expression engine (measured about
        15 % faster than ``regexp_full_match`` on an 18-character ID number, but about 65 CPU instructions a
        character: digit strings use :meth:`digits_guard` instead); Spark: the same as a regex.
        """
        if self.name == "spark":
            return self.full_match(expr, pattern)
        return f"({expr} GLOB {lit(pattern)})"

    def digits_guard(self, expr: str, n: int) -> str:
        """With ``try_cast(expr AS BIGINT)`` ≥ 10^(n-1): ``expr`` is exactly ``n`` ASCII digits, the first not 0.

        DuckDB: no GLOB (which costs about 65 CPU instructions a character, the most expensive part of the
        rules) but an integer cast that is trusted only where nothing else can pass it. A cast accepts
        leading and trailing white space, a sign, ``0x``/``0b`` prefixes, single ``_`` between digits, a
        decimal point (rounding) and an exponent; with ``n`` bytes, a first character 1-9 (no white space,
        sign or prefix before it) and no ``e``/``E``, every other accepted character takes the place of a
        digit, so the value stays below 10^(n-1) unless all ``n`` characters are digits.
        Spark: the same as a regular expression (the cast is not needed there).
        """
        if self.name == "spark":
            return self.full_match(expr, "[1-9][0-9]" + f"{{{n - 1}}}")
        return (
            f"({self.byte_length(expr)} = {n} AND {expr} >= '1' AND {expr} < ':' "
            f"AND NOT contains({expr}, 'e') AND NOT contains({expr}, 'E'))"
        )

    def digits(self, expr: str, n: int, low: int | None = None, high: int | None = None) -> str:
        """``expr`` is exactly ``n`` ASCII digits, the first not 0 (n ≤ 18), read as a number within
        ``low`` … ``high`` (default: any ``n``-digit number). See :meth:`digits_guard`."""
        low = 10 ** (n - 1) if low is None else low
        high = 10**n - 1 if high is None else high
        if self.native:
            return f"(xc_digits({expr}, {n}) BETWEEN {max(low, 10 ** (n - 1))} AND {high})"
        if self.name == "spark":
            bound = (
                ""
                if (low, high) == (10 ** (n - 1), 10**n - 1)
                else f" AND {self.to_bigint(expr)} BETWEEN {low} AND {high}"
            )
            return f"({self.digits_guard(expr, n)}{bound})"
        return f"({self.digits_guard(expr, n)} AND {self.to_bigint(expr)} BETWEEN {max(low, 10 ** (n - 1))} AND {high})"

    def lookup(self, values: Sequence[str], index: str) -> str:
        """``values[index]`` (0-based SQL literals); ``index`` must lie in range, the callers guarantee it.

        A short constant list indexed per row is cheap in DuckDB (measured: about 9 ns a row with 100 entries,
        17 ns with 1,000); the list is copied per vector of rows, so long ones are not (10,000: 100 ns).
        """
        if self.name == "spark":
            return f"element_at(array({', '.join(values)}), CAST({index} + 1 AS INT))"
        return f"[{', '.join(values)}][{index} + 1]"


DUCKDB = Dialect("duckdb", "VARCHAR", '"')
DUCKDB_NATIVE = Dialect("duckdb", "VARCHAR", '"', native=True)
SPARK = Dialect("spark", "STRING", "`")

_JAVA = {
    "%Y": "yyyy",
    "%m": "MM",
    "%-m": "M",
    "%d": "dd",
    "%-d": "d",
    "%H": "HH",
    "%-H": "H",
    "%M": "mm",
    "%S": "ss",
    "%y": "yy",
    "%f": "SSSSSS",
}


def java_date_format(fmt: str) -> str:
    """Translate a strftime pattern (as the synth manifest and profiles write them) to Java's."""
    out = []
    i = 0
    while i < len(fmt):
        token = fmt[i : i + 3] if fmt[i : i + 2] == "%-" else fmt[i : i + 2]
        if token in _JAVA:
            out.append(_JAVA[token])
            i += len(token)
            continue
        ch = fmt[i]
        if ch.isascii() and ch.isalpha():
            out.append(f"'{ch}'")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


@cache
def division_codes() -> tuple[str, ...]:
    """Every bundled division code, with provinces and cities also in their padded six-digit form."""
    codes: set[str] = set()
    stack = list(divisions.provinces())
    while stack:
        d = stack.pop()
        codes.add(d.code)
        if len(d.code) < 6:
            codes.add(d.gb2260)
        stack.extend(divisions.children(d.code))
    return tuple(sorted(codes))


@dataclass(frozen=True)
class Check:
    bit: int
    field: str
    rule: str

    @property
    def mask(self) -> int:
        return self.bit // BITS_PER_MASK

    @property
    def value(self) -> int:
        return 1 << (self.bit % BITS_PER_MASK)

    @property
    def code(self) -> str:
        return f"{self.field}:{self.rule}"


@dataclass
class CompiledRules:
    """SQL fragments for one schema and one column mapping."""

    schema: ResourceSchema
    dialect: Dialect
    normalise: list[str] = field(default_factory=list)  # "<expr> AS <field>", over the source relation
    aux: list[str] = field(default_factory=list)  # helper columns over the normalised relation
    masks: list[str] = field(default_factory=list)  # "<expr> AS _m<i>", over the normalised relation
    joins: list[str] = field(default_factory=list)  # LEFT JOINs the mask expressions need
    typed: list[str] = field(default_factory=list)  # "<expr> AS <field>", over the normalised relation
    checks: list[Check] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)  # per check: true when a row breaks it

    def stage_sql(self, source_sql: str, *, keep: Sequence[str] = ("_row",)) -> str:
        """Normalised fields, the kept source columns and the rule masks of every row of ``source_sql``."""
        d = self.dialect
        kept = "".join(f"src.{d.ident(k)}, " for k in keep)
        normalised = f"SELECT {kept}{', '.join(self.normalise)} FROM ({source_sql}) src"  # noqa: S608
        if self.aux:
            normalised = f"SELECT n.*, {', '.join(self.aux)} FROM ({normalised}) n"  # noqa: S608
        # n.*: the kept columns, the fields and the auxiliary columns (converted values among them).
        return f"SELECT n.*, {', '.join(self.masks)} FROM ({normalised}) n {' '.join(self.joins)}"  # noqa: S608

    @property
    def mask_names(self) -> list[str]:
        return [f"_m{i}" for i in range(len(self.masks))]

    def ok(self, alias: str = "") -> str:
        prefix = f"{alias}." if alias else ""
        return " AND ".join(f"{prefix}_m{i} = 0" for i in range(len(self.masks))) or "TRUE"

    def errors_expr(self, alias: str = "", mask_prefix: str = "_m") -> str:
        """A list of ``field:rule`` codes a row breaks (DuckDB; evaluated only for the failing rows)."""
        prefix = f"{alias}." if alias else ""
        items = ", ".join(
            f"CASE WHEN ({prefix}{mask_prefix}{c.mask} // {c.value}) % 2 = 1 THEN {lit(c.code)} END"
            for c in self.checks
        )
        return f"list_filter([{items}], x -> x IS NOT NULL)"


def _weighted_groups(first: int, size: int) -> tuple[str, ...]:
    """For every value of the ``size`` digits that start at ``first`` in an ID number's 17-digit body: their
    share of the GB 11643 weighted sum, mod 11.

    The first group (it starts with the province) holds NULL where its first two digits are not a province
    code: the sum, and so the whole check, is then NULL — failed.
    """
    weights = _ID_WEIGHTS[first : first + size]
    provinces = {int(p.code) for p in divisions.provinces()}
    out = []
    for value in range(10**size):
        if first == 0 and value // 10 ** (size - 2) not in provinces:
            out.append("NULL")
            continue
        digits = [int(c) for c in f"{value:0{size}d}"]
        out.append(str(sum(x * w for x, w in zip(digits, weights, strict=True)) % 11))
    return tuple(out)


# The 17-digit body of an ID number as one integer, in groups of two digits (one for the last): (the group's
# first digit, its size). Measured: groups of three (six lookups in 1,000-entry lists) are slower.
_ID_GROUPS = ((0, 2), (2, 2), (4, 2), (6, 2), (8, 2), (10, 2), (12, 2), (14, 2), (16, 1))
_ID_BODY = 17
_ID_SHAPE = "[0-9]" * 17 + "[0-9X]"


@cache
def _id_tables() -> tuple[tuple[str, ...], ...]:
    return tuple(_weighted_groups(first, size) for first, size in _ID_GROUPS)


@cache
def _month_days() -> tuple[str, ...]:
    """Whether MMDD (0 … 1231) is a day of the year; 0229 counts, leap years are checked apart."""
    out = []
    for mmdd in range(1232):
        month, day = divmod(mmdd, 100)
        out.append("TRUE" if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000, month)[1] else "FALSE")
    return tuple(out)


def id_body_expr(d: Dialect, v: str) -> str:
    """The 17-digit body of ID number ``v`` as one integer: ≥ 10^16 only when ``v`` is 17 ASCII digits (the
    first not 0: no province starts with 0) and then a digit or X; otherwise smaller or NULL. An all-digit
    number is cast whole (18 digits fit a BIGINT), which is cheaper than cutting it first; the cast is
    trusted only behind :meth:`Dialect.digits_guard` (the guard and the bound together make the shape).
    """
    head = d.to_bigint(f"substr({v}, 1, 17)")
    body = f"(CASE WHEN {d.ends(v, 'X')} THEN {head} ELSE {d.intdiv(d.to_bigint(v), 10)} END)"
    if d.name == "spark":
        return f"(CASE WHEN {d.char_match(v, _ID_SHAPE)} THEN {body} END)"
    return f"(CASE WHEN {d.digits_guard(v, 18)} THEN {body} END)"


def _id_number_ok(d: Dialect, v: str, q: str, today: int) -> str:
    """GB 11643: 17 digits and a MOD 11-2 check character, a real birth date, a known province.

    ``q`` is :func:`id_body_expr` (an auxiliary column, computed once per row): below 10^16 or NULL when the
    shape is wrong, which fails the check. The rest is integer arithmetic and short constant lists
    indexed per row:

    * the weighted sum is the sum of nine lookups, one per group of two digits (one for the last), in tables
      that hold each group's share of the sum (instead of 17 digit extractions); the first group's table
      also holds the province check;
    * the birth date (digits 7-14) is the number YYYYMMDD: within 1900-01-01 … today, MMDD a day of the
      year, 29 February in leap years only — no date parsing.

    With the compiled checks (``d.native``) all of it is one C function, ``xc_id_ok``, and ``q`` is not used.
    """
    if d.native:
        return f"xc_id_ok({v}, {today}, {lit(_province_flags())})"
    terms = []
    for (first, size), table in zip(_ID_GROUPS, _id_tables(), strict=True):
        below = _ID_BODY - first - size  # digits after the group
        group = q if below == 0 else d.intdiv(q, 10**below)
        if first > 0:
            group = f"{group} % {10**size}"
        terms.append(d.lookup(list(table), f"({group})"))
    check = d.lookup([lit(c) for c in "10X98765432"], f"(({' + '.join(terms)}) % 11)")
    ymd = f"({d.intdiv(q, 1000)} % 100000000)"
    mmdd = f"({d.intdiv(q, 1000)} % 10000)"
    year = d.intdiv(ymd, 10000)
    leap = f"({year} % 4 = 0 AND ({year} % 100 <> 0 OR {year} % 400 = 0))"
    born = (
        f"{ymd} BETWEEN 19000101 AND {today} AND {d.lookup(list(_month_days()), mmdd)} "
        f"AND (CASE WHEN {mmdd} = 229 THEN {leap} ELSE TRUE END)"
    )
    # Only a well-formed number has a body of 17 digits, so the lookups' indexes are always in range.
    return f"(CASE WHEN {q} >= {10 ** (_ID_BODY - 1)} THEN {born} AND {d.ends_sql(v, check)} ELSE FALSE END)"


@cache
def _province_flags() -> str:
    """100 characters, '1' at the index of every province code: the compiled ID check's province list."""
    provinces = {int(p.code) for p in divisions.provinces()}
    return "".join("1" if i in provinces else "0" for i in range(100))


def _uscc_ok(d: Dialect, v: str) -> str:
    """GB 32100: 18 characters of the code alphabet, the GB 11714 organisation-code check, the MOD 31 check."""
    if d.native:
        return f"xc_uscc_ok({v})"
    terms = " + ".join(
        f"(instr({lit(_USCC_ALPHABET)}, substr({v}, {i + 1}, 1)) - 1) * {w}" for i, w in enumerate(_USCC_WEIGHTS)
    )
    check = f"substr({lit(_USCC_ALPHABET)}, ((31 - (({terms}) % 31)) % 31) + 1, 1) = substr({v}, 18, 1)"
    org_terms = " + ".join(
        f"(instr({lit(_ORG_ALPHABET)}, substr({v}, {i + 9}, 1)) - 1) * {w}" for i, w in enumerate(_ORG_WEIGHTS)
    )
    org_check = f"substr('0123456789X0', (11 - (({org_terms}) % 11)) + 1, 1) = substr({v}, 17, 1)"
    return f"({d.full_match(v, '[0-9A-HJ-NPQRTUWXY]{18}')} AND {org_check} AND {check})"


_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def division_key_expr(d: Dialect, v: str) -> str:
    """The code a division value is looked up by — NULL when the value's shape is wrong, so that the join finds
    nothing and the rule fails: 2, 4 or 6 characters as they are (the join checks them: every bundled code is
    all digits); 9 or 12 ASCII digits down to the township in the bundled cities, else down to the county.
    (Lengths in bytes.) Computed once per row as an auxiliary column: the shape test and the key share it."""
    n = d.byte_length(v)
    bundled = " OR ".join(f"{v} LIKE {lit(c + '%')}" for c in _TOWNSHIP_CITIES)
    township = f"CASE WHEN {bundled} THEN substr({v}, 1, 9) ELSE substr({v}, 1, 6) END"
    return (
        f"(CASE {n} WHEN 12 THEN (CASE WHEN {d.digits(v, 12)} THEN {township} END) "
        f"WHEN 9 THEN (CASE WHEN {d.digits(v, 9)} THEN {township} END) "
        f"WHEN 6 THEN {v} WHEN 4 THEN {v} WHEN 2 THEN {v} END)"
    )


def _date_formats(formats: Sequence[str], default: Sequence[str]) -> list[str]:
    out = list(formats) or list(default)
    for fallback in default:
        if fallback not in out:
            out.append(fallback)
    return out


# Tried after a profile's own formats: how Chinese departments commonly write dates (%m also reads "1").
DATE_DEFAULTS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d")
DATETIME_DEFAULTS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", *DATE_DEFAULTS)


def typed_expr(d: Dialect, f: FieldSpec, v: str, formats: Sequence[str]) -> str:
    """The value of normalised text ``v`` as the lake stores it (NULL when it does not convert)."""
    t = f.data_type
    if t is DataType.INTEGER:
        return d.to_bigint(v)
    if t is DataType.DECIMAL:
        return d.to_double(v)
    if t is DataType.DATE:
        parts = [d.to_date(v, fmt) for fmt in _date_formats(formats, DATE_DEFAULTS)]
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
    if t is DataType.DATETIME:
        parts = [d.to_timestamp(v, fmt) for fmt in _date_formats(formats, DATETIME_DEFAULTS)]
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"
    if t is DataType.BOOLEAN:
        trues = d.isin(f"lower({v})", [lit(x) for x in _TRUE])
        falses = d.isin(f"lower({v})", [lit(x) for x in _FALSE])
        return f"CASE WHEN {trues} THEN TRUE WHEN {falses} THEN FALSE END"
    return v


def lake_type(f: FieldSpec) -> str:
    """The DuckDB column type of a field in the lake."""
    return {
        DataType.INTEGER: "BIGINT",
        DataType.DECIMAL: "DOUBLE",
        DataType.DATE: "DATE",
        DataType.DATETIME: "TIMESTAMP",
        DataType.BOOLEAN: "BOOLEAN",
    }.get(f.data_type, "VARCHAR")


def trim_expr(d: Dialect, x: str) -> str:
    """Text ``x`` trimmed of spaces; empty → NULL."""
    return f"nullif(trim({x}), '')"


def _folds(f: FieldSpec) -> bool:
    return f.format in (
        FieldFormat.ID_NUMBER,
        FieldFormat.USCC,
        FieldFormat.PLATE,
        FieldFormat.PHONE,
        FieldFormat.DIVISION_CODE,
    ) or f.data_type in (DataType.INTEGER, DataType.DECIMAL)


def normalise_expr(d: Dialect, f: FieldSpec, x: str, value_map: dict[str, str] | None) -> str:
    """Identifiers and numbers folded to ASCII (full-width digits), codes mapped to the schema's values."""
    expr = x
    if _folds(f):
        # translate() is slow; only text with a non-ASCII character (more bytes than characters) needs it.
        folded = f"translate({expr}, {lit(_FULL)}, {lit(_HALF)})"
        expr = f"(CASE WHEN {d.byte_length(expr)} <> length({expr}) THEN {folded} ELSE {expr} END)"
    if f.format is FieldFormat.ID_NUMBER:
        # Only the check character can be a letter: upper-case a trailing x, leave the rest as it is.
        expr = f"(CASE WHEN {d.ends(expr, 'x')} THEN upper({expr}) ELSE {expr} END)"
    elif f.format in (FieldFormat.USCC, FieldFormat.PLATE):
        expr = f"upper(replace({expr}, ' ', ''))"
    if f.format is FieldFormat.PHONE:
        expr = f"replace({expr}, ' ', '')"
    if value_map:
        cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in sorted(value_map.items()))
        expr = f"CASE {expr} {cases} ELSE {expr} END"
    return expr


def clean_expr(d: Dialect, f: FieldSpec, source: str | None, value_map: dict[str, str] | None) -> str:
    """A source column's text as the rules see it: trimmed, empty → NULL, normalised (an absent column is all
    NULL).

    Most values need none of it, and the functions that do it (trim, translate, replace, upper) copy every
    string they are given. So a cheap test of the value — no space at either end, not empty, ASCII only where
    full-width characters are folded, no trailing x in an ID number, no space in a phone number — lets the
    clean values through as they are, and only the others take the full path (measured: each test is a
    few nanoseconds; the copies cost tens).
    """
    if source is None:
        return f"CAST(NULL AS {d.text_type})"
    x = d.as_text(source)
    slow = normalise_expr(d, f, trim_expr(d, x), None)
    if f.format in (FieldFormat.USCC, FieldFormat.PLATE):
        expr = slow  # upper-casing: no cheap test for "already upper case"
    else:
        # A space anywhere (phones lose every space) covers a space at either end.
        spaces = [d.contains(x, " ")] if f.format is FieldFormat.PHONE else [f"{x} LIKE ' %'", f"{x} LIKE '% '"]
        dirty = [f"{x} = ''", *spaces]
        if _folds(f):
            dirty.append(f"{d.byte_length(x)} <> length({x})")
        if f.format is FieldFormat.ID_NUMBER:
            dirty.append(f"{x} LIKE '%x'")
        expr = f"(CASE WHEN {' OR '.join(dirty)} THEN {slow} ELSE {x} END)"
    if value_map:
        cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in sorted(value_map.items()))
        expr = f"CASE {expr} {cases} ELSE {expr} END"
    return expr


def _field_checks(
    d: Dialect, f: FieldSpec, v: str, converted: str, join_alias: str, aux: str, today: int
) -> list[tuple[str, str]]:
    """(rule, condition true when the value breaks it) for one field."""
    out: list[tuple[str, str]] = []
    present = f"{v} IS NOT NULL"
    if f.required or f.is_key:
        out.append(("required", f"{v} IS NULL"))
    t = f.data_type
    if t in (DataType.INTEGER, DataType.DECIMAL, DataType.DATE, DataType.DATETIME, DataType.BOOLEAN):
        rule = "date" if t in (DataType.DATE, DataType.DATETIME) else "type"
        out.append((rule, f"{present} AND {converted} IS NULL"))
    if f.code_list:
        out.append(("code_list", f"{present} AND NOT {d.isin(v, [lit(c) for c in f.code_list])}"))
    if f.max_length is not None:
        # Counting characters reads the whole string; the byte length bounds it and costs nothing.
        n = int(f.max_length)
        out.append(("max_length", f"{present} AND {d.byte_length(v)} > {n} AND length({v}) > {n}"))
    if t in (DataType.INTEGER, DataType.DECIMAL):
        number = d.to_double(v)
        if f.min_value is not None:
            out.append(("min", f"{number} < {float(f.min_value)!r}"))
        if f.max_value is not None:
            out.append(("max", f"{number} > {float(f.max_value)!r}"))
    fmt = f.format
    if fmt is FieldFormat.ID_NUMBER:
        # coalesce: a NULL from a failed cast inside the check means "not valid", never "passes".
        ok = _id_number_ok(d, v, aux + "q", today)
        out.append(("id_number", f"{present} AND NOT coalesce({ok}, FALSE)"))
    elif fmt is FieldFormat.USCC:
        out.append(("uscc", f"{present} AND NOT coalesce({_uscc_ok(d, v)}, FALSE)"))
    elif fmt is FieldFormat.DIVISION_CODE:
        # Digits only, 2, 4, 6, 9 or 12 of them, and a known code: the join with the divisions on the key
        # (division_key_expr, NULL for a wrong shape) checks both at once.
        out.append(("division_code", f"{present} AND {join_alias}.code IS NULL"))
    elif fmt is FieldFormat.PLATE:
        out.append(("plate", f"{present} AND NOT coalesce({d.full_match(v, _PLATE)}, FALSE)"))
    elif fmt is FieldFormat.PHONE:
        # Mobile numbers, the common case, by a digit shape; anything else by the full pattern.
        mobile = d.digits(v, 11, 13_000_000_000, 19_999_999_999)  # 1[3-9] and nine digits
        out.append(("phone", f"{present} AND NOT (CASE WHEN {mobile} THEN TRUE ELSE {d.full_match(v, _PHONE)} END)"))
    elif fmt is FieldFormat.EMAIL:
        out.append(("email", f"{present} AND NOT coalesce({d.full_match(v, _EMAIL)}, FALSE)"))
    return out


def compile_rules(
    schema: ResourceSchema,
    columns: dict[str, str | None],
    *,
    dialect: Dialect = DUCKDB,
    date_formats: dict[str, Sequence[str]] | None = None,
    value_maps: dict[str, dict[str, str]] | None = None,
    source_alias: str = "src",
    normalised_alias: str = "n",
    today: dt.date | None = None,
) -> CompiledRules:
    """Compile ``schema`` for a source whose column for field ``name`` is ``columns[name]`` (None: absent).

    ``columns`` values are source column *names*; the normalising projection reads them from
    ``source_alias``. Masks and typed values read the normalised columns (named like the fields) from
    ``normalised_alias``.
    """
    d = dialect
    # A literal, not current_date: both engines must see the same day for the same result.
    day = today or dt.date.today()  # noqa: DTZ011 - a calendar day is meant
    today_int = int(day.strftime("%Y%m%d"))
    formats = date_formats or {}
    maps = value_maps or {}
    out = CompiledRules(schema=schema, dialect=d)
    terms: list[list[str]] = []
    bit = 0
    for i, f in enumerate(schema.fields):
        source = columns.get(f.name)
        src = f"{source_alias}.{d.ident(source)}" if source is not None else None
        out.normalise.append(f"{clean_expr(d, f, src, maps.get(f.name))} AS {d.ident(f.name)}")
        v = f"{normalised_alias}.{d.ident(f.name)}"
        join_alias = f"_d{i}"
        aux = f"{normalised_alias}.__aux{i}"
        typed = typed_expr(d, f, v, formats.get(f.name, ()))
        converted = typed if typed == v else f"{normalised_alias}.__aux{i}t"
        if typed != v:
            # Converted once per row; the type rule and the stored value both read it.
            out.aux.append(f"{typed} AS __aux{i}t")
        if f.format is FieldFormat.ID_NUMBER and not d.native:
            out.aux.append(f"{id_body_expr(d, v)} AS __aux{i}q")
        checks = _field_checks(d, f, v, converted, join_alias, aux, today_int)
        if f.format is FieldFormat.DIVISION_CODE:
            out.aux.append(f"{division_key_expr(d, v)} AS __aux{i}k")
            out.joins.append(f"LEFT JOIN {DIVISION_TABLE} {join_alias} ON {join_alias}.code = {aux}k")
        for rule, condition in checks:
            check = Check(bit, f.name, rule)
            while len(terms) <= check.mask:
                terms.append([])
            terms[check.mask].append(f"CASE WHEN {condition} THEN {check.value} ELSE 0 END")
            out.checks.append(check)
            out.conditions.append(condition)
            bit += 1
        out.typed.append(f"{converted} AS {d.ident(f.name)}")
    out.masks = [f"CAST({' + '.join(t)} AS BIGINT) AS _m{i}" for i, t in enumerate(terms)] or [
        "CAST(0 AS BIGINT) AS _m0"
    ]
    return out
