"""JSON API of the lake (``/api/lake/…``): loads and chunked uploads, versions, scorecards, lineage,
masked quarantine samples, source profiles and database pulls. Thin: parse, check scope, call the service.
"""

from __future__ import annotations

import re
import threading
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from xingcheng.core.deps import DbSession, requires
from xingcheng.core.errors import BadRequest, Conflict, NotFound, PayloadTooLarge, PermissionDenied
from xingcheng.core.permissions import Role
from xingcheng.lake import lineage, pulls
from xingcheng.lake import permissions as P
from xingcheng.lake import repository as repo
from xingcheng.lake.loader import Profile
from xingcheng.lake.models import LakeLoad, LakeUpload, LakeVersion
from xingcheng.lake.quality import timeliness
from xingcheng.lake.schemas import (
    LoadOut,
    ProfileIn,
    PullIn,
    PullOut,
    QualityOut,
    QuarantineRow,
    RuleCountOut,
    UploadIn,
    UploadOut,
    VersionOut,
)
from xingcheng.lake.service import LakeService

__all__ = ["lake_service", "load_out", "router", "version_out"]

router = APIRouter(prefix="/api/lake", tags=["lake"])
_INIT = threading.Lock()
_SAFE_NAME = re.compile(r"[^\w.\-]+")


def lake_service(request: Request) -> LakeService:
    """The application's lake service, created on first use (the DuckDB engine opens lazily too)."""
    state = request.app.state
    svc = getattr(state, "lake", None)
    if svc is None:
        with _INIT:
            svc = getattr(state, "lake", None)
            if svc is None:
                svc = LakeService(state.settings)
                state.lake = svc
    return svc


Svc = Annotated[LakeService, Depends(lake_service)]


def _is_admin(principal: Any) -> bool:
    return Role.PLATFORM_ADMIN in principal.roles


def version_out(db: Session, v: LakeVersion) -> VersionOut:
    load = repo.load_by_id(db, v.load_id) if v.load_id else None
    quality = repo.quality_of_versions(db, [v.id]).get(v.id)
    return VersionOut(
        number=v.number,
        snapshot_id=v.snapshot_id,
        rows=v.rows,
        schema_version=v.schema_version,
        created_at=v.created_at,
        expired_at=v.expired_at,
        load_id=v.load_id,
        source_kind=load.source_kind if load else None,
        source_name=load.source_name if load else None,
        quality=QualityOut.model_validate(quality, from_attributes=True) if quality else None,
    )


def load_out(request: Request, db: Session, load: LakeLoad) -> LoadOut:
    _ = request.state.translator
    version = repo.version_of_load(db, load.id)
    fields = {name: getattr(load, name) for name in LoadOut.model_fields if name in _LOAD_COLUMNS}
    return LoadOut(
        **fields,
        version=version.number if version else None,
        rule_counts=[RuleCountOut.model_validate(r) for r in repo.rule_counts(db, load.id)],
        error=_(load.error_key, ratio=f"{load.max_failure_ratio:.1%}") if load.error_key else None,
        errors=[
            {**e, "message": _(e.get("message_key", "error.field_invalid"), **e.get("params", {}))}
            for e in (load.errors or [])
        ],
    )


_LOAD_COLUMNS = {c.key for c in LakeLoad.__table__.columns} - {"errors"}


def _schema_in_scope(db: Session, svc: LakeService, principal: Any, code: str) -> Any:
    schema = svc.schema(db, code)
    svc.ensure_scope(db, principal, schema)
    return schema


def _incoming(svc: LakeService, filename: str) -> Path:
    name = _SAFE_NAME.sub("_", Path(filename).name)[-120:] or "upload"
    folder = svc.settings.lake_dir / "incoming" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _run_and_clean(svc: LakeService, database: Any, load_id: int, path: Path) -> None:
    try:
        svc.run_load_job(database, load_id)
    finally:
        path.unlink(missing_ok=True)
        if path.parent.exists() and not any(path.parent.iterdir()):
            path.parent.rmdir()


def _dispatch(
    request: Request, db: Session, svc: LakeService, load: LakeLoad, path: Path, wait: bool, tasks: BackgroundTasks
) -> LoadOut:
    if wait:
        svc.execute_load(db, load.id)
        path.unlink(missing_ok=True)
        return load_out(request, db, load)
    # Runs after the response (and so after this request's transaction) is complete; the client follows
    # the load at /api/lake/loads/{id}.
    tasks.add_task(_run_and_clean, svc, request.app.state.db, load.id, path)
    return load_out(request, db, load)


