"""Federation: harvest a peer hub's catalog through its CKAN interface, and publish up to a higher hub.

A harvest pages ``package_search`` the way CKAN harvesters do — ``fq=metadata_modified:[<cursor>Z TO *]``,
``sort=id asc``, ``rows=100``, ``start`` += rows — and upserts each package through the ledger's
:func:`~xingcheng.ledger.service.upsert_harvested_resource`: stored read-only, keyed by its *origin* hub and
id, so an entry that reaches us by two paths (Zhuzhou's entry via Xiangtan) is one entry, and our own
entries coming back are skipped. The cursor is the newest ``metadata_modified`` the peer reported (the
peer's clock, never ours), advanced only when every page arrived. A full run (no ``fq``) also withdraws
(retires) the entries the peer no longer shows.

Publishing up is the higher hub harvesting us: ``publish_up`` asks it to, with ckanext-harvest's
``harvest_job_create`` action, and it pulls our shareable catalog with its own key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.errors import XingchengError
from xingcheng.core.settings import Settings
from xingcheng.ledger import repository as ledger_repo
from xingcheng.ledger import service as ledger
from xingcheng.ledger.models import Resource
from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish.dcat import HubInfo
from xingcheng.ledger.publish.errors import HarvestFailed
from xingcheng.ledger.publish.models import HarvestRun, HarvestSource
from xingcheng.ledger.schemas import FieldIn, HarvestedResourceIn

__all__ = [
    "FetchStats",
    "HarvestCounts",
    "PeerClient",
    "fetch_pages",
    "harvest_package",
    "package_to_input",
    "publish_up",
    "run_source",
]

_FORMAT_OK = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")
_ENUMS = {
    "share_type": {"unconditional", "conditional", "none"},
    "open_type": {"unconditional", "conditional", "none"},
    "grade": {"core", "important", "general"},
    "kind": {"data", "capability"},
    "update_cycle": {"realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"},
}


class PeerClient:
    """A small CKAN Action API client (POST JSON, no redirects), counting its requests."""

    def __init__(
        self, url: str, key: str | None, timeout: float, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        headers = {"User-Agent": "xingcheng-harvester", "Accept": "application/json"}
        if key:
            # What ckanapi sends: the raw key in both headers.
            headers["Authorization"] = key
            headers["X-CKAN-API-Key"] = key
        self.url = url.rstrip("/")
        self.requests = 0
        self.bytes = 0
        self._client = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, follow_redirects=False, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PeerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def action(self, name: str, data: dict[str, Any] | None = None) -> Any:
        self.requests += 1
        try:
            response = self._client.post(f"/api/3/action/{name}", json=data or {})
        except httpx.HTTPError:
            raise HarvestFailed("publish.harvest.unreachable") from None
        self.bytes += len(response.content)
        try:
            body = response.json()
        except ValueError:
            raise HarvestFailed("publish.harvest.not_ckan") from None
        if not isinstance(body, dict) or "success" not in body:
            raise HarvestFailed("publish.harvest.not_ckan")
        if not body["success"]:
            kind = (body.get("error") or {}).get("__type", "")
            if kind == "Authorization Error":
                raise HarvestFailed("publish.harvest.peer_refused")
            if kind == "Not Found Error":
                raise HarvestFailed("publish.harvest.peer_not_found")
            raise HarvestFailed("publish.harvest.peer_error")
        return body.get("result")


def _stamp(value: dt.datetime) -> str:
    """A cursor as harvesters write it: CKAN's naive UTC ISO form with a Z."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", ""))
    except ValueError:
        return None
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


@dataclass
class FetchStats:
    pages: int = 0
    packages: int = 0
    newest: dt.datetime | None = None


