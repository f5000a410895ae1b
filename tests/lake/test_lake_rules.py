"""The validation rules as SQL agree with the standards' Python validators, value by value."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from xingcheng.lake.engine import NATIVE_EXTENSION, create_division_table
from xingcheng.lake.rules import (
    DUCKDB,
    DUCKDB_NATIVE,
    Dialect,
    compile_rules,
    java_date_format,
    normalise_expr,
)
from xingcheng.ledger.schema import DataType, FieldFormat, FieldSpec, ResourceSchema
from xingcheng.standards import divisions, idnumber, plates, uscc
from xingcheng.standards.errors import InvalidIdNumber
from xingcheng.standards.masking import mask_id_number

TODAY = dt.date(2026, 11, 21)


# Every test here runs twice: with the rules in SQL, and with the compiled checks (decision 0037). Both must
# give the same answers, and the answers the standards module gives.
_DIALECTS: dict[int, Dialect] = {}


@pytest.fixture(scope="module", params=["sql", "native"])
def con(request):
    native = request.param == "native"
    if native and not NATIVE_EXTENSION.is_file():
        pytest.fail("the lake's compiled checks are not built: run `make native`")
    c = duckdb.connect(config={"allow_unsigned_extensions": True} if native else {})
    if native:
        c.execute(f"LOAD '{NATIVE_EXTENSION}'")
    create_division_table(c)
    _DIALECTS[id(c)] = DUCKDB_NATIVE if native else DUCKDB
    yield c
    del _DIALECTS[id(c)]
    c.close()


def _failing(con, field: FieldSpec, values: list[str | None], **kw) -> list[bool]:
    schema = ResourceSchema("t", "t", "x", fields=(field,))
    rules = compile_rules(schema, {field.name: "v"}, today=TODAY, dialect=_DIALECTS[id(con)], **kw)
    con.execute("CREATE OR REPLACE TEMP TABLE src AS SELECT * FROM (SELECT unnest(?::VARCHAR[]) AS v) ", [values])
    sql = rules.stage_sql("SELECT row_number() OVER () AS _row, v FROM src")
    rows = con.execute(f"SELECT _row, _m0 FROM ({sql}) ORDER BY _row").fetchall()
    return [m != 0 for _, m in rows]


def _mutations(rng: random.Random, good: list[str], alphabet: str) -> list[str]:
    out = []
    for value in good:
        chars = list(value)
        kind = rng.randrange(4)
        i = rng.randrange(len(chars))
        if kind == 0:
            chars[i] = rng.choice(alphabet)
        elif kind == 1 and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif kind == 2:
            del chars[i]
        else:
            chars.insert(i, rng.choice(alphabet))
        out.append("".join(chars))
    return out


def test_id_number_sql_equals_gb11643(con) -> None:
    rng = random.Random(11643)
    good = [
        idnumber.make(
            rng.choice(["430104", "110105", "610603", "440106"]),
            dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(45000)),
            rng.randrange(1000),
        )
        for _ in range(600)
    ]
    values = good + _mutations(rng, good, "0123456789X")
    values += ["", "43010419900307123", "4301041990030712345", "43010420000229123X", "+3010419900307123X"]
    values += [
        "430104" + "20250230" + "1234",
        "330104" + "19000101" + "0010",
        "990104199003071230",
        "43010419900307123x",
    ]
    failing = _failing(con, FieldSpec("v", "号码", format=FieldFormat.ID_NUMBER), values)
    provinces = {p.code for p in divisions.provinces()}
    for value, fails in zip(values, failing, strict=True):
        text = idnumber.normalize(value)
        # The lake checks the province, not the county: people keep numbers issued under abolished codes.
        valid = idnumber.is_valid(text, check_address=False) and text[:2] in provinces
        assert fails == (bool(text) and not valid), mask_id_number(value)


def test_full_width_and_lower_case_are_folded(con) -> None:
    good = idnumber.make("430104", dt.date(1990, 3, 7), 123)
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in good)
    assert _failing(
        con, FieldSpec("v", "号码", format=FieldFormat.ID_NUMBER), [wide, " " + good + " ", good.lower()]
    ) == [
        False,
        False,
        False,
    ]


def test_credit_code_sql_equals_gb32100(con) -> None:
    rng = random.Random(32100)
    good = [
        uscc.make("9", "1", "430104", "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8)))
        for _ in range(400)
    ]
    # Mutated bodies given a correct MOD 31 character: only the organisation-code check can refuse them.
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    resealed = [(m[:17] + uscc.check_char(m[:17])) for m in _mutations(rng, good, alphabet) if len(m) >= 17]
    values = good + _mutations(rng, good, alphabet + "IOSVZ") + resealed + ["91350100M000100Y43", "91350200776049653A"]
    assert sum(not uscc.is_valid(v) for v in resealed) > 100
    failing = _failing(con, FieldSpec("v", "代码", format=FieldFormat.USCC), values)
    for value, fails in zip(values, failing, strict=True):
        assert fails == (not uscc.is_valid(value)), value


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("430104", True),
        ("430100", True),
        ("4301", True),
        ("43", True),
        ("430104007", True),
        ("430104007001", True),
        ("430104999", False),
        ("439999", False),
        ("11010", False),
        ("abc", False),
        ("110105001001", True),
    ],
)
def test_division_codes_join_with_the_divisions_table(con, value: str, ok: bool) -> None:
    assert _failing(con, FieldSpec("v", "区划", format=FieldFormat.DIVISION_CODE), [value]) == [not ok]


def test_plates_phones_emails(con) -> None:
    plate_values = [
        "湘A12345",
        "湘AD12345",
        "湘A1234D",
        "湘AI2345",
        "XA12345",
        "湘A1234",
        plates.make("粤", "B", "12345"),
    ]
    assert _failing(con, FieldSpec("v", "号牌", format=FieldFormat.PLATE), plate_values) == [
        not plates.is_valid(v) for v in plate_values
    ]
    phones = ["13812345678", "0731-88888888", "073188888888", "+8613812345678", "12812345678", "1381234567", "电话"]
    assert _failing(con, FieldSpec("v", "电话", format=FieldFormat.PHONE), phones) == [
        False,
        False,
        False,
        False,
        True,
        True,
        True,
    ]
    emails = ["a@b.cn", "a.b@xingcheng.gov.cn", "a@b", "@b.cn", "a b@c.cn"]
    assert _failing(con, FieldSpec("v", "邮箱", format=FieldFormat.EMAIL), emails) == [False, False, True, True, True]


def test_types_codes_ranges_lengths_and_required(con) -> None:
    age = FieldSpec("v", "年龄", data_type=DataType.INTEGER, min_value=0, max_value=150, required=True)
    assert _failing(con, age, ["12", "-1", "151", "x", None, "１２"]) == [False, True, True, True, True, False]
    sex = FieldSpec("v", "性别", data_type=DataType.CODE, code_list=("男", "女"))
    assert _failing(con, sex, ["男", "M", None]) == [False, True, False]
    assert _failing(con, sex, ["1", "2", "3"], value_maps={"v": {"1": "男", "2": "女"}}) == [False, False, True]
    name = FieldSpec("v", "姓名", max_length=3)
    assert _failing(con, name, ["张三", "欧阳娜娜"]) == [False, True]


def test_dates_follow_the_profile_formats(con) -> None:
    day = FieldSpec("v", "日期", data_type=DataType.DATE)
    values = ["2020年1月2日", "2020-01-02", "20200102", "2020/13/02", "44996"]
    assert _failing(con, day, values, date_formats={"v": ["%Y年%-m月%-d日"]}) == [False, False, False, True, True]
    assert _failing(con, day, values, date_formats={"v": ["%Y%m%d", "excel_serial"]}) == [
        False,
        False,
        False,
        True,
        False,
    ]


def test_strftime_patterns_translate_to_java() -> None:
    assert java_date_format("%Y%m%d") == "yyyyMMdd"
    assert java_date_format("%Y年%-m月%-d日") == "yyyy年M月d日"
    assert java_date_format("%Y-%m-%dT%H:%M:%S") == "yyyy-MM-dd'T'HH:mm:ss"


def _id_value_is_valid(value: str, provinces: set[str]) -> bool:
    text = idnumber.normalize(value)
    try:
        idnumber.parse(text, check_address=False, today=TODAY)
    except InvalidIdNumber:
        return False
    return text[:2] in provinces


def test_id_number_sql_equals_gb11643_on_thousands_of_numbers(con) -> None:
    """The SQL check (shape, province, birth date as YYYYMMDD arithmetic, MOD 11-2 by group lookups) against
    the standards' validator: random valid numbers, each with every wrong check character, lower-case x,
    random digit strings, impossible and boundary dates, and strings an integer cast would accept."""
    rng = random.Random(1164399)
    counties = [c.code for p in divisions.provinces() for city in divisions.children(p.code)
                for c in divisions.children(city.code)][:400]  # fmt: skip
    start = dt.date(1900, 1, 1)
    good = [
        idnumber.make(rng.choice(counties), start + dt.timedelta(days=rng.randrange((TODAY - start).days + 1)),
                      rng.randrange(1000))
        for _ in range(2000)
    ]  # fmt: skip
    values = list(good)
    for g in good[:300]:
        values += [g[:17] + c for c in "0123456789X" if c != g[17]]  # every wrong check character
    values += [g[:17] + "x" for g in good if g.endswith("X")]  # lower-case x: folded, then valid
    values += ["".join(rng.choice("0123456789") for _ in range(18)) for _ in range(1500)]
    values += ["".join(rng.choice("0123456789") for _ in range(17)) + "X" for _ in range(500)]
    # Birth dates on and beyond every boundary, with the right check character.
    days = ["18991231", "19000101", "20000229", "19000229", "20240229", "20230229", "19901301", "19900001",
            "19900100", "19900132", "19900431", "00000101", "20261121", "20261122", "99991231"]  # fmt: skip
    values += ["430104" + day + "123" + idnumber.check_char("430104" + day + "123") for day in days]
    # An integer cast accepts a sign, spaces, underscores, a decimal point, an exponent, a hex prefix: none is a
    # digit, so none of these may pass, whatever their check character.
    for g in good[:40]:
        for i in (1, 5, 9, 12, 16):
            for c in "_. e+-x\t":
                values.append(g[:i] + c + g[i + 1 :])
    values += [g[:9] + "0x" + g[11:] for g in good[:20]] + [g[:9] + "1e" + g[11:] for g in good[:20]]
    failing = _failing(con, FieldSpec("v", "号码", format=FieldFormat.ID_NUMBER), values)
    provinces = {p.code for p in divisions.provinces()}
    assert sum(1 for v in values if _id_value_is_valid(v, provinces)) > 2000  # both outcomes well covered
    for value, fails in zip(values, failing, strict=True):
        assert fails == (not _id_value_is_valid(value, provinces)), mask_id_number(value)


def test_numbers_an_integer_cast_would_accept_are_not_phones_or_divisions(con) -> None:
    phone = FieldSpec("v", "电话", format=FieldFormat.PHONE)
    assert _failing(con, phone, ["13812345678", "1.38123e+10", "1381234e+04", "1381234567_", "138_1234567"]) == [
        False,
        True,
        True,
        True,
        True,
    ]
    area = FieldSpec("v", "区划", format=FieldFormat.DIVISION_CODE)
    assert _failing(con, area, ["430104007001", "430104007.12", "430104007_12", "4301040070e1", "430104 07"]) == [
        False,
        True,
        True,
        True,
        True,
    ]


def _cast_forms(value: str) -> list[str]:
    """Strings of the same length as ``value`` that an integer cast reads as numbers of as many digits (an
    exponent in either case; a hex prefix, also after white space) or nearly (a sign, an underscore, a decimal
    point that rounds, white space at either end, a binary prefix), and every non-digit character in every
    place."""
    n = len(value)
    number = int(value)
    # Hex spellings of nearby numbers without E in them (E is also an exponent, refused for that), where
    # they are short enough: plain, and after white space.
    hexes = [format(number + k, "X") for k in range(40)]
    out = [f"0x{h}" for h in hexes if "E" not in h and len(h) == n - 2][:1]
    out += [f"{w}0x{h}" for h in hexes if "E" not in h and len(h) == n - 3 for w in (" ", "\t")][:2]
    out += [
        value[: n - 4] + "e+04",  # the mantissa times 10^4: as many digits as the value
        value[: n - 4] + "E+04",
        value[: n - 3] + "e03",
        value[: n - 3] + "E03",
        "0b" + "1" * (n - 2),
        "+" + value[1:],
        "-" + value[1:],
        value[:3] + "_" + value[4:],
        value[: n - 2] + ".9",
        value[: n - 1] + ".",
        " " + value[1:],
        value[1:] + "\t",
    ]
    for i in range(n):
        out += [value[:i] + c + value[i + 1 :] for c in " \t\n\r\x0b\x0c+-_.eEbBxXaf/:"]
    return [v for v in out if v != value]


def test_digit_shapes_an_integer_cast_would_read_as_numbers_fail(con) -> None:
    """The shape tests behind an integer cast (no GLOB, decision 0036): every string an integer cast reads as a
    number of the right size, but that is not all digits, fails — for ID numbers, phones and division codes."""
    id_number = idnumber.make("430104", dt.date(1990, 1, 2), 1)
    field = FieldSpec("v", "号码", format=FieldFormat.ID_NUMBER)
    forms = _cast_forms(id_number) + _cast_forms(id_number[:17] + "9")
    assert _failing(con, field, [id_number, *forms]) == [False] + [True] * len(forms)
    for value, field in (
        ("13812345678", FieldSpec("v", "电话", format=FieldFormat.PHONE)),
        ("430104007001", FieldSpec("v", "区划", format=FieldFormat.DIVISION_CODE)),
        ("430104007", FieldSpec("v", "区划", format=FieldFormat.DIVISION_CODE)),
    ):
        forms = _cast_forms(value)
        assert _failing(con, field, [value, *forms]) == [False] + [True] * len(forms), value


def test_the_clean_value_shortcut_changes_nothing(con) -> None:
    """Each field's text through the compiled projection equals the full normalisation (trim, empty → NULL,
    folding, upper-casing) applied to every value."""
    fields = (
        FieldSpec("i", "号码", format=FieldFormat.ID_NUMBER),
        FieldSpec("p", "电话", format=FieldFormat.PHONE),
        FieldSpec("c", "区划", format=FieldFormat.DIVISION_CODE),
        FieldSpec("n", "数", data_type=DataType.INTEGER),
        FieldSpec("t", "文本"),
        FieldSpec("s", "性别", data_type=DataType.CODE, code_list=("男", "女")),
    )
    values = ["", " ", "  ", "a", " a", "a ", " a ", "a b", "138 1234 5678", "４３０１", " ４３ ", "43010x", "x",
              "X", "43010X ", "湖南", " 湖南 ", "1\t", "\t1", "男", " 女", "1"]  # fmt: skip
    schema = ResourceSchema("t", "t", "x", fields=fields)
    rules = compile_rules(schema, {f.name: "v" for f in fields}, today=TODAY, value_maps={"s": {"1": "男"}})
    con.execute(
        "CREATE OR REPLACE TEMP TABLE src AS SELECT unnest(?::VARCHAR[]) AS v, unnest(range(?)) AS k",
        [values, len(values)],
    )
    stage = rules.stage_sql("SELECT k AS _row, v FROM src")
    got = con.execute(f"SELECT {', '.join(f.name for f in fields)} FROM ({stage}) ORDER BY _row").fetchall()
    full = ", ".join(
        normalise_expr(DUCKDB, f, "nullif(trim(v), '')", {"1": "男"} if f.name == "s" else None) for f in fields
    )
    want = con.execute(f"SELECT {full} FROM src ORDER BY k").fetchall()
    assert got == want
