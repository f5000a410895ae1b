"""Decisions of the lake: who may load what, loads and their versions, scorecards, retention, lineage.

Functions flush, never commit: the request, the CLI command or the job runner that called them commits.
A load has two stores to keep in step — the DuckLake catalog (the data and its snapshots, committed by the
engine) and the metadata database (loads, versions, scorecards). DuckLake commits first and carries the
load's id in its commit message; :meth:`LakeService.reconcile` turns any snapshot whose metadata was lost
(a crash between the two commits) into its version row, so the catalog stays the source of truth.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, XingchengError
from xingcheng.core.permissions import Role
from xingcheng.core.settings import Settings
from xingcheng.lake import quality as q
from xingcheng.lake import repository as repo
from xingcheng.lake.engine import CATALOG, LakeEngine, quote_ident
from xingcheng.lake.loader import (
    SYSTEM_PREFIX,
    FileDigest,
    LoadOutcome,
    LoadRequest,
    Profile,
    ProgressFn,
    run_load,
    table_name,
)
from xingcheng.lake.models import (
    LakeJob,
    LakeJobInput,
    LakeLoad,
    LakeProfile,
    LakeQuality,
    LakeRuleCount,
    LakeVersion,
)
from xingcheng.lake.rules import lake_type
from xingcheng.ledger.schema import ResourceSchema
from xingcheng.standards import masking

__all__ = ["MODES", "SOURCE_KINDS", "JobContext", "LakeService", "SchemaProvider"]

log = logging.getLogger("xingcheng.lake")

MODES = ("full", "upsert")
SOURCE_KINDS = ("upload", "api", "cli", "pull", "job", "demo")
SchemaProvider = Callable[[Session, str], ResourceSchema]
HEARTBEAT_STALE = dt.timedelta(minutes=10)


def _ledger_schema(db: Session, code: str) -> ResourceSchema:
    from xingcheng.ledger import service as ledger

    return ledger.resource_schema(db, code)


def _digest_of(request: LoadRequest) -> str | None:
    """The file's SHA-256 once the load's thread has it (None: the file could not be read)."""
    return request.digest.result() if request.digest is not None else None


def _alive(pid: int | None, host: str) -> bool:
    """Whether the process that ran a load may still be running (another host: assume so)."""
    if pid is None or host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _persisting(database: Any, load_id: int, report: ProgressFn | None) -> ProgressFn:
    """A progress callback that also records stage, percentage and heartbeat (at most once a second)."""
    from sqlalchemy import update

    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        if report is not None:
            report(stage, done, total)
        now = time.monotonic()
        if now - last[0] < 1.0 and done not in (0, total):
            return
        last[0] = now
        with database.session() as db:
            db.execute(
                update(LakeLoad)
                .where(LakeLoad.id == load_id)
                .values(stage=stage, progress=int(100 * done / max(total, 1)), heartbeat_at=utcnow())
            )

    return progress


@dataclass
class JobContext:
    """What a running job reads and writes; both become lineage."""

    service: LakeService
    db: Session
    job: LakeJob
    reads: list[tuple[str, int]] = field(default_factory=list)

    def version(self, code: str, number: int | None = None) -> LakeVersion:
        """Record that the job reads this version (default: the newest) and return it."""
        v = self.service.get_version(self.db, code, number)
        if (code, v.number) not in self.reads:
            self.reads.append((code, v.number))
            self.db.add(LakeJobInput(job_id=self.job.id, resource_code=code, version_number=v.number))
            self.db.flush()
        return v

    def write(self, code: str, path: Path, *, mode: str = "full", by: str = "") -> LakeLoad:
        """Load a file the job produced into a resource: validated, versioned, its lineage pointing here."""
        load = self.service.start_load(
            self.db,
            code,
            path,
            mode=mode,
            source_kind="job",
            source_name=self.job.name,
            by=by or self.job.created_by,
            job_id=self.job.id,
        )
        return self.service.execute_load(self.db, load.id)


class LakeService:
    """One per application (or CLI run): the DuckDB engine, the schema provider, per-resource locks."""

    def __init__(
        self, settings: Settings, engine: LakeEngine | None = None, schemas: SchemaProvider | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine or LakeEngine(settings)
        self._schemas = schemas or _ledger_schema
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    # -- schemas, scope and profiles -----------------------------------------------------------------
    def schema(self, db: Session, code: str) -> ResourceSchema:
        return self._schemas(db, code)

    @staticmethod
    def ensure_scope(db: Session, principal: Any, schema: ResourceSchema) -> None:
        """A department's data administrator loads only the department's own resources."""
        if Role.PLATFORM_ADMIN in getattr(principal, "roles", ()):
            return
        from xingcheng.identity.models import Department

        dept = db.get(Department, principal.department_id) if principal.department_id else None
        if dept is None or dept.code != schema.department_code:
            raise PermissionDenied("lake.scope.other_department")

    def profile(self, db: Session, code: str) -> Profile:
        row = repo.profile_of(db, code)
        return Profile.from_dict(row.profile if row else None)

    def set_profile(self, db: Session, code: str, profile: Profile, *, origin: str = "manual", by: str = "") -> None:
        schema = self.schema(db, code)
        names = {f.name for f in schema.fields}
        unknown = [n for n in (*profile.columns, *profile.date_formats, *profile.value_maps) if n not in names]
        if unknown:
            raise ValidationFailed(
                errors=[
                    {"field": n, "code": "unknown_field", "message_key": "lake.profile.unknown_field"}
                    for n in sorted(set(unknown))
                ]
            )
        if profile.max_failure_ratio is not None and not 0 <= profile.max_failure_ratio <= 1:
            raise ValidationFailed(
                errors=[{"field": "max_failure_ratio", "code": "range", "message_key": "lake.profile.ratio"}]
            )
        row = repo.profile_of(db, code)
        if row is None:
            row = LakeProfile(resource_code=code)
            db.add(row)
        row.profile = profile.to_dict()
        row.origin = origin
        row.updated_by = by
        db.flush()

    # -- loads ---------------------------------------------------------------------------------------
    def start_load(
        self,
        db: Session,
        code: str,
        path: Path,
        *,
        mode: str = "full",
        source_kind: str = "cli",
        source_name: str | None = None,
        by: str = "",
        pull_id: int | None = None,
        job_id: int | None = None,
    ) -> LakeLoad:
        """Register a load of ``path`` into resource ``code`` (queued; :meth:`execute_load` runs it)."""
        if mode not in MODES:
            raise ValidationFailed(errors=[{"field": "mode", "code": "choice", "message_key": "lake.load.mode"}])
        schema = self.schema(db, code)
        self.sweep(db, code)
        busy = [load for load in repo.unfinished_loads(db, code) if load.status == "running"]
        if busy:
            raise Conflict("lake.load.busy")
        profile = self.profile(db, code)
        load = LakeLoad(
            resource_code=code,
            department_code=schema.department_code,
            mode=mode,
            source_kind=source_kind,
            source_name=(source_name if source_name is not None else path.name)[:255],
            source_path=str(path),
            source_bytes=path.stat().st_size if path.is_file() else None,
            # source_sha256: computed while the load runs (loader.FileDigest), recorded when it ends.
            pull_id=pull_id,
            job_id=job_id,
            max_failure_ratio=(
                profile.max_failure_ratio
                if profile.max_failure_ratio is not None
                else self.settings.lake_max_failure_ratio
            ),
            schema_version=schema.version,
            created_by=by,
        )
        db.add(load)
        db.flush()
        return load

    def _lock(self, code: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(code, threading.Lock())

    def quarantine_path(self, load: LakeLoad) -> Path:
        return self.settings.lake_dir / "quarantine" / table_name(load.resource_code) / f"load-{load.id}.parquet"

    def execute_load(
        self,
        db: Session,
        load_id: int,
        progress: ProgressFn | None = None,
        *,
        before_commit: Callable[[str], None] | None = None,
    ) -> LakeLoad:
        """Run a queued load to its end in one session; the load row tells how it went."""
        load = self._get_load(db, load_id)
        lock = self._lock(load.resource_code)
        if not lock.acquire(blocking=False):
            raise Conflict("lake.load.busy")
        try:
            request = self.prepare_load(db, load_id)
            result = self.run_prepared(request, progress, before_commit=before_commit)
            return self.finish_load(db, load_id, result, source_sha256=_digest_of(request))
        finally:
            lock.release()

    def run_load_job(
        self,
        database: Any,
        load_id: int,
        progress: ProgressFn | None = None,
        *,
        before_commit: Callable[[str], None] | None = None,
    ) -> None:
        """Run a load as a job: its start, its progress and its end each committed, so that a page (or a
        process watching the database) follows it, and no transaction stays open while DuckDB works."""
        with database.session() as db:
            code = self._get_load(db, load_id).resource_code
        lock = self._lock(code)
        if not lock.acquire(blocking=False):
            raise Conflict("lake.load.busy")
        try:
            with database.session() as db:
                request = self.prepare_load(db, load_id)
            persisted = _persisting(database, load_id, progress)
            result = self.run_prepared(request, persisted, before_commit=before_commit)
            with database.session() as db:
                self.finish_load(db, load_id, result, source_sha256=_digest_of(request))
        finally:
            lock.release()

    def _get_load(self, db: Session, load_id: int) -> LakeLoad:
        load = repo.load_by_id(db, load_id)
        if load is None:
            raise NotFound("lake.load.not_found")
        return load

    def prepare_load(self, db: Session, load_id: int) -> LoadRequest:
        load = self._get_load(db, load_id)
        if load.status != "queued":
            raise Conflict("lake.load.not_queued")
        schema = self.schema(db, load.resource_code)
        profile = self.profile(db, load.resource_code)
        self.reconcile(db, load.resource_code)
        load.status, load.stage, load.started_at = "running", "read", utcnow()
        load.heartbeat_at = load.started_at
        load.pid, load.host = os.getpid(), socket.gethostname()
        db.flush()
        return LoadRequest(
            load_id=load.id,
            schema=schema,
            path=Path(load.source_path),
            mode=load.mode,  # type: ignore[arg-type]
            profile=profile,
            max_failure_ratio=load.max_failure_ratio,
            author=load.created_by,
            temp_dir=self.engine.temp_dir,
            quarantine_path=self.quarantine_path(load),
        )

    def run_prepared(
        self,
        request: LoadRequest,
        progress: ProgressFn | None = None,
        *,
        before_commit: Callable[[str], None] | None = None,
    ) -> LoadOutcome | XingchengError:
        """The DuckDB part of a load; touches no metadata (an unusable file comes back as the error).

        The file's SHA-256 is taken on a thread of its own meanwhile (``request.digest``), not before.
        """
        if request.digest is None and request.path.is_file():
            request.digest = FileDigest(request.path)
        try:
            with self.engine.cursor() as con:
                return run_load(con, request, progress, before_commit=before_commit, dialect=self.engine.dialect)
        except ValidationFailed as exc:
            return exc
        except Exception as exc:
            # The engine's message may quote the file's content: log the type only.
            log.error("lake load failed", extra={"load_id": request.load_id, "error": type(exc).__name__})
            return XingchengError("lake.load.internal")

    def finish_load(
        self,
        db: Session,
        load_id: int,
        result: LoadOutcome | XingchengError,
        *,
        source_sha256: str | None = None,
    ) -> LakeLoad:
        load = self._get_load(db, load_id)
        load.finished_at = utcnow()
        digest = result.source_sha256 if isinstance(result, LoadOutcome) else None
        load.source_sha256 = digest or source_sha256 or load.source_sha256
        if isinstance(result, XingchengError):
            load.status, load.stage = "failed", "done"
            load.error_key, load.errors = result.detail_key or result.title_key, result.errors
            db.flush()
            return load
        outcome = result
        schema = self.schema(db, load.resource_code)
        profile = self.profile(db, load.resource_code)
        load.rows_read, load.rows_loaded = outcome.rows_read, outcome.rows_loaded
        load.rows_failed, load.rows_malformed = outcome.rows_failed, outcome.rows_malformed
        load.unmapped_columns = outcome.unmapped_columns
        load.source_format, load.source_encoding = outcome.source_format, outcome.source_encoding
        quarantine = self.quarantine_path(load)
        load.quarantine_file = str(quarantine) if quarantine.exists() else None
        for code, count in sorted(outcome.rule_counts.items()):
            field_name, _, rule = code.rpartition(":")
            db.add(LakeRuleCount(load_id=load.id, field=field_name[:100], rule=rule[:32], count=count))
        load.progress = 100
        load.stage = "done"
        if outcome.status == "refused":
            load.status, load.error_key = "refused", "lake.load.refused"
            db.flush()
            return load
        load.status = "committed"
        assert outcome.snapshot_id is not None
        version = repo.versions_by_snapshot(db, [outcome.snapshot_id]).get(outcome.snapshot_id)
        if version is None:
            version = self._record_version(db, load, schema, outcome.snapshot_id, outcome.rows_in_version or 0)
        self._score(db, version, schema, profile, outcome.quality)
        self._tell_ledger(db, load.resource_code, version.created_at)
        self.expire(db, load.resource_code)
        db.flush()
        return load

    def _record_version(
        self, db: Session, load: LakeLoad | None, schema: ResourceSchema, snapshot_id: int, rows: int
    ) -> LakeVersion:
        version = LakeVersion(
            resource_code=schema.code,
            number=repo.max_version_number(db, schema.code) + 1,
            snapshot_id=snapshot_id,
            load_id=load.id if load else None,
            rows=rows,
            schema_version=schema.version,
        )
        db.add(version)
        db.flush()
        return version

    def _tell_ledger(self, db: Session, code: str, at: dt.datetime) -> None:
        if self._schemas is not _ledger_schema:
            return
        from xingcheng.ledger import service as ledger

        ledger.mark_data_updated(db, code, at)

    # -- quality -------------------------------------------------------------------------------------
    def _authority(self, db: Session) -> Callable[[str], q.Authority | None]:
        cache: dict[str, q.Authority | None] = {}

        def lookup(item: str) -> q.Authority | None:
            if item in cache:
                return cache[item]
            found: q.Authority | None = None
            if self._schemas is _ledger_schema:
                from xingcheng.ledger import service as ledger

                holder = ledger.authoritative_source(db, item)
                if holder is not None:
                    resource, fld = holder
                    latest = repo.latest_version(db, resource.code)
                    if latest is not None:
                        schema = self.schema(db, resource.code)
                        found = q.Authority(
                            schema=schema,
                            field=schema.field(fld.name),
                            snapshot_id=latest.snapshot_id,
                            code_labels=self.profile(db, resource.code).code_labels,
                        )
            cache[item] = found
            return found

        return lookup

    def _score(
        self,
        db: Session,
        version: LakeVersion,
        schema: ResourceSchema,
        profile: Profile,
        measured: dict[str, float | None],
    ) -> LakeQuality:
        previous = repo.version_by_number(db, schema.code, version.number - 1)
        scores: dict[str, float | None] = dict(measured)
        scores["timeliness"] = q.timeliness(
            schema.update_cycle, previous.created_at if previous else None, version.created_at
        )
        details: dict[str, Any] = {}
        try:
            with self.engine.cursor() as con:
                scores["agreement"], details["agreement"] = q.agreement(
                    con, schema, version.snapshot_id, profile.code_labels, self._authority(db)
                )
        except Exception as exc:  # a scorecard must not undo a committed version
            log.warning("lake agreement not computed", extra={"resource": schema.code, "error": type(exc).__name__})
            scores["agreement"] = None
        row = LakeQuality(
            version_id=version.id,
            completeness=_round(scores.get("completeness")),
            validity=_round(scores.get("validity")),
            uniqueness=_round(scores.get("uniqueness")),
            timeliness=_round(scores.get("timeliness")),
            agreement=_round(scores.get("agreement")),
            score=q.overall(scores),
            details=details,
        )
        db.add(row)
        db.flush()
        return row

    # -- versions and time travel --------------------------------------------------------------------
    def get_version(self, db: Session, code: str, number: int | None = None) -> LakeVersion:
        v = repo.latest_version(db, code) if number is None else repo.version_by_number(db, code, number)
        if v is None or v.expired_at is not None:
            raise NotFound("lake.version.not_found")
        return v

    def relation_sql(self, db: Session, code: str, number: int | None = None) -> str:
        """SQL naming the resource's data at a version (time travel), in the schema's columns: a field the
        resource gained later reads as NULL in older versions; the lake's system columns are left out."""
        schema = self.schema(db, code)
        v = self.get_version(db, code, number)
        source = f"{CATALOG}.main.{quote_ident(table_name(code))} AT (VERSION => {int(v.snapshot_id)})"
        with self.engine.cursor() as con:
            present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}  # noqa: S608
        cols = ", ".join(
            quote_ident(f.name) if f.name in present else f"CAST(NULL AS {lake_type(f)}) AS {quote_ident(f.name)}"
            for f in schema.fields
        )
        return f"SELECT {cols} FROM {source}"  # noqa: S608

    def count_rows(self, db: Session, code: str, number: int | None = None) -> int:
        with self.engine.cursor() as con:
            row = con.execute(f"SELECT count(*) FROM ({self.relation_sql(db, code, number)})").fetchone()  # noqa: S608
        return int(row[0]) if row else 0

    # -- consistency between the two stores ----------------------------------------------------------
    def sweep(self, db: Session, code: str | None = None) -> int:
        """Mark loads whose process died (kill -9, power cut) as interrupted; returns how many."""
        now = utcnow()
        n = 0
        for load in repo.unfinished_loads(db, code):
            stale = load.heartbeat_at is not None and now - load.heartbeat_at > HEARTBEAT_STALE
            if load.status == "running" and (not _alive(load.pid, load.host) or stale):
                load.status, load.stage, load.error_key = "interrupted", "done", "lake.load.interrupted"
                load.finished_at = now
                n += 1
        if n:
            db.flush()
        return n

    def reconcile(self, db: Session, code: str) -> int:
        """Create the version rows of snapshots committed for ``code`` whose metadata never was."""
        with self.engine.cursor() as con:
            rows = con.execute(
                f"SELECT snapshot_id, commit_extra_info FROM {CATALOG}.snapshots() "  # noqa: S608
                "WHERE json_extract_string(commit_extra_info, '$.resource') = ? ORDER BY snapshot_id",
                [code],
            ).fetchall()
        known = repo.versions_by_snapshot(db, [int(r[0]) for r in rows])
        made = 0
        for snapshot_id, extra in rows:
            if int(snapshot_id) in known:
                continue
            info = json.loads(extra or "{}")
            load = repo.load_by_id(db, int(info.get("load_id", 0)))
            schema = self.schema(db, code)
            with self.engine.cursor() as con:
                counted = con.execute(
                    f"SELECT count(*) FROM {CATALOG}.main.{quote_ident(table_name(code))} AT (VERSION => ?)",  # noqa: S608
                    [int(snapshot_id)],
                ).fetchone()
            self._record_version(db, load, schema, int(snapshot_id), int(counted[0]) if counted else 0)
            if load is not None:
                load.status, load.stage, load.error_key = "committed", "done", None
                load.source_sha256 = load.source_sha256 or info.get("source_sha256")
            made += 1
        return made

    # -- retention -----------------------------------------------------------------------------------
    def expire(self, db: Session, code: str | None = None, *, now: dt.datetime | None = None) -> list[LakeVersion]:
        """Expire versions beyond the newest N and older than D days; their snapshots and files go too."""
        now = now or utcnow()
        keep_n, keep_days = self.settings.lake_keep_versions, self.settings.lake_keep_days
        codes = [code] if code else repo.resources_with_versions(db)
        expired: list[LakeVersion] = []
        for c in codes:
            live = repo.list_versions(db, c, include_expired=False)
            for v in live[keep_n:]:
                if now - v.created_at > dt.timedelta(days=keep_days):
                    expired.append(v)
        if not expired:
            return []
        ids = sorted(v.snapshot_id for v in expired)
        with self.engine.cursor() as con:
            con.execute(f"CALL ducklake_expire_snapshots('{CATALOG}', versions => ?)", [ids])
            con.execute(f"CALL ducklake_cleanup_old_files('{CATALOG}', cleanup_all => true)")
        for v in expired:
            v.expired_at = now
        db.flush()
        return expired

    def cleanup(self, *, older_than: dt.datetime | None = None) -> int:
        """Delete Parquet files no snapshot references (left by killed or refused loads) and stale temp files."""
        cutoff = older_than or utcnow() - dt.timedelta(hours=1)
        with self.engine.cursor() as con:
            rows = con.execute(
                f"SELECT count(*) FROM ducklake_delete_orphaned_files('{CATALOG}', older_than => ?)",  # noqa: S608
                [cutoff.replace(tzinfo=None)],
            ).fetchone()
        removed = int(rows[0]) if rows else 0
        for stale in self.engine.temp_dir.glob("*"):
            if stale.is_file() and dt.datetime.fromtimestamp(stale.stat().st_mtime, dt.UTC) < cutoff:
                stale.unlink(missing_ok=True)
                removed += 1
        return removed

    # -- quarantine ----------------------------------------------------------------------------------
    def quarantine_sample(self, db: Session, load: LakeLoad, limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
        """Failing records of a load, every value masked by its field's sensitivity."""
        if not load.quarantine_file or not Path(load.quarantine_file).exists():
            return []
        schema = self.schema(db, load.resource_code)
        with self.engine.cursor() as con:
            rows = con.execute(
                "SELECT _row, _line, _errors, _values FROM read_parquet(?) "
                "ORDER BY _row NULLS LAST, _line NULLS FIRST, _values LIMIT ? OFFSET ?",
                [load.quarantine_file, int(limit), int(offset)],
            ).fetchall()
        return [
            {
                "record": r[0],
                "line": r[1],
                "rules": [{"field": c.rpartition(":")[0], "rule": c.rpartition(":")[2]} for c in (r[2] or [])],
                "values": mask_values(schema, json.loads(r[3] or "{}")),
            }
            for r in rows
        ]

    # -- jobs and lineage ----------------------------------------------------------------------------
    @contextmanager
    def job(self, db: Session, name: str, *, engine: str = "duckdb", by: str = "") -> Iterator[JobContext]:
        job = LakeJob(name=name[:100], engine=engine, created_by=by)
        db.add(job)
        db.flush()
        ctx = JobContext(self, db, job)
        try:
            yield ctx
        except BaseException:
            job.status, job.finished_at, job.error_key = "failed", utcnow(), "lake.job.failed"
            db.flush()
            raise
        job.status, job.finished_at = "done", utcnow()
        db.flush()


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def _masker(f: Any) -> str | None:
    from xingcheng.ledger.schema import FieldFormat, Sensitivity

    if f is None:
        return "other"
    if f.sensitivity is Sensitivity.NONE:
        return None
    if f.format is FieldFormat.ID_NUMBER:
        return "id_number"
    if f.format is FieldFormat.PHONE:
        return "phone"
    if f.format is FieldFormat.PLATE:
        return "plate"
    if f.format is FieldFormat.EMAIL:
        return "email"
    label = f"{f.name} {f.label}"
    if "姓名" in label or ("名称" in label and "单位" not in label) or label.endswith("name"):
        return "name"
    if "地址" in label or "住址" in label or "住所" in label or "坐落" in label or "地点" in label:
        return "address"
    if "电话" in label or "手机" in label:
        return "phone"
    if "证件号码" in label or "身份证" in label:
        return "id_number"
    return "other"


def mask_values(schema: ResourceSchema, values: dict[str, Any]) -> dict[str, Any]:
    """Mask a record for display: personal fields by their kind, anything unknown entirely."""
    out: dict[str, Any] = {}
    fields = {f.name: f for f in schema.fields}
    for name, value in values.items():
        if value is None:
            out[name] = None
            continue
        if name.startswith(SYSTEM_PREFIX):
            continue
        kind = _masker(fields.get(name))
        out[name] = value if kind is None else masking.mask(kind, str(value))
    return out
