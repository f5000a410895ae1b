"""Normalising what departments write, before records are compared.

Two halves. SQL expressions (DuckDB, and plain enough for Spark SQL) fold full-width digits and letters,
drop spaces, check GB 11643 ID numbers and GB 32100 credit codes arithmetically, and read the date styles
departments use — so millions of records are cleaned by the engine. Python folds *names*, where a table is
needed: traditional characters become simplified (OpenCC ``t2s``), and every name gets a pinyin key
(pypinyin, tones dropped), so that 汪/王 or 陈/程-style clerk's typos of a similar-sounding character still
compare close. Names are folded once per distinct value, not once per record.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Final

from xingcheng.standards import idnumber, uscc

__all__ = [
    "NameKey",
    "fold_address",
    "fold_name",
    "name_keys",
    "sql_address",
    "sql_clean",
    "sql_date",
    "sql_id_number",
    "sql_id_raw",
    "sql_lit",
    "sql_phone",
    "sql_uscc",
]

_FULL: Final = "".join(
    chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-()"
)
_HALF: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-()"
# Dropped from names and addresses: ASCII and ideographic spaces, the middle dot of transliterated names.
_SPACES: Final = "[\\s\u3000\u00a0·]"
# Prefixes departments add or leave out: the province, the city.
_ADDRESS_PREFIXES: Final = ("湖南省", "长沙市")


def sql_lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_clean(expr: str) -> str:
    """Text with full-width ASCII folded, spaces removed and empty made NULL."""
    v = f"CAST({expr} AS VARCHAR)"
    # translate() with a long table is slow per row; most values have no full-width character at all.
    has_full = f"regexp_matches({v}, {sql_lit('[' + _FULL + ']')})"
    folded = f"CASE WHEN {has_full} THEN translate({v}, {sql_lit(_FULL)}, {sql_lit(_HALF)}) ELSE {v} END"
    return f"nullif(regexp_replace({folded}, {sql_lit(_SPACES)}, '', 'g'), '')"


def sql_id_raw(expr: str) -> str:
    """An ID number as typed, folded to ASCII and upper case (may be invalid)."""
    return f"upper({sql_clean(expr)})"


def _weighted(expr: str, weights: Iterable[int], value: str) -> str:
    return " + ".join(f"{w} * {value.format(f'substr({expr}, {i + 1}, 1)')}" for i, w in enumerate(weights))


def sql_id_number(raw: str) -> str:
    """``raw`` (already :func:`sql_id_raw`) when it is a valid GB 11643 number, else NULL.

    Shape, a real birth date and the MOD 11-2 check character; MOD 11-2 catches every swap of two adjacent
    digits, so a transposed number is never taken for another person's.
    """
    total = _weighted(raw, idnumber.WEIGHTS, "CAST({} AS INTEGER)")
    check = f"substr({sql_lit(idnumber.CHECK_CHARS)}, (({total}) % 11) + 1, 1)"
    shape = f"regexp_full_match({raw}, '[1-9][0-9]{{16}}[0-9X]')"
    born = f"try_strptime(substr({raw}, 7, 8), '%Y%m%d') IS NOT NULL"
    return f"CASE WHEN {shape} AND {born} AND {check} = substr({raw}, 18, 1) THEN {raw} END"


def sql_uscc(expr: str) -> str:
    """A unified social credit code when it passes the GB 32100 MOD 31 check, else NULL."""
    raw = f"upper({sql_clean(expr)})"
    alphabet = sql_lit(uscc.ALPHABET)
    total = _weighted(raw, uscc.WEIGHTS, "(instr(" + alphabet + ", {}) - 1)")
    check = f"substr({alphabet}, ((31 - ({total}) % 31) % 31) + 1, 1)"
    shape = f"regexp_full_match({raw}, '[0-9A-HJ-NPQRTUWXY]{{2}}[0-9]{{6}}[0-9A-HJ-NPQRTUWXY]{{10}}')"
    return f"CASE WHEN {shape} AND {check} = substr({raw}, 18, 1) THEN {raw} END"


def sql_phone(expr: str) -> str:
    """A mainland mobile number as 11 digits (country code and separators dropped), else NULL."""
    digits = f"regexp_replace({sql_clean(expr)}, '[^0-9]', '', 'g')"
    return f"CASE WHEN regexp_full_match({digits}, '(86)?1[3-9][0-9]{{9}}') THEN right({digits}, 11) END"


def sql_date(expr: str) -> str:
    """A date from any style departments use: 20200102, 2020-01-02, 2020/1/2, 2020年1月2日, Excel serials."""
    v = sql_clean(expr)
    excel = "CAST(DATE '1899-12-30' + CAST(floor(CAST(d AS DOUBLE)) AS INTEGER) AS DATE)"
    return f"""(SELECT CASE
        WHEN regexp_full_match(d, '[12][0-9]{{7}}') THEN CAST(try_strptime(d, '%Y%m%d') AS DATE)
        WHEN regexp_full_match(d, '[1-9][0-9]{{4}}(\\.[0-9]+)?') THEN {excel}
        WHEN regexp_matches(d, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')
             THEN CAST(try_strptime(left(d, 10), '%Y-%m-%d') AS DATE)
        WHEN contains(d, '年') THEN CAST(try_strptime(d, '%Y年%m月%d日') AS DATE)
        WHEN contains(d, '/') THEN CAST(try_strptime(d, '%Y/%m/%d') AS DATE)
        ELSE CAST(try_strptime(d, '%Y-%m-%d') AS DATE) END FROM (SELECT {v} AS d))"""  # noqa: S608


def sql_address(expr: str) -> str:
    """Address text folded for matching: ASCII digits, no spaces, no province or city prefix."""
    v = sql_clean(expr)
    return f"nullif(regexp_replace({v}, '^(湖南省)?(长沙市)?', ''), '')"


def fold_address(text: str | None) -> str:
    """The Python twin of :func:`sql_address`."""
    if not text:
        return ""
    v = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace() and ch != "·")
    for prefix in _ADDRESS_PREFIXES:
        v = v.removeprefix(prefix)
    return v


# -- names -------------------------------------------------------------------------------------------------

_lock = threading.Lock()


@cache
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


@cache
def _pinyin_of(char: str) -> str:
    from pypinyin import Style, pinyin

    # heteronym=False: the most common reading; surnames read differently (单 shan) still match themselves.
    return pinyin(char, style=Style.NORMAL, heteronym=False, errors=lambda c: c)[0][0]


# Surnames whose simplification is ambiguous: OpenCC turns 蕭 into 萧, while the surname is usually 肖 in
# household registration since the 1977 second simplification scheme.
_NAME_FOLD: Final = str.maketrans({"萧": "肖"})


def fold_name(name: str | None) -> str:
    """A name as the registry compares it: NFKC, no spaces or dots, simplified characters."""
    if not name:
        return ""
    v = "".join(ch for ch in unicodedata.normalize("NFKC", name) if not ch.isspace() and ch != "·")
    if not v.isascii():
        with _lock:  # one OpenCC converter, not thread-safe
            v = _converter().convert(v)  # type: ignore[attr-defined]
    return v.translate(_NAME_FOLD)


class NameKey(tuple[str, str]):
    """(folded name, pinyin key)."""

    __slots__ = ()


def name_keys(names: Iterable[str | None]) -> dict[str, NameKey]:
    """Fold each distinct raw name once: raw → (folded name, pinyin key)."""
    out: dict[str, NameKey] = {}
    for raw in names:
        if raw is None or raw in out:
            continue
        folded = fold_name(raw)
        out[raw] = NameKey((folded, " ".join(_pinyin_of(ch) for ch in folded)))
    return out
