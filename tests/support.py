"""Helpers shared by the test modules (import them from here, never from conftest: a sub-folder's
conftest.py can shadow the root one under pytest's default import mode)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from xingcheng.core.deps import SESSION_COOKIE
from xingcheng.core.settings import Settings, load_settings
from xingcheng.identity.security import csrf_token

IN_CI = os.environ.get("CI", "").lower() == "true"
BACKEND = os.environ.get("XINGCHENG_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("XINGCHENG_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
PASSWORD = "Test-Passw0rd!"
SECRET = "test-secret-key-not-for-production"


def service_up(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_service(name: str, port: int) -> None:
    """Skip (or, under CI, fail) when a service the test needs is not there."""
    if not service_up(port):
        message = f"{name} is not reachable on 127.0.0.1:{port}"
        if IN_CI:
            pytest.fail(message + " (CI=true: tests that need it must run)")
        pytest.skip(message)


def make_settings(tmp: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp,
        "database_url": database_url,
        "secret_key": SECRET,
        "password_time_cost": 1,
        "password_memory_kib": 64,
        "log_format": "json",
        # a child process per app would cost every test a second start-up; the process writer has its own tests
        "exchange_audit_writer": "thread",
    }
    values.update(overrides)
    return load_settings(**values)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the JSON API; returns the CSRF token for this session's unsafe requests."""
    r = client.post("/api/identity/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    return csrf_token(SECRET.encode(), "s:" + token)


def login_citizen(client: TestClient, app, citizen_id: int) -> str:
    """Start a citizen session directly (citizen login arrives with the service app)."""
    from xingcheng.identity.models import Citizen

    with app.state.db.session() as db:
        token = app.state.identity.start_session(db, citizen=db.get(Citizen, citizen_id))
    client.cookies.set(SESSION_COOKIE, token)
    return csrf_token(SECRET.encode(), "s:" + token)


@contextmanager
def audit_inserts_fail(database: Any, case_ref: str | None = None) -> Iterator[None]:
    """While inside, the database refuses every new audit entry (or only those with this case reference)."""
    postgres = database.dialect == "postgresql"
    check = f"NEW.case_ref = '{case_ref}'" if case_ref else "TRUE"
    with database.engine.begin() as conn:
        if postgres:
            conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION xc_test_no_audit() RETURNS trigger AS $$ BEGIN "
                    f"IF {check} THEN RAISE EXCEPTION 'audit disabled'; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER xc_test_no_audit BEFORE INSERT ON exchange_audit_entry "
                    "FOR EACH ROW EXECUTE FUNCTION xc_test_no_audit()"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER xc_test_no_audit BEFORE INSERT ON exchange_audit_entry "
                    f"WHEN {check.replace('TRUE', '1')} BEGIN SELECT RAISE(ABORT, 'audit disabled'); END"
                )
            )
    try:
        yield
    finally:
        with database.engine.begin() as conn:
            conn.execute(
                text("DROP TRIGGER IF EXISTS xc_test_no_audit" + (" ON exchange_audit_entry" if postgres else ""))
            )
