"""Decisions of the identity domain: who may log in, which keys are good, what a department holds.

Functions flush, never commit: the request or the job that called them commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.errors import AccountLocked, Conflict, NotAuthenticated, NotFound, ValidationFailed
from xingcheng.core.permissions import PermissionRegistry, Role
from xingcheng.core.settings import Settings
from xingcheng.identity import repository as repo
from xingcheng.identity.models import ApiClient, ApiKey, Citizen, Department, LoginSession, User, UserRole
from xingcheng.identity.principal import Principal
from xingcheng.identity.schemas import (
    ApiClientCreate,
    CitizenCreate,
    DepartmentCreate,
    UserCreate,
    UserUpdate,
)
from xingcheng.identity.security import (
    Passwords,
    new_api_key,
    new_token,
    password_problems,
    token_hash,
)
from xingcheng.standards import divisions, idnumber, uscc
from xingcheng.standards.errors import StandardError

__all__ = ["IdentityService", "IssuedKey"]

T = TypeVar("T")
log = logging.getLogger(__name__)
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # an API key's last use is kept to the minute


def _field_error(field: str, code: str, message_key: str) -> dict[str, str]:
    return {"field": field, "code": code, "message_key": message_key}


@dataclass(frozen=True, slots=True)
class IssuedKey:
    key: ApiKey
    plaintext: str


def _touch(db: Session, key_id: int, now: dt.datetime) -> None:
    """Write a key's last use in a short transaction of its own, so the calling request stays a reader.

    (On SQLite a request that read first and writes later fails at once if another writer committed in
    between; a transaction that starts with its write waits for the lock instead.) Informational: a
    failure is logged, never the caller's problem.
    """
    try:
        with Session(bind=db.get_bind()) as own:
            own.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
            own.commit()
    except SQLAlchemyError as exc:
        log.warning("api key last use not recorded: %s", type(exc).__name__)


class IdentityService:
    """Stateless apart from its settings and the permission registry; one per application."""

    def __init__(self, settings: Settings, permissions: PermissionRegistry) -> None:
        self.settings = settings
        self.permissions = permissions
        self.passwords = Passwords(settings.password_time_cost, settings.password_memory_kib)
        # key hash → (checked at, monotonic; the key's expiry; the principal): see principal_for_key
        self._keys: dict[str, tuple[float, dt.datetime, Principal]] = {}

    # -- departments -------------------------------------------------------------------------------
    def create_department(self, db: Session, data: DepartmentCreate) -> Department:
        errors = []
        try:
            code = uscc.parse(data.uscc).code
        except StandardError as exc:
            errors.append(_field_error("uscc", exc.code, "identity.uscc.invalid"))
            code = data.uscc
        division = divisions.find(data.division_code)
        if division is None:
            errors.append(_field_error("division_code", "unknown_division", "identity.division.unknown"))
        if errors:
            raise ValidationFailed(errors=errors)
        assert division is not None
        dept = Department(
            code=data.code,
            name=data.name.strip(),
            name_en=data.name_en.strip(),
            uscc=code,
            division_code=division.code,
            kind=data.kind,
        )
        return self._insert(db, dept, "identity.department.exists")

    def get_department(self, db: Session, department_id: int) -> Department:
        dept = db.get(Department, department_id)
        if dept is None:
            raise NotFound("identity.department.not_found")
        return dept

    # -- staff -------------------------------------------------------------------------------------
    def create_user(self, db: Session, data: UserCreate) -> User:
        self.get_department(db, data.department_id)
        problems = password_problems(data.password)
        if problems:
            raise ValidationFailed(errors=[_field_error("password", "weak_password", k) for k in problems])
        user = User(
            username=data.username,
            display_name=data.display_name.strip(),
            department_id=data.department_id,
            password_hash=self.passwords.hash(data.password),
        )
        user.roles = [UserRole(role=Role(r).value) for r in dict.fromkeys(data.roles)]
        return self._insert(db, user, "identity.user.exists")

    def get_user(self, db: Session, user_id: int) -> User:
        user = repo.user_by_id(db, user_id)
        if user is None:
            raise NotFound("identity.user.not_found")
        return user

    def update_user(self, db: Session, user_id: int, data: UserUpdate) -> User:
        user = self.get_user(db, user_id)
        if data.display_name is not None:
            user.display_name = data.display_name.strip()
        if data.roles is not None:
            if not data.roles:
                raise ValidationFailed(errors=[_field_error("roles", "empty", "identity.roles.empty")])
            user.roles = [UserRole(role=Role(r).value) for r in dict.fromkeys(data.roles)]
        if data.is_active is not None:
            user.is_active = data.is_active
        if data.is_active:
            user.failed_logins, user.locked_until = 0, None
        db.flush()
        return user

    def set_password(self, db: Session, user_id: int, password: str) -> None:
        problems = password_problems(password)
        if problems:
            raise ValidationFailed(errors=[_field_error("password", "weak_password", k) for k in problems])
        user = self.get_user(db, user_id)
        user.password_hash = self.passwords.hash(password)
        user.failed_logins, user.locked_until = 0, None
        db.flush()

    def authenticate(self, db: Session, username: str, password: str) -> User:
        """Check a password; count failures and lock the account after too many in a row."""
        now = utcnow()
        user = repo.user_by_username(db, username.strip().lower())
        if user is not None and user.locked_until is not None and user.locked_until > now:
            raise AccountLocked("identity.login.locked", params={"minutes": self._minutes_left(user, now)})
        ok = self.passwords.verify(user.password_hash if user else None, password)
        if user is None or not user.is_active or not ok:
            if user is not None:
                user.failed_logins += 1
                if user.failed_logins >= self.settings.login_max_failures:
                    user.locked_until = now + dt.timedelta(minutes=self.settings.login_lockout_minutes)
                    user.failed_logins = 0
                db.flush()
                if user.locked_until is not None and user.locked_until > now:
                    raise AccountLocked("identity.login.locked", params={"minutes": self._minutes_left(user, now)})
            raise NotAuthenticated("identity.login.failed")
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        if self.passwords.needs_rehash(user.password_hash):
            user.password_hash = self.passwords.hash(password)
        db.flush()
        return user

    @staticmethod
    def _minutes_left(user: User, now: dt.datetime) -> int:
        assert user.locked_until is not None
        return max(1, int((user.locked_until - now).total_seconds() // 60) + 1)

    # -- citizens ----------------------------------------------------------------------------------
    def register_citizen(self, db: Session, data: CitizenCreate) -> Citizen:
        errors = []
        try:
            number = idnumber.parse(data.id_number).number
        except StandardError as exc:
            errors.append(_field_error("id_number", exc.code, "identity.id_number.invalid"))
            number = ""
        errors += [_field_error("password", "weak_password", k) for k in password_problems(data.password)]
        if errors:
            raise ValidationFailed(errors=errors)
        citizen = Citizen(
            id_number=number,
            name=data.name.strip(),
            phone=data.phone,
            password_hash=self.passwords.hash(data.password),
        )
        return self._insert(db, citizen, "identity.citizen.exists")

    # -- sessions ----------------------------------------------------------------------------------
    def start_session(self, db: Session, *, user: User | None = None, citizen: Citizen | None = None) -> str:
        token = new_token()
        db.add(
            LoginSession(
                token_hash=token_hash(token),
                user_id=user.id if user else None,
                citizen_id=citizen.id if citizen else None,
                expires_at=utcnow() + dt.timedelta(minutes=self.settings.session_ttl_minutes),
            )
        )
        db.flush()
        return token

    def end_session(self, db: Session, token: str) -> None:
        repo.delete_session(db, token_hash(token))
        db.flush()

    def principal_for_session(self, db: Session, token: str) -> Principal | None:
        row = repo.session_by_hash(db, token_hash(token), utcnow())
        if row is None:
            return None
        if row.user_id is not None:
            user = repo.user_by_id(db, row.user_id)
            if user is None or not user.is_active:
                return None
            return self.principal_for_user(user, session_token=token)
        citizen = db.get(Citizen, row.citizen_id)
        if citizen is None or not citizen.is_active:
            return None
        roles = frozenset({Role.CITIZEN})
        return Principal(
            kind="citizen",
            id=citizen.id,
            display_name=citizen.name,
            roles=roles,
            permissions=self.permissions.for_roles(roles),
            session_token=token,
        )

    def principal_for_user(self, user: User, session_token: str | None = None) -> Principal:
        roles = frozenset(Role(r.role) for r in user.roles)
        return Principal(
            kind="user",
            id=user.id,
            display_name=user.display_name,
            department_id=user.department_id,
            roles=roles,
            permissions=self.permissions.for_roles(roles),
            session_token=session_token,
        )

    # -- API clients and keys ----------------------------------------------------------------------
    def create_client(self, db: Session, department_id: int, data: ApiClientCreate, by: Principal) -> ApiClient:
        self.get_department(db, department_id)
        client = ApiClient(
            department_id=department_id,
            system_code=data.system_code,
            name=data.name.strip(),
            roles=",".join(Role(r).value for r in dict.fromkeys(data.roles)),
            created_by_id=by.id if by.kind == "user" else None,
        )
        return self._insert(db, client, "identity.client.exists")

    def get_client(self, db: Session, client_id: int) -> ApiClient:
        client = db.get(ApiClient, client_id)
        if client is None:
            raise NotFound("identity.client.not_found")
        return client

    def issue_key(self, db: Session, client_id: int, days: int | None = None) -> IssuedKey:
        client = self.get_client(db, client_id)
        plaintext = new_api_key()
        key = ApiKey(
            client_id=client.id,
            prefix=plaintext[:12],
            key_hash=token_hash(plaintext),
            expires_at=utcnow() + dt.timedelta(days=days or self.settings.api_key_days),
        )
        db.add(key)
        db.flush()
        return IssuedKey(key=key, plaintext=plaintext)

    def revoke_key(self, db: Session, client_id: int, key_id: int) -> ApiKey:
        key = db.get(ApiKey, key_id)
        if key is None or key.client_id != client_id:
            raise NotFound("identity.key.not_found")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
        db.flush()
        self._keys.clear()  # this worker stops accepting it at once
        return key

    def cached_key(self, plaintext: str) -> Principal | None:
        """The principal of a key checked less than ``api_key_cache_seconds`` ago; None: ask the database."""
        cached = self._keys.get(token_hash(plaintext))
        if cached is None or time.monotonic() - cached[0] >= self.settings.api_key_cache_seconds:
            return None
        return cached[2] if cached[1] > utcnow() else None

    def principal_for_key(self, db: Session, plaintext: str) -> Principal | None:
        """The API client a key stands for, or None when the key is unknown, revoked, expired or inactive.

        A checked key is reused for ``api_key_cache_seconds`` (it sits on the path of every gateway call);
        its last use is written at most once a minute, so an authenticated call is a read, not a write.
        """
        cached = self.cached_key(plaintext)
        if cached is not None:
            return cached
        now = utcnow()
        digest = token_hash(plaintext)
        ttl = self.settings.api_key_cache_seconds
        key = repo.key_by_hash(db, digest)
        if key is None or key.revoked_at is not None or key.expires_at <= now or not key.client.is_active:
            self._keys.pop(digest, None)
            return None
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            _touch(db, key.id, now)
        roles = frozenset(Role(r) for r in key.client.roles.split(",") if r)
        roles -= {Role.PLATFORM_ADMIN}  # a machine never holds every permission
        principal = Principal(
            kind="api_client",
            id=key.client.id,
            display_name=key.client.system_code,
            department_id=key.client.department_id,
            roles=roles,
            permissions=self.permissions.for_roles(roles),
        )
        if ttl > 0:
            if len(self._keys) >= 10_000:
                self._keys.clear()
            self._keys[digest] = (time.monotonic(), key.expires_at, principal)
        return principal

    # -- shared ------------------------------------------------------------------------------------
    @staticmethod
    def _insert(db: Session, obj: T, conflict_key: str) -> T:
        try:
            with db.begin_nested():
                db.add(obj)
                db.flush()
        except IntegrityError:
            raise Conflict(conflict_key) from None
        return obj
