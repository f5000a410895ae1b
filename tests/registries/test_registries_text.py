"""Normalising names, ID numbers, credit codes, phones, dates and addresses before comparison."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from xingcheng.registries import text as T
from xingcheng.standards import idnumber, uscc


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    yield c
    c.close()


def one(con: duckdb.DuckDBPyConnection, expr: str, value: object) -> object:
    """Evaluate an expression over a column ``v`` holding ``value``."""
    return con.execute(f"SELECT {expr} FROM (SELECT CAST($v AS VARCHAR) AS v)", {"v": value}).fetchone()[0]


def test_names_fold_traditional_spaces_and_full_width() -> None:
    assert T.fold_name("張 偉") == "张伟"
    assert T.fold_name(" 劉濤 ") == "刘涛"
    assert T.fold_name("蕭傑") == "肖杰"  # OpenCC gives 萧; the surname is 肖 since the 1977 scheme
    assert T.fold_name("欧阳·梓萱") == "欧阳梓萱"
    assert T.fold_name(None) == ""


def test_pinyin_keys_make_homophone_typos_equal() -> None:
    keys = T.name_keys(["汪伟", "王伟", "王 伟", "張偉", None])
    assert keys["汪伟"][1] == keys["王伟"][1] == "wang wei"
    assert keys["王 伟"] == keys["王伟"]
    assert keys["張偉"][0] == "张伟"


def test_id_numbers_valid_only_when_the_check_passes(con: duckdb.DuckDBPyConnection) -> None:
    good = idnumber.make("430104", dt.date(1990, 3, 7), 123)
    swapped = good[1] + good[0] + good[2:]
    expr = T.sql_id_number(T.sql_id_raw("v"))
    assert one(con, expr, good) == good
    assert one(con, expr, swapped) is None
    assert one(con, expr, good.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))) == good
    assert one(con, expr, good[:-1] + "x") == (good if good.endswith("X") else None)
    assert one(con, expr, "") is None
    assert one(con, expr, "43010419901399123X") is None  # month 13


def test_credit_codes(con: duckdb.DuckDBPyConnection) -> None:
    code = uscc.make("9", "1", "430104", "MA4L0000")
    assert one(con, T.sql_uscc("v"), code) == code
    assert one(con, T.sql_uscc("v"), code[:-1] + ("0" if code[-1] != "0" else "1")) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("20200102", dt.date(2020, 1, 2)),
        ("2020-01-02", dt.date(2020, 1, 2)),
        ("2020/1/2", dt.date(2020, 1, 2)),
        ("2020年1月2日", dt.date(2020, 1, 2)),
        ("43832", dt.date(2020, 1, 2)),  # an Excel serial
        ("2020-01-02 08:30:00", dt.date(2020, 1, 2)),
        ("２０２００１０２", dt.date(2020, 1, 2)),
        ("not a date", None),
    ],
)
def test_dates_in_every_departmental_style(con: duckdb.DuckDBPyConnection, text: str, day: dt.date | None) -> None:
    assert one(con, T.sql_date("v"), text) == day


def test_phones_and_addresses(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, T.sql_phone("v"), "+86 138-1234-5678") == "13812345678"
    assert one(con, T.sql_phone("v"), "12345") is None
    folded = one(con, T.sql_address("v"), "湖南省长沙市芙蓉区五一大道１０１号 ")
    assert folded == "芙蓉区五一大道101号" == T.fold_address("长沙市芙蓉区五一大道101号")
