"""API clients and keys: shown once, stored hashed, scoped to a department, revocable, expiring."""

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select

from xingcheng.identity.models import ApiKey
from xingcheng.identity.security import token_hash

from support import login


def _issue(client: TestClient, csrf: str, client_id: int) -> dict:
    r = client.post(f"/api/identity/clients/{client_id}/keys", json={"days": 30}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    return r.json()


def test_key_is_shown_once_and_stored_hashed(client: TestClient, app, cast) -> None:
    csrf = login(client, "data-admin")
    issued = _issue(client, csrf, cast.client_id)
    key = issued["key"]
    assert key.startswith("xck_") and len(key) > 40
    listed = client.get(f"/api/identity/clients/{cast.client_id}/keys").json()
    assert all("key" not in k for k in listed)
    assert key not in str(listed)
    with app.state.db.session() as db:
        row = db.scalar(select(ApiKey).where(ApiKey.id == issued["id"]))
        assert row.key_hash == token_hash(key) and key not in row.key_hash


def test_key_authenticates_without_csrf(client: TestClient, cast) -> None:
    r = client.get("/api/identity/me", headers={"Authorization": f"Bearer {cast.api_key}"})
    assert r.status_code == 200
    assert r.json()["kind"] == "api_client"
    r = client.get("/api/identity/me", headers={"X-API-Key": cast.api_key})
    assert r.status_code == 200


def test_revoked_key_is_refused(client: TestClient, cast) -> None:
    csrf = login(client, "data-admin")
    issued = _issue(client, csrf, cast.client_id)
    r = client.post(
        f"/api/identity/clients/{cast.client_id}/keys/{issued['id']}/revoke", headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200 and r.json()["revoked_at"]
    fresh = TestClient(client.app)
    assert fresh.get("/api/identity/me", headers={"X-API-Key": issued["key"]}).status_code == 401


def test_expired_key_is_refused(client: TestClient, app, cast) -> None:
    with app.state.db.session() as db:
        key = db.scalar(select(ApiKey).where(ApiKey.key_hash == token_hash(cast.api_key)))
        key.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    assert client.get("/api/identity/me", headers={"X-API-Key": cast.api_key}).status_code == 401


def test_wrong_key_is_an_error_not_anonymous(client: TestClient, cast) -> None:
    r = client.get("/api/home", headers={"X-API-Key": "xck_not-a-key"})
    assert r.status_code == 401


def test_data_admin_cannot_touch_another_departments_clients(client: TestClient, cast) -> None:
    csrf = login(client, "data-admin")
    assert client.get(f"/api/identity/departments/{cast.other_department_id}/clients").status_code == 403
    r = client.post(f"/api/identity/clients/{cast.other_client_id}/keys", json={}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403


def test_platform_admin_manages_any_department(client: TestClient, cast) -> None:
    csrf = login(client, "platform-admin")
    _issue(client, csrf, cast.other_client_id)


def test_client_keys_through_the_page(client: TestClient, cast) -> None:
    import re

    login(client, "data-admin")
    page = client.get(f"/departments/{cast.department_id}", headers={"accept": "text/html"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(f"/clients/{cast.client_id}/keys", data={"csrf_token": token}, headers={"accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    shown = re.search(r'data-testid="issued-key">(xck_[^<]+)<', r.text).group(1)
    again = client.get(f"/departments/{cast.department_id}", headers={"accept": "text/html"})
    assert shown not in again.text and shown[:12] in again.text


def test_api_client_never_holds_platform_admin(client: TestClient, app, cast) -> None:
    from xingcheng.core.permissions import Role
    from xingcheng.identity.schemas import ApiClientCreate

    with app.state.db.session() as db:
        admin = app.state.identity.principal_for_user(app.state.identity.get_user(db, cast.users["platform_admin"]))
        c = app.state.identity.create_client(
            db,
            cast.department_id,
            ApiClientCreate(system_code="robot", name="机器", roles=[Role.PLATFORM_ADMIN]),
            admin,
        )
        key = app.state.identity.issue_key(db, c.id).plaintext
    me = client.get("/api/identity/me", headers={"X-API-Key": key}).json()
    assert "platform_admin" not in me["roles"]
    assert client.get("/-/plugins", headers={"X-API-Key": key}).status_code == 403


def test_a_key_in_use_is_refused_at_once_when_revoked(client: TestClient, cast) -> None:
    csrf = login(client, "data-admin")
    issued = _issue(client, csrf, cast.client_id)
    machine = TestClient(client.app)
    assert machine.get("/api/identity/me", headers={"X-API-Key": issued["key"]}).status_code == 200  # now cached
    r = client.post(
        f"/api/identity/clients/{cast.client_id}/keys/{issued['id']}/revoke", headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200
    assert machine.get("/api/identity/me", headers={"X-API-Key": issued["key"]}).status_code == 401


def test_an_expired_key_is_refused_even_while_cached(client: TestClient, app, cast, monkeypatch) -> None:
    import xingcheng.identity.service as service_module

    assert client.get("/api/identity/me", headers={"X-API-Key": cast.api_key}).status_code == 200
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)
    monkeypatch.setattr(service_module, "utcnow", lambda: later)
    assert client.get("/api/identity/me", headers={"X-API-Key": cast.api_key}).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(client: TestClient, app, cast, monkeypatch) -> None:
    import xingcheng.identity.service as service_module

    def last_used() -> dt.datetime | None:
        with app.state.db.session() as db:
            return db.scalar(select(ApiKey.last_used_at).where(ApiKey.key_hash == token_hash(cast.api_key)))

    app.state.identity.settings = app.state.identity.settings.model_copy(update={"api_key_cache_seconds": 0})
    start = dt.datetime.now(dt.UTC)
    assert client.get("/api/identity/me", headers={"X-API-Key": cast.api_key}).status_code == 200
    first = last_used()
    assert first is not None and first >= start - dt.timedelta(seconds=1)
    monkeypatch.setattr(service_module, "utcnow", lambda: first + dt.timedelta(seconds=30))
    assert client.get("/api/identity/me", headers={"X-API-Key": cast.api_key}).status_code == 200
    assert last_used() == first  # read, not written: a call is not a write
    monkeypatch.setattr(service_module, "utcnow", lambda: first + dt.timedelta(seconds=61))
    assert client.get("/api/identity/me", headers={"X-API-Key": cast.api_key}).status_code == 200
    assert last_used() == first + dt.timedelta(seconds=61)
