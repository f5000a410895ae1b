"""Scheduled pulls from a department's database: any SQLAlchemy URL, a table or a SELECT, on an interval.

A pull streams the query's rows (server-side cursor, in batches) into a UTF-8 CSV under the lake's temp
folder and loads that file like any other — same validation, quarantine, thresholds and versioning — with
the pull recorded as the version's source. ``xingcheng lake pulls run-due`` (from cron or a systemd
timer) or ``xingcheng lake scheduler`` runs the pulls that are due.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.errors import NotFound, ValidationFailed
from xingcheng.lake import repository as repo
from xingcheng.lake.models import LakeLoad, LakePull
from xingcheng.lake.schemas import PullIn, PullOut

__all__ = ["create_pull", "due", "public_url", "pull_out", "query_sql", "run_pull", "stream_to_csv"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_BATCH = 10_000


def _invalid(field: str, key: str) -> ValidationFailed:
    return ValidationFailed(errors=[{"field": field, "code": "invalid", "message_key": key}])


def public_url(url: str) -> str:
    """The URL with its password hidden (for pages, APIs and logs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "***"


def query_sql(query: str) -> str:
    """A table name (schema.table) becomes ``SELECT *``; otherwise the text must be one SELECT/WITH query."""
    q = query.strip().rstrip(";").strip()
    if _IDENT.match(q):
        return "SELECT * FROM " + ".".join(f'"{part}"' for part in q.split("."))  # noqa: S608
    if not re.match(r"(?is)^(select|with)\b", q) or ";" in q:
        raise _invalid("query", "lake.pull.query_invalid")
    return q


def create_pull(db: Session, code: str, data: PullIn, *, by: str = "") -> LakePull:
    try:
        make_url(data.url)
    except ArgumentError:
        raise _invalid("url", "lake.pull.url_invalid") from None
    query_sql(data.query)
    pull = LakePull(
        resource_code=code,
        name=data.name,
        url=data.url,
        query=data.query,
        mode=data.mode,
        interval_minutes=data.interval_minutes,
        enabled=data.enabled,
        next_run_at=utcnow(),
        created_by=by,
    )
    db.add(pull)
    db.flush()
    return pull


def pull_out(pull: LakePull) -> PullOut:
    return PullOut(
        id=pull.id,
        resource_code=pull.resource_code,
        name=pull.name,
        url=public_url(pull.url),
        query=pull.query,
        mode=pull.mode,
        interval_minutes=pull.interval_minutes,
        enabled=pull.enabled,
        next_run_at=pull.next_run_at,
        last_load_id=pull.last_load_id,
    )


def stream_to_csv(url: str, query: str, path: Path) -> int:
    """Copy the query's rows into a CSV file (header = the query's column names); returns the row count."""
    engine = create_engine(url)
    rows = 0
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION READ ONLY"))
            result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(text(query_sql(query)))
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(list(result.keys()))
                for batch in result.partitions(_BATCH):
                    writer.writerows([_cell(v) for v in row] for row in batch)
                    rows += len(batch)
    except SQLAlchemyError:
        # The driver's message may carry the URL or data: it is not passed on.
        raise _invalid("url", "lake.pull.failed") from None
    finally:
        engine.dispose()
    return rows


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def get_pull(db: Session, pull_id: int) -> LakePull:
    pull = db.get(LakePull, pull_id)
    if pull is None:
        raise NotFound("lake.pull.not_found")
    return pull


def run_pull(service: Any, database: Any, pull_id: int, *, by: str = "") -> LakeLoad:
    """Run one pull now: stream, load (committing as a job), reschedule. Returns the load."""
    with database.session() as db:
        pull = get_pull(db, pull_id)
        url, query, code, mode, name = pull.url, pull.query, pull.resource_code, pull.mode, pull.name
    path = service.engine.temp_dir / f"pull-{pull_id}-{utcnow().strftime('%Y%m%d%H%M%S%f')}.csv"
    try:
        try:
            stream_to_csv(url, query, path)
        except ValidationFailed as exc:
            with database.session() as db:
                load = service.start_load(
                    db, code, path, mode=mode, source_kind="pull", source_name=name, by=by, pull_id=pull_id
                )
                load.status, load.stage, load.error_key, load.errors = "failed", "done", "lake.pull.failed", exc.errors
                load.finished_at = utcnow()
                _reschedule(db, pull_id, load.id)
                load_id = load.id
        else:
            with database.session() as db:
                load_id = service.start_load(
                    db, code, path, mode=mode, source_kind="pull", source_name=name, by=by, pull_id=pull_id
                ).id
            service.run_load_job(database, load_id)
            with database.session() as db:
                _reschedule(db, pull_id, load_id)
    finally:
        path.unlink(missing_ok=True)
    with database.session() as db:
        load = repo.load_by_id(db, load_id)
        assert load is not None
        db.expunge(load)
        return load


def _reschedule(db: Session, pull_id: int, load_id: int) -> None:
    pull = get_pull(db, pull_id)
    pull.last_load_id = load_id
    pull.next_run_at = utcnow() + dt.timedelta(minutes=pull.interval_minutes)
    db.flush()


def due(db: Session, now: dt.datetime | None = None) -> list[int]:
    return [p.id for p in repo.due_pulls(db, now or utcnow())]
