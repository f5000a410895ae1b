"""Where rows go: per-chunk part files written by workers, concatenated in chunk order by the parent.

A worker writes each output (a source or a truth file) of its chunk to its own part file, already encoded
in the output's encoding, without a header. The parent writes the headers, appends the parts chunk after
chunk (CSV and JSON lines are plain byte concatenation) and zips the XLSX sheets at the end, so the result
does not depend on which worker ran which chunk or when it finished.
"""

from __future__ import annotations

import codecs
import csv
import json
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Final

from . import xlsx
from .geography import Geography
from .manifest import SourceSpec, TruthFile
from .sources import SOURCES

__all__ = ["GBK_SUBSTITUTES", "TRUTH_COLUMNS", "Assembler", "ChunkOutputs"]

# Truth files written by the workers (persons … links) and by the parent (communities, grid cells).
TRUTH_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "persons": (
        "person_id", "id_number", "name", "sex", "birth_date", "address_code", "address_id", "household_id",
        "relation", "marital_status", "phone", "ethnicity", "birth_place_code", "father_id", "mother_id",
        "spouse_id", "marriage_date", "employer_id", "old_address_id",
    ),
    "companies": (
        "company_id", "uscc", "name", "kind", "entity_type", "legal_rep_person_id", "address_id",
        "address_code", "established", "status", "registered_capital", "industry",
    ),
    "addresses": (
        "address_id", "level", "community_code", "grid_code", "road", "door_no", "estate", "building",
        "unit", "room", "full_address", "lon", "lat",
    ),
    "components": (
        "component_id", "major_code", "minor_code", "minor_name", "community_code", "grid_code", "lon", "lat",
        "status",
    ),
    "links": ("source", "record_id", "entity_id"),
    "communities": (
        "code", "name", "kind", "township_code", "township_name", "county_code", "county_name", "lon", "lat",
    ),
    "grid_cells": ("code", "name", "community_code", "lon", "lat"),
}  # fmt: skip
_WORKER_TRUTH: Final = ("persons", "companies", "addresses", "components", "links")

# Real names with characters beyond GBK, and what GBK systems write instead (㮾梨街道 becomes 榔梨街道).
# Anything else a GBK file cannot hold is a bug and still fails.
GBK_SUBSTITUTES: Final = {"\u3bbe": "榔"}
_GBK_ERRORS: Final = "xingcheng-synth-gbk"


def _gbk_substitute(error: UnicodeError) -> tuple[str, int]:
    if isinstance(error, UnicodeEncodeError):
        bad = error.object[error.start : error.end]
        if all(ch in GBK_SUBSTITUTES for ch in bad):
            return "".join(GBK_SUBSTITUTES[ch] for ch in bad), error.end
    raise error


codecs.register_error(_GBK_ERRORS, _gbk_substitute)


def _part_encoding(spec: SourceSpec) -> str:
    # The byte-order mark belongs to the file's start, which the parent writes with the header.
    return "utf-8" if spec.encoding == "utf-8-sig" else spec.encoding


class ChunkOutputs:
    """A worker's part files for one chunk; every source row comes with its truth link."""

    def __init__(self, part_dir: Path) -> None:
        part_dir.mkdir(parents=True, exist_ok=True)
        self.dir = part_dir
        self.counts: Counter[str] = Counter()
        self._files: list[IO[str]] = []
        self._csv: dict[str, Any] = {}
        self._text: dict[str, IO[str]] = {}
        for spec in SOURCES:
            handle = self._open(spec.id, _part_encoding(spec))
            if spec.format == "csv":
                self._csv[spec.id] = csv.writer(handle, lineterminator=spec.newline)
            else:
                self._text[spec.id] = handle
        for name in _WORKER_TRUTH[:-1]:
            self._csv[name] = csv.writer(self._open(name, "utf-8"), lineterminator="\n")
        # Record keys and entity ids are codes (no commas, quotes or newlines), so links skip the csv module.
        self._link_write = self._open("links", "utf-8").write
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    def _open(self, name: str, encoding: str) -> IO[str]:
        errors = _GBK_ERRORS if encoding == "gbk" else "strict"
        handle = (self.dir / name).open("w", encoding=encoding, newline="", errors=errors)
        self._files.append(handle)
        return handle

    def csv_row(self, source: str, row: Sequence[object], record_id: str, entity_id: str) -> None:
        self._csv[source].writerow(row)
        self._link_write(f"{source},{record_id},{entity_id}\n")
        self.counts[source] += 1
        self.counts["links"] += 1

    def json_row(self, source: str, row: dict[str, object], record_id: str, entity_id: str) -> None:
        self._text[source].write(self._dumps(row) + "\n")
        self._link_write(f"{source},{record_id},{entity_id}\n")
        self.counts[source] += 1
        self.counts["links"] += 1

    def xlsx_row(self, source: str, row: Sequence[object], record_id: str, entity_id: str) -> None:
        self._text[source].write(xlsx.row_xml(row))
        self._link_write(f"{source},{record_id},{entity_id}\n")
        self.counts[source] += 1
        self.counts["links"] += 1

    def truth(self, name: str, row: Sequence[object]) -> None:
        self._csv[name].writerow(row)
        self.counts[name] += 1

    def close(self) -> None:
        for handle in self._files:
            handle.close()


