"""Tables of the identity domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xingcheng.core.db import Base, UTCDateTime, utcnow

__all__ = ["ApiClient", "ApiKey", "Citizen", "Department", "LoginSession", "User", "UserRole"]


class Department(Base):
    __tablename__ = "identity_department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str] = mapped_column(String(120), default="")
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="department")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="department", lazy="raise")
    api_clients: Mapped[list[ApiClient]] = relationship(back_populates="department", lazy="raise")


class User(Base):
    """A member of staff of a department."""

    __tablename__ = "identity_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("identity_department.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(back_populates="users", lazy="raise")
    roles: Mapped[list[UserRole]] = relationship(back_populates="user", lazy="raise", cascade="all, delete-orphan")


class UserRole(Base):
    __tablename__ = "identity_user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise")


class Citizen(Base):
    """A resident with an account in the service app; the ID number is validated (GB 11643)."""

    __tablename__ = "identity_citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True, default=None)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiClient(Base):
    """A calling system of a department (the X-Road "subsystem"); it authenticates with API keys."""

    __tablename__ = "identity_api_client"
    __table_args__ = (UniqueConstraint("department_id", "system_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("identity_department.id"), index=True)
    system_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[str] = mapped_column(String(200), default="analyst")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(back_populates="api_clients", lazy="raise")
    keys: Mapped[list[ApiKey]] = relationship(back_populates="client", lazy="raise")


class ApiKey(Base):
    """Only a SHA-256 of the key is stored; the key itself is shown once, when created."""

    __tablename__ = "identity_api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("identity_api_client.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    client: Mapped[ApiClient] = relationship(back_populates="keys", lazy="raise")


class LoginSession(Base):
    """A browser login. The cookie holds a random token; the table holds its SHA-256."""

    __tablename__ = "identity_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("identity_user.id", ondelete="CASCADE"), index=True, default=None
    )
    citizen_id: Mapped[int | None] = mapped_column(
        ForeignKey("identity_citizen.id", ondelete="CASCADE"), index=True, default=None
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
