"""JSON API of the data ledger (``/api/ledger/…``). Thin: parse, call the service, shape the output."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import BadRequest, NotFound
from xingcheng.identity.principal import Principal
from xingcheng.ledger import dashboard as dash
from xingcheng.ledger import importer
from xingcheng.ledger import permissions as P
from xingcheng.ledger import repository as repo
from xingcheng.ledger import service as svc
from xingcheng.ledger.models import Arbitration, Resource
from xingcheng.ledger.schemas import (
    ArbitrationOut,
    ChangeOut,
    ClassOut,
    FacetValue,
    FieldOut,
    ImportReport,
    ResourceIn,
    ResourceOut,
    ResourceQuery,
    ResourceSummary,
    ResourceUpdate,
    SearchOut,
)
from xingcheng.ledger.vocab import Grade, Kind, OpenType, ShareType, State

__all__ = ["arbitration_out", "facet_label", "resource_out", "router", "summary_out"]

router = APIRouter(prefix="/api/ledger", tags=["ledger"])


def policy(request: Request) -> svc.GradePolicy:
    return svc.GradePolicy.from_settings(request.app.state.settings)


def summary_out(r: Resource, score: float | None = None) -> ResourceSummary:
    return ResourceSummary(
        id=r.id,
        uuid=r.uuid,
        code=r.code,
        name=r.name,
        abstract=r.abstract,
        kind=r.kind,
        department_id=r.department_id,
        department=r.department.name if r.department else (r.origin_org or ""),
        class_code=r.catalog_class.code if r.catalog_class else None,
        class_name=r.catalog_class.name if r.catalog_class else None,
        share_type=r.share_type,
        open_type=r.open_type,
        grade=r.grade,
        update_cycle=r.update_cycle,
        state=r.state,
        formats=sorted(f.format for f in r.formats),
        tags=sorted(t.name for t in r.tags),
        metadata_modified=r.metadata_modified,
        published_at=r.published_at,
        origin_hub=r.origin_hub,
        score=score,
    )


def resource_out(r: Resource, grade_policy: svc.GradePolicy = svc.DEFAULT_POLICY) -> ResourceOut:
    fields = [
        FieldOut(
            name=f.name,
            label=f.label,
            description=f.description,
            data_type=f.data_type,
            required=f.required,
            is_key=f.is_key,
            format=f.format,
            code_list=list(f.code_list or []),
            min_value=f.min_value,
            max_value=f.max_value,
            max_length=f.max_length,
            unit=f.unit,
            sensitivity=f.sensitivity,
            grade=svc.field_grade(f, grade_policy).value,
            grade_floor=f.grade_floor,
            data_item=f.data_item,
            authoritative=f.authoritative,
            source_names=list(f.source_names or []),
        )
        for f in r.fields
    ]
    return ResourceOut(
        **summary_out(r).model_dump(exclude={"score"}),
        share_conditions=r.share_conditions,
        legal_basis=r.legal_basis,
        share_methods=[m for m in r.share_methods.split(",") if m],
        open_conditions=r.open_conditions,
        grade_floor=r.grade_floor,
        review_comment=r.review_comment,
        revision=r.revision,
        schema_version=r.schema_version,
        created_at=r.created_at,
        submitted_at=r.submitted_at,
        retired_at=r.retired_at,
        data_updated_at=r.data_updated_at,
        origin_id=r.origin_id,
        harvested_at=r.harvested_at,
        fields=fields,
    )


def arbitration_out(a: Arbitration) -> ArbitrationOut:
    return ArbitrationOut(
        id=a.id,
        data_item=a.data_item,
        claimant_code=a.claimant.code,
        claimant_name=a.claimant.name,
        claimant_field=a.claimant_field,
        holder_code=a.holder.code if a.holder else None,
        holder_name=a.holder.name if a.holder else None,
        reason=a.reason,
        state=a.state,
        requested_at=a.requested_at,
        decided_at=a.decided_at,
        decision_comment=a.decision_comment,
    )


def facet_label(_: Any, facet: str, value: str, departments: dict[int, str], classes: dict[str, str]) -> str:
    if facet == "department":
        return departments.get(int(value), value) if value.isdigit() else value
    if facet == "class":
        return classes.get(value, value)
    if facet in ("share_type", "open_type", "grade", "kind"):
        return _(f"ledger.{facet}.{value}")
    return value


def search_out(request: Request, db: Any, result: svc.SearchResult, query: ResourceQuery) -> SearchOut:
    _ = request.state.translator
    departments = {d.id: d.name for d in repo.departments_by_id(db).values()}
    classes = {c.code: c.name for c in repo.list_classes(db)}
    return SearchOut(
        total=result.total,
        offset=query.offset,
        limit=query.limit,
        items=[summary_out(r, result.scores.get(r.id)) for r in result.items],
        facets={
            name: [FacetValue(value=v, label=facet_label(_, name, v, departments, classes), count=n) for v, n in values]
            for name, values in result.facets.items()
        },
    )


@dataclass
class CatalogFilters:
    """The catalog's search filters, as query parameters of the search API and of the catalog page."""

    q: Annotated[str, Query(max_length=200)] = ""
    department_id: Annotated[list[int] | None, Query()] = None
    class_code: Annotated[list[str] | None, Query()] = None
    share_type: Annotated[list[ShareType] | None, Query()] = None
    open_type: Annotated[list[OpenType] | None, Query()] = None
    grade: Annotated[list[Grade] | None, Query()] = None
    kind: Annotated[list[Kind] | None, Query()] = None
    format: Annotated[list[str] | None, Query()] = None
    state: Annotated[list[State] | None, Query()] = None

    def pairs(self) -> list[tuple[str, str]]:
        """The filters as (name, value) query pairs, ``q`` first; none for an empty one."""
        out = [("q", self.q)] if self.q else []
        for f in fields(self):
            if f.name != "q":
                out += [(f.name, str(getattr(v, "value", v))) for v in getattr(self, f.name) or []]
        return out


