"""The federation page: the hubs this one harvests and publishes up to, their runs, what came from where."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xingcheng.core.deps import DbSession, requires
from xingcheng.core.pages import render
from xingcheng.ledger.publish import permissions as P
from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish.hub import hub_info

__all__ = ["router"]

router = APIRouter(tags=["publish pages"], include_in_schema=False)


@router.get("/ledger/federation", dependencies=[requires(P.HARVEST_VIEW)])
def federation(request: Request, db: DbSession) -> Response:
    sources = repo.list_sources(db)
    return render(
        request,
        "publish/federation.html",
        {
            "hub": hub_info(request),
            "sources": sources,
            "runs": repo.list_runs(db, limit=20),
            "harvested": sorted(repo.count_harvested(db).items()),
        },
    )
