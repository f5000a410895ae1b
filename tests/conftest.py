"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with XINGCHENG_TEST_DB=postgresql), the app,
clients logged in as any role, and a standard cast of departments and accounts.

Under CI=true a missing service fails the run; elsewhere the tests that need it skip with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from xingcheng.core.db import Base, Database
from xingcheng.core.migrate import upgrade
from xingcheng.core.permissions import Role
from xingcheng.core.settings import Settings
from xingcheng.identity.schemas import ApiClientCreate, DepartmentCreate, UserCreate
from xingcheng.standards import uscc
from xingcheng.web.app import create_app

from support import BACKEND, PASSWORD, PG_ADMIN_URL, make_settings, need_service


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url
        return
    need_service("PostgreSQL", 5432)
    name = f"xc_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Settings:
    return make_settings(tmp_path_factory.mktemp("data"), database_url)


@pytest.fixture(scope="session")
def app(settings: Settings, database: Database):
    return create_app(settings, database=database)


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after a test that used the database."""
    yield
    if "database" not in request.fixturenames:
        return
    db: Database = request.getfixturevalue("database")
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            if names:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


@dataclass
class Cast:
    """The standard cast: two departments, one user per role in the first, a citizen, an API client."""

    department_id: int
    other_department_id: int
    users: dict[str, int]
    client_id: int
    other_client_id: int
    api_key: str
    key_id: int
    citizen_id: int
    citizen_id_number: str


def _dept_uscc(n: int) -> str:
    return uscc.make("1", "1", "430100", f"{n:08d}")


@pytest.fixture
def cast(app, database: Database) -> Cast:
    svc = app.state.identity
    from xingcheng.identity.schemas import CitizenCreate

    with database.session() as db:
        d1 = svc.create_department(
            db, DepartmentCreate(code="gaj", name="长沙市公安局", uscc=_dept_uscc(11), division_code="4301")
        )
        d2 = svc.create_department(
            db, DepartmentCreate(code="wjw", name="长沙市卫生健康委员会", uscc=_dept_uscc(12), division_code="430104")
        )
        users = {}
        for role in Role:
            if role is Role.CITIZEN:
                continue
            user = svc.create_user(
                db,
                UserCreate(
                    username=role.value.replace("_", "-"),
                    display_name=f"测试{role.value}",
                    department_id=d1.id,
                    roles=[role],
                    password=PASSWORD,
                ),
            )
            users[role.value] = user.id
        admin = svc.principal_for_user(svc.get_user(db, users["platform_admin"]))
        client = svc.create_client(db, d1.id, ApiClientCreate(system_code="huji", name="户籍系统"), admin)
        other = svc.create_client(db, d2.id, ApiClientCreate(system_code="yy", name="医院系统"), admin)
        issued = svc.issue_key(db, client.id)
        key, key_id = issued.plaintext, issued.key.id
        citizen = svc.register_citizen(
            db, CitizenCreate(id_number=_valid_id(), name="张三", phone="13812345678", password=PASSWORD)
        )
        return Cast(d1.id, d2.id, users, client.id, other.id, key, key_id, citizen.id, citizen.id_number)


def _valid_id() -> str:
    import datetime as dt

    from xingcheng.standards import idnumber

    return idnumber.make("430104", dt.date(1990, 3, 7), 123)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
