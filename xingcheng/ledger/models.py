"""Tables of the data ledger (数据一本帐): catalog classes, resources, their fields, tags and formats, the
metadata change history, the 一数一源 arbitration queue and the search index.

Enumerated columns hold the English value of the enums in ``xingcheng.ledger.vocab``; pages translate them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import uuid4

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xingcheng.core.db import Base, UTCDateTime, utcnow
from xingcheng.identity.models import Department

__all__ = ["Arbitration", "CatalogClass", "Change", "Field", "Resource", "ResourceFormat", "ResourceTag", "SearchTerm"]


class CatalogClass(Base):
    """One node of the catalog classification: 类 (level 1), 项 (2), 目 (3), 细目 (4).

    ``code`` is the path, e.g. ``1`` / ``1-01`` / ``1-01-001`` / ``1-01-001-001``; the taxonomy is data.
    A department class (类 3) has one 项 per department (``department_id`` set).
    """

    __tablename__ = "ledger_catalog_class"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # base | theme | department
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_catalog_class.id"), index=True, default=None)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("identity_department.id"), index=True, default=None)


class Resource(Base):
    """A data resource (数据资源) or an intelligent capability (智能中枢能力) of one department."""

    __tablename__ = "ledger_resource"
    __table_args__ = (
        UniqueConstraint("class_id", "seq"),
        UniqueConstraint("origin_hub", "origin_id"),
        # Covers the search's facet count: grouping walks this index instead of sorting the matches.
        Index(
            "ix_ledger_resource_facets",
            "state",
            "department_id",
            "class_id",
            "share_type",
            "open_type",
            "grade",
            "kind",
            "format_list",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid4()))  # stable across hubs
    code: Mapped[str] = mapped_column(String(64), unique=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_catalog_class.id"), index=True, default=None)
    seq: Mapped[int | None] = mapped_column(Integer, default=None)
    name: Mapped[str] = mapped_column(String(200), index=True)
    abstract: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), default="data", index=True)  # data | capability
    department_id: Mapped[int | None] = mapped_column(ForeignKey("identity_department.id"), index=True, default=None)
    share_type: Mapped[str] = mapped_column(String(16), index=True)
    share_conditions: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    share_methods: Mapped[str] = mapped_column(String(100), default="")  # comma-separated ShareMethod values
    format_list: Mapped[str] = mapped_column(String(200), default="")  # the formats again, comma-joined: a facet
    open_type: Mapped[str] = mapped_column(String(16), index=True)
    open_conditions: Mapped[str] = mapped_column(Text, default="")
    grade_floor: Mapped[str | None] = mapped_column(String(16), default=None)
    grade: Mapped[str] = mapped_column(String(16), index=True)  # derived 就高从严 from fields and the floor
    update_cycle: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    metadata_modified: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    data_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # Federation: set on entries harvested from a peer or higher hub (read-only here); None = our own.
    origin_hub: Mapped[str | None] = mapped_column(String(300), default=None)
    origin_id: Mapped[str | None] = mapped_column(String(100), default=None)
    origin_org: Mapped[str | None] = mapped_column(String(200), default=None)  # provider's name at the origin
    origin_extras: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    harvested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    department: Mapped[Department | None] = relationship(lazy="raise")
    catalog_class: Mapped[CatalogClass | None] = relationship(lazy="raise")
    fields: Mapped[list[Field]] = relationship(
        back_populates="resource", lazy="raise", cascade="all, delete-orphan", order_by="Field.position"
    )
    tags: Mapped[list[ResourceTag]] = relationship(lazy="raise", cascade="all, delete-orphan")
    formats: Mapped[list[ResourceFormat]] = relationship(lazy="raise", cascade="all, delete-orphan")

    @property
    def harvested(self) -> bool:
        return self.origin_hub is not None


class Field(Base):
    """An information item (信息项) of a resource; for a capability, a parameter of its interface."""

    __tablename__ = "ledger_field"
    __table_args__ = (
        UniqueConstraint("resource_id", "name"),
        # 一数一源: at most one authoritative field per data item in the whole catalog.
        Index(
            "uq_ledger_field_authority",
            "data_item",
            unique=True,
            sqlite_where=text("authoritative"),
            postgresql_where=text("authoritative"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ledger_resource.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    data_type: Mapped[str] = mapped_column(String(16), default="string")
    required: Mapped[bool] = mapped_column(default=False)
    is_key: Mapped[bool] = mapped_column(default=False)
    format: Mapped[str] = mapped_column(String(24), default="none")
    code_list: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_value: Mapped[float | None] = mapped_column(Float, default=None)
    max_value: Mapped[float | None] = mapped_column(Float, default=None)
    max_length: Mapped[int | None] = mapped_column(Integer, default=None)
    unit: Mapped[str] = mapped_column(String(32), default="")
    sensitivity: Mapped[str] = mapped_column(String(16), default="none")
    grade_floor: Mapped[str | None] = mapped_column(String(16), default=None)
    data_item: Mapped[str | None] = mapped_column(String(100), index=True, default=None)
    authoritative: Mapped[bool] = mapped_column(default=False)
    source_names: Mapped[list[str]] = mapped_column(JSON, default=list)

    resource: Mapped[Resource] = relationship(back_populates="fields", lazy="raise")


class ResourceTag(Base):
    __tablename__ = "ledger_resource_tag"

    resource_id: Mapped[int] = mapped_column(ForeignKey("ledger_resource.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class ResourceFormat(Base):
    __tablename__ = "ledger_resource_format"

    resource_id: Mapped[int] = mapped_column(ForeignKey("ledger_resource.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class Change(Base):
    """One entry of a resource's metadata history: who, when, what (a diff of the metadata)."""

    __tablename__ = "ledger_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("ledger_resource.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id", ondelete="SET NULL"), default=None)
    actor: Mapped[str] = mapped_column(String(100))  # log-safe: "user:12", "system", "harvest", "api_client:3"
    comment: Mapped[str] = mapped_column(Text, default="")
    diff: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Arbitration(Base):
    """A second claim to be the authoritative source of a data item, for the data bureau to decide."""

    __tablename__ = "ledger_arbitration"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_item: Mapped[str] = mapped_column(String(100), index=True)
    claimant_resource_id: Mapped[int] = mapped_column(ForeignKey("ledger_resource.id", ondelete="CASCADE"), index=True)
    claimant_field: Mapped[str] = mapped_column(String(64))
    holder_resource_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_resource.id", ondelete="SET NULL"), default=None
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending | granted | rejected
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100), default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    claimant: Mapped[Resource] = relationship(foreign_keys=[claimant_resource_id], lazy="raise")
    holder: Mapped[Resource | None] = relationship(foreign_keys=[holder_resource_id], lazy="raise")


class SearchTerm(Base):
    """The search index: one row per (term, resource), terms are character unigrams and bigrams of Chinese
    text and lower-cased words of Latin text; ``weight`` sums where the term occurs (name counts most)."""

    __tablename__ = "ledger_search_term"
    # Walked backwards, it yields a term's best resources first: the first page needs no sort.
    __table_args__ = (Index("ix_ledger_search_term_ranked", "term", "weight", "resource_id"),)

    term: Mapped[str] = mapped_column(String(32), primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_resource.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    weight: Mapped[int] = mapped_column(Integer)
