"""Login and logout in the browser and over JSON, CSRF, lockout, sessions."""

import re

import pytest
from fastapi.testclient import TestClient

from xingcheng.core.deps import CSRF_COOKIE, SESSION_COOKIE

from support import PASSWORD, login

HTML = {"accept": "text/html"}


def _form_token(client: TestClient, path: str = "/login") -> str:
    page = client.get(path, headers=HTML)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_login_form_flow_reaches_own_department(client: TestClient, cast) -> None:
    token = _form_token(client)
    r = client.post(
        "/login", data={"username": "data-admin", "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/departments/{cast.department_id}"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    page = client.get(r.headers["location"], headers=HTML)
    assert page.status_code == 200 and "长沙市公安局" in page.text


def test_login_form_without_csrf_token_is_refused(client: TestClient, cast) -> None:
    client.get("/login", headers=HTML)
    r = client.post("/login", data={"username": "data-admin", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_login_csrf_token_is_bound_to_the_nonce_cookie(client: TestClient, app, cast) -> None:
    token = _form_token(client)
    client.cookies.clear()
    client.cookies.set(CSRF_COOKIE, "another-nonce")
    r = client.post("/login", data={"username": "data-admin", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 403


def test_next_must_be_local(client: TestClient, cast) -> None:
    token = _form_token(client)
    r = client.post(
        "/login",
        data={"username": "analyst", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/departments/{cast.department_id}"


def test_wrong_password_shows_the_form_again(client: TestClient, cast) -> None:
    token = _form_token(client)
    r = client.post("/login", data={"username": "analyst", "password": "wrong", "csrf_token": token}, headers=HTML)
    assert r.status_code == 401
    assert "用户名或密码错误" in r.text
    assert 'value="analyst"' in r.text  # the username is kept, the password is not
    assert "wrong" not in r.text


def test_unknown_user_and_wrong_password_look_the_same(client: TestClient, cast) -> None:
    a = client.post("/api/identity/login", json={"username": "nobody", "password": "x"})
    b = client.post("/api/identity/login", json={"username": "analyst", "password": "x"})
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"]


def test_lockout_after_repeated_failures(client: TestClient, app, cast) -> None:
    limit = app.state.settings.login_max_failures
    for _ in range(limit - 1):
        assert client.post("/api/identity/login", json={"username": "approver", "password": "x"}).status_code == 401
    r = client.post("/api/identity/login", json={"username": "approver", "password": "x"})
    assert r.status_code == 423
    # Even the right password is refused while locked.
    r = client.post("/api/identity/login", json={"username": "approver", "password": PASSWORD})
    assert r.status_code == 423
    assert r.json()["code"] == "account_locked"


def test_success_resets_the_failure_count(client: TestClient, app, cast) -> None:
    limit = app.state.settings.login_max_failures
    for _ in range(limit - 1):
        client.post("/api/identity/login", json={"username": "approver", "password": "x"})
    login(client, "approver")
    client.cookies.clear()
    for _ in range(limit - 1):
        assert client.post("/api/identity/login", json={"username": "approver", "password": "x"}).status_code == 401


def test_logout_ends_the_session_server_side(client: TestClient, cast) -> None:
    csrf = login(client, "analyst")
    stolen = client.cookies.get(SESSION_COOKIE)
    assert client.post("/api/identity/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set(SESSION_COOKIE, stolen)
    assert client.get("/api/identity/me").status_code == 401


def test_logout_needs_csrf(client: TestClient, cast) -> None:
    login(client, "analyst")
    assert client.post("/api/identity/logout").status_code == 403
    assert client.get("/api/identity/me").status_code == 200


def test_deactivated_user_loses_session(client: TestClient, app, cast) -> None:
    from xingcheng.identity.schemas import UserUpdate

    login(client, "analyst")
    with app.state.db.session() as db:
        app.state.identity.update_user(db, cast.users["analyst"], UserUpdate(is_active=False))
    assert client.get("/api/identity/me").status_code == 401


@pytest.mark.parametrize("password", ["short1A!", "alllowercaseletters", "NoDigitsOrSymbols"])
def test_weak_passwords_are_refused(client: TestClient, cast, password: str) -> None:
    csrf = login(client, "platform-admin")
    r = client.post(
        "/api/identity/users",
        json={
            "username": "newbie",
            "display_name": "新人",
            "department_id": cast.department_id,
            "roles": ["analyst"],
            "password": password,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "password"


def test_passwords_are_stored_as_argon2id(app, cast) -> None:
    from xingcheng.identity import repository as repo

    with app.state.db.session() as db:
        user = repo.user_by_username(db, "analyst")
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
