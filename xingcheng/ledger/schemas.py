"""Pydantic shapes of the ledger (in and out). Rules that span several attributes (share conditions,
legal basis, open type against personal fields, 一数一源) are checked in ``service`` so that the API, the
pages and the importer report them the same way, as a list of ``{field, code, message_key}``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from xingcheng.ledger.schema import DataType, FieldFormat, FieldSpec, Sensitivity, UpdateCycle
from xingcheng.ledger.vocab import Grade, Kind, OpenType, ShareMethod, ShareType, State

__all__ = [
    "ArbitrationOut",
    "ChangeOut",
    "ClassOut",
    "FacetValue",
    "FieldIn",
    "FieldOut",
    "HarvestedResourceIn",
    "ImportReport",
    "ResourceIn",
    "ResourceOut",
    "ResourceQuery",
    "ResourceSummary",
    "ResourceUpdate",
    "SearchOut",
]

# Field names: what the department's own system calls the column (pinyin codes, English or Chinese
# headers such as 出生体重（克）); no spaces, quotes or control characters.
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s\"'`\\;,]+$")]
DataItem = Annotated[str, StringConstraints(max_length=100, pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50, strip_whitespace=True)]
FormatName = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[a-z0-9][a-z0-9.+-]*$")]
ShortText = Annotated[str, StringConstraints(max_length=100)]


class FieldIn(BaseModel):
    """An information item (信息项); carries everything ``xingcheng.ledger.schema.FieldSpec`` has."""

    model_config = ConfigDict(extra="forbid")

    name: FieldName
    label: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    data_type: DataType = DataType.STRING
    required: bool = False
    is_key: bool = False
    format: FieldFormat = FieldFormat.NONE
    code_list: list[ShortText] = Field(default_factory=list, max_length=1000)
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = Field(None, ge=1, le=1_000_000)
    unit: str = Field("", max_length=32)
    sensitivity: Sensitivity = Sensitivity.NONE
    grade: Grade | None = Field(None, description="A grade this field has at least (its sensitivity sets one too).")
    data_item: DataItem | None = Field(None, description="The shared data item it carries, e.g. person.birth_date.")
    authoritative: bool = Field(False, description="This resource is the authoritative source of the data item.")
    source_names: list[ShortText] = Field(default_factory=list, max_length=20)

    @classmethod
    def from_spec(cls, spec: FieldSpec) -> FieldIn:
        """A schema field (``ledger.schema.FieldSpec``) as input, to register a resource declared in code."""
        # Every attribute, by name: one FieldSpec gains must exist here too (extra="forbid" refuses it otherwise).
        return cls(**{f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)})


class _ResourceBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_arbitration: bool = Field(
        False,
        description="When a field claims a data item another resource is authoritative for: send the claim to the "
        "data bureau to arbitrate (the field stays non-authoritative meanwhile) instead of refusing.",
    )


class ResourceIn(_ResourceBase):
    name: str = Field(min_length=2, max_length=200)
    abstract: str = Field("", max_length=4000)
    class_code: str = Field(min_length=1, max_length=20, description="Catalog class, e.g. 1-01-001 (or 3-001).")
    kind: Kind = Kind.DATA
    department_id: int | None = Field(None, description="Provider department (default: the caller's own).")
    share_type: ShareType
    share_conditions: str = Field("", max_length=2000)
    legal_basis: str = Field("", max_length=2000)
    share_methods: list[ShareMethod] = Field(default_factory=list)
    open_type: OpenType = OpenType.NONE
    open_conditions: str = Field("", max_length=2000)
    grade: Grade | None = Field(None, description="A grade the resource has at least; fields may raise it.")
    update_cycle: UpdateCycle = UpdateCycle.IRREGULAR
    formats: list[FormatName] = Field(default_factory=list, max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    fields: list[FieldIn] = Field(default_factory=list, max_length=500)


class ResourceUpdate(_ResourceBase):
    """Only the attributes given change; ``fields``, when given, replaces the whole list."""

    name: str | None = Field(None, min_length=2, max_length=200)
    abstract: str | None = Field(None, max_length=4000)
    class_code: str | None = Field(None, min_length=1, max_length=20)
    kind: Kind | None = None
    share_type: ShareType | None = None
    share_conditions: str | None = Field(None, max_length=2000)
    legal_basis: str | None = Field(None, max_length=2000)
    share_methods: list[ShareMethod] | None = None
    open_type: OpenType | None = None
    open_conditions: str | None = Field(None, max_length=2000)
    grade: Grade | None = None
    clear_grade: bool = Field(False, description="Remove the resource's own grade floor.")
    update_cycle: UpdateCycle | None = None
    formats: list[FormatName] | None = Field(None, max_length=20)
    tags: list[Tag] | None = Field(None, max_length=30)
    fields: list[FieldIn] | None = Field(None, max_length=500)
    expected_revision: int | None = Field(None, description="Refuse the change if someone changed it meanwhile.")


class HarvestedResourceIn(BaseModel):
    """A catalog entry harvested from another hub; stored read-only, identified by (origin_hub, origin_id)."""

    origin_hub: str = Field(min_length=1, max_length=300)
    origin_id: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=64, description="Unique here; e.g. the origin's code with a prefix.")
    uuid: str | None = Field(None, max_length=36)
    name: str = Field(min_length=1, max_length=200)
    abstract: str = Field("", max_length=4000)
    organisation: str = Field("", max_length=200, description="The provider's name at the origin.")
    class_code: str | None = Field(None, max_length=20, description="Our class of the same code, if any.")
    kind: Kind = Kind.DATA
    share_type: ShareType = ShareType.CONDITIONAL
    share_conditions: str = Field("", max_length=2000)
    legal_basis: str = Field("", max_length=2000)
    share_methods: list[ShareMethod] = Field(default_factory=list)
    open_type: OpenType = OpenType.NONE
    open_conditions: str = Field("", max_length=2000)
    grade: Grade = Grade.GENERAL
    update_cycle: UpdateCycle = UpdateCycle.IRREGULAR
    formats: list[FormatName] = Field(default_factory=list, max_length=20)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    fields: list[FieldIn] = Field(default_factory=list, max_length=500)
    retired: bool = False
    published_at: dt.datetime | None = None
    metadata_modified: dt.datetime | None = Field(None, description="The origin's; kept in origin_extras.")
    extras: dict[str, Any] = Field(default_factory=dict)


class ResourceQuery(BaseModel):
    """Search and list: full text, facet filters, paging. Without ``states`` only published entries."""

    q: str = Field("", max_length=200)
    department_id: list[int] = Field(default_factory=list)
    class_code: list[str] = Field(default_factory=list, description="Any class code; matches its sub-classes too.")
    share_type: list[ShareType] = Field(default_factory=list)
    open_type: list[OpenType] = Field(default_factory=list)
    grade: list[Grade] = Field(default_factory=list)
    kind: list[Kind] = Field(default_factory=list)
    format: list[str] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    states: list[State] = Field(default_factory=list)
    origin: str | None = Field(None, pattern=r"^(local|harvested)$")
    modified_since: dt.datetime | None = None
    sort: str = Field("relevance", pattern=r"^(relevance|name|code|modified|published|id)$")
    descending: bool | None = None
    offset: int = Field(0, ge=0, le=1_000_000)
    limit: int = Field(20, ge=0, le=1000)
    facets: bool = True


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FieldOut(_Out):
    name: str
    label: str
    description: str
    data_type: str
    required: bool
    is_key: bool
    format: str
    code_list: list[str]
    min_value: float | None
    max_value: float | None
    max_length: int | None
    unit: str
    sensitivity: str
    grade: str  # effective: its floor and its sensitivity, 就高从严
    grade_floor: str | None
    data_item: str | None
    authoritative: bool
    source_names: list[str]


class ResourceSummary(BaseModel):
    id: int
    uuid: str
    code: str
    name: str
    abstract: str
    kind: str
    department_id: int | None
    department: str
    class_code: str | None
    class_name: str | None
    share_type: str
    open_type: str
    grade: str
    update_cycle: str
    state: str
    formats: list[str]
    tags: list[str]
    metadata_modified: dt.datetime
    published_at: dt.datetime | None
    origin_hub: str | None
    score: float | None = None


class ResourceOut(ResourceSummary):
    share_conditions: str
    legal_basis: str
    share_methods: list[str]
    open_conditions: str
    grade_floor: str | None
    review_comment: str
    revision: int
    schema_version: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    retired_at: dt.datetime | None
    data_updated_at: dt.datetime | None
    origin_id: str | None
    harvested_at: dt.datetime | None
    fields: list[FieldOut]


class FacetValue(BaseModel):
    value: str
    label: str
    count: int


class SearchOut(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ResourceSummary]
    facets: dict[str, list[FacetValue]]


class ChangeOut(_Out):
    revision: int
    action: str
    at: dt.datetime
    actor: str
    comment: str
    diff: list[dict[str, Any]]


class ClassOut(_Out):
    code: str
    name: str
    level: int
    kind: str
    department_id: int | None


class ArbitrationOut(BaseModel):
    id: int
    data_item: str
    claimant_code: str
    claimant_name: str
    claimant_field: str
    holder_code: str | None
    holder_name: str | None
    reason: str
    state: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_comment: str


class ImportReport(BaseModel):
    created: list[str]
    updated: list[str]
    arbitrations: int = 0
    dry_run: bool = False
