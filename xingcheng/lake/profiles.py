"""Source profiles: how each department writes a resource's files, kept per resource in ``lake_profile``.

Departments' headers differ from field names (the ledger's ``source_names``), dates are written
``20200102`` by one and ``2020年1月2日`` by another, codes are ``1/2`` here and ``男/女`` there. A profile
records it once; every load of the resource reads its files through it. For the synthetic city the
profiles come from the synth manifest (each field's header, type and date format).
"""

from __future__ import annotations

from typing import Any

from xingcheng.lake.loader import Profile
from xingcheng.lake.rules import EXCEL_SERIAL
from xingcheng.ledger.schema import DataType, ResourceSchema

__all__ = ["profile_from_manifest"]

_ENCODINGS = {"gbk": "gb18030", "gb2312": "gb18030", "gb18030": "gb18030", "utf-8": "utf-8", "utf-8-sig": "utf-8"}


def profile_from_manifest(source: dict[str, Any], schema: ResourceSchema) -> Profile:
    """A profile from one ``sources[]`` entry of the synth manifest, for the resource it was registered as."""
    by_header = {f["name"]: f for f in source.get("fields", [])}
    by_label = {f["label"]: f for f in source.get("fields", [])}
    columns: dict[str, str] = {}
    formats: dict[str, list[str]] = {}
    labels: dict[str, dict[str, str]] = {}
    xlsx = source.get("format") == "xlsx"
    for field in schema.fields:
        entry = None
        for candidate in (*field.source_names, field.name):
            entry = by_header.get(candidate)
            if entry is not None:
                break
        if entry is None:
            entry = by_label.get(field.label)
        if entry is None:
            continue
        columns[field.name] = entry["name"]
        if field.data_type in (DataType.DATE, DataType.DATETIME):
            fmts = [entry["format"]] if entry.get("format") else []
            if xlsx:
                fmts.append(EXCEL_SERIAL)  # real date cells arrive as Excel serial numbers
            if fmts:
                formats[field.name] = fmts
        if entry.get("codes"):
            labels[field.name] = dict(entry["codes"])
    return Profile(
        columns=columns,
        encoding=_ENCODINGS.get(str(source.get("encoding", "")).lower()),
        date_formats=formats,
        sheet=(source.get("sheets") or [None])[0],
        format=source.get("format"),
        code_labels=labels,
    )
