"""Pages of the lake: the resources in the lake, a resource's versions, scorecard over time, failing rules,
masked quarantine sample, lineage graph and upload form, and a load's progress page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xingcheng.core.db import utcnow
from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import NotFound, XingchengError
from xingcheng.core.pages import render
from xingcheng.lake import lineage
from xingcheng.lake import permissions as P
from xingcheng.lake import repository as repo
from xingcheng.lake.api import lake_service, load_out, version_out
from xingcheng.lake.quality import timeliness

__all__ = ["router"]

router = APIRouter(tags=["lake pages"], include_in_schema=False)


@router.get("/lake", dependencies=[requires(P.VIEW)])
def lake_page(request: Request, db: DbSession) -> Response:
    svc = lake_service(request)
    rows = []
    for code in repo.resources_with_versions(db):
        v = repo.latest_version(db, code)
        if v is None:
            continue
        try:
            schema = svc.schema(db, code)
        except XingchengError:
            continue
        quality = repo.quality_of_versions(db, [v.id]).get(v.id)
        rows.append({"code": code, "name": schema.name, "version": v, "quality": quality})
    return render(request, "lake/index.html", {"rows": rows, "loads": repo.count_loads(db)})


@router.get("/lake/resources/{resource_code}")
def resource_page(
    request: Request, resource_code: str, db: DbSession, principal: Annotated[Any, requires(P.VIEW)]
) -> Response:
    svc = lake_service(request)
    schema = svc.schema(db, resource_code)
    versions = repo.list_versions(db, resource_code, limit=30)
    latest = next((v for v in versions if v.expired_at is None), None)
    history = [version_out(db, v) for v in reversed(versions)]
    chart = [
        {
            "version": f"v{v.number}",
            **{
                k: (getattr(v.quality, k) if v.quality else None)
                for k in ("completeness", "validity", "uniqueness", "timeliness", "agreement", "score")
            },
        }
        for v in history
    ]
    loads = repo.list_loads(db, resource_code, limit=10)
    failing = next((load for load in loads if load.rows_failed and load.quarantine_file), None)
    can_load = principal.has(P.LOAD)
    if can_load:
        try:
            svc.ensure_scope(db, principal, schema)
        except XingchengError:
            can_load = False
    context = {
        "schema": schema,
        "versions": list(reversed(history)),
        "latest": latest,
        "chart": chart,
        "timeliness_now": timeliness(schema.update_cycle, latest.created_at, utcnow()) if latest else None,
        "loads": [load_out(request, db, load) for load in loads],
        "failing": load_out(request, db, failing) if failing else None,
        "sample": svc.quarantine_sample(db, failing, limit=10) if failing else [],
        "lineage": lineage.lineage_graph(db, resource_code),
        "can_load": can_load,
    }
    return render(request, "lake/resource.html", context)


@router.get("/lake/loads/{load_id}", dependencies=[requires(P.VIEW)])
def load_page(request: Request, load_id: int, db: DbSession) -> Response:
    svc = lake_service(request)
    load = repo.load_by_id(db, load_id)
    if load is None:
        raise NotFound("lake.load.not_found")
    schema = svc.schema(db, load.resource_code)
    return render(
        request,
        "lake/load.html",
        {"load": load_out(request, db, load), "schema": schema, "sample": svc.quarantine_sample(db, load, limit=20)},
    )
