"""What publishing needs to know about one catalog entry, independent of how the ledger stores it.

The CKAN façade, the DCAT-AP export and the harvester all speak in ``Entry``; ``repository.py`` builds entries
from the ledger's rows, and the harvester turns a peer's CKAN package back into the ledger's upsert input.
Keeping this seam small means the ledger's tables can grow without touching the wire formats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["Entry", "EntryField", "Organisation"]


@dataclass(frozen=True, slots=True)
class Organisation:
    """A provider department (a CKAN organisation, a DCAT foaf:Agent)."""

    code: str
    name: str
    name_en: str = ""
    uscc: str = ""
    division_code: str = ""
    id: int | None = None
    origin_hub: str | None = None  # set for departments known only through a harvested entry


@dataclass(frozen=True, slots=True)
class EntryField:
    name: str
    label: str
    data_type: str = "string"
    unit: str = ""
    personal: bool = False
    sensitivity: str = "none"
    authoritative: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    id: str  # stable identifier on the wire (CKAN id): a UUID
    code: str  # the catalog code (类-项-目-细目 + sequence)
    name: str  # CKAN name: lower-case code, URL-safe
    title: str
    abstract: str
    kind: str  # "data" or "capability"
    organisation: Organisation
    catalog_class: str  # base / theme / department
    theme: str  # the class's item, e.g. 人口
    share_type: str
    share_conditions: str
    share_method: str
    open_type: str
    grade: str
    update_cycle: str
    state: str
    formats: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: tuple[EntryField, ...] = ()
    created: dt.datetime | None = None
    modified: dt.datetime | None = None
    published: dt.datetime | None = None
    endpoint_url: str = ""  # for capabilities and service-interface resources
    origin_hub: str | None = None  # None: our own entry
    origin_id: str | None = None
    origin_url: str | None = None
    origin_uri: str | None = None  # the dataset's IRI at its origin
    harvested_at: dt.datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def harvested(self) -> bool:
        return self.origin_hub is not None
