"""publish: harvest sources and runs (federation)

Revision ID: d4e5publish01
Revises: b7c1ledger001
Create Date: 2026-11-21 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xingcheng.core.db

revision: str = "d4e5publish01"
down_revision: str | Sequence[str] | None = "b7c1ledger001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_harvest_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("include_private", sa.Boolean(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("cursor", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        sa.Column("created_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["identity_department.id"],
            name=op.f("fk_ledger_harvest_source_department_id_identity_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_harvest_source")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_harvest_source_name")),
    )
    with op.batch_alter_table("ledger_harvest_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_harvest_source_department_id"), ["department_id"], unique=False)

    op.create_table(
        "ledger_harvest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("started_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("cursor_before", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cursor_after", xingcheng.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("error_key", sa.String(length=100), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["ledger_harvest_source.id"],
            name=op.f("fk_ledger_harvest_run_source_id_ledger_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_harvest_run")),
    )
    with op.batch_alter_table("ledger_harvest_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_harvest_run_source_id"), ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_harvest_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_harvest_run_source_id"))
    op.drop_table("ledger_harvest_run")
    with op.batch_alter_table("ledger_harvest_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_harvest_source_department_id"))
    op.drop_table("ledger_harvest_source")
