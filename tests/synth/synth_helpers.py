"""Helpers for the synthetic-city tests: the small city the session shares, and readers for its files."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from xingcheng.synth import Manifest, SourceSpec

PERSONS = 2_000
SEED = 11


@dataclass(frozen=True)
class City:
    root: Path
    manifest: Manifest

    def truth(self, name: str) -> list[dict[str, str]]:
        with (self.root / "truth" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))


def read_source(root: Path, spec: SourceSpec) -> list[dict[str, object]]:
    """Read a source file the way an ingesting system would, by its declared format and encoding."""
    path = root / spec.file
    if spec.format == "csv":
        text = path.read_bytes().decode(spec.encoding)
        return list(csv.DictReader(io.StringIO(text, newline="")))
    if spec.format == "jsonl":
        with path.open(encoding=spec.encoding) as handle:
            return [json.loads(line) for line in handle]
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows: list[dict[str, object]] = []
        for sheet in workbook.worksheets:
            values = sheet.iter_rows(values_only=True)
            header = [str(h) for h in next(values)]
            rows += [dict(zip(header, row, strict=True)) for row in values]
        return rows
    finally:
        workbook.close()


def source_rows(city: City) -> Iterator[tuple[SourceSpec, list[dict[str, object]]]]:
    for entry in city.manifest.sources:
        yield entry.spec, read_source(city.root, entry.spec)
