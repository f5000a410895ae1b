"""JSON API of the registries (``/api/registries/…``). Thin: parse, call the read functions, shape the output."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import NotFound, PermissionDenied
from xingcheng.core.permissions import Role
from xingcheng.identity.principal import Principal
from xingcheng.registries import permissions as P
from xingcheng.registries import reading
from xingcheng.registries import repository as repo
from xingcheng.registries.models import Component, Issue

__all__ = ["department_code_of", "read_policy", "router", "scope_issues"]

router = APIRouter(prefix="/api/registries", tags=["registries"])

_LEVELS = ("district", "township", "community", "grid")


class MatchIn(BaseModel):
    text: str = Field(min_length=1, max_length=300, description="A free-text address as a department wrote it.")


def read_policy(request: Request) -> reading.ReadPolicy | None:
    """The exchange's read policy (``xingcheng_read_policy``); None when no plugin provides one: reads refused."""
    return getattr(request.app.state, "read_policy", None)


def department_code_of(request: Request, db: DbSession, principal: Principal) -> str | None:
    from xingcheng.identity.models import Department

    if principal.department_id is None:
        return None
    dept = db.get(Department, principal.department_id)
    return dept.code if dept else None


def scope_issues(request: Request, db: DbSession, principal: Principal, department: str | None) -> str | None:
    """The department whose issues the caller may see: the bureau (approver, platform admin) any; others their own."""
    own = department_code_of(request, db, principal)
    if Role.PLATFORM_ADMIN in principal.roles or Role.APPROVER in principal.roles:
        return department
    if department and department != own:
        raise PermissionDenied("registries.issue.other_department")
    return own or "-"


@router.get("/summary", dependencies=[requires(P.VIEW)])
def summary(db: DbSession) -> dict[str, Any]:
    """Counts of the five registries, the last build and the open data-quality issues by department."""
    return reading.summary(db)


@router.get("/persons/{person_no}")
def person(
    request: Request, person_no: str, db: DbSession, principal: Annotated[Principal, requires(P.PERSON_VIEW)]
) -> dict[str, Any]:
    """A golden person record as the department's grant shows it: the source of every attribute, relations, open
    issues. No active grant on the person registry, or the person outside its scope: 403, audited."""
    return reading.person_card(
        db, person_no, principal=principal, policy=read_policy(request), events=request.app.state.events
    )


@router.get("/companies/{uscc}")
def company(
    request: Request, uscc: str, db: DbSession, principal: Annotated[Principal, requires(P.VIEW)]
) -> dict[str, Any]:
    """A legal entity by its unified social credit code, with its names and addresses over time (under a grant)."""
    return reading.company_card(
        db, uscc, principal=principal, policy=read_policy(request), events=request.app.state.events
    )


@router.get("/addresses/{address_code}")
def address(
    request: Request, address_code: str, db: DbSession, principal: Annotated[Principal, requires(P.VIEW)]
) -> dict[str, Any]:
    """A standard address with its places, building, house, right holders and residents (under a grant)."""
    return reading.address_card(
        db, address_code, principal=principal, policy=read_policy(request), events=request.app.state.events
    )


@router.post("/addresses/match", dependencies=[requires(P.VIEW)])
def match_address(body: MatchIn, db: DbSession) -> dict[str, Any]:
    """Parse a free-text address and match it to a standard address, with a match score."""
    from xingcheng.registries.service import match_text

    return match_text(db, body.text)


@router.get("/places", dependencies=[requires(P.VIEW)])
def places(
    db: DbSession,
    level: Annotated[str, Query(pattern="^(district|township|community|grid)$")] = "district",
    parent: Annotated[str | None, Query(max_length=15, pattern="^[0-9]*$")] = None,
) -> dict[str, Any]:
    """Districts, townships, communities or grid cells as a GeoJSON FeatureCollection (synthetic outlines)."""
    rows = repo.places(db, level, parent)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": p.code,
                "properties": {"code": p.code, "name": p.name, "level": p.level, "parent": p.parent_code},
                "geometry": p.geometry,
            }
            for p in rows
            if p.geometry
        ],
    }


@router.get("/components", dependencies=[requires(P.VIEW)])
def components(
    db: DbSession,
    class_code: Annotated[str | None, Query(alias="class", pattern="^[0-9]{4}$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """City components (城市部件): the class table (data, not code) and a page of components."""
    total, rows = repo.components(db, class_code=class_code, offset=offset, limit=limit)
    counts = repo.counts_by(db, Component.class_code)
    return {
        "classes": [
            {
                "code": c.code,
                "major_code": c.major_code,
                "major_name": c.major_name,
                "minor_code": c.minor_code,
                "minor_name": c.minor_name,
                "authority": c.authority,
                "components": counts.get(c.code, 0),
            }
            for c in repo.component_classes(db)
        ],
        "total": total,
        "components": [
            {
                "id": c.id,
                "class_code": c.class_code,
                "county_code": c.county_code,
                "serial": c.serial,
                "community_code": c.community_code,
                "grid_code": c.grid_code,
                "lon": c.lon,
                "lat": c.lat,
                "location": c.location,
                "department": c.department,
                "owner": c.owner,
                "maintainer": c.maintainer,
                "state": c.state,
                "surveyed": c.surveyed.isoformat() if c.surveyed else None,
                "aliases": [a for a in c.aliases.split(",") if a],
            }
            for c in rows
        ],
    }


@router.get("/issues")
def issues(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.ISSUE_VIEW)],
    department: Annotated[str | None, Query(max_length=32)] = None,
    registry: Annotated[str | None, Query(pattern="^(person|company|component|housing)$")] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Open data-quality issues addressed to a department (the caller's own unless they are the bureau)."""
    dept = scope_issues(request, db, principal, department)
    total, rows = repo.list_issues(db, department_code=dept, registry=registry, kind=kind, offset=offset, limit=limit)
    return {"total": total, "issues": [reading.issue_row(i) for i in rows]}


@router.post("/issues/{issue_id}/resolve")
def resolve_issue(
    request: Request, issue_id: int, db: DbSession, principal: Annotated[Principal, requires(P.ISSUE_RESOLVE)]
) -> dict[str, Any]:
    """Mark an issue of the caller's department as resolved (the department corrected its record)."""
    from xingcheng.registries.service import resolve_issue as resolve

    issue = db.get(Issue, issue_id)
    if issue is None:
        raise NotFound("registries.issue.not_found")
    own = department_code_of(request, db, principal)
    if Role.PLATFORM_ADMIN not in principal.roles and issue.department_code != own:
        raise PermissionDenied("registries.issue.other_department")
    return reading.issue_row(resolve(db, issue))
