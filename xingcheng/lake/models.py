"""Tables of the lake in the metadata database: loads, versions, quarantine index, scorecards, profiles,
pulls, jobs and their lineage. The data itself lives in DuckLake (catalog + Parquet), not here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xingcheng.core.db import Base, UTCDateTime, utcnow

__all__ = [
    "LakeJob",
    "LakeJobInput",
    "LakeLoad",
    "LakeProfile",
    "LakePull",
    "LakeQuality",
    "LakeRuleCount",
    "LakeUpload",
    "LakeVersion",
]


class LakeProfile(Base):
    """How a resource's departmental files are written: column map, encoding, date formats, code maps."""

    __tablename__ = "lake_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), unique=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    origin: Mapped[str] = mapped_column(String(16), default="manual")  # manual | manifest
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LakePull(Base):
    """A scheduled pull from a department's database (any SQLAlchemy URL) into a resource."""

    __tablename__ = "lake_pull"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    query: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(8), default="full")
    interval_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    enabled: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_load_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LakeJob(Base):
    """A batch job over the lake (quality, collisions, linkage …): what it read and which loads it wrote."""

    __tablename__ = "lake_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    engine: Mapped[str] = mapped_column(String(16), default="duckdb")
    status: Mapped[str] = mapped_column(String(16), default="running")
    error_key: Mapped[str | None] = mapped_column(String(100), default=None)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    inputs: Mapped[list[LakeJobInput]] = relationship(back_populates="job", lazy="raise", cascade="all, delete-orphan")


class LakeJobInput(Base):
    """Lineage: a job read this version of this resource."""

    __tablename__ = "lake_job_input"
    __table_args__ = (UniqueConstraint("job_id", "resource_code", "version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("lake_job.id", ondelete="CASCADE"), index=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    version_number: Mapped[int] = mapped_column(Integer)

    job: Mapped[LakeJob] = relationship(back_populates="inputs", lazy="raise")


class LakeLoad(Base):
    """One attempt to load a file or a pull into a resource; a committed load produced one version."""

    __tablename__ = "lake_load"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    department_code: Mapped[str] = mapped_column(String(32), default="")
    mode: Mapped[str] = mapped_column(String(8), default="full")
    source_kind: Mapped[str] = mapped_column(String(16))  # upload | api | cli | pull | job | demo
    source_name: Mapped[str] = mapped_column(String(255), default="")
    source_path: Mapped[str] = mapped_column(String(1000), default="")  # where the runner reads the file
    source_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    source_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    source_format: Mapped[str | None] = mapped_column(String(16), default=None)
    source_encoding: Mapped[str | None] = mapped_column(String(32), default=None)
    pull_id: Mapped[int | None] = mapped_column(ForeignKey("lake_pull.id", ondelete="SET NULL"), default=None)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("lake_job.id", ondelete="SET NULL"), default=None)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error_key: Mapped[str | None] = mapped_column(String(100), default=None)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_loaded: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_failed: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_malformed: Mapped[int] = mapped_column(BigInteger, default=0)
    max_failure_ratio: Mapped[float] = mapped_column(Float, default=0.05)
    unmapped_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    quarantine_file: Mapped[str | None] = mapped_column(String(500), default=None)
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    pid: Mapped[int | None] = mapped_column(Integer, default=None)
    host: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    rule_counts: Mapped[list[LakeRuleCount]] = relationship(
        back_populates="load", lazy="raise", cascade="all, delete-orphan"
    )


class LakeRuleCount(Base):
    """The quarantine's index: how many records of a load broke each rule."""

    __tablename__ = "lake_rule_count"
    __table_args__ = (UniqueConstraint("load_id", "field", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("lake_load.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(BigInteger, default=0)

    load: Mapped[LakeLoad] = relationship(back_populates="rule_counts", lazy="raise")


class LakeVersion(Base):
    """A version of a resource: one DuckLake snapshot, produced by one load."""

    __tablename__ = "lake_version"
    __table_args__ = (UniqueConstraint("resource_code", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[int] = mapped_column(Integer)
    snapshot_id: Mapped[int] = mapped_column(BigInteger)
    load_id: Mapped[int | None] = mapped_column(ForeignKey("lake_load.id", ondelete="SET NULL"), default=None)
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    quality: Mapped[LakeQuality | None] = relationship(back_populates="version", lazy="raise", uselist=False)


class LakeQuality(Base):
    """The scorecard of a version (each dimension 0..1; None where it does not apply)."""

    __tablename__ = "lake_quality"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("lake_version.id", ondelete="CASCADE"), unique=True)
    completeness: Mapped[float | None] = mapped_column(Float, default=None)
    validity: Mapped[float | None] = mapped_column(Float, default=None)
    uniqueness: Mapped[float | None] = mapped_column(Float, default=None)
    timeliness: Mapped[float | None] = mapped_column(Float, default=None)
    agreement: Mapped[float | None] = mapped_column(Float, default=None)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[LakeVersion] = relationship(back_populates="quality", lazy="raise")


class LakeUpload(Base):
    """A file arriving in parts (a browser or API client uploading more than one request may carry)."""

    __tablename__ = "lake_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    mode: Mapped[str] = mapped_column(String(8), default="full")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    load_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
