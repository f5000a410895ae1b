"""System routes, request ids, metrics, structured logs and the error renderer."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from support import login


def test_health(client: TestClient) -> None:
    r = client.get("/-/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_ready_checks_database_and_migrations(client: TestClient) -> None:
    r = client.get("/-/ready")
    assert r.status_code == 200, r.text
    assert r.json()["checks"]["migrations"] == "ok"


def test_ready_is_503_when_schema_is_behind(tmp_path, database_url: str) -> None:
    from xingcheng.core.db import Database
    from xingcheng.web.app import create_app

    from support import make_settings

    empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    app = create_app(make_settings(tmp_path, database_url), database=empty)
    with TestClient(app) as c:
        r = c.get("/-/ready")
    empty.dispose()
    assert r.status_code == 503
    assert r.json()["checks"]["migrations"] == "behind"


def test_request_id_is_returned_and_honoured(client: TestClient) -> None:
    assert len(client.get("/-/health").headers["x-request-id"]) == 32
    r = client.get("/-/health", headers={"X-Request-ID": "abcdef0123456789"})
    assert r.headers["x-request-id"] == "abcdef0123456789"
    # A request id that could smuggle text into logs is replaced.
    r = client.get("/-/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert r.headers["x-request-id"] != "bad id\nwith newline"


def test_metrics_count_requests_by_route_template(client: TestClient, cast) -> None:
    login(client, "platform-admin")
    client.get(f"/api/identity/departments/{cast.department_id}")
    body = client.get("/metrics").text
    assert "xingcheng_http_requests_total" in body
    assert 'route="/api/identity/departments/{department_id}"' in body
    assert f"/api/identity/departments/{cast.department_id}" not in body


def test_request_logs_are_json_without_personal_data(client: TestClient, cast, caplog) -> None:
    login(client, "platform-admin")
    caplog.set_level(logging.INFO, logger="xingcheng.request")
    client.get("/api/identity/users", params={"q": cast.citizen_id_number})
    records = [r for r in caplog.records if r.name == "xingcheng.request"]
    assert records
    line = logging.getLogger("xingcheng").handlers[0].format(records[-1])
    data = json.loads(line)
    assert data["route"] == "/api/identity/users"
    assert data["request_id"] and data["status"] == 200
    assert data["principal"].startswith("user:")
    assert cast.citizen_id_number not in line
    assert "张三" not in line


def test_problem_json_for_api_errors(client: TestClient) -> None:
    r = client.get("/api/identity/departments")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert {"type", "title", "status", "detail", "instance", "code"} <= set(body)
    assert body["instance"] == r.headers["x-request-id"]


def test_html_error_page_for_browsers(client: TestClient) -> None:
    r = client.get("/departments", headers={"accept": "text/html"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("text/html")
    assert "请先登录" in r.text and "/login?next=/departments" in r.text


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_method_not_allowed_is_a_problem(client: TestClient) -> None:
    r = client.delete("/-/health")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


def test_validation_errors_do_not_echo_input(client: TestClient) -> None:
    secret = "43010419900307999X-not-an-id"
    r = client.post("/api/identity/citizens", json={"id_number": secret * 3, "name": "李四", "password": "x"})
    assert r.status_code == 422
    assert secret not in r.text
    assert "李四" not in r.text
    assert r.json()["errors"][0]["field"] == "id_number"


def test_unexpected_error_is_500_without_trace(app, client: TestClient) -> None:
    from fastapi import APIRouter

    from xingcheng.core.deps import requires

    router = APIRouter()

    @router.get("/api/test-boom", dependencies=[requires("public")])
    def boom() -> None:
        raise RuntimeError("secret detail 43010419900307123X")

    app.include_router(router)
    try:
        r = client.get("/api/test-boom")
    finally:
        app.router.routes.pop()
    assert r.status_code == 500
    assert "secret detail" not in r.text and "Traceback" not in r.text
    assert r.json()["code"] == "internal_error"


def test_a_client_gone_before_its_body_is_not_a_server_error(app, caplog) -> None:
    import asyncio

    from fastapi import APIRouter, Request

    from xingcheng.core.deps import requires

    router = APIRouter()

    @router.post("/api/test-gone", dependencies=[requires("public")])
    async def gone(request: Request) -> None:
        await request.body()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/test-gone",
        "raw_path": b"/api/test-gone",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"t"), (b"content-type", b"application/json"), (b"content-length", b"10")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict:
        return {"type": "http.disconnect"}  # e.g. wrk closing its connections at the end of a run

    async def send(message: dict) -> None:
        pass

    app.include_router(router)
    try:
        with caplog.at_level(logging.INFO):
            asyncio.run(app(scope, receive, send))
    finally:
        app.router.routes.pop()
    assert "client_disconnected" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("size", [11 * 1024 * 1024])
def test_body_over_limit_is_413(client: TestClient, size: int) -> None:
    r = client.post(
        "/api/identity/citizens", content=b"{" + b" " * size + b"}", headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"


def test_streamed_body_over_limit_is_413(client: TestClient) -> None:
    def chunks():
        for _ in range(12):
            yield b" " * (1024 * 1024)

    r = client.post("/api/identity/citizens", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_language_switch(client: TestClient) -> None:
    r = client.get("/-/lang/en?next=/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    page = client.get("/", headers={"accept": "text/html"})
    assert "City Super Brain" in page.text
    assert client.get("/-/lang/en?next=//evil.example", follow_redirects=False).headers["location"] == "/"


def test_no_cdn_in_pages(client: TestClient) -> None:
    for path in ("/", "/login"):
        text = client.get(path, headers={"accept": "text/html"}).text
        assert "http://" not in text.replace("http://127.0.0.1", "") and "https://" not in text
