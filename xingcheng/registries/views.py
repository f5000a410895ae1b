"""Pages of the registries: the overview with the district map, the person page for staff, companies,
addresses and the data-quality issues of one's department. Thin: every page renders what :mod:`.reading`
returns under the caller's grant; a refused read renders the refusal with a link to request access in the
exchange (403)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from xingcheng.core.deps import DbSession, requires
from xingcheng.core.pages import render
from xingcheng.identity.principal import Principal
from xingcheng.registries import permissions as P
from xingcheng.registries import reading
from xingcheng.registries import repository as repo
from xingcheng.registries.api import read_policy, scope_issues
from xingcheng.standards import idnumber

__all__ = ["router"]

router = APIRouter(tags=["registries pages"], include_in_schema=False)


def _refused(request: Request, refused: reading.ReadRefused) -> Response:
    """The refusal as a page: why, which resource, and where to ask for access (the exchange's request form)."""
    return render(
        request,
        "registries/refused.html",
        {
            "reason": refused.reason,
            "registry": refused.registry,
            "resource_code": refused.resource_code,
            "request_url": refused.request_url,
            "message_key": refused.detail_key,
            "params": refused.params,
        },
        status_code=refused.status_code,
    )


@router.get("/registries", dependencies=[requires(P.VIEW)])
def overview(request: Request, db: DbSession) -> Response:
    data = reading.summary(db)
    districts = [
        {"code": p.code, "name": p.name, "geometry": p.geometry} for p in repo.places(db, "district") if p.geometry
    ]
    return render(
        request,
        "registries/overview.html",
        {"summary": data, "districts_json": json.dumps(districts, ensure_ascii=False)},
    )


@router.get("/registries/persons")
def find_person(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.PERSON_VIEW)],
    q: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """Look a person up by registry number (RK…) or ID number; found → the person page."""
    text = q.strip().upper()
    person = None
    if text.startswith("RK"):
        person = repo.person_by_no(db, text)
    elif text:
        person = repo.person_by_id_number(db, idnumber.normalize(text))
    if text:
        # Looking up is a read too: without a grant (or outside its scope) the caller learns nothing, not even
        # whether the person exists. The search text (an ID number) never reaches the audit log.
        try:
            reading.authorize_lookup(db, principal, read_policy(request), person)
        except reading.ReadRefused as refused:
            return _refused(request, refused)
    if person is not None:
        return RedirectResponse(f"/registries/persons/{person.person_no}", status_code=303)
    return render(request, "registries/find.html", {"searched": bool(text)}, status_code=404 if text else 200)


@router.get("/registries/persons/{person_no}")
def person_page(
    request: Request, person_no: str, db: DbSession, principal: Annotated[Principal, requires(P.PERSON_VIEW)]
) -> Response:
    try:
        card = reading.person_card(
            db, person_no, principal=principal, policy=read_policy(request), events=request.app.state.events
        )
    except reading.ReadRefused as refused:
        return _refused(request, refused)
    return render(request, "registries/person.html", {"p": card})


@router.get("/registries/companies/{uscc}")
def company_page(
    request: Request, uscc: str, db: DbSession, principal: Annotated[Principal, requires(P.VIEW)]
) -> Response:
    try:
        card = reading.company_card(
            db, uscc, principal=principal, policy=read_policy(request), events=request.app.state.events
        )
    except reading.ReadRefused as refused:
        return _refused(request, refused)
    return render(request, "registries/company.html", {"c": card})


@router.get("/registries/addresses/{address_code}")
def address_page(
    request: Request, address_code: str, db: DbSession, principal: Annotated[Principal, requires(P.VIEW)]
) -> Response:
    try:
        card = reading.address_card(
            db, address_code, principal=principal, policy=read_policy(request), events=request.app.state.events
        )
    except reading.ReadRefused as refused:
        return _refused(request, refused)
    return render(request, "registries/address.html", {"a": card})


@router.get("/registries/issues")
def issues_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.ISSUE_VIEW)],
    department: Annotated[str | None, Query(max_length=32)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    dept = scope_issues(request, db, principal, department or None)
    total, rows = repo.list_issues(db, department_code=dept, offset=offset, limit=50)
    return render(
        request,
        "registries/issues.html",
        {
            "issues": [reading.issue_row(i) for i in rows],
            "total": total,
            "department": dept,
            "offset": offset,
            "summary": repo.issue_summary(db),
        },
    )