def query_from(
    filters: CatalogFilters | None = None,
    *,
    tag: list[str] | None = None,
    origin: str | None = None,
    sort: str = "relevance",
    offset: int = 0,
    limit: int = 20,
) -> ResourceQuery:
    f = filters or CatalogFilters()
    try:
        return ResourceQuery(
            q=f.q,
            department_id=f.department_id or [],
            class_code=f.class_code or [],
            share_type=f.share_type or [],
            open_type=f.open_type or [],
            grade=f.grade or [],
            kind=f.kind or [],
            format=f.format or [],
            tag=tag or [],
            states=f.state or [],
            origin=origin or None,
            sort=sort,
            offset=offset,
            limit=limit,
        )
    except ValueError:
        raise BadRequest("ledger.search.bad_query") from None


@router.get("/resources")
def search_resources(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_VIEW)],
    filters: Annotated[CatalogFilters, Depends()],
    tag: Annotated[list[str] | None, Query()] = None,
    origin: Annotated[str | None, Query(pattern=r"^(local|harvested)$")] = None,
    sort: Annotated[str, Query(pattern=r"^(relevance|name|code|modified|published|id)$")] = "relevance",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=0, le=1000)] = 20,
) -> SearchOut:
    """Search the catalog: Chinese full text, facets, relevance order (published entries unless ``state``)."""
    query = query_from(filters, tag=tag, origin=origin, sort=sort, offset=offset, limit=limit)
    return search_out(request, db, svc.search(db, query, principal), query)


@router.post("/resources", status_code=201)
def create_resource(
    request: Request, data: ResourceIn, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> ResourceOut:
    r = svc.create_resource(db, data, principal, policy=policy(request))
    return resource_out(svc.get_resource(db, r.id), policy(request))


@router.get("/resources/{resource_id}")
def get_resource(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_VIEW)]
) -> ResourceOut:
    return resource_out(svc.get_resource(db, resource_id, principal), policy(request))


@router.get("/by-code/{resource_code}")
def get_resource_by_code(
    request: Request, resource_code: str, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_VIEW)]
) -> ResourceOut:
    return resource_out(svc.get_resource_by_code(db, resource_code, principal), policy(request))


@router.patch("/resources/{resource_id}")
def update_resource(
    request: Request,
    resource_id: int,
    data: ResourceUpdate,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_EDIT)],
) -> ResourceOut:
    svc.get_resource(db, resource_id, principal)
    svc.update_resource(db, resource_id, data, principal, policy=policy(request))
    return resource_out(svc.get_resource(db, resource_id), policy(request))


@router.delete("/resources/{resource_id}", status_code=204)
def delete_resource(
    resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> Response:
    svc.get_resource(db, resource_id, principal)
    svc.delete_resource(db, resource_id, principal)
    return Response(status_code=204)


@router.get("/resources/{resource_id}/schema")
def get_schema(
    resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_VIEW)]
) -> dict[str, Any]:
    """The resource's schema as the lake validates against it (``xingcheng.ledger.schema.ResourceSchema``)."""
    r = svc.get_resource(db, resource_id, principal)
    schema = svc.resource_schema(db, r.code)
    return {
        "code": schema.code,
        "name": schema.name,
        "department_code": schema.department_code,
        "update_cycle": schema.update_cycle.value,
        "version": schema.version,
        "key": list(schema.key),
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "data_type": f.data_type.value,
                "required": f.required,
                "is_key": f.is_key,
                "format": f.format.value,
                "code_list": list(f.code_list),
                "min_value": f.min_value,
                "max_value": f.max_value,
                "max_length": f.max_length,
                "unit": f.unit,
                "sensitivity": f.sensitivity.value,
                "data_item": f.data_item,
                "source_names": list(f.source_names),
            }
            for f in schema.fields
        ],
    }


