"""The lake's compiled checks (xingcheng/lake/native/xc.c, decision 0037): built, loaded by the engine when
switched on, and equal to their reference on inputs a SQL cast or a careless loop would get wrong.

test_lake_rules.py runs every rule test with and without them; this file holds the functions themselves
to a Python reference, and the engine's switch."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb
import pytest

from xingcheng.core.settings import Settings
from xingcheng.lake.engine import NATIVE_EXTENSION, LakeEngine
from xingcheng.lake.rules import DUCKDB, DUCKDB_NATIVE
from xingcheng.standards import idnumber


@pytest.fixture(scope="module")
def xc():
    if not NATIVE_EXTENSION.is_file():
        pytest.fail("the lake's compiled checks are not built: run `make native`")
    c = duckdb.connect(config={"allow_unsigned_extensions": True})
    c.execute(f"LOAD '{NATIVE_EXTENSION}'")
    yield c
    c.close()


def _digits(value: str | None, n: int) -> int | None:
    if value is None or not 1 <= n <= 18:
        return None
    raw = value.encode()
    if len(raw) != n or any(b < 0x30 or b > 0x39 for b in raw):
        return None
    return int(raw)


def test_digits_equals_its_reference(xc) -> None:
    rng = random.Random(7)
    alphabet = "0123456789" * 4 + " +-._eExX" + "０１９" + "湖"
    values = ["", "0", "00", "007", "013812345678", "9" * 18, "9" * 19, "1" * 40]
    for _ in range(20_000):
        values.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 21))))
    ns = [rng.randrange(-1, 21) for _ in values]
    # One string split in SQL: a Python list parameter costs DuckDB several import attempts per element.
    got = xc.execute(
        "SELECT xc_digits(v, n::INTEGER) FROM (SELECT unnest(string_split(?, chr(1))) AS v, "
        "unnest(string_split(?, ',')) AS n)",
        ["\x01".join(values), ",".join(map(str, ns))],
    ).fetchall()
    assert [r[0] for r in got] == [_digits(v, n) for v, n in zip(values, ns, strict=True)]


def test_null_in_null_out_across_vectors(xc) -> None:
    """NULLs scattered over several 2,048-row vectors stay NULL, and only they do."""
    n = 5_000
    good = idnumber.make("430104", dt.date(1990, 1, 2), 1)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    ids = [None if i % 7 == 3 else (good if i % 2 else bad) for i in range(n)]
    codes = [None if i % 5 == 1 else "91350100M000100Y43" for i in range(n)]
    rows = xc.execute(
        "SELECT xc_digits(i, 18), xc_id_ok(i, 20261121, repeat('1', 100)), xc_uscc_ok(c) "
        "FROM (SELECT unnest(?::VARCHAR[]) AS i, unnest(?::VARCHAR[]) AS c)",
        [ids, codes],
    ).fetchall()
    for (digits, id_ok, uscc_ok), i, c in zip(rows, ids, codes, strict=True):
        assert (digits is None, id_ok is None, uscc_ok is None) == (i is None, i is None, c is None)
        if i is not None:
            assert digits == (int(i) if i.isdigit() else None)
            assert id_ok is (i == good)
        if c is not None:
            assert uscc_ok is True


def test_the_file_carries_duckdb_metadata() -> None:
    """The footer DuckDB reads: ABI C_STRUCT, C API v1.2.0, this platform; magic value 4."""
    tail = NATIVE_EXTENSION.read_bytes()[-512:]
    fields = [tail[i * 32 : (i + 1) * 32].rstrip(b"\0").decode() for i in range(8)]
    platform = duckdb.connect().execute("PRAGMA platform").fetchone()[0]
    assert fields[3:] == ["C_STRUCT", "v1.0.0", "v1.2.0", platform, "4"]


@pytest.mark.parametrize("native", [True, False])
def test_the_engine_loads_them_when_switched_on(tmp_path: Path, native: bool) -> None:
    engine = LakeEngine(Settings(data_dir=tmp_path, lake_native_checks=native))
    try:
        assert engine.dialect is (DUCKDB_NATIVE if native else DUCKDB)
        unsigned = engine.db.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0]
        assert unsigned is native  # off: the instance refuses unsigned extensions altogether
        loaded = engine.db.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'xc_id_ok'")
        assert loaded.fetchone()[0] == (1 if native else 0)
    finally:
        engine.close()