def fetch_pages(
    client: PeerClient,
    since: dt.datetime | None,
    *,
    rows: int,
    include_private: bool,
    stats: FetchStats | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Page through the peer's package_search, oldest id first; stops when ``start`` passes ``count``."""
    start = 0
    while True:
        data: dict[str, Any] = {"sort": "id asc", "rows": rows, "start": start}
        if since is not None:
            data["fq"] = f"metadata_modified:[{_stamp(since)} TO *]"
        if include_private:
            data["include_private"] = True
        result = client.action("package_search", data)
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise HarvestFailed("publish.harvest.not_ckan")
        page = [p for p in result["results"] if isinstance(p, dict)]
        if stats is not None:
            stats.pages += 1
            stats.packages += len(page)
            for p in page:
                stamp = _parse_time(p.get("metadata_modified"))
                if stamp and (stats.newest is None or stamp > stats.newest):
                    stats.newest = stamp
        yield page
        start += rows
        if not page or start >= int(result.get("count") or 0):
            return


def _extras(pkg: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in pkg.get("extras") or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            out[item["key"]] = "" if item.get("value") is None else str(item["value"])
    return out


def _hub_value(pkg: dict[str, Any], extras: dict[str, str], key: str) -> str:
    value = pkg.get(key)
    if value is None or value == "":
        value = extras.get(key, "")
    return "" if value is None else str(value)


def _fields(pkg: dict[str, Any], extras: dict[str, str]) -> list[dict[str, Any]]:
    """The information items as plain dicts: the ledger's schema validates them, with their positions."""
    raw = pkg.get("fields")
    if raw is None and extras.get("fields"):
        try:
            raw = json.loads(extras["fields"])
        except ValueError:
            raw = []
    out = []
    for f in raw or []:
        if isinstance(f, dict):
            out.append(
                {
                    "name": f.get("name", ""),
                    "label": f.get("label") or f.get("name", ""),
                    "data_type": f.get("data_type") or "string",
                    "unit": f.get("unit") or "",
                    "sensitivity": f.get("sensitivity") or "none",
                }
            )
    return out


def _formats(pkg: dict[str, Any], extras: dict[str, str]) -> list[str]:
    raw = pkg.get("formats")
    if raw is None and extras.get("formats"):
        try:
            raw = json.loads(extras["formats"])
        except ValueError:
            raw = None
    if raw is None:
        raw = [r.get("format", "") for r in pkg.get("resources") or [] if isinstance(r, dict)]
    out = []
    for fmt in raw:
        text = str(fmt or "").strip().lower()
        if text and _FORMAT_OK.match(text) and text not in out:
            out.append(text[:20])
    return out[:20]


def package_to_input(
    pkg: dict[str, Any], source: HarvestSource, peer_hub: str, our_hub: str
) -> HarvestedResourceIn | None:
    """A peer's CKAN package as the ledger's harvested input; None when it is our own entry coming back.
    Raises ``ValidationError`` (pydantic) for a package the ledger cannot hold."""
    extras = _extras(pkg)
    origin_hub = _hub_value(pkg, extras, "origin_hub") or peer_hub
    if origin_hub == our_hub:
        return None
    private = bool(pkg.get("private"))
    values: dict[str, str] = {}
    for key, allowed in _ENUMS.items():
        value = _hub_value(pkg, extras, key)
        values[key] = value if value in allowed else ""
    share_type = values["share_type"] or ("conditional" if private else "unconditional")
    open_type = values["open_type"] or ("none" if private else "unconditional")
    origin_code = _hub_value(pkg, extras, "code") or str(pkg.get("name") or pkg.get("id") or "")
    org = pkg.get("organization") if isinstance(pkg.get("organization"), dict) else {}
    org_title = str(org.get("title") or org.get("name") or extras.get("organization_title") or "")
    catalog_code = _hub_value(pkg, extras, "catalog_code")
    methods = [m for m in _hub_value(pkg, extras, "share_method").split(",") if m in ("database", "file", "service")]
    tags = [t["name"] for t in pkg.get("tags") or [] if isinstance(t, dict) and t.get("name")]
    extra = {
        "harvest_source": source.name,
        "origin_url": _hub_value(pkg, extras, "origin_url") or source.url,
        "uri": _hub_value(pkg, extras, "uri"),
        "origin_code": origin_code,
        "organization_title": org_title,
        "organization_code": str(org.get("name") or ""),
        "catalog_class": _hub_value(pkg, extras, "catalog_class"),
        "catalog_code": catalog_code,
        "theme": _hub_value(pkg, extras, "theme"),
        "endpoint_url": _hub_value(pkg, extras, "endpoint_url"),
    }
    shared_class = catalog_code if catalog_code[:2] in ("1-", "2-") else None
    return HarvestedResourceIn(
        origin_hub=origin_hub[:300],
        origin_id=_hub_value(pkg, extras, "origin_id") or str(pkg.get("id") or ""),
        code=f"{origin_hub[:30]}-{origin_code}"[:64],
        uuid=str(pkg.get("id") or "")[:36] or None,
        name=str(pkg.get("title") or pkg.get("name") or origin_code)[:200],
        abstract=str(pkg.get("notes") or "")[:4000],
        organisation=org_title[:200],
        class_code=shared_class,
        kind=values["kind"] or "data",
        share_type=share_type,
        share_conditions=_hub_value(pkg, extras, "share_conditions")[:2000],
        share_methods=methods,
        open_type=open_type,
        grade=values["grade"] or "general",
        update_cycle=values["update_cycle"] or "irregular",
        formats=_formats(pkg, extras),
        tags=[t[:50] for t in dict.fromkeys(tags)][:30],
        fields=_fields(pkg, extras),
        published_at=_parse_time(_hub_value(pkg, extras, "published_at")),
        metadata_modified=_parse_time(pkg.get("metadata_modified")),
        extras={k: v for k, v in extra.items() if v},
    )


def _as_input(r: Resource, retired: bool) -> HarvestedResourceIn:
    """A stored harvested entry as upsert input again (to withdraw it without losing its metadata)."""
    extras = dict(r.origin_extras or {})
    extras.pop("metadata_modified", None)
    return HarvestedResourceIn(
        origin_hub=r.origin_hub or "",
        origin_id=r.origin_id or "",
        code=r.code,
        uuid=r.uuid,
        name=r.name,
        abstract=r.abstract,
        organisation=r.origin_org or "",
        class_code=r.catalog_class.code if r.catalog_class else None,
        kind=r.kind,
        share_type=r.share_type,
        share_conditions=r.share_conditions,
        share_methods=[m for m in r.share_methods.split(",") if m],
        open_type=r.open_type,
        grade=r.grade,
        update_cycle=r.update_cycle,
        formats=[f.format for f in r.formats],
        tags=[t.name for t in r.tags],
        fields=[
            FieldIn(name=f.name, label=f.label, data_type=f.data_type, unit=f.unit, sensitivity=f.sensitivity)
            for f in r.fields
        ],
        retired=retired,
        published_at=r.published_at,
        extras=extras,
    )


@dataclass
class HarvestCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    withdrawn: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _field_error(pkg: dict[str, Any], exc: ValidationError | XingchengError) -> dict[str, Any]:
    origin_id = str(pkg.get("id") or "")[:100]
    if isinstance(exc, ValidationError):
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})[:5]
        return {"origin_id": origin_id, "code": "invalid", "fields": fields, "message_key": "publish.harvest.invalid"}
    return {"origin_id": origin_id, "code": exc.code, "message_key": exc.detail_key or exc.title_key}


