"""lake: loads, versions, quarantine index, scorecards, source profiles, pulls, jobs and lineage

Revision ID: c3d2lake0001
Revises: d4e5publish01
Create Date: 2026-11-21 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xingcheng.core.db

revision: str = "c3d2lake0001"
down_revision: str | Sequence[str] | None = "d4e5publish01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lake_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_key", sa.String(length=100), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_job")),
    )
    op.create_index(op.f("ix_lake_job_name"), "lake_job", ["name"], unique=False)
    op.create_table(
        "lake_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_profile")),
        sa.UniqueConstraint("resource_code", name=op.f("uq_lake_profile_resource_code")),
    )
    op.create_table(
        "lake_pull",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_load_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_pull")),
    )
    op.create_index(op.f("ix_lake_pull_resource_code"), "lake_pull", ["resource_code"], unique=False)
    op.create_table(
        "lake_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=True),
        sa.Column("created_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_upload")),
    )
    op.create_index(op.f("ix_lake_upload_resource_code"), "lake_upload", ["resource_code"], unique=False)
    op.create_table(
        "lake_job_input",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["lake_job.id"], name=op.f("fk_lake_job_input_job_id_lake_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_job_input")),
        sa.UniqueConstraint("job_id", "resource_code", "version_number", name=op.f("uq_lake_job_input_job_id")),
    )
    op.create_index(op.f("ix_lake_job_input_job_id"), "lake_job_input", ["job_id"], unique=False)
    op.create_index(op.f("ix_lake_job_input_resource_code"), "lake_job_input", ["resource_code"], unique=False)
    op.create_table(
        "lake_load",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("source_path", sa.String(length=1000), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("source_bytes", sa.BigInteger(), nullable=True),
        sa.Column("source_format", sa.String(length=16), nullable=True),
        sa.Column("source_encoding", sa.String(length=32), nullable=True),
        sa.Column("pull_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("error_key", sa.String(length=100), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_loaded", sa.BigInteger(), nullable=False),
        sa.Column("rows_failed", sa.BigInteger(), nullable=False),
        sa.Column("rows_malformed", sa.BigInteger(), nullable=False),
        sa.Column("max_failure_ratio", sa.Float(), nullable=False),
        sa.Column("unmapped_columns", sa.JSON(), nullable=False),
        sa.Column("quarantine_file", sa.String(length=500), nullable=True),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("created_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["lake_job.id"], name=op.f("fk_lake_load_job_id_lake_job"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["pull_id"], ["lake_pull.id"], name=op.f("fk_lake_load_pull_id_lake_pull"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_load")),
    )
    op.create_index(op.f("ix_lake_load_resource_code"), "lake_load", ["resource_code"], unique=False)
    op.create_index(op.f("ix_lake_load_status"), "lake_load", ["status"], unique=False)
    op.create_table(
        "lake_rule_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"], ["lake_load.id"], name=op.f("fk_lake_rule_count_load_id_lake_load"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_rule_count")),
        sa.UniqueConstraint("load_id", "field", "rule", name=op.f("uq_lake_rule_count_load_id")),
    )
    op.create_index(op.f("ix_lake_rule_count_load_id"), "lake_rule_count", ["load_id"], unique=False)
    op.create_table(
        "lake_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=True),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("created_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expired_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["load_id"], ["lake_load.id"], name=op.f("fk_lake_version_load_id_lake_load"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_version")),
        sa.UniqueConstraint("resource_code", "number", name=op.f("uq_lake_version_resource_code")),
    )
    op.create_index(op.f("ix_lake_version_resource_code"), "lake_version", ["resource_code"], unique=False)
    op.create_table(
        "lake_quality",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("completeness", sa.Float(), nullable=True),
        sa.Column("validity", sa.Float(), nullable=True),
        sa.Column("uniqueness", sa.Float(), nullable=True),
        sa.Column("timeliness", sa.Float(), nullable=True),
        sa.Column("agreement", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("computed_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["lake_version.id"],
            name=op.f("fk_lake_quality_version_id_lake_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lake_quality")),
        sa.UniqueConstraint("version_id", name=op.f("uq_lake_quality_version_id")),
    )


def downgrade() -> None:
    op.drop_table("lake_quality")
    op.drop_index(op.f("ix_lake_version_resource_code"), table_name="lake_version")
    op.drop_table("lake_version")
    op.drop_index(op.f("ix_lake_rule_count_load_id"), table_name="lake_rule_count")
    op.drop_table("lake_rule_count")
    op.drop_index(op.f("ix_lake_load_status"), table_name="lake_load")
    op.drop_index(op.f("ix_lake_load_resource_code"), table_name="lake_load")
    op.drop_table("lake_load")
    op.drop_index(op.f("ix_lake_job_input_resource_code"), table_name="lake_job_input")
    op.drop_index(op.f("ix_lake_job_input_job_id"), table_name="lake_job_input")
    op.drop_table("lake_job_input")
    op.drop_index(op.f("ix_lake_upload_resource_code"), table_name="lake_upload")
    op.drop_table("lake_upload")
    op.drop_index(op.f("ix_lake_pull_resource_code"), table_name="lake_pull")
    op.drop_table("lake_pull")
    op.drop_table("lake_profile")
    op.drop_index(op.f("ix_lake_job_name"), table_name="lake_job")
    op.drop_table("lake_job")
