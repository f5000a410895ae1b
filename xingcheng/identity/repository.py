"""Every query of the identity domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from xingcheng.identity.models import ApiClient, ApiKey, Citizen, Department, LoginSession, User

__all__ = [
    "count_citizens",
    "count_departments",
    "count_users",
    "delete_session",
    "department_by_code",
    "key_by_hash",
    "list_clients",
    "list_departments",
    "list_keys",
    "list_users",
    "session_by_hash",
    "user_by_id",
    "user_by_username",
]


def list_departments(db: Session) -> list[Department]:
    return list(db.scalars(select(Department).order_by(Department.code)))


def department_by_code(db: Session, code: str) -> Department | None:
    return db.scalar(select(Department).where(Department.code == code))


def count_departments(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Department)) or 0


def count_users(db: Session, department_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(User)
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    return db.scalar(stmt) or 0


def count_citizens(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Citizen)) or 0


def list_users(db: Session, department_id: int | None = None) -> list[User]:
    stmt = select(User).options(selectinload(User.roles)).order_by(User.username)
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    return list(db.scalars(stmt))


def user_by_username(db: Session, username: str) -> User | None:
    return db.scalar(select(User).options(selectinload(User.roles)).where(User.username == username))


def user_by_id(db: Session, user_id: int) -> User | None:
    return db.scalar(select(User).options(selectinload(User.roles)).where(User.id == user_id))


def list_clients(db: Session, department_id: int | None = None) -> list[ApiClient]:
    stmt = select(ApiClient).order_by(ApiClient.department_id, ApiClient.system_code)
    if department_id is not None:
        stmt = stmt.where(ApiClient.department_id == department_id)
    return list(db.scalars(stmt))


def list_keys(db: Session, client_id: int) -> list[ApiKey]:
    return list(db.scalars(select(ApiKey).where(ApiKey.client_id == client_id).order_by(ApiKey.id)))


def key_by_hash(db: Session, key_hash: str) -> ApiKey | None:
    return db.scalar(select(ApiKey).options(selectinload(ApiKey.client)).where(ApiKey.key_hash == key_hash))


def session_by_hash(db: Session, token_hash: str, now: dt.datetime) -> LoginSession | None:
    return db.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash, LoginSession.expires_at > now))


def delete_session(db: Session, token_hash: str) -> None:
    row = db.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash))
    if row is not None:
        db.delete(row)