class Assembler:
    """The parent's side: final files with headers, parts appended in chunk order, workbooks at the end."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.counts: Counter[str] = Counter()
        self._finals: dict[str, IO[bytes]] = {}
        self._sheets: dict[str, list[tuple[str, list[Path]]]] = {}
        self._sheet_rows: dict[str, int] = {}
        (out_dir / "sources").mkdir(parents=True, exist_ok=True)
        (out_dir / "truth").mkdir(parents=True, exist_ok=True)
        for spec in SOURCES:
            if spec.format == "xlsx":
                self._sheets[spec.id] = []
                self._sheet_rows[spec.id] = 0
                continue
            handle = (out_dir / spec.file).open("wb")
            if spec.format == "csv":
                header = ",".join(spec.header) + spec.newline
                handle.write(header.encode(spec.encoding))
            self._finals[spec.id] = handle
        for name in _WORKER_TRUTH:
            handle = (out_dir / "truth" / f"{name}.csv").open("wb")
            handle.write((",".join(TRUTH_COLUMNS[name]) + "\n").encode())
            self._finals[name] = handle

    def geography(self, geography: Geography) -> None:
        """Write the fixed geography: communities and grid cells."""
        with (self.out_dir / "truth" / "communities.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(TRUTH_COLUMNS["communities"])
            for c in geography.communities:
                writer.writerow((c.code, c.name, c.kind, c.township_code, c.township_name, c.county_code,
                                 c.county_name, c.lon, c.lat))  # fmt: skip
                self.counts["communities"] += 1
        with (self.out_dir / "truth" / "grid_cells.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(TRUTH_COLUMNS["grid_cells"])
            for g in geography.grid_cells():
                writer.writerow((g.code, g.name, g.community_code, g.lon, g.lat))
                self.counts["grid_cells"] += 1

    def append(self, part_dir: Path, counts: Counter[str]) -> None:
        """Append one chunk's parts; XLSX parts are kept until :meth:`finish` zips them."""
        for name, handle in self._finals.items():
            part = part_dir / name
            with part.open("rb") as data:
                shutil.copyfileobj(data, handle, 1 << 20)
            part.unlink()
        for source, sheets in self._sheets.items():
            rows = counts[source]
            if rows > xlsx.MAX_ROWS:  # sheets roll over between chunks, never inside one
                raise RuntimeError(f"{source}: one chunk has more rows than a sheet holds")
            if not sheets or self._sheet_rows[source] + rows > xlsx.MAX_ROWS:
                sheets.append((f"Sheet{len(sheets) + 1}", []))
                self._sheet_rows[source] = 0
            sheets[-1][1].append(part_dir / source)
            self._sheet_rows[source] += rows
        self.counts.update(counts)

    def finish(self) -> dict[str, tuple[str, ...]]:
        """Close the text outputs and write the workbooks; return each workbook's sheet titles."""
        for handle in self._finals.values():
            handle.close()
        titles: dict[str, tuple[str, ...]] = {}
        for spec in SOURCES:
            if spec.format != "xlsx":
                continue
            sheets = self._sheets[spec.id] or [("Sheet1", [])]
            base = spec.sheet or "Sheet1"
            named = [(base if i == 0 else f"{base}{i + 1}", parts) for i, (_, parts) in enumerate(sheets)]
            xlsx.write_workbook(self.out_dir / spec.file, [(t, spec.header, p) for t, p in named])
            titles[spec.id] = tuple(t for t, _ in named)
        return titles

    def truth_files(self) -> list[TruthFile]:
        return [TruthFile(name, f"truth/{name}.csv", self.counts[name], TRUTH_COLUMNS[name]) for name in TRUTH_COLUMNS]
