"""The manifest: what the generator wrote, described well enough to register and ingest each source.

``DIR/manifest.json`` lists every departmental source with its department, resource name, file, format,
encoding, record count, key and fields (name, Chinese label, type, whether personal, sensitivity, and
for dates the exact format), and every truth file. The data ledger registers a resource from a source
entry and the lake ingests the file against it. It holds no timestamps, so it is as reproducible as the
data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "Department",
    "FieldSpec",
    "FieldType",
    "Manifest",
    "Sensitivity",
    "SourceEntry",
    "SourceSpec",
    "TruthFile",
    "read_manifest",
]

FieldType = Literal["string", "integer", "decimal", "date", "datetime", "boolean", "code"]
Sensitivity = Literal["none", "personal", "sensitive"]
Format = Literal["csv", "xlsx", "jsonl"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column (or JSON key). ``format`` is the strftime pattern of date and datetime text."""

    name: str
    label: str
    type: FieldType = "string"
    sensitivity: Sensitivity = "none"
    format: str | None = None
    codes: dict[str, str] | None = None
    standard: str | None = None

    @property
    def personal(self) -> bool:
        return self.sensitivity != "none"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "personal": self.personal,
            "sensitivity": self.sensitivity,
        }
        for extra in ("format", "codes", "standard"):
            value = getattr(self, extra)
            if value is not None:
                data[extra] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldSpec:
        return cls(
            name=data["name"],
            label=data["label"],
            type=data["type"],
            sensitivity=data["sensitivity"],
            format=data.get("format"),
            codes=data.get("codes"),
            standard=data.get("standard"),
        )


@dataclass(frozen=True, slots=True)
class Department:
    name: str  # Chinese name, e.g. 长沙市公安局
    slug: str  # short English slug, e.g. psb


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """A departmental source as the department hands it over (static: no record count)."""

    id: str
    department: Department
    resource: str
    description: str
    file: str
    format: Format
    encoding: str
    key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    entity: Literal["person", "company", "address", "component"]
    newline: str = "\n"
    sheet: str | None = None

    @property
    def header(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass(frozen=True, slots=True)
class SourceEntry:
    spec: SourceSpec
    records: int
    sheets: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        s = self.spec
        data: dict[str, Any] = {
            "id": s.id,
            "department": {"name": s.department.name, "slug": s.department.slug},
            "resource": s.resource,
            "description": s.description,
            "file": s.file,
            "format": s.format,
            "encoding": s.encoding,
            "records": self.records,
            "key": list(s.key),
            "entity": s.entity,
            "fields": [f.to_dict() for f in s.fields],
        }
        if s.format == "csv":
            data["newline"] = "crlf" if s.newline == "\r\n" else "lf"
            data["bom"] = s.encoding == "utf-8-sig"
        if self.sheets:
            data["sheets"] = list(self.sheets)
        return data


@dataclass(frozen=True, slots=True)
class TruthFile:
    name: str
    file: str
    records: int
    columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "file": self.file, "records": self.records, "columns": list(self.columns)}


@dataclass(frozen=True, slots=True)
class Manifest:
    """What :func:`xingcheng.synth.generate` wrote; ``to_json`` is the content of ``manifest.json``."""

    seed: int
    persons: int
    generator: str
    reference_date: str
    mess_rates: dict[str, float]
    sources: tuple[SourceEntry, ...]
    truth: tuple[TruthFile, ...]
    companies: int = 0
    chunks: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def source(self, source_id: str) -> SourceEntry:
        for entry in self.sources:
            if entry.spec.id == source_id:
                return entry
        raise KeyError(source_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "seed": self.seed,
            "persons": self.persons,
            "companies": self.companies,
            "chunks": self.chunks,
            "reference_date": self.reference_date,
            "mess_rates": self.mess_rates,
            "sources": [s.to_dict() for s in self.sources],
            "truth": [t.to_dict() for t in self.truth],
            **self.extra,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def write(self, out_dir: Path) -> Path:
        path = out_dir / "manifest.json"
        path.write_text(self.to_json(), encoding="utf-8")
        return path


def read_manifest(path: Path) -> dict[str, Any]:
    """Load ``manifest.json`` as plain data (the ledger and lake consume it as JSON)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
