"""Decisions of publishing: one DCAT-AP page, the harvest sources a hub keeps, who may run a harvest.

Functions flush, never commit: the request or the CLI command commits (one harvest run, one transaction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from xingcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xingcheng.core.permissions import Role
from xingcheng.core.settings import Settings
from xingcheng.identity import repository as identity_repo
from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish.dcat import DcatPage, HubInfo, build_graph, serialise
from xingcheng.ledger.publish.harvest import run_source
from xingcheng.ledger.publish.models import HarvestRun, HarvestSource
from xingcheng.ledger.publish.package import entry_from_resource
from xingcheng.ledger.publish.schemas import HarvestSourceIn

__all__ = [
    "MAX_PAGE_SIZE",
    "DcatDocument",
    "add_source",
    "dcat_page",
    "ensure_source_scope",
    "get_source",
    "remove_source",
    "run_harvest",
]

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class DcatDocument:
    text: str
    media_type: str
    total: int


def dcat_page(
    db: Session,
    hub: HubInfo,
    *,
    fmt: str,
    page: int,
    page_size: int,
    modified_since: dt.datetime | None,
    shared: bool,
) -> DcatDocument:
    """One page of the catalog, entries in id order (stable while pages are fetched)."""
    from xingcheng.ledger.models import Resource

    conditions = (Resource.metadata_modified >= modified_since,) if modified_since is not None else ()
    spec = repo.SearchSpec(repo.Visibility(shared), conditions, "", (("id", False),), (page - 1) * page_size, page_size)
    total, ids = repo.search_ids(db, spec)
    classes = repo.class_index(db)
    entries = [entry_from_resource(r, classes) for r in repo.load_entries(db, ids)]
    newest = repo.newest_modified(db, repo.Visibility(shared))
    graph = build_graph(entries, hub, DcatPage(page, page_size, total, modified_since, fmt), newest)
    media = "text/turtle; charset=utf-8" if fmt == "ttl" else "application/ld+json"
    return DcatDocument(serialise(graph, fmt), media, total)


# -- harvest sources ---------------------------------------------------------------------------------
def get_source(db: Session, name: str) -> HarvestSource:
    source = repo.source_by_name(db, name)
    if source is None:
        raise NotFound("publish.harvest.source_not_found")
    return source


def add_source(db: Session, data: HarvestSourceIn) -> HarvestSource:
    if repo.source_by_name(db, data.name) is not None:
        raise Conflict("publish.harvest.source_exists")
    department_id = None
    if data.department_code:
        dept = identity_repo.department_by_code(db, data.department_code)
        if dept is None:
            raise ValidationFailed(
                errors=[
                    {
                        "field": "department_code",
                        "code": "unknown_department",
                        "message_key": "publish.harvest.unknown_department",
                    }
                ]
            )
        department_id = dept.id
    source = HarvestSource(
        name=data.name,
        title=data.title.strip(),
        url=data.url.rstrip("/"),
        kind=data.kind,
        include_private=data.include_private,
        department_id=department_id,
        enabled=data.enabled,
    )
    db.add(source)
    db.flush()
    return source


def remove_source(db: Session, name: str) -> None:
    db.delete(get_source(db, name))
    db.flush()


def ensure_source_scope(principal: Any, source: HarvestSource) -> None:
    """The bureau runs any harvest; a department's data administrator (or API client) only the source its
    department stands for — a lower hub asking to be harvested (publish-up)."""
    if Role.PLATFORM_ADMIN in principal.roles or Role.APPROVER in principal.roles:
        return
    if source.department_id is None or source.department_id != principal.department_id:
        raise PermissionDenied("publish.harvest.other_department")


def run_harvest(
    db: Session,
    settings: Settings,
    hub: HubInfo,
    source: HarvestSource,
    *,
    trigger: str,
    actor: str,
    full: bool = False,
) -> HarvestRun:
    if source.kind == "upper":
        raise ValidationFailed(
            errors=[{"field": "kind", "code": "upper_hub", "message_key": "publish.harvest.upper_not_harvested"}]
        )
    if not source.enabled:
        raise ValidationFailed(
            errors=[{"field": "enabled", "code": "disabled", "message_key": "publish.harvest.disabled"}]
        )
    return run_source(db, settings, source, trigger=trigger, actor=actor, hub=hub, full=full)