@router.get("/resources", dependencies=[requires(P.VIEW)])
def list_resources(db: DbSession, svc: Svc) -> list[dict[str, Any]]:
    out = []
    for code in repo.resources_with_versions(db):
        v = repo.latest_version(db, code)
        if v is None:
            continue
        quality = repo.quality_of_versions(db, [v.id]).get(v.id)
        out.append(
            {
                "code": code,
                "version": v.number,
                "rows": v.rows,
                "updated_at": v.created_at,
                "score": quality.score if quality else None,
            }
        )
    return out


@router.get("/resources/{resource_code}", dependencies=[requires(P.VIEW)])
def get_resource(request: Request, resource_code: str, db: DbSession, svc: Svc) -> dict[str, Any]:
    from xingcheng.core.db import utcnow

    schema = svc.schema(db, resource_code)
    versions = repo.list_versions(db, resource_code, limit=50)
    latest = next((v for v in versions if v.expired_at is None), None)
    return {
        "code": schema.code,
        "name": schema.name,
        "department_code": schema.department_code,
        "update_cycle": schema.update_cycle.value,
        "timeliness_now": timeliness(schema.update_cycle, latest.created_at, utcnow()) if latest else None,
        "versions": [version_out(db, v) for v in versions],
        "loads": [load_out(request, db, load) for load in repo.list_loads(db, resource_code, limit=10)],
    }


@router.get("/resources/{resource_code}/versions", dependencies=[requires(P.VIEW)])
def list_versions(resource_code: str, db: DbSession, svc: Svc) -> list[VersionOut]:
    svc.schema(db, resource_code)
    return [version_out(db, v) for v in repo.list_versions(db, resource_code)]


@router.get("/resources/{resource_code}/lineage", dependencies=[requires(P.VIEW)])
def resource_lineage(resource_code: str, db: DbSession, svc: Svc) -> dict[str, Any]:
    svc.schema(db, resource_code)
    return lineage.lineage_graph(db, resource_code)


@router.post("/resources/{resource_code}/loads", status_code=202)
def upload_and_load(
    request: Request,
    resource_code: str,
    db: DbSession,
    svc: Svc,
    tasks: BackgroundTasks,
    principal: Annotated[Any, requires(P.LOAD)],
    file: Annotated[UploadFile, File()],
    mode: Annotated[str, Form()] = "full",
    wait: Annotated[bool, Query()] = False,
) -> LoadOut:
    """Load one file sent as multipart (up to the body limit; larger files go through /uploads)."""
    _schema_in_scope(db, svc, principal, resource_code)
    path = _incoming(svc, file.filename or "upload")
    with path.open("wb") as out:
        while chunk := file.file.read(1 << 20):
            out.write(chunk)
    load = svc.start_load(
        db, resource_code, path, mode=mode, source_kind="api", source_name=file.filename or path.name, by=principal.ref
    )
    return _dispatch(request, db, svc, load, path, wait, tasks)


@router.post("/resources/{resource_code}/uploads", status_code=201)
def start_upload(
    resource_code: str, data: UploadIn, db: DbSession, svc: Svc, principal: Annotated[Any, requires(P.LOAD)]
) -> UploadOut:
    """Announce a file that will arrive in parts of ``chunk_bytes`` (PUT …/uploads/{id}?offset=N)."""
    _schema_in_scope(db, svc, principal, resource_code)
    upload = LakeUpload(
        resource_code=resource_code, filename=data.filename, size=data.size, mode=data.mode, created_by=principal.ref
    )
    db.add(upload)
    db.flush()
    _upload_path(svc, upload).parent.mkdir(parents=True, exist_ok=True)
    _upload_path(svc, upload).touch()
    return _upload_out(svc, upload)


def _upload_path(svc: LakeService, upload: LakeUpload) -> Path:
    name = _SAFE_NAME.sub("_", Path(upload.filename).name)[-120:] or "upload"
    return svc.settings.lake_dir / "incoming" / f"upload-{upload.id}" / name


def _upload_out(svc: LakeService, upload: LakeUpload) -> UploadOut:
    return UploadOut(
        id=upload.id,
        resource_code=upload.resource_code,
        filename=upload.filename,
        size=upload.size,
        received=upload.received,
        chunk_bytes=min(svc.settings.lake_upload_chunk_bytes, svc.settings.max_body_bytes - 1024),
        load_id=upload.load_id,
    )


def _own_upload(db: Session, upload_id: int, principal: Any) -> LakeUpload:
    upload = repo.upload_by_id(db, upload_id)
    if upload is None:
        raise NotFound("lake.upload.not_found")
    if upload.created_by != principal.ref and not _is_admin(principal):
        raise PermissionDenied("lake.scope.other_upload")
    return upload


