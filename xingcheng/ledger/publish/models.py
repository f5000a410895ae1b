"""Tables of federation: the hubs we harvest from or publish up to, and every harvest run.

Which peers a hub talks to is data (rows here, managed with the CLI and the API), so a city adds a peer
without a deployment; the API keys it presents to them are secrets and live in the settings
(``XINGCHENG_HARVEST_KEYS``), never in the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xingcheng.core.db import Base, UTCDateTime, utcnow

__all__ = ["HarvestRun", "HarvestSource"]


class HarvestSource(Base):
    """Another hub: a peer or lower hub we harvest (``peer``, ``lower``) or the higher hub we publish up to
    (``upper``)."""

    __tablename__ = "ledger_harvest_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16), default="peer")  # peer | lower | upper
    include_private: Mapped[bool] = mapped_column(default=True)  # ask for the shareable (not only open) entries
    # The department that stands for that hub here: its API clients may ask us to harvest it (publish-up).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("identity_department.id"), index=True, default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    cursor: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)  # newest metadata_modified seen
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_status: Mapped[str] = mapped_column(String(16), default="never")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    runs: Mapped[list[HarvestRun]] = relationship(back_populates="source", lazy="raise", cascade="all, delete-orphan")


class HarvestRun(Base):
    """One harvest of one source: what was asked, what came back, what changed."""

    __tablename__ = "ledger_harvest_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("ledger_harvest_source.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="cli")  # cli | api | publish_up
    actor: Mapped[str] = mapped_column(String(100), default="system")  # log-safe reference
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | partial | failed
    full: Mapped[bool] = mapped_column(default=False)
    cursor_before: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    cursor_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    seen: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    error_key: Mapped[str | None] = mapped_column(String(100), default=None)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"origin_id", "code", "message_key"}]

    source: Mapped[HarvestSource] = relationship(back_populates="runs", lazy="raise")
