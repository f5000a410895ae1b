"""Departments need a valid credit code and division; citizens a valid ID number; outputs are masked."""

from fastapi.testclient import TestClient

from xingcheng.standards import uscc

from support import login


def test_department_with_bad_codes_gets_field_errors(client: TestClient, cast) -> None:
    csrf = login(client, "platform-admin")
    good = uscc.make("1", "1", "430100", "00000099")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = client.post(
        "/api/identity/departments",
        json={"code": "xyz", "name": "测试局", "uscc": bad, "division_code": "439999"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 422
    fields = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert fields == {"uscc": "bad_check_char", "division_code": "unknown_division"}


def test_department_created_and_duplicate_is_conflict(client: TestClient, cast) -> None:
    csrf = login(client, "platform-admin")
    body = {
        "code": "mzj",
        "name": "长沙市民政局",
        "uscc": uscc.make("1", "1", "430100", "00000077"),
        "division_code": "4301",
    }
    r = client.post("/api/identity/departments", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    r = client.post("/api/identity/departments", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 409


def test_citizen_registration_validates_id_number(client: TestClient, cast) -> None:
    wrong = cast.citizen_id_number[:-1] + ("1" if cast.citizen_id_number[-1] != "1" else "2")
    r = client.post("/api/identity/citizens", json={"id_number": wrong, "name": "王五", "password": "Aa1!aaaaaaaa"})
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "field": "id_number",
        "code": "bad_check_char",
        "message_key": "identity.id_number.invalid",
        "message": "公民身份号码无效",
    }
    assert wrong not in r.text


def test_citizen_output_is_masked(client: TestClient, cast) -> None:
    login(client, "case-handler")
    body = client.get(f"/api/identity/citizens/{cast.citizen_id}").json()
    assert body["name"] == "张*"
    assert body["id_number"] == cast.citizen_id_number[:6] + "********" + cast.citizen_id_number[-4:]
    assert body["phone"] == "138****5678"


def test_registered_citizen_response_is_masked(client: TestClient, cast) -> None:
    import datetime as dt

    from xingcheng.standards import idnumber

    number = idnumber.make("430102", dt.date(1985, 5, 20), 456)
    r = client.post("/api/identity/citizens", json={"id_number": number, "name": "李四", "password": "Aa1!aaaaaaaa"})
    assert r.status_code == 201, r.text
    assert number not in r.text and "李四" not in r.text
    again = client.post(
        "/api/identity/citizens", json={"id_number": number, "name": "李四", "password": "Aa1!aaaaaaaa"}
    )
    assert again.status_code == 409