def run_source(
    db: Session,
    settings: Settings,
    source: HarvestSource,
    *,
    trigger: str,
    actor: str,
    hub: HubInfo,
    full: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> HarvestRun:
    """Harvest one source now and record the run (the caller commits: one run, one transaction)."""
    run = HarvestRun(source=source, trigger=trigger, actor=actor, full=full, cursor_before=source.cursor, errors=[])
    db.add(run)
    db.flush()
    key = settings.harvest_keys.get(source.name)
    counts = HarvestCounts()
    stats = FetchStats()
    seen: set[tuple[str, str]] = set()
    since = None if full else source.cursor
    try:
        with PeerClient(
            source.url, key.get_secret_value() if key else None, settings.harvest_timeout_seconds, transport=transport
        ) as client:
            try:
                status = client.action("status_show")
                peer_hub = str((status or {}).get("hub_name") or source.name)
                for page in fetch_pages(
                    client,
                    since,
                    rows=settings.harvest_page_size,
                    include_private=source.include_private,
                    stats=stats,
                ):
                    for pkg in page:
                        harvest_package(db, pkg, source, peer_hub, hub.name, counts, seen)
                if full:
                    counts.withdrawn = _withdraw_missing(db, source, seen)
            finally:
                run.requests = client.requests
        if stats.newest is not None and (source.cursor is None or stats.newest > source.cursor):
            source.cursor = stats.newest
        run.status = "partial" if counts.errors else "ok"
    except HarvestFailed as exc:
        run.status = "failed"
        run.error_key = exc.detail_key or exc.title_key
    run.seen = stats.packages
    run.created, run.updated, run.unchanged = counts.created, counts.updated, counts.unchanged
    run.skipped, run.withdrawn = counts.skipped, counts.withdrawn
    run.errors = counts.errors[:200]
    run.cursor_after = source.cursor
    run.finished_at = utcnow()
    source.last_run_at = run.finished_at
    source.last_status = run.status
    db.flush()
    return run


def harvest_package(
    db: Session,
    pkg: dict[str, Any],
    source: HarvestSource,
    peer_hub: str,
    our_hub: str,
    counts: HarvestCounts,
    seen: set[tuple[str, str]],
) -> None:
    try:
        data = package_to_input(pkg, source, peer_hub, our_hub)
    except ValidationError as exc:
        counts.errors.append(_field_error(pkg, exc))
        return
    if data is None:
        counts.skipped += 1
        return
    seen.add((data.origin_hub, data.origin_id))
    existed = ledger_repo.resource_by_origin(db, data.origin_hub, data.origin_id) is not None
    try:
        with db.begin_nested():  # one bad package loses only itself
            _, changed = ledger.upsert_harvested_resource(db, data)
    except XingchengError as exc:
        counts.errors.append(_field_error(pkg, exc))
        return
    except IntegrityError:
        counts.errors.append(
            {"origin_id": data.origin_id, "code": "conflict", "message_key": "publish.harvest.conflict"}
        )
        return
    if not changed:
        counts.unchanged += 1
    elif existed:
        counts.updated += 1
    else:
        counts.created += 1


def _withdraw_missing(db: Session, source: HarvestSource, seen: set[tuple[str, str]]) -> int:
    n = 0
    for r in repo.harvested_via(db, source.name):
        if (r.origin_hub or "", r.origin_id or "") in seen:
            continue
        full = repo.load_entries(db, [r.id])[0]
        ledger.upsert_harvested_resource(db, _as_input(full, retired=True))
        n += 1
    return n


def publish_up(settings: Settings, source: HarvestSource, our_name: str) -> dict[str, Any]:
    """Ask the higher hub to harvest us now (ckanext-harvest's ``harvest_job_create``); returns its job."""
    key = settings.harvest_keys.get(source.name)
    started = time.perf_counter()
    with PeerClient(
        source.url, key.get_secret_value() if key else None, max(settings.harvest_timeout_seconds, 300.0)
    ) as client:
        job = client.action("harvest_job_create", {"source_id": our_name})
    if not isinstance(job, dict):
        raise HarvestFailed("publish.harvest.not_ckan")
    job["elapsed_seconds"] = round(time.perf_counter() - started, 3)
    return job
