"""Events the registries emit when a build changes them; other domains subscribe (xingcheng.core.events).

A full first build emits only :class:`RegistryBuilt`; later builds emit one event per change they find:
a person born (or first registered), removed (death or emigration: no department holds them any more),
moved to another standard address; a company registered, renamed or gone. Events carry registry numbers
and codes, never names or ID numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from xingcheng.core.events import Event

__all__ = [
    "CompanyRegistered",
    "CompanyRemoved",
    "CompanyRenamed",
    "PersonAdded",
    "PersonBorn",
    "PersonMoved",
    "PersonRemoved",
    "RegistryBuilt",
]


@dataclass(frozen=True, slots=True)
class RegistryBuilt(Event):
    build_id: int
    kind: str  # full | incremental
    persons: int
    companies: int
    changes: int


@dataclass(frozen=True, slots=True)
class PersonBorn(Event):
    person_no: str
    birth_date: str | None
    address_code: str | None


@dataclass(frozen=True, slots=True)
class PersonAdded(Event):
    """A person new to the registry who was not born recently (moved in, first registered)."""

    person_no: str
    address_code: str | None


@dataclass(frozen=True, slots=True)
class PersonRemoved(Event):
    """No department holds the person any more (death, emigration, cancelled registration)."""

    person_no: str


@dataclass(frozen=True, slots=True)
class PersonMoved(Event):
    person_no: str
    old_address_code: str | None
    new_address_code: str | None


@dataclass(frozen=True, slots=True)
class CompanyRegistered(Event):
    uscc: str
    address_code: str | None


@dataclass(frozen=True, slots=True)
class CompanyRenamed(Event):
    uscc: str


@dataclass(frozen=True, slots=True)
class CompanyRemoved(Event):
    uscc: str
