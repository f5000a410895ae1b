"""The metadata history of a resource: a snapshot of what matters, and the diff between two snapshots.

Each change is stored with who made it and when, and the diff as ``[{"path", "old", "new"}]`` — paths such
as ``share_type``, ``tags`` or ``fields.出生日期.sensitivity`` — so that "what changed" is answered without
keeping whole copies.
"""

from __future__ import annotations

from typing import Any

from xingcheng.ledger.models import Field, Resource

__all__ = ["FIELD_ATTRS", "diff", "field_snapshot", "snapshot"]

FIELD_ATTRS = (
    "label",
    "description",
    "data_type",
    "required",
    "is_key",
    "format",
    "code_list",
    "min_value",
    "max_value",
    "max_length",
    "unit",
    "sensitivity",
    "grade_floor",
    "data_item",
    "authoritative",
    "source_names",
)
RESOURCE_ATTRS = (
    "name",
    "abstract",
    "kind",
    "department_id",
    "share_type",
    "share_conditions",
    "legal_basis",
    "share_methods",
    "open_type",
    "open_conditions",
    "grade_floor",
    "grade",
    "update_cycle",
    "state",
)


def field_snapshot(f: Field) -> dict[str, Any]:
    return {attr: _plain(getattr(f, attr)) for attr in FIELD_ATTRS}


def snapshot(r: Resource, class_code: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {attr: getattr(r, attr) for attr in RESOURCE_ATTRS}
    data["class"] = class_code
    data["tags"] = sorted(t.name for t in r.tags)
    data["formats"] = sorted(f.format for f in r.formats)
    data["field_order"] = [f.name for f in r.fields]
    data["fields"] = {f.name: field_snapshot(f) for f in r.fields}
    return data


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """What differs between two snapshots (``old`` None: everything is new)."""
    before = old or {}
    out: list[dict[str, Any]] = []
    for key, value in new.items():
        if key == "fields":
            continue
        if before.get(key) != value:
            out.append({"path": key, "old": before.get(key), "new": value})
    old_fields: dict[str, Any] = before.get("fields", {})
    new_fields: dict[str, Any] = new.get("fields", {})
    for name in [*old_fields, *(n for n in new_fields if n not in old_fields)]:
        a, b = old_fields.get(name), new_fields.get(name)
        if a is None or b is None:
            out.append({"path": f"fields.{name}", "old": a, "new": b})
            continue
        for attr in FIELD_ATTRS:
            if a.get(attr) != b.get(attr):
                out.append({"path": f"fields.{name}.{attr}", "old": a.get(attr), "new": b.get(attr)})
    return out
