"""Pages of the data ledger: the catalog (search with facets), a resource, the field editor, the review
queue with 一数一源 arbitration, catalog import with its template, and the dashboard. Thin: each page calls
the same service functions as the JSON API.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import ValidationFailed
from xingcheng.core.pages import render
from xingcheng.core.permissions import Role
from xingcheng.identity.principal import Principal
from xingcheng.ledger import dashboard as dash
from xingcheng.ledger import importer
from xingcheng.ledger import permissions as P
from xingcheng.ledger import repository as repo
from xingcheng.ledger import service as svc
from xingcheng.ledger.api import CatalogFilters, policy, query_from, resource_out, search_out
from xingcheng.ledger.schema import DataType, FieldFormat, Sensitivity, UpdateCycle
from xingcheng.ledger.schemas import ResourceIn, ResourceUpdate
from xingcheng.ledger.vocab import Grade, Kind, OpenType, ShareMethod, ShareType, State

__all__ = ["router"]

router = APIRouter(tags=["ledger pages"], include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLANK_ROWS = 3


def _vocab() -> dict[str, list[str]]:
    return {
        "share_type": [v.value for v in ShareType],
        "open_type": [v.value for v in OpenType],
        "share_method": [v.value for v in ShareMethod],
        "grade": [v.value for v in Grade],
        "kind": [v.value for v in Kind],
        "state": [v.value for v in State],
        "update_cycle": [v.value for v in UpdateCycle],
        "data_type": [v.value for v in DataType],
        "format": [v.value for v in FieldFormat],
        "sensitivity": [v.value for v in Sensitivity],
    }


# -- the catalog -----------------------------------------------------------------------------------
@router.get("/ledger")
def catalog_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_VIEW)],
    filters: Annotated[CatalogFilters, Depends()],
    sort: Annotated[str, Query(pattern=r"^(relevance|name|code|modified|published)$")] = "relevance",
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> Response:
    size = 20
    query = query_from(filters, sort=sort, offset=(page - 1) * size, limit=size)
    result = search_out(request, db, svc.search(db, query, principal), query)
    params = filters.pairs()
    if sort != "relevance":
        params.append(("sort", sort))

    def toggle(name: str, value: str) -> str:
        pair = (name, value)
        new = [p for p in params if p != pair] if pair in params else [*params, pair]
        return "/ledger?" + urlencode(new)

    def page_link(n: int) -> str:
        return "/ledger?" + urlencode([*params, ("page", str(n))])

    selected = {f"{k}={v}" for k, v in params}
    return render(
        request,
        "ledger/catalog.html",
        {
            "result": result,
            "q": filters.q,
            "sort": sort,
            "page": page,
            "pages": max(1, (result.total + size - 1) // size),
            "toggle": toggle,
            "page_link": page_link,
            "selected": selected,
            "can_edit": principal.has(P.RESOURCE_EDIT),
            "can_import": principal.has(P.IMPORT),
            "can_review": principal.has(P.RESOURCE_REVIEW),
            "state_filter": [s.value for s in filters.state or []],
        },
    )


# -- one resource ----------------------------------------------------------------------------------
def _can_edit(principal: Principal, r: Any) -> bool:
    own = Role.PLATFORM_ADMIN in principal.roles or principal.department_id == r.department_id
    return principal.has(P.RESOURCE_EDIT) and own and not r.harvested


def _form_context(request: Request, db: Any, principal: Principal, r: Any | None, department_id: int | None) -> dict:
    classes = [c for c in svc.list_classes(db) if c.level >= 3]
    global_user = Role.PLATFORM_ADMIN in principal.roles
    dept_id = r.department_id if r is not None else department_id or principal.department_id
    departments = sorted(repo.departments_by_id(db).values(), key=lambda d: d.code) if global_user else []
    dept = repo.departments_by_id(db).get(dept_id) if dept_id is not None else None
    if dept is not None:
        svc.department_class(db, dept)  # the department's own 项 under 类 3, created on first use
        classes = [c for c in svc.list_classes(db) if c.level >= 3]
    classes = [c for c in classes if c.kind != "department" or c.department_id == dept_id or global_user]
    names = {c.code: c.name for c in svc.list_classes(db)}

    def path_name(code: str) -> str:
        parts = code.split("-")
        return " / ".join(names.get("-".join(parts[:i]), "") for i in range(1, len(parts) + 1))

    return {
        "classes": [(c.code, path_name(c.code)) for c in classes],
        "departments": departments,
        "department_id": dept_id,
        "vocab": _vocab(),
        "blank_rows": BLANK_ROWS,
    }


def _values_from_resource(r: Any) -> dict[str, Any]:
    out = resource_out(r).model_dump()
    out["grade"] = r.grade_floor or ""
    out["formats"] = "、".join(out["formats"])
    out["tags"] = "、".join(out["tags"])
    for f in out["fields"]:
        f["grade"] = f["grade_floor"] or ""
        f["code_list"] = "、".join(f["code_list"])
        f["source_names"] = "、".join(f["source_names"])
    return out


@router.get("/ledger/resources/new")
def new_resource_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_EDIT)],
    department_id: int | None = None,
) -> Response:
    ctx = _form_context(request, db, principal, None, department_id)
    values = {"share_type": "conditional", "open_type": "none", "update_cycle": "monthly", "kind": "data"}
    return render(request, "ledger/editor.html", {**ctx, "values": {**values, "fields": []}, "r": None})


async def _read_form(request: Request) -> dict[str, Any]:
    form = await request.form()

    def one(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def many(name: str) -> list[str]:
        return [v if isinstance(v, str) else "" for v in form.getlist(name)]

    split = importer._SPLIT
    values: dict[str, Any] = {
        "name": one("name"),
        "abstract": one("abstract"),
        "class_code": one("class_code"),
        "kind": one("kind") or "data",
        "share_type": one("share_type"),
        "share_conditions": one("share_conditions"),
        "legal_basis": one("legal_basis"),
        "share_methods": [m for m in many("share_methods") if m],
        "open_type": one("open_type") or "none",
        "open_conditions": one("open_conditions"),
        "grade": one("grade") or None,
        "update_cycle": one("update_cycle") or "irregular",
        "formats": [x.strip().lower() for x in split.split(one("formats")) if x.strip()],
        "tags": [x.strip() for x in split.split(one("tags")) if x.strip()],
        "claim_arbitration": one("claim_arbitration") == "1",
    }
    if one("department_id").isdigit():
        values["department_id"] = int(one("department_id"))
    if one("expected_revision").isdigit():
        values["expected_revision"] = int(one("expected_revision"))
    columns = ["name", "label", "data_type", "unit", "code_list", "format", "required", "is_key", "sensitivity"]
    columns += ["grade", "data_item", "authoritative", "source_names", "max_length", "description"]
    lists = {c: many(f"f_{c}") for c in columns}
    fields = []
    for i in range(len(lists["name"])):
        row = {c: (lists[c][i].strip() if i < len(lists[c]) else "") for c in columns}
        if not row["name"] and not row["label"]:
            continue
        fields.append(
            {
                "name": row["name"],
                "label": row["label"],
                "data_type": row["data_type"] or "string",
                "unit": row["unit"],
                "code_list": [x.strip() for x in split.split(row["code_list"]) if x.strip()],
                "format": row["format"] or "none",
                "required": row["required"] == "1",
                "is_key": row["is_key"] == "1",
                "sensitivity": row["sensitivity"] or "none",
                "grade": row["grade"] or None,
                "data_item": row["data_item"] or None,
                "authoritative": row["authoritative"] == "1",
                "source_names": [x.strip() for x in split.split(row["source_names"]) if x.strip()],
                "max_length": int(row["max_length"]) if row["max_length"].isdigit() else None,
                "description": row["description"],
            }
        )
    values["fields"] = fields
    return values


def _pydantic_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(p) for p in err.get("loc", ())),
            "code": err.get("type", "invalid"),
            "message_key": "error.field_invalid",
        }
        for err in exc.errors()
    ]


def _editor_error(request: Request, db: Any, principal: Principal, r: Any, values: dict, errors: list) -> Response:
    _ = request.state.translator
    ctx = _form_context(request, db, principal, r, values.get("department_id"))
    shown = [{**e, "message": _(e.get("message_key", "error.field_invalid"), **e.get("params", {}))} for e in errors]
    form_values = {
        **values,
        "grade": values.get("grade") or "",
        "formats": "、".join(values.get("formats", [])),
        "tags": "、".join(values.get("tags", [])),
        "fields": [
            {
                **f,
                "grade": f.get("grade") or "",
                "code_list": "、".join(f.get("code_list", [])),
                "source_names": "、".join(f.get("source_names", [])),
                "data_item": f.get("data_item") or "",
                "max_length": f.get("max_length") or "",
            }
            for f in values.get("fields", [])
        ],
    }
    return render(
        request,
        "ledger/editor.html",
        {**ctx, "values": form_values, "r": r, "errors": shown},
        status_code=422,
    )


@router.post("/ledger/resources/new")
async def create_resource_form(
    request: Request, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> Response:
    values = await _read_form(request)
    try:
        data = ResourceIn(**{k: v for k, v in values.items() if k != "expected_revision"})
        r = svc.create_resource(db, data, principal, policy=policy(request))
    except ValidationError as exc:
        return _editor_error(request, db, principal, None, values, _pydantic_errors(exc))
    except ValidationFailed as exc:
        db.rollback()
        return _editor_error(request, db, principal, None, values, exc.errors)
    return RedirectResponse(f"/ledger/resources/{r.id}", status_code=303)


@router.get("/ledger/resources/{resource_id}/edit")
def edit_resource_page(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> Response:
    r = svc.get_resource(db, resource_id, principal)
    if not _can_edit(principal, r):
        svc._editable(r, principal)
    ctx = _form_context(request, db, principal, r, None)
    return render(request, "ledger/editor.html", {**ctx, "values": _values_from_resource(r), "r": r})


@router.post("/ledger/resources/{resource_id}/edit")
async def update_resource_form(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> Response:
    r = svc.get_resource(db, resource_id, principal)
    values = await _read_form(request)
    values.pop("department_id", None)
    try:
        data = ResourceUpdate(**values, clear_grade=values.get("grade") is None)
        svc.update_resource(db, resource_id, data, principal, policy=policy(request))
    except ValidationError as exc:
        return _editor_error(request, db, principal, r, values, _pydantic_errors(exc))
    except ValidationFailed as exc:
        db.rollback()
        r = svc.get_resource(db, resource_id, principal)
        return _editor_error(request, db, principal, r, values, exc.errors)
    return RedirectResponse(f"/ledger/resources/{resource_id}", status_code=303)


@router.get("/ledger/resources/{resource_id}")
def resource_page(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_VIEW)]
) -> Response:
    r = svc.get_resource(db, resource_id, principal)
    arbitrations = [a for a in repo.list_arbitrations(db, "pending") if a.claimant_resource_id == r.id]
    return render(
        request,
        "ledger/resource.html",
        {
            "r": resource_out(r, policy(request)),
            "history": svc.history_of(db, r.id),
            "can_edit": _can_edit(principal, r),
            "can_review": principal.has(P.RESOURCE_REVIEW) and not r.harvested,
            "arbitrations": arbitrations,
        },
    )


async def _comment(request: Request) -> str:
    form = await request.form()
    value = form.get("comment")
    return value.strip()[:2000] if isinstance(value, str) else ""


def _back(resource_id: int) -> Response:
    return RedirectResponse(f"/ledger/resources/{resource_id}", status_code=303)


@router.post("/ledger/resources/{resource_id}/submit")
def submit_form(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> Response:
    svc.get_resource(db, resource_id, principal)
    svc.submit(db, resource_id, principal, policy=policy(request))
    return _back(resource_id)


@router.post("/ledger/resources/{resource_id}/withdraw")
def withdraw_form(
    resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> Response:
    svc.get_resource(db, resource_id, principal)
    svc.withdraw(db, resource_id, principal)
    return _back(resource_id)


@router.post("/ledger/resources/{resource_id}/delete")
def delete_form(
    resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> Response:
    svc.get_resource(db, resource_id, principal)
    svc.delete_resource(db, resource_id, principal)
    return RedirectResponse("/ledger?state=draft&state=returned", status_code=303)


@router.post("/ledger/resources/{resource_id}/publish")
async def publish_form(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_REVIEW)]
) -> Response:
    svc.publish(db, resource_id, principal, await _comment(request))
    return _back(resource_id)


@router.post("/ledger/resources/{resource_id}/return")
async def return_form(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_REVIEW)]
) -> Response:
    svc.return_resource(db, resource_id, principal, await _comment(request))
    return _back(resource_id)


@router.post("/ledger/resources/{resource_id}/retire")
async def retire_form(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_REVIEW)]
) -> Response:
    svc.retire(db, resource_id, principal, await _comment(request))
    return _back(resource_id)


# -- review ----------------------------------------------------------------------------------------
@router.get("/ledger/review", dependencies=[requires(P.RESOURCE_REVIEW)])
def review_page(request: Request, db: DbSession) -> Response:
    query = query_from(CatalogFilters(state=[State.SUBMITTED]), sort="modified", limit=200)
    queue = svc.search(db, query, None)
    return render(
        request,
        "ledger/review.html",
        {"queue": queue.items, "total": queue.total, "arbitrations": repo.list_arbitrations(db, "pending")},
    )


@router.post("/ledger/arbitrations/{arbitration_id}/decide")
async def decide_form(
    request: Request,
    arbitration_id: int,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_REVIEW)],
) -> Response:
    form = await request.form()
    grant = form.get("decision") == "grant"
    svc.decide_arbitration(db, arbitration_id, principal, grant=grant, comment=await _comment(request))
    return RedirectResponse("/ledger/review#arbitrations", status_code=303)


# -- import ----------------------------------------------------------------------------------------
@router.get("/ledger/import")
def import_page(request: Request, db: DbSession, principal: Annotated[Principal, requires(P.IMPORT)]) -> Response:
    return render(request, "ledger/import.html", _import_context(db, principal))


def _import_context(db: Any, principal: Principal) -> dict[str, Any]:
    global_user = Role.PLATFORM_ADMIN in principal.roles
    departments = sorted(repo.departments_by_id(db).values(), key=lambda d: d.code) if global_user else []
    return {
        "departments": departments,
        "resource_columns": importer.RESOURCE_COLUMNS,
        "field_columns": importer.FIELD_COLUMNS,
    }


@router.post("/ledger/import")
async def import_form(request: Request, db: DbSession, principal: Annotated[Principal, requires(P.IMPORT)]) -> Response:
    _ = request.state.translator
    form = await request.form()
    upload = form.get("file")
    department = form.get("department")
    ctx = _import_context(db, principal)
    if upload is None or isinstance(upload, str):
        errors = [{"row": None, "column": None, "message": _("ledger.import.no_file")}]
        return render(request, "ledger/import.html", {**ctx, "errors": errors}, status_code=400)
    try:
        content = await upload.read()
    finally:
        await upload.close()
    try:
        report = importer.import_catalog(
            db,
            content,
            upload.filename or "",
            principal,
            department_code=department if isinstance(department, str) and department else None,
            policy=policy(request),
            max_rows=request.app.state.settings.ledger_import_max_rows,
            dry_run=form.get("dry_run") == "1",
        )
    except ValidationFailed as exc:
        errors = [{**e, "message": _(e["message_key"], **e.get("params", {}))} for e in exc.errors]
        summary = _(exc.detail_key or exc.title_key, **exc.params)
        return render(request, "ledger/import.html", {**ctx, "errors": errors, "summary": summary}, status_code=422)
    except Exception as exc:  # BadRequest on unreadable files: the page shows it instead of the error page
        from xingcheng.core.errors import XingchengError

        if not isinstance(exc, XingchengError):
            raise
        errors = [{"row": None, "column": None, "message": _(exc.detail_key or exc.title_key)}]
        return render(request, "ledger/import.html", {**ctx, "errors": errors}, status_code=exc.status_code)
    return render(request, "ledger/import.html", {**ctx, "report": report})


@router.get("/ledger/template.xlsx", dependencies=[requires(P.RESOURCE_VIEW)])
def template_download() -> Response:
    return Response(
        importer.template_bytes(),
        media_type=XLSX,
        headers={"Content-Disposition": "attachment; filename*=UTF-8''ledger-template.xlsx"},
    )


# -- dashboard -------------------------------------------------------------------------------------
@router.get("/ledger/dashboard")
def dashboard_page(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_VIEW)],
    department_id: int | None = None,
) -> Response:
    data = dash.dashboard(db, department_id)
    _ = request.state.translator
    charts = {
        "share": [{"name": _(f"ledger.share_type.{k}"), "value": v} for k, v in sorted(data["share_types"].items())],
        "grade": [{"name": _(f"ledger.grade.{k}"), "value": v} for k, v in sorted(data["grades"].items())],
        "open": [{"name": _(f"ledger.open_type.{k}"), "value": v} for k, v in sorted(data["open_types"].items())],
        "fresh": [{"name": _(f"ledger.freshness.{k}"), "value": v} for k, v in data["freshness"].items()],
        "departments": [
            {"name": d["name"], "resources": d["resources"], "published": d["published"]}
            for d in data["departments"][:50]
        ],
        "labels": {"resources": _("ledger.dashboard.resources"), "published": _("ledger.dashboard.published")},
    }
    departments = sorted(repo.departments_by_id(db).values(), key=lambda d: d.code)
    return render(
        request,
        "ledger/dashboard.html",
        {"data": data, "charts": charts, "departments": departments, "department_id": department_id},
    )
