"""DCAT-AP export (``/catalog.ttl``, ``/catalog.jsonld``) and the federation API (``/api/ledger/harvest/…``).

Thin: parse, call the service, shape the output.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from xingcheng.core.db import utcnow
from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import ValidationFailed
from xingcheng.core.permissions import PUBLIC
from xingcheng.ledger.publish import permissions as P
from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish import service
from xingcheng.ledger.publish.ckan_query import QuerySyntaxError, parse_timestamp
from xingcheng.ledger.publish.hub import ckan_key, hub_info
from xingcheng.ledger.publish.schemas import HarvestRunOut, HarvestSourceIn, HarvestSourceOut

__all__ = ["router"]

router = APIRouter(tags=["publish"])


def _catalog(
    request: Request,
    db: Any,
    principal: Any,
    fmt: Literal["ttl", "jsonld"],
    page: int,
    page_size: int,
    modified_since: str | None,
    include_private: bool,
) -> Response:
    since = None
    if modified_since:
        try:
            since = parse_timestamp(modified_since, utcnow())
        except QuerySyntaxError:
            raise ValidationFailed(
                errors=[{"field": "modified_since", "code": "bad_date", "message_key": "publish.query.bad_date"}]
            ) from None
    doc = service.dcat_page(
        db,
        hub_info(request),
        fmt=fmt,
        page=page,
        page_size=page_size,
        modified_since=since,
        shared=include_private and principal.has(P.SHARED_VIEW),
    )
    return Response(doc.text, media_type=doc.media_type, headers={"X-Total-Count": str(doc.total)})


PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)]
Since = Annotated[str | None, Query(max_length=40, description="ISO timestamp (Z) or NOW-1DAY")]


@router.get("/catalog.ttl", dependencies=[Depends(ckan_key)])
def catalog_turtle(
    request: Request,
    db: DbSession,
    principal: Annotated[Any, requires(PUBLIC)],
    page: PageNo = 1,
    page_size: PageSize = 100,
    modified_since: Since = None,
    include_private: bool = False,
) -> Response:
    """The catalog as DCAT-AP 3.0 Turtle, one page (hydra paging)."""
    return _catalog(request, db, principal, "ttl", page, page_size, modified_since, include_private)


@router.get("/catalog.jsonld", dependencies=[Depends(ckan_key)])
def catalog_jsonld(
    request: Request,
    db: DbSession,
    principal: Annotated[Any, requires(PUBLIC)],
    page: PageNo = 1,
    page_size: PageSize = 100,
    modified_since: Since = None,
    include_private: bool = False,
) -> Response:
    """The catalog as DCAT-AP 3.0 JSON-LD, one page (hydra paging)."""
    return _catalog(request, db, principal, "jsonld", page, page_size, modified_since, include_private)


# -- federation ---------------------------------------------------------------------------------------
@router.get("/api/ledger/harvest/sources", dependencies=[requires(P.HARVEST_VIEW)])
def list_sources(db: DbSession) -> list[HarvestSourceOut]:
    return [HarvestSourceOut.model_validate(s) for s in repo.list_sources(db)]


@router.post("/api/ledger/harvest/sources", status_code=201, dependencies=[requires(P.HARVEST_MANAGE)])
def add_source(data: HarvestSourceIn, db: DbSession) -> HarvestSourceOut:
    return HarvestSourceOut.model_validate(service.add_source(db, data))


@router.get("/api/ledger/harvest/runs", dependencies=[requires(P.HARVEST_VIEW)])
def list_runs(db: DbSession, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[HarvestRunOut]:
    return [HarvestRunOut.model_validate(r) for r in repo.list_runs(db, limit=limit)]


@router.post("/api/ledger/harvest/sources/{source_name}/run")
def run_source(
    source_name: str,
    request: Request,
    db: DbSession,
    principal: Annotated[Any, requires(P.HARVEST_RUN)],
    full: bool = False,
) -> HarvestRunOut:
    """Harvest the source now; the run (ok, partial or failed) is recorded and returned."""
    source = service.get_source(db, source_name)
    service.ensure_source_scope(principal, source)
    run = service.run_harvest(
        db, request.app.state.settings, hub_info(request), source, trigger="api", actor=principal.ref, full=full
    )
    return HarvestRunOut.model_validate(run)
