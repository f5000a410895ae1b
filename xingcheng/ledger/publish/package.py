"""Ledger rows → ``Entry`` → CKAN package dicts (and CKAN organisation and group dicts).

A package carries CKAN's own keys (id, name, title, notes, organization, tags, groups, resources, extras …)
and the hub's fields (code, share_type, open_type, grade, catalog_class, update_cycle, kind, the information
items …) twice: as top-level keys for clients that know the hub, and mirrored in ``extras`` (string values,
lists as JSON) for generic CKAN clients and harvesters, which only carry extras across.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from urllib.parse import quote

from xingcheng.ledger.models import Resource
from xingcheng.ledger.publish.dcat import HubInfo
from xingcheng.ledger.publish.entries import Entry, EntryField, Organisation
from xingcheng.ledger.publish.vocab import CKAN_LICENCE

__all__ = [
    "HUB_KEYS",
    "ckan_name",
    "ckan_time",
    "entry_from_resource",
    "group_dict",
    "organisation_dict",
    "package_dict",
    "resource_dicts",
]

# The hub's own fields, top level and in extras.
HUB_KEYS = (
    "code",
    "kind",
    "catalog_class",
    "catalog_code",
    "theme",
    "share_type",
    "share_conditions",
    "share_method",
    "open_type",
    "grade",
    "update_cycle",
    "published_at",
    "endpoint_url",
    "origin_hub",
    "origin_id",
    "origin_url",
    "harvested_at",
    "uri",
)
_NAME_BAD = re.compile(r"[^a-z0-9_-]+")


def ckan_name(code: str) -> str:
    """CKAN names are lower-case ``[a-z0-9_-]``, 2 to 100 characters."""
    name = _NAME_BAD.sub("-", code.lower()).strip("-")
    return (name or "entry").ljust(2, "-")[:100]


def ckan_time(value: dt.datetime | None) -> str | None:
    """CKAN writes UTC timestamps without a zone: ``2026-11-21T08:00:00.123456``."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _class_parts(code: str | None, classes: dict[str, tuple[str, str]]) -> tuple[str, str, str]:
    """(class kind, theme name = the 项, 项 code) of a class code such as ``1-01-001-001``."""
    if not code:
        return "", "", ""
    bits = code.split("-")
    top = classes.get(bits[0], ("", ""))
    item_code = "-".join(bits[:2])
    item = classes.get(item_code, ("", ""))
    return top[1] or classes.get(code, ("", ""))[1], item[0], item_code


def entry_from_resource(res: Resource, classes: dict[str, tuple[str, str]]) -> Entry:
    extras = dict(res.origin_extras or {})
    if res.origin_hub is None:
        dept = res.department
        org = Organisation(
            code=dept.code if dept else "",
            name=dept.name if dept else "",
            name_en=dept.name_en if dept else "",
            uscc=dept.uscc if dept else "",
            division_code=dept.division_code if dept else "",
            id=dept.id if dept else None,
        )
        class_code = res.catalog_class.code if res.catalog_class else None
        catalog_class, theme, _ = _class_parts(class_code, classes)
    else:
        title = res.origin_org or str(extras.get("organization_title", ""))
        org = Organisation(code=title, name=title, origin_hub=res.origin_hub)
        class_code = str(extras.get("catalog_code") or "") or (res.catalog_class.code if res.catalog_class else None)
        catalog_class = str(extras.get("catalog_class", ""))
        theme = str(extras.get("theme", ""))
    fields = tuple(
        EntryField(
            name=f.name,
            label=f.label,
            data_type=f.data_type,
            unit=f.unit,
            personal=f.sensitivity != "none",
            sensitivity=f.sensitivity,
            authoritative=f.authoritative,
        )
        for f in res.fields
    )
    published = res.published_at
    if published is None and extras.get("published_at"):
        published = dt.datetime.fromisoformat(str(extras["published_at"]))
    return Entry(
        id=res.uuid,
        code=res.code,
        name=ckan_name(res.code),
        title=res.name,
        abstract=res.abstract,
        kind=res.kind,
        organisation=org,
        catalog_class=catalog_class,
        theme=theme,
        share_type=res.share_type,
        share_conditions=res.share_conditions,
        share_method=",".join(m for m in res.share_methods.split(",") if m),
        open_type=res.open_type,
        grade=res.grade,
        update_cycle=res.update_cycle,
        state=res.state,
        formats=tuple(sorted(f.format for f in res.formats)),
        tags=tuple(sorted(t.name for t in res.tags)),
        fields=fields,
        created=res.created_at,
        modified=res.metadata_modified,
        published=published,
        endpoint_url=str(extras.get("endpoint_url", "")),
        origin_hub=res.origin_hub,
        origin_id=res.origin_id,
        origin_url=str(extras["origin_url"]) if extras.get("origin_url") else None,
        origin_uri=str(extras["uri"]) if extras.get("uri") else None,
        harvested_at=res.harvested_at,
        extra={"catalog_code": class_code or ""},
    )