@router.put("/uploads/{upload_id}")
async def upload_part(
    request: Request,
    upload_id: int,
    db: DbSession,
    svc: Svc,
    principal: Annotated[Any, requires(P.LOAD)],
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UploadOut:
    """Append one part at ``offset`` (the number of bytes received so far; a repeated part is ignored)."""
    upload = _own_upload(db, upload_id, principal)
    if upload.load_id is not None:
        raise Conflict("lake.upload.done")
    body = await request.body()
    if offset + len(body) <= upload.received:
        return _upload_out(svc, upload)  # a retried part that already arrived
    if offset != upload.received:
        raise BadRequest("lake.upload.offset", params={"expected": upload.received})
    if upload.received + len(body) > upload.size:
        raise PayloadTooLarge("lake.upload.too_large")
    with _upload_path(svc, upload).open("ab") as out:
        out.write(body)
    upload.received += len(body)
    db.flush()
    return _upload_out(svc, upload)


@router.post("/uploads/{upload_id}/load", status_code=202)
def load_upload(
    request: Request,
    upload_id: int,
    db: DbSession,
    svc: Svc,
    tasks: BackgroundTasks,
    principal: Annotated[Any, requires(P.LOAD)],
    wait: Annotated[bool, Query()] = False,
) -> LoadOut:
    """Load a completely received upload."""
    upload = _own_upload(db, upload_id, principal)
    if upload.load_id is not None:
        raise Conflict("lake.upload.done")
    if upload.received != upload.size:
        raise BadRequest("lake.upload.incomplete", params={"received": upload.received, "size": upload.size})
    _schema_in_scope(db, svc, principal, upload.resource_code)
    path = _upload_path(svc, upload)
    load = svc.start_load(
        db,
        upload.resource_code,
        path,
        mode=upload.mode,
        source_kind="upload",
        source_name=upload.filename,
        by=principal.ref,
    )
    upload.load_id = load.id
    return _dispatch(request, db, svc, load, path, wait, tasks)


@router.get("/loads/{load_id}", dependencies=[requires(P.VIEW)])
def get_load(request: Request, load_id: int, db: DbSession, response: Response) -> LoadOut:
    load = repo.load_by_id(db, load_id)
    if load is None:
        raise NotFound("lake.load.not_found")
    response.headers["Cache-Control"] = "no-store"
    return load_out(request, db, load)


@router.get("/loads/{load_id}/quarantine", dependencies=[requires(P.VIEW)])
def quarantine(
    load_id: int,
    db: DbSession,
    svc: Svc,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[QuarantineRow]:
    """Failing records of a load — their rules and their values, masked by each field's sensitivity."""
    load = repo.load_by_id(db, load_id)
    if load is None:
        raise NotFound("lake.load.not_found")
    return [QuarantineRow(**row) for row in svc.quarantine_sample(db, load, limit, offset)]


@router.get("/resources/{resource_code}/profile")
def get_profile(
    resource_code: str, db: DbSession, svc: Svc, principal: Annotated[Any, requires(P.MANAGE)]
) -> dict[str, Any]:
    _schema_in_scope(db, svc, principal, resource_code)
    return svc.profile(db, resource_code).to_dict()


@router.put("/resources/{resource_code}/profile")
def put_profile(
    resource_code: str, data: ProfileIn, db: DbSession, svc: Svc, principal: Annotated[Any, requires(P.MANAGE)]
) -> dict[str, Any]:
    _schema_in_scope(db, svc, principal, resource_code)
    svc.set_profile(db, resource_code, Profile.from_dict(data.model_dump()), by=principal.ref)
    return svc.profile(db, resource_code).to_dict()


@router.get("/resources/{resource_code}/pulls")
def list_pulls(
    resource_code: str, db: DbSession, svc: Svc, principal: Annotated[Any, requires(P.MANAGE)]
) -> list[PullOut]:
    _schema_in_scope(db, svc, principal, resource_code)
    return [pulls.pull_out(p) for p in repo.list_pulls(db, resource_code)]


@router.post("/resources/{resource_code}/pulls", status_code=201)
def create_pull(
    resource_code: str, data: PullIn, db: DbSession, svc: Svc, principal: Annotated[Any, requires(P.MANAGE)]
) -> PullOut:
    _schema_in_scope(db, svc, principal, resource_code)
    return pulls.pull_out(pulls.create_pull(db, resource_code, data, by=principal.ref))


@router.post("/pulls/{pull_id}/run", status_code=202)
def run_pull(
    request: Request,
    pull_id: int,
    db: DbSession,
    svc: Svc,
    tasks: BackgroundTasks,
    principal: Annotated[Any, requires(P.MANAGE)],
) -> PullOut:
    """Run a pull now, after this response; its load appears as ``last_load_id``."""
    pull = pulls.get_pull(db, pull_id)
    _schema_in_scope(db, svc, principal, pull.resource_code)
    tasks.add_task(pulls.run_pull, svc, request.app.state.db, pull_id, by=principal.ref)
    return pulls.pull_out(pull)