@router.get("/resources/{resource_id}/history")
def get_history(
    resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_VIEW)]
) -> list[ChangeOut]:
    return [ChangeOut.model_validate(c) for c in svc.history_of(db, resource_id, principal)]


class CommentIn(BaseModel):
    comment: str = Field("", max_length=2000)


class ReturnIn(BaseModel):
    comment: str = Field(min_length=1, max_length=2000)


@router.post("/resources/{resource_id}/submit")
def submit(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> ResourceOut:
    svc.get_resource(db, resource_id, principal)
    return resource_out(svc.submit(db, resource_id, principal, policy=policy(request)), policy(request))


@router.post("/resources/{resource_id}/withdraw")
def withdraw(
    request: Request, resource_id: int, db: DbSession, principal: Annotated[Principal, requires(P.RESOURCE_EDIT)]
) -> ResourceOut:
    svc.get_resource(db, resource_id, principal)
    return resource_out(svc.withdraw(db, resource_id, principal), policy(request))


@router.post("/resources/{resource_id}/publish")
def publish(
    request: Request,
    resource_id: int,
    data: CommentIn,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_REVIEW)],
) -> ResourceOut:
    return resource_out(svc.publish(db, resource_id, principal, data.comment), policy(request))


@router.post("/resources/{resource_id}/return")
def return_resource(
    request: Request,
    resource_id: int,
    data: ReturnIn,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_REVIEW)],
) -> ResourceOut:
    return resource_out(svc.return_resource(db, resource_id, principal, data.comment), policy(request))


@router.post("/resources/{resource_id}/retire")
def retire(
    request: Request,
    resource_id: int,
    data: CommentIn,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_REVIEW)],
) -> ResourceOut:
    return resource_out(svc.retire(db, resource_id, principal, data.comment), policy(request))


@router.get("/classes", dependencies=[requires(P.RESOURCE_VIEW)])
def list_classes(db: DbSession) -> list[ClassOut]:
    return [ClassOut.model_validate(c) for c in svc.list_classes(db)]


@router.get("/data-items", dependencies=[requires(P.RESOURCE_VIEW)])
def list_data_items(db: DbSession) -> list[dict[str, str]]:
    """一数一源: every data item with its one authoritative resource and field."""
    return [
        {"data_item": item, "field": name, "resource_code": code, "resource_name": rname}
        for item, name, code, rname in repo.list_data_items(db)
    ]


@router.get("/arbitrations", dependencies=[requires(P.RESOURCE_REVIEW)])
def list_arbitrations(
    db: DbSession, state: Annotated[str | None, Query(pattern=r"^(pending|granted|rejected|all)$")] = "pending"
) -> list[ArbitrationOut]:
    return [arbitration_out(a) for a in repo.list_arbitrations(db, None if state == "all" else state)]


class DecisionIn(BaseModel):
    grant: bool
    comment: str = Field("", max_length=2000)


@router.post("/arbitrations/{arbitration_id}/decide")
def decide_arbitration(
    arbitration_id: int,
    data: DecisionIn,
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_REVIEW)],
) -> ArbitrationOut:
    a = svc.decide_arbitration(db, arbitration_id, principal, grant=data.grant, comment=data.comment)
    found = repo.arbitration_by_id(db, a.id)
    if found is None:
        raise NotFound("ledger.arbitration.not_found")
    return arbitration_out(found)


@router.post("/import", status_code=201)
async def import_catalog(
    request: Request,
    db: DbSession,
    principal: Annotated[Principal, requires(P.IMPORT)],
    department: Annotated[str | None, Query(max_length=32)] = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import a catalog spreadsheet (XLSX) or YAML: the raw file as the body (``Content-Type`` names it) or
    a multipart upload with a ``file`` part. All or nothing; errors list sheet, row and column."""
    content, filename = await importer.read_upload(request)
    return importer.import_catalog(
        db,
        content,
        filename,
        principal,
        department_code=department,
        policy=policy(request),
        max_rows=request.app.state.settings.ledger_import_max_rows,
        dry_run=dry_run,
    )


@router.get("/dashboard")
def dashboard(
    db: DbSession,
    principal: Annotated[Principal, requires(P.RESOURCE_VIEW)],
    department_id: int | None = None,
) -> dict[str, Any]:
    """Per department: resources, published, share-type and grade mix, freshness against the update cycle."""
    del principal
    return dash.dashboard(db, department_id)