def organisation_dict(org: Organisation, base_url: str, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": org.code,
        "name": org.code,
        "title": org.name,
        "display_name": org.name,
        "description": org.name_en,
        "image_url": "",
        "image_display_url": "",
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
        "created": None,
    }
    if org.uscc:
        out["uscc"] = org.uscc
    if org.division_code:
        out["division_code"] = org.division_code
    if org.origin_hub:
        out["origin_hub"] = org.origin_hub
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(code: str, name: str, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": code,
        "name": code,
        "title": name,
        "display_name": name,
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "type": "group",
        "is_organization": False,
        "state": "active",
        "approval_status": "approved",
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def _landing(entry: Entry, base_url: str) -> str:
    return f"{base_url}/api/3/action/package_show?id={quote(entry.name)}"


def entry_uri(entry: Entry, base_url: str) -> str:
    """The dataset's IRI, as the DCAT-AP export names it (ckanext-dcat's ``uri`` extra)."""
    if entry.harvested and entry.origin_uri:
        return entry.origin_uri
    return f"{base_url}/catalog/datasets/{quote(entry.name)}"


def resource_dicts(entry: Entry, base_url: str) -> list[dict[str, Any]]:
    """One CKAN resource per format (an API for capabilities and service-interface entries)."""
    formats = list(entry.formats)
    if entry.kind == "capability" or ("service" in entry.share_method.split(",") and not formats):
        formats = formats or ["api"]
    if not formats:
        formats = [m for m in entry.share_method.split(",") if m] or ["file"]
    url = entry.endpoint_url or _landing(entry, base_url)
    return [
        {
            "id": f"{entry.id}.{fmt}",
            "package_id": entry.id,
            "name": f"{entry.title} ({fmt.upper()})",
            "description": entry.abstract,
            "format": fmt.upper(),
            "url": url,
            "url_type": None,
            "mimetype": None,
            "resource_type": "api" if fmt == "api" else "file",
            "state": "active",
            "position": i,
            "created": ckan_time(entry.created),
            "last_modified": ckan_time(entry.modified),
        }
        for i, fmt in enumerate(formats)
    ]


def _field_dicts(entry: Entry) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "label": f.label,
            "data_type": f.data_type,
            "unit": f.unit,
            "sensitivity": f.sensitivity,
            "authoritative": f.authoritative,
        }
        for f in entry.fields
    ]


def package_dict(entry: Entry, hub: HubInfo, groups: dict[str, str]) -> dict[str, Any]:
    """The CKAN package of one entry. ``groups`` maps class 项 codes to their names."""
    base = hub.url.rstrip("/")
    licence_id, licence_title, licence_url = CKAN_LICENCE.get(entry.open_type, CKAN_LICENCE["none"])
    org = organisation_dict(entry.organisation, base)
    item_code = "-".join(entry.extra.get("catalog_code", "").split("-")[:2])
    hub_fields: dict[str, Any] = {
        "code": entry.code,
        "kind": entry.kind,
        "catalog_class": entry.catalog_class,
        "catalog_code": entry.extra.get("catalog_code", ""),
        "theme": entry.theme,
        "share_type": entry.share_type,
        "share_conditions": entry.share_conditions,
        "share_method": entry.share_method,
        "open_type": entry.open_type,
        "grade": entry.grade,
        "update_cycle": entry.update_cycle,
        "published_at": ckan_time(entry.published),
        "endpoint_url": entry.endpoint_url,
        "origin_hub": entry.origin_hub or hub.name,
        "origin_id": entry.origin_id or entry.id,
        "origin_url": entry.origin_url or base,
        "harvested_at": ckan_time(entry.harvested_at),
        "uri": entry_uri(entry, base),
    }
    resources = resource_dicts(entry, base)
    tags = [{"name": t, "display_name": t, "state": "active", "vocabulary_id": None} for t in entry.tags]
    group_list = [group_dict(item_code, groups[item_code])] if item_code in groups else []
    fields = _field_dicts(entry)
    extras = [{"key": k, "value": "" if v is None else str(v)} for k, v in hub_fields.items()]
    extras.append({"key": "fields", "value": json.dumps(fields, ensure_ascii=False)})
    extras.append({"key": "formats", "value": json.dumps(list(entry.formats))})
    extras.append({"key": "organization_title", "value": entry.organisation.name})
    extras.sort(key=lambda e: e["key"])
    return {
        "id": entry.id,
        "name": entry.name,
        "title": entry.title,
        "notes": entry.abstract,
        "type": "dataset",
        "state": "active",
        "private": entry.open_type == "none",
        "isopen": entry.open_type == "unconditional",
        "author": entry.organisation.name,
        "author_email": None,
        "maintainer": entry.organisation.name,
        "maintainer_email": None,
        "license_id": licence_id,
        "license_title": licence_title,
        "license_url": licence_url,
        "url": _landing(entry, base),
        "version": None,
        "metadata_created": ckan_time(entry.created),
        "metadata_modified": ckan_time(entry.modified),
        "creator_user_id": None,
        "owner_org": org["id"],
        "organization": org,
        "groups": group_list,
        "tags": tags,
        "num_tags": len(tags),
        "resources": resources,
        "num_resources": len(resources),
        "extras": extras,
        "relationships_as_object": [],
        "relationships_as_subject": [],
        **hub_fields,
        "formats": list(entry.formats),
        "fields": fields,
    }
