"""The manifest describes the files exactly: counts, headers, field metadata, date formats."""

from __future__ import annotations

import datetime as dt
import json
import re

from synth_helpers import City

from xingcheng.synth import read_manifest

Rows = dict[str, list[dict[str, object]]]
TYPES = {"string", "integer", "decimal", "date", "datetime", "boolean", "code"}


def test_record_counts_match_the_files(city: City, city_rows: Rows) -> None:
    for entry in city.manifest.sources:
        assert entry.records == len(city_rows[entry.spec.id]) > 0, entry.spec.id
    for truth in city.manifest.truth:
        with (city.root / truth.file).open(encoding="utf-8") as handle:
            assert sum(1 for _ in handle) - 1 == truth.records, truth.name


def test_columns_match_the_declared_fields(city: City, city_rows: Rows) -> None:
    for entry in city.manifest.sources:
        spec = entry.spec
        assert list(city_rows[spec.id][0]) == spec.header, spec.id
        if spec.format == "csv":
            first_line = (city.root / spec.file).read_bytes().split(spec.newline.encode(), 1)[0]
            assert first_line.decode(spec.encoding) == ",".join(spec.header)
    for truth in city.manifest.truth:
        with (city.root / truth.file).open(encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n").split(",") == list(truth.columns)


def test_manifest_file_is_what_generate_returned(city: City) -> None:
    data = read_manifest(city.root / "manifest.json")
    assert data == json.loads(city.manifest.to_json())
    assert data["seed"] == city.manifest.seed and data["persons"] == city.manifest.persons
    assert data["generator"].startswith("xingcheng-synth ")
    source = data["sources"][0]
    assert {"id", "department", "resource", "file", "format", "encoding", "records", "key", "fields"} <= set(source)
    assert set(source["department"]) == {"name", "slug"}


def test_ten_sources_from_ten_departments_in_mixed_formats(city: City) -> None:
    specs = [entry.spec for entry in city.manifest.sources]
    assert len(specs) == 10
    assert len({s.department.slug for s in specs}) == 10
    assert {s.format for s in specs} == {"csv", "xlsx", "jsonl"}
    assert {s.encoding for s in specs} >= {"gbk", "utf-8", "utf-8-sig"}
    assert all(re.fullmatch(r"[a-z]+", s.department.slug) for s in specs)


def test_field_metadata_is_complete_and_coherent(city: City) -> None:
    for entry in city.manifest.sources:
        spec = entry.spec
        assert set(spec.key) <= set(spec.header)
        for field in spec.fields:
            assert field.type in TYPES and field.label
            assert field.sensitivity in ("none", "personal", "sensitive")
            assert field.personal == (field.sensitivity != "none")
            if field.standard == "GB 11643-1999":
                assert field.sensitivity == "sensitive"
            if field.type == "datetime" or (field.type == "date" and spec.format != "xlsx"):
                assert field.format, (spec.id, field.name)
    births = city.manifest.source("hc_birth_certificates").spec
    assert all(f.sensitivity == "sensitive" for f in births.fields if f.name.startswith(("新生儿", "出生")))


def test_dates_follow_their_declared_format(city: City, city_rows: Rows) -> None:
    for entry in city.manifest.sources:
        for field in entry.spec.fields:
            if field.type not in ("date", "datetime"):
                continue
            values = [row[field.name] for row in city_rows[entry.spec.id] if row[field.name] not in (None, "")]
            assert values, (entry.spec.id, field.name)
            for value in values:
                if isinstance(value, dt.date):  # an Excel date cell
                    continue
                dt.datetime.strptime(str(value), (field.format or "").replace("%-", "%"))
