"""The streaming XLSX writer: readable by openpyxl, typed cells, reproducible bytes, sheet roll-over."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from xingcheng.synth import generate, xlsx


def _write(tmp_path: Path, rows: list[list[object]], name: str = "book.xlsx") -> Path:
    part = tmp_path / f"{name}.rows"
    part.write_text("".join(xlsx.row_xml(r) for r in rows), encoding="utf-8")
    path = tmp_path / name
    xlsx.write_workbook(path, [("数据", ["名称", "数量", "日期", "备注"], [part])])
    return path


def test_cells_keep_their_types(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["张三 & <李四>", 3, dt.date(2020, 1, 2), " 前后有空格 "],
        ["", 2.5, None, "末列"],
    ]
    book = openpyxl.load_workbook(_write(tmp_path, rows))
    sheet = book["数据"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["名称", "数量", "日期", "备注"]
    assert values[1] == ["张三 & <李四>", 3, dt.datetime(2020, 1, 2), " 前后有空格 "]
    assert values[2] == [None, 2.5, None, "末列"]
    assert sheet["C2"].is_date


def test_same_rows_same_bytes(tmp_path: Path) -> None:
    rows: list[list[object]] = [["a", 1, dt.date(2024, 6, 30), "b"]] * 50
    first = _write(tmp_path, rows, "first.xlsx").read_bytes()
    second = _write(tmp_path, rows, "second.xlsx").read_bytes()
    assert first == second


def test_workbooks_roll_over_to_a_new_sheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Sheets roll over between chunks (three here, of about 125 market entities each).
    monkeypatch.setattr(xlsx, "MAX_ROWS", 200)
    manifest = generate(tmp_path, persons=3_000, seed=8, workers=1)
    entry = manifest.source("amr_market_entities")
    assert entry.sheets == ("市场主体", "市场主体2", "市场主体3")
    book = openpyxl.load_workbook(tmp_path / entry.spec.file, read_only=True)
    assert book.sheetnames == list(entry.sheets)
    rows = [sum(1 for _ in sheet.iter_rows()) - 1 for sheet in book.worksheets]
    book.close()
    assert sum(rows) == entry.records
    assert max(rows) <= 200
