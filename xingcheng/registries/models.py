"""Tables of the five base registries (五大基础库) in the metadata database.

The heavy lifting — reading sources, linkage, golden values — runs in DuckDB; what pages, services and
other domains look up by key lands here: golden records with the provenance of every attribute, the link
of every departmental record to its entity, relationships, data-quality issues, standard addresses and
places, city components and their classes, buildings, houses and right holders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xingcheng.core.db import Base, UTCDateTime, utcnow

__all__ = [
    "Address",
    "AddressAlias",
    "Build",
    "Building",
    "Company",
    "CompanyAddress",
    "CompanyLink",
    "CompanyName",
    "Component",
    "ComponentClass",
    "House",
    "Issue",
    "Person",
    "PersonLink",
    "Place",
    "Relation",
    "RightHolder",
]


class Build(Base):
    """One run of the registry builder: full or incremental, what it read, what it measured."""

    __tablename__ = "registry_build"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # full | incremental
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    person_model: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    company_model: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class Person(Base):
    """A golden person record. ``attributes`` keeps, per attribute, the authoritative source and every
    other source's value: ``{"name": {"source": "psb_hukou", "values": [{"source", "record_id", "value"}]}}``."""

    __tablename__ = "registry_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_no: Mapped[str] = mapped_column(String(24), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True, default=None)
    name: Mapped[str | None] = mapped_column(String(64), default=None)
    sex: Mapped[str | None] = mapped_column(String(1), default=None)
    birth_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    ethnicity: Mapped[str | None] = mapped_column(String(16), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    address_code: Mapped[str | None] = mapped_column(String(23), index=True, default=None)
    marital_status: Mapped[str | None] = mapped_column(String(8), default=None)
    household_no: Mapped[str | None] = mapped_column(String(20), index=True, default=None)
    household_relation: Mapped[str | None] = mapped_column(String(8), default=None)
    state: Mapped[str] = mapped_column(String(12), default="active")  # active | removed
    records: Mapped[int] = mapped_column(Integer, default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest: Mapped[str] = mapped_column(String(32), default="")  # of the golden values and provenance
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonLink(Base):
    """Which golden person a departmental record stands for."""

    __tablename__ = "registry_person_link"
    __table_args__ = (UniqueConstraint("source", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("registry_person.id", ondelete="CASCADE"), index=True)
    match_probability: Mapped[float | None] = mapped_column(Float, default=None)


class Relation(Base):
    """Family ties between golden persons: ``kind`` father | mother | spouse (of ``person_id``)."""

    __tablename__ = "registry_relation"
    __table_args__ = (UniqueConstraint("person_id", "kind", "other_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("registry_person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    other_id: Mapped[int] = mapped_column(ForeignKey("registry_person.id", ondelete="CASCADE"), index=True)
    sources: Mapped[str] = mapped_column(String(200), default="")


class Issue(Base):
    """A data-quality issue found while building a registry, addressed to the department holding the value."""

    __tablename__ = "registry_issue"
    __table_args__ = (Index("ix_registry_issue_department_status", "department_code", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_name: Mapped[str] = mapped_column(String(16))  # person | company | component | housing
    entity_ref: Mapped[str] = mapped_column(String(32), index=True)  # person_no, USCC, address or component code
    kind: Mapped[str] = mapped_column(String(16))  # conflict | format | invalid_id | duplicate | unmatched
    attribute: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64), default=None)
    department_code: Mapped[str] = mapped_column(String(32))
    value: Mapped[str | None] = mapped_column(Text, default=None)
    golden_value: Mapped[str | None] = mapped_column(Text, default=None)
    golden_source: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | resolved
    build_id: Mapped[int | None] = mapped_column(ForeignKey("registry_build.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)


class Company(Base):
    """A golden legal-entity record keyed by its unified social credit code (GB 32100, checked)."""

    __tablename__ = "registry_company"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    entity_type: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str | None] = mapped_column(String(32), default=None)
    established: Mapped[dt.date | None] = mapped_column(Date, default=None)
    capital: Mapped[float | None] = mapped_column(Float, default=None)
    legal_rep_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_person.id", ondelete="SET NULL"), index=True, default=None
    )
    address_code: Mapped[str | None] = mapped_column(String(23), index=True, default=None)
    state: Mapped[str] = mapped_column(String(12), default="active")
    records: Mapped[int] = mapped_column(Integer, default=0)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompanyName(Base):
    """A name a company has carried, from when (the approval date of the record that shows it)."""

    __tablename__ = "registry_company_name"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("registry_company.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[dt.date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, default=None)


class CompanyAddress(Base):
    """An address a company has had, from when."""

    __tablename__ = "registry_company_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("registry_company.id", ondelete="CASCADE"), index=True)
    address_code: Mapped[str | None] = mapped_column(String(23), default=None)
    text: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[dt.date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, default=None)


class CompanyLink(Base):
    __tablename__ = "registry_company_link"
    __table_args__ = (UniqueConstraint("source", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(64))
    company_id: Mapped[int] = mapped_column(ForeignKey("registry_company.id", ondelete="CASCADE"), index=True)


class Place(Base):
    """A district, township, community or grid cell, with its outline as GeoJSON (synthetic: the convex hull
    of the standard addresses and components known in it, not a surveyed boundary)."""

    __tablename__ = "registry_place"

    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    level: Mapped[str] = mapped_column(String(12), index=True)  # district | township | community | grid
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(String(15), index=True, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class Address(Base):
    """A standard address: district → township → community → road → number → building → unit → room."""

    __tablename__ = "registry_address"

    code: Mapped[str] = mapped_column(String(23), primary_key=True)
    level: Mapped[str] = mapped_column(String(8))  # 门牌 | 楼栋 | 户室
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    township_code: Mapped[str | None] = mapped_column(String(9), default=None)
    community_code: Mapped[str | None] = mapped_column(String(12), index=True, default=None)
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True, default=None)
    road: Mapped[str | None] = mapped_column(String(64), default=None)
    door_no: Mapped[str | None] = mapped_column(String(16), default=None)
    estate: Mapped[str | None] = mapped_column(String(64), default=None)
    building: Mapped[str | None] = mapped_column(String(16), default=None)
    unit: Mapped[str | None] = mapped_column(String(8), default=None)
    room: Mapped[str | None] = mapped_column(String(16), default=None)
    full_address: Mapped[str] = mapped_column(String(300))
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)


class AddressAlias(Base):
    """A second code under which the address source captured a standard address."""

    __tablename__ = "registry_address_alias"

    code: Mapped[str] = mapped_column(String(23), primary_key=True)
    address_code: Mapped[str] = mapped_column(String(23), index=True)


class ComponentClass(Base):
    """A city-component class (GB/T 30428.2 style): major and minor class, kept as data."""

    __tablename__ = "registry_component_class"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)  # major + minor
    major_code: Mapped[str] = mapped_column(String(2))
    major_name: Mapped[str] = mapped_column(String(32))
    minor_code: Mapped[str] = mapped_column(String(2))
    minor_name: Mapped[str] = mapped_column(String(32))
    authority: Mapped[str | None] = mapped_column(String(100), default=None)


class Component(Base):
    """A city component (城市部件); id = 6-digit county code + major + minor class + serial."""

    __tablename__ = "registry_component"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    class_code: Mapped[str] = mapped_column(ForeignKey("registry_component_class.code"), index=True)
    county_code: Mapped[str] = mapped_column(String(6), index=True)
    serial: Mapped[str] = mapped_column(String(6))
    community_code: Mapped[str | None] = mapped_column(String(12), index=True, default=None)
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True, default=None)
    lon: Mapped[float | None] = mapped_column(Float, default=None)
    lat: Mapped[float | None] = mapped_column(Float, default=None)
    location: Mapped[str | None] = mapped_column(String(200), default=None)
    department: Mapped[str | None] = mapped_column(String(100), default=None)
    owner: Mapped[str | None] = mapped_column(String(100), default=None)
    maintainer: Mapped[str | None] = mapped_column(String(100), default=None)
    state: Mapped[str | None] = mapped_column(String(16), default=None)
    surveyed: Mapped[dt.date | None] = mapped_column(Date, default=None)
    aliases: Mapped[str] = mapped_column(String(200), default="")


class Building(Base):
    __tablename__ = "registry_building"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_code: Mapped[str] = mapped_column(String(23), unique=True)
    unit_no: Mapped[str | None] = mapped_column(String(28), default=None)
    estate: Mapped[str | None] = mapped_column(String(64), default=None)
    building_no: Mapped[str | None] = mapped_column(String(16), default=None)
    district_code: Mapped[str | None] = mapped_column(String(6), index=True, default=None)
    floors: Mapped[int | None] = mapped_column(Integer, default=None)
    units: Mapped[int | None] = mapped_column(Integer, default=None)
    built_year: Mapped[int | None] = mapped_column(Integer, default=None)
    use: Mapped[str | None] = mapped_column(String(16), default=None)


class House(Base):
    """A house (户): a room of a building, or a village house, registered with its right holders."""

    __tablename__ = "registry_house"

    id: Mapped[int] = mapped_column(primary_key=True)
    address_code: Mapped[str] = mapped_column(String(23), unique=True)
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_building.id", ondelete="SET NULL"), index=True, default=None
    )
    unit_no: Mapped[str | None] = mapped_column(String(28), default=None)
    floor: Mapped[int | None] = mapped_column(Integer, default=None)
    room_no: Mapped[str | None] = mapped_column(String(16), default=None)
    area: Mapped[float | None] = mapped_column(Float, default=None)
    use: Mapped[str | None] = mapped_column(String(16), default=None)
    share_mode: Mapped[str | None] = mapped_column(String(16), default=None)
    registered_at: Mapped[str | None] = mapped_column(String(32), default=None)


class RightHolder(Base):
    """Who holds the rights to a house: a golden person or company (or only a name when unlinked)."""

    __tablename__ = "registry_right_holder"

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("registry_house.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # owner | co_owner
    holder_type: Mapped[str] = mapped_column(String(8))  # person | company
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_person.id", ondelete="SET NULL"), index=True, default=None
    )
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_company.id", ondelete="SET NULL"), index=True, default=None
    )
    name: Mapped[str | None] = mapped_column(String(200), default=None)
