"""The schema of a data resource as the rest of the hub sees it: the ledger's contract with the lake,
the exchange and the registries.

The ledger stores richer metadata (codes, share and open types, history); this module is the small,
stable shape others build on. A resource's fields *are* its schema: the lake validates loads against it,
the exchange masks by its sensitivities, the registries read authoritative sources from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["DataType", "FieldFormat", "FieldSpec", "ResourceSchema", "Sensitivity", "UpdateCycle"]


class DataType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    CODE = "code"  # a value from the field's code list


class FieldFormat(StrEnum):
    """A standard the values must follow, checked by the lake (vectorised) and by forms."""

    NONE = "none"
    ID_NUMBER = "id_number"  # GB 11643
    USCC = "uscc"  # GB 32100
    DIVISION_CODE = "division_code"  # GB/T 2260 and township / community codes
    PLATE = "plate"  # GA 36
    PHONE = "phone"  # mainland mobile or landline
    EMAIL = "email"


class Sensitivity(StrEnum):
    NONE = "none"  # not personal information
    PERSONAL = "personal"  # personal information (PIPL art. 4)
    SENSITIVE = "sensitive"  # sensitive personal information (PIPL art. 28), incl. all data of minors under 14


class UpdateCycle(StrEnum):
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    IRREGULAR = "irregular"

    @property
    def days(self) -> int | None:
        """Days after which a version is stale (None: no expectation)."""
        return {"realtime": 1, "daily": 2, "weekly": 8, "monthly": 32, "quarterly": 93, "yearly": 366}.get(self.value)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str  # column name as stored in the lake (snake_case)
    label: str  # Chinese label, e.g. 公民身份号码
    data_type: DataType = DataType.STRING
    required: bool = False
    is_key: bool = False  # part of the resource's key (unique; used for upserts and key lookups)
    format: FieldFormat = FieldFormat.NONE
    code_list: tuple[str, ...] = ()  # allowed values when data_type is CODE (or any non-empty tuple)
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = None
    unit: str = ""
    sensitivity: Sensitivity = Sensitivity.NONE
    data_item: str | None = None  # the shared data item it carries, e.g. "person.birth_date" (一数一源)
    source_names: tuple[str, ...] = ()  # column headers departments use for this field in their files

    @property
    def personal(self) -> bool:
        return self.sensitivity is not Sensitivity.NONE


@dataclass(frozen=True, slots=True)
class ResourceSchema:
    code: str  # the resource's catalog code
    name: str
    department_code: str
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    update_cycle: UpdateCycle = UpdateCycle.IRREGULAR
    version: int = 1  # bumps whenever the field list changes

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.is_key)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)
