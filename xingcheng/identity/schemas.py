"""Pydantic shapes of the identity API (in and out). Outputs never carry hashes or secrets."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xingcheng.core.permissions import Role

__all__ = [
    "ApiClientCreate",
    "ApiClientOut",
    "ApiKeyCreate",
    "ApiKeyIssued",
    "ApiKeyOut",
    "CitizenCreate",
    "CitizenOut",
    "DepartmentCreate",
    "DepartmentOut",
    "UserCreate",
    "UserOut",
    "UserUpdate",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DepartmentCreate(BaseModel):
    code: str = Field(min_length=2, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")
    name: str = Field(min_length=2, max_length=100)
    name_en: str = Field("", max_length=120)
    uscc: str = Field(min_length=18, max_length=18)
    division_code: str = Field(min_length=4, max_length=12)
    kind: str = Field("department", pattern=r"^(bureau|department|district|street|company)$")


class DepartmentOut(_Out):
    id: int
    code: str
    name: str
    name_en: str
    uscc: str
    division_code: str
    kind: str


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    display_name: str = Field(min_length=1, max_length=100)
    department_id: int
    roles: list[Role] = Field(min_length=1)
    password: str = Field(min_length=1, max_length=256)


class UserUpdate(BaseModel):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    roles: list[Role] | None = None
    is_active: bool | None = None


class UserOut(_Out):
    id: int
    username: str
    display_name: str
    department_id: int
    roles: list[str]
    is_active: bool
    locked: bool
    last_login_at: dt.datetime | None


class CitizenCreate(BaseModel):
    id_number: str = Field(min_length=15, max_length=24)
    name: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(None, max_length=20)
    password: str = Field(min_length=1, max_length=256)


class CitizenOut(BaseModel):
    """A citizen as staff see it: masked unless a grant says otherwise (the exchange decides that)."""

    id: int
    id_number: str
    name: str
    phone: str | None
    is_active: bool


class ApiClientCreate(BaseModel):
    system_code: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(default_factory=lambda: [Role.ANALYST], min_length=1)
    department_id: int | None = None


class ApiClientOut(_Out):
    id: int
    department_id: int
    system_code: str
    name: str
    roles: list[str]
    is_active: bool


class ApiKeyCreate(BaseModel):
    days: int | None = Field(None, ge=1, le=3650)


class ApiKeyOut(_Out):
    id: int
    client_id: int
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="The key itself. Shown this once; only its hash is kept.")
