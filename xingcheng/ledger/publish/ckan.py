"""The CKAN actions: what each takes, what it returns, who sees what.

Read actions only (the ledger is edited through its own pages and API), plus ``harvest_job_create`` in the
manner of ckanext-harvest, through which a lower hub asks us to harvest it (publish-up). Visibility: every
caller sees the published entries open to the public; ``include_private`` (package_search) or a direct
look-up (package_show, resource_show) by a caller holding ``ledger.publish.shared`` adds the entries shared
among government departments but not opened. Parameters follow CKAN: GET query strings or a POST JSON body,
``rows`` capped at 1000, ``facet.field`` a JSON list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

import xingcheng
from xingcheng.core.db import utcnow
from xingcheng.core.errors import BadRequest, NotFound, PermissionDenied, ValidationFailed
from xingcheng.core.settings import Settings
from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish import service
from xingcheng.ledger.publish.ckan_query import Clause, QuerySyntaxError, parse_filters, parse_q, parse_sort
from xingcheng.ledger.publish.dcat import HubInfo
from xingcheng.ledger.publish.entries import Organisation
from xingcheng.ledger.publish.errors import SearchQueryFailed
from xingcheng.ledger.publish.package import ckan_name, entry_from_resource, group_dict, organisation_dict, package_dict
from xingcheng.ledger.publish.permissions import HARVEST_RUN, SHARED_VIEW
from xingcheng.ledger.publish.vocab import CKAN_LICENCE

__all__ = ["ACTIONS", "CkanContext", "call_action"]

ROWS_MAX = 1000
DEFAULT_ROWS = 10
FACET_FIELDS = frozenset(
    {
        "organization",
        "tags",
        "res_format",
        "groups",
        "license_id",
        "share_type",
        "open_type",
        "grade",
        "kind",
        "update_cycle",
        "origin_hub",
    }
)
SORT_FIELDS = frozenset({"score", "metadata_modified", "metadata_created", "id", "name", "title_string", "title"})


@dataclass
class CkanContext:
    db: Session
    principal: Any
    hub: HubInfo
    settings: Settings

    @property
    def can_see_shared(self) -> bool:
        return bool(self.principal.has(SHARED_VIEW))


# -- parameters --------------------------------------------------------------------------------------
def _invalid(field: str, code: str, key: str) -> ValidationFailed:
    return ValidationFailed(errors=[{"field": field, "code": code, "message_key": key}])


def _int(data: dict[str, Any], key: str, default: int, *, low: int = 0, high: int | None = None) -> int:
    raw = data.get(key, default)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _invalid(key, "invalid_integer", "publish.ckan.invalid_integer") from None
    if value < low:
        raise _invalid(key, "negative", "publish.ckan.must_be_natural")
    return min(value, high) if high is not None else value


def _bool(data: dict[str, Any], key: str, default: bool) -> bool:
    raw = data.get(key, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise _invalid(key, "invalid_boolean", "publish.ckan.invalid_boolean")


def _str(data: dict[str, Any], key: str, default: str = "") -> str:
    raw = data.get(key, default)
    if raw is None:
        return default
    if isinstance(raw, list):
        raw = raw[0] if raw else default
    return str(raw)


def _str_list(data: dict[str, Any], key: str) -> list[str]:
    """A list given as a JSON list, a JSON list in a string (CKAN's ``facet.field``) or repeated GET args."""
    raw = data.get(key)
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                raw = json.loads(text)
            except ValueError:
                raise _invalid(key, "invalid_json", "publish.ckan.invalid_list") from None
        else:
            raw = [text]
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise _invalid(key, "invalid_list", "publish.ckan.invalid_list")
    return raw


def _required(data: dict[str, Any], key: str) -> str:
    value = _str(data, key).strip()
    if not value:
        raise _invalid(key, "missing", "publish.ckan.missing_value")
    return value


# -- helpers ----------------------------------------------------------------------------------------
def _groups(ctx: CkanContext) -> dict[str, str]:
    classes = repo.class_index(ctx.db)
    return {code: name for code, (name, _) in classes.items() if code.count("-") == 1}


def _packages(ctx: CkanContext, ids: list[int]) -> list[dict[str, Any]]:
    classes = repo.class_index(ctx.db)
    groups = {code: name for code, (name, _) in classes.items() if code.count("-") == 1}
    return [package_dict(entry_from_resource(r, classes), ctx.hub, groups) for r in repo.load_entries(ctx.db, ids)]


def _visible_resource(ctx: CkanContext, key: str) -> Any:
    res = repo.resource_by_id_or_name(ctx.db, key)
    if res is None or res.state != "published":
        raise NotFound("publish.ckan.package_not_found")
    if res.open_type != "none":
        return res
    if res.share_type == "none":
        raise NotFound("publish.ckan.package_not_found")
    if not ctx.can_see_shared:
        raise PermissionDenied("publish.ckan.package_private")
    return res


# -- actions ----------------------------------------------------------------------------------------
def package_list(ctx: CkanContext, data: dict[str, Any]) -> list[str]:
    """Names of the published entries open to the public, by name (``limit``, ``offset``)."""
    limit = _int(data, "limit", 0)
    offset = _int(data, "offset", 0)
    spec = repo.SearchSpec(repo.Visibility(False), (), "", (("name", False),), offset, limit or 10**9)
    _, ids = repo.search_ids(ctx.db, spec)
    return [ckan_name(code) for code in repo.codes_by_ids(ctx.db, ids)]


def package_search(ctx: CkanContext, data: dict[str, Any]) -> dict[str, Any]:
    """Search the catalog: ``q``, ``fq`` (Solr syntax, e.g. ``metadata_modified:[2026-01-01T00:00:00Z TO *]``),
    ``fq_list``, ``sort``, ``rows`` (≤ 1000), ``start``, ``facet.field``, ``facet.limit``, ``facet.mincount``,
    ``include_private``."""
    rows = _int(data, "rows", DEFAULT_ROWS, high=ROWS_MAX)
    start = _int(data, "start", 0)
    include_private = _bool(data, "include_private", False) and ctx.can_see_shared
    facet_fields = _str_list(data, "facet.field")
    facet_limit = _int(data, "facet.limit", 50, low=-1)
    facet_mincount = _int(data, "facet.mincount", 1)
    want_facets = _bool(data, "facet", True)
    q = _str(data, "q")
    sort_text = _str(data, "sort")
    now = utcnow()
    try:
        text, q_clauses = parse_q(q)
        clauses = q_clauses + parse_filters(_str(data, "fq"), *_str_list(data, "fq_list"))
        conditions = tuple(repo.clause_condition(c, now) for c in clauses)
        default_sort = "score desc, metadata_modified desc" if text else "metadata_modified desc"
        order = parse_sort(sort_text or default_sort, SORT_FIELDS)
    except QuerySyntaxError as exc:
        raise SearchQueryFailed(exc.key) from None
    unknown = [f for f in facet_fields if f not in FACET_FIELDS]
    if unknown:
        raise SearchQueryFailed("publish.query.unknown_facet")
    spec = repo.SearchSpec(
        repo.Visibility(include_private),
        conditions,
        text,
        tuple((k.field, k.descending) for k in order),
        start,
        rows,
    )
    total, ids = repo.search_ids(ctx.db, spec)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    if want_facets:
        for name in facet_fields:
            counts = repo.facet_counts(ctx.db, spec, name, facet_limit, facet_mincount)
            if name == "license_id":
                counts = [(CKAN_LICENCE.get(v, CKAN_LICENCE["none"])[0], n) for v, n in counts]
            facets[name] = dict(counts)
            search_facets[name] = {
                "title": name,
                "items": [{"name": v, "display_name": v, "count": n} for v, n in counts],
            }
    return {
        "count": total,
        "sort": sort_text or ("score desc, metadata_modified desc" if text else "metadata_modified desc"),
        "facets": facets,
        "search_facets": search_facets,
        "results": _packages(ctx, ids),
    }


def package_show(ctx: CkanContext, data: dict[str, Any]) -> dict[str, Any]:
    """One entry by ``id`` (uuid) or name."""
    res = _visible_resource(ctx, _required(data, "id"))
    return _packages(ctx, [res.id])[0]


def resource_show(ctx: CkanContext, data: dict[str, Any]) -> dict[str, Any]:
    """One distribution by ``id`` (``<package id>.<format>``)."""
    key = _required(data, "id")
    package_id, _, fmt = key.partition(".")
    if not fmt:
        raise NotFound("publish.ckan.resource_not_found")
    res = _visible_resource(ctx, package_id)
    package = _packages(ctx, [res.id])[0]
    for resource in package["resources"]:
        if resource["id"] == key:
            return resource
    raise NotFound("publish.ckan.resource_not_found")


def _org_counts(ctx: CkanContext) -> dict[str, int]:
    return repo.org_counts(ctx.db, repo.Visibility(False))


def _organisations(ctx: CkanContext) -> list[Organisation]:
    orgs = [
        Organisation(d.code, d.name, d.name_en, d.uscc, d.division_code, d.id) for d in repo.list_departments(ctx.db)
    ]
    known = {o.code for o in orgs}
    for code in sorted(_org_counts(ctx)):
        if code not in known:
            orgs.append(Organisation(code, code, origin_hub="harvested"))
    return orgs


def organization_list(ctx: CkanContext, data: dict[str, Any]) -> list[Any]:
    """Provider departments (``all_fields``, ``limit``, ``offset``, ``organizations``)."""
    all_fields = _bool(data, "all_fields", False)
    limit = _int(data, "limit", 0)
    offset = _int(data, "offset", 0)
    wanted = set(_str_list(data, "organizations"))
    counts = _org_counts(ctx)
    orgs = [o for o in _organisations(ctx) if not wanted or o.code in wanted]
    orgs = orgs[offset : offset + limit] if limit else orgs[offset:]
    if not all_fields:
        return [o.code for o in orgs]
    base = ctx.hub.url
    return [organisation_dict(o, base, counts.get(o.code, 0)) for o in orgs]


def organization_show(ctx: CkanContext, data: dict[str, Any]) -> dict[str, Any]:
    """One department by ``id`` or name, with ``include_datasets`` (up to 1000 public entries)."""
    key = _required(data, "id")
    org = next((o for o in _organisations(ctx) if o.code == key), None)
    if org is None:
        raise NotFound("publish.ckan.organization_not_found")
    counts = _org_counts(ctx)
    out = organisation_dict(org, ctx.hub.url, counts.get(org.code, 0))
    if _bool(data, "include_datasets", False):
        cond = repo.clause_condition(Clause("organization", values=(org.code,)), utcnow())
        spec = repo.SearchSpec(repo.Visibility(False), (cond,), "", (("name", False),), 0, ROWS_MAX)
        _, ids = repo.search_ids(ctx.db, spec)
        out["packages"] = _packages(ctx, ids)
    out["users"] = []
    return out


def group_list(ctx: CkanContext, data: dict[str, Any]) -> list[Any]:
    """Themes (the catalog's 项: 人口, 法人 … 公共服务 …) (``all_fields``)."""
    all_fields = _bool(data, "all_fields", False)
    groups = _groups(ctx)
    per_class = repo.theme_counts(ctx.db, repo.Visibility(False))
    counts: dict[str, int] = {}
    for code, n in per_class.items():
        item = "-".join(code.split("-")[:2])
        counts[item] = counts.get(item, 0) + n
    codes = sorted(groups)
    if not all_fields:
        return codes
    return [group_dict(c, groups[c], counts.get(c, 0)) for c in codes]


def tag_list(ctx: CkanContext, data: dict[str, Any]) -> list[Any]:
    """Tags of the public entries (``query``, ``all_fields``)."""
    if data.get("vocabulary_id"):
        raise NotFound("publish.ckan.vocabulary_not_found")
    names = repo.tag_counts(ctx.db, repo.Visibility(False), _str(data, "query") or None, None)
    if _bool(data, "all_fields", False):
        return [{"id": n, "name": n, "display_name": n, "vocabulary_id": None} for n in names]
    return names


def status_show(ctx: CkanContext, data: dict[str, Any]) -> dict[str, Any]:
    """Who this hub is: title, URL, versions, and its name among federated hubs."""
    return {
        "site_title": ctx.hub.title,
        "site_description": ctx.hub.publisher_name,
        "site_url": ctx.hub.url,
        "ckan_version": "2.10.0",
        "error_emails_to": None,
        "locale_default": "zh_Hans_CN",
        "extensions": ["xingcheng", "dcat", "harvest"],
        "hub_name": ctx.hub.name,
        "xingcheng_version": xingcheng.__version__,
        "catalog_modified": _time(repo.newest_modified(ctx.db, repo.Visibility(False))),
    }


def help_show(ctx: CkanContext, data: dict[str, Any]) -> str:
    """The documentation of an action (``name``)."""
    name = _required(data, "name")
    fn = ACTIONS.get(name)
    if fn is None:
        raise NotFound("publish.ckan.action_not_found")
    return " ".join((fn.__doc__ or "").split())


def harvest_job_create(ctx: CkanContext, data: dict[str, Any]) -> dict[str, Any]:
    """Harvest one of our sources now (``source_id``: its name), as ckanext-harvest does; a lower hub calls
    this on us to publish up. Needs ``ledger.harvest.run``; a data administrator only for the source whose
    department is theirs."""
    name = _required(data, "source_id")
    if not ctx.principal.has(HARVEST_RUN):
        raise PermissionDenied("publish.harvest.not_allowed")
    source = service.get_source(ctx.db, name)
    service.ensure_source_scope(ctx.principal, source)
    run = service.run_harvest(ctx.db, ctx.settings, ctx.hub, source, trigger="publish_up", actor=ctx.principal.ref)
    return run_dict(run)


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


_JOB_STATUS = {"ok": "Finished", "partial": "Finished", "running": "Running"}


def run_dict(run: Any) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "source_id": run.source.name,
        "status": "Finished"
        if run.status in ("ok", "partial")
        else ("Running" if run.status == "running" else "Failed"),
        "run_status": run.status,
        "created": _time(run.started_at),
        "finished": _time(run.finished_at),
        "stats": {
            "added": run.created,
            "updated": run.updated,
            "not modified": run.unchanged,
            "skipped": run.skipped,
            "deleted": run.withdrawn,
            "errored": len(run.errors or []),
        },
        "requests": run.requests,
        "seen": run.seen,
        "error_key": run.error_key,
        "cursor": _time(run.cursor_after),
    }


ACTIONS: dict[str, Callable[[CkanContext, dict[str, Any]], Any]] = {
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "resource_show": resource_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "tag_list": tag_list,
    "status_show": status_show,
    "help_show": help_show,
    "harvest_job_create": harvest_job_create,
}


def call_action(ctx: CkanContext, name: str, data: dict[str, Any]) -> Any:
    fn = ACTIONS.get(name)
    if fn is None:
        raise BadRequest("publish.ckan.unknown_action")
    return fn(ctx, data)
