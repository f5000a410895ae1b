"""Every query of the lake's metadata tables."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from xingcheng.lake.models import (
    LakeJob,
    LakeJobInput,
    LakeLoad,
    LakeProfile,
    LakePull,
    LakeQuality,
    LakeRuleCount,
    LakeUpload,
    LakeVersion,
)

__all__ = [
    "count_versions",
    "jobs_reading",
    "latest_version",
    "list_loads",
    "list_pulls",
    "list_versions",
    "load_by_id",
    "loads_of_jobs",
    "max_version_number",
    "profile_of",
    "quality_of_versions",
    "rule_counts",
    "unfinished_loads",
]


def profile_of(db: Session, code: str) -> LakeProfile | None:
    return db.scalar(select(LakeProfile).where(LakeProfile.resource_code == code))


def load_by_id(db: Session, load_id: int) -> LakeLoad | None:
    return db.get(LakeLoad, load_id)


def list_loads(db: Session, code: str, limit: int = 20) -> list[LakeLoad]:
    return list(
        db.scalars(select(LakeLoad).where(LakeLoad.resource_code == code).order_by(LakeLoad.id.desc()).limit(limit))
    )


def unfinished_loads(db: Session, code: str | None = None) -> list[LakeLoad]:
    stmt = select(LakeLoad).where(LakeLoad.status.in_(("queued", "running")))
    if code is not None:
        stmt = stmt.where(LakeLoad.resource_code == code)
    return list(db.scalars(stmt.order_by(LakeLoad.id)))


def rule_counts(db: Session, load_id: int) -> list[LakeRuleCount]:
    return list(
        db.scalars(select(LakeRuleCount).where(LakeRuleCount.load_id == load_id).order_by(LakeRuleCount.count.desc()))
    )


def max_version_number(db: Session, code: str) -> int:
    return db.scalar(select(func.max(LakeVersion.number)).where(LakeVersion.resource_code == code)) or 0


def count_versions(db: Session, code: str | None = None) -> int:
    stmt = select(func.count()).select_from(LakeVersion).where(LakeVersion.expired_at.is_(None))
    if code is not None:
        stmt = stmt.where(LakeVersion.resource_code == code)
    return db.scalar(stmt) or 0


def list_versions(
    db: Session, code: str, *, include_expired: bool = True, limit: int | None = None
) -> list[LakeVersion]:
    stmt = select(LakeVersion).where(LakeVersion.resource_code == code).order_by(LakeVersion.number.desc())
    if not include_expired:
        stmt = stmt.where(LakeVersion.expired_at.is_(None))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.scalars(stmt))


def latest_version(db: Session, code: str) -> LakeVersion | None:
    return db.scalar(
        select(LakeVersion)
        .where(LakeVersion.resource_code == code, LakeVersion.expired_at.is_(None))
        .order_by(LakeVersion.number.desc())
        .limit(1)
    )


def version_by_number(db: Session, code: str, number: int) -> LakeVersion | None:
    return db.scalar(select(LakeVersion).where(LakeVersion.resource_code == code, LakeVersion.number == number))


def version_of_load(db: Session, load_id: int) -> LakeVersion | None:
    return db.scalar(select(LakeVersion).where(LakeVersion.load_id == load_id))


def versions_by_snapshot(db: Session, snapshot_ids: Sequence[int]) -> dict[int, LakeVersion]:
    if not snapshot_ids:
        return {}
    rows = db.scalars(select(LakeVersion).where(LakeVersion.snapshot_id.in_(list(snapshot_ids))))
    return {v.snapshot_id: v for v in rows}


def quality_of_versions(db: Session, version_ids: Sequence[int]) -> dict[int, LakeQuality]:
    if not version_ids:
        return {}
    rows = db.scalars(select(LakeQuality).where(LakeQuality.version_id.in_(list(version_ids))))
    return {q.version_id: q for q in rows}


def list_pulls(db: Session, code: str | None = None) -> list[LakePull]:
    stmt = select(LakePull).order_by(LakePull.id)
    if code is not None:
        stmt = stmt.where(LakePull.resource_code == code)
    return list(db.scalars(stmt))


def due_pulls(db: Session, now: object) -> list[LakePull]:
    return list(
        db.scalars(
            select(LakePull).where(LakePull.enabled.is_(True), LakePull.next_run_at <= now).order_by(LakePull.id)
        )
    )


def jobs_reading(db: Session, code: str) -> list[LakeJob]:
    """Jobs that read any version of the resource (with all their inputs)."""
    ids = select(LakeJobInput.job_id).where(LakeJobInput.resource_code == code)
    return list(
        db.scalars(
            select(LakeJob).options(selectinload(LakeJob.inputs)).where(LakeJob.id.in_(ids)).order_by(LakeJob.id)
        )
    )


def jobs_by_ids(db: Session, ids: Sequence[int]) -> list[LakeJob]:
    if not ids:
        return []
    return list(db.scalars(select(LakeJob).options(selectinload(LakeJob.inputs)).where(LakeJob.id.in_(list(ids)))))


def loads_of_jobs(db: Session, job_ids: Sequence[int]) -> list[LakeLoad]:
    if not job_ids:
        return []
    return list(db.scalars(select(LakeLoad).where(LakeLoad.job_id.in_(list(job_ids)), LakeLoad.status == "committed")))


def job_loads_into(db: Session, code: str) -> list[LakeLoad]:
    return list(
        db.scalars(
            select(LakeLoad).where(
                LakeLoad.resource_code == code, LakeLoad.job_id.is_not(None), LakeLoad.status == "committed"
            )
        )
    )


def upload_by_id(db: Session, upload_id: int) -> LakeUpload | None:
    return db.get(LakeUpload, upload_id)


def resources_with_versions(db: Session) -> list[str]:
    return list(db.scalars(select(LakeVersion.resource_code).distinct().order_by(LakeVersion.resource_code)))


def count_loads(db: Session, status: str | None = None) -> int:
    stmt = select(func.count()).select_from(LakeLoad)
    if status is not None:
        stmt = stmt.where(LakeLoad.status == status)
    return db.scalar(stmt) or 0


def sum_rows_latest(db: Session) -> int:
    latest = (
        select(LakeVersion.resource_code, func.max(LakeVersion.number).label("n"))
        .group_by(LakeVersion.resource_code)
        .subquery()
    )
    stmt = select(func.sum(LakeVersion.rows)).join(
        latest, (LakeVersion.resource_code == latest.c.resource_code) & (LakeVersion.number == latest.c.n)
    )
    return int(db.scalar(stmt) or 0)
