"""Importing the catalog form (XLSX) or YAML: all or nothing, with sheet, row and column for each problem."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from ledger_factories import field, register
from openpyxl import Workbook, load_workbook

from xingcheng.core.errors import BadRequest, ValidationFailed
from xingcheng.ledger import importer
from xingcheng.ledger import repository as repo
from xingcheng.ledger import service as ledger
from xingcheng.ledger.schemas import ResourceQuery

from support import login


def _book(resources: list[dict[str, Any]], fields: list[dict[str, Any]], *, drop: str | None = None) -> bytes:
    """A filled-in form: the template's headers, the given rows (by column key)."""
    wb = Workbook()
    for sheet, columns, rows in (
        (importer.RESOURCE_SHEET, importer.RESOURCE_COLUMNS, resources),
        (importer.FIELD_SHEET, importer.FIELD_COLUMNS, fields),
    ):
        ws = wb.create_sheet(sheet)
        cols = [c for c in columns if c.key != drop]
        ws.append([c.header for c in cols])
        for row in rows:
            ws.append([row.get(c.key, "") for c in cols])
    del wb["Sheet"]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


RESOURCE = {
    "ref": "R1",
    "name": "常住人口基本信息",
    "abstract": "户籍人口",
    "class_code": "1-01-001",
    "share_type": "有条件共享",
    "share_conditions": "依法履职",
    "share_methods": "服务接口、数据库",
    "open_type": "不予开放",
    "update_cycle": "每日",
    "formats": "csv、api",
    "tags": "人口、户籍",
}
FIELDS = [
    {
        "ref": "R1",
        "name": "sfzh",
        "label": "公民身份号码",
        "data_type": "代码",
        "format": "公民身份号码",
        "required": "是",
        "is_key": "是",
        "sensitivity": "敏感个人信息",
        "data_item": "person.id_number",
        "authoritative": "是",
    },
    {"ref": "R1", "name": "xm", "label": "姓名", "sensitivity": "个人信息", "source_names": "姓名、XM"},
]


def _count(database) -> int:
    with database.session() as db:
        return repo.count_resources(db)


def test_the_template_itself_imports(database, cast) -> None:
    content = importer.template_bytes()
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["填表说明", importer.RESOURCE_SHEET, importer.FIELD_SHEET]
    with database.session() as db:
        report = importer.import_catalog(db, content, "t.xlsx", ledger.SYSTEM, department_code="gaj")
    assert len(report.created) == 1
    with database.session() as db:
        r = ledger.get_resource_by_code(db, report.created[0])
        assert r.name == "常住人口基本信息" and r.state == "draft" and r.department_id == cast.department_id
        assert [f.name for f in r.fields] == ["gmsfhm", "xm", "csrq"] and r.fields[0].format == "id_number"
        assert sorted(m for m in r.share_methods.split(",")) == ["database", "service"]
        assert ledger.history_of(db, r.id)[0].action == "import"


def test_filled_form_imports_values_in_chinese(database, cast) -> None:
    with database.session() as db:
        report = importer.import_catalog(db, _book([RESOURCE], FIELDS), "f.xlsx", ledger.SYSTEM, department_code="gaj")
        r = ledger.get_resource_by_code(db, report.created[0])
        assert (r.share_type, r.open_type, r.update_cycle, r.grade) == ("conditional", "none", "daily", "important")
        assert r.fields[1].source_names == ["姓名", "XM"] and r.fields[0].authoritative


@pytest.mark.parametrize(
    ("resources", "fields", "drop", "expected"),
    [
        ([RESOURCE], FIELDS, "share_type", [(importer.RESOURCE_SHEET, 1, "共享类型", "missing_column")]),
        (
            [{**RESOURCE, "share_type": "随便共享"}],
            FIELDS,
            None,
            [(importer.RESOURCE_SHEET, 3, "共享类型", "invalid_value")],
        ),
        (
            [{**RESOURCE, "class_code": "9-99-999"}],
            FIELDS,
            None,
            [(importer.RESOURCE_SHEET, 3, "目录分类代码", "unknown")],
        ),
        ([{**RESOURCE, "department": "nope"}], FIELDS, None, [(importer.RESOURCE_SHEET, 3, "提供部门代码", "unknown")]),
        (
            [{**RESOURCE, "share_type": "不予共享", "share_methods": ""}],
            FIELDS,
            None,
            [(importer.RESOURCE_SHEET, 3, "不予共享依据", "required")],
        ),
        ([RESOURCE], [{**FIELDS[0], "ref": "R9"}], None, [(importer.FIELD_SHEET, 2, "资源标识", "unknown_ref")]),
        (
            [RESOURCE],
            [FIELDS[0], {**FIELDS[1], "name": "sfzh"}],
            None,
            [(importer.FIELD_SHEET, 3, "字段名", "duplicate")],
        ),
        ([RESOURCE], [{**FIELDS[0], "required": "也许"}], None, [(importer.FIELD_SHEET, 2, "必填", "invalid_value")]),
    ],
)
def test_bad_rows_are_listed_and_nothing_is_imported(database, cast, resources, fields, drop, expected) -> None:
    good = {**RESOURCE, "ref": "R0", "name": "好的资源"}  # row 2; the rows under test follow it
    with database.session() as db, pytest.raises(ValidationFailed) as info:
        importer.import_catalog(
            db, _book([good, *resources], fields, drop=drop), "x.xlsx", ledger.SYSTEM, department_code="gaj"
        )
    got = [(e["sheet"], e["row"], e["column"], e["code"]) for e in info.value.errors]
    assert got == expected
    assert _count(database) == 0


def test_second_authoritative_claim_in_an_import(database, cast) -> None:
    register(
        database,
        cast.other_department_id,
        "出生医学证明",
        class_code="1-01-003",
        fields=[field("sfzh", "身份证", data_item="person.id_number", authoritative=True)],
    )
    with database.session() as db, pytest.raises(ValidationFailed) as info:
        importer.import_catalog(db, _book([RESOURCE], FIELDS), "x.xlsx", ledger.SYSTEM, department_code="gaj")
    [error] = info.value.errors
    assert (error["sheet"], error["row"], error["column"], error["code"]) == (
        importer.FIELD_SHEET,
        2,
        "权威来源",
        "authority_taken",
    )
    assert _count(database) == 1
    with database.session() as db:  # asking for arbitration instead
        report = importer.import_catalog(
            db, _book([{**RESOURCE, "claim_arbitration": "是"}], FIELDS), "x.xlsx", ledger.SYSTEM, department_code="gaj"
        )
        assert len(report.created) == 1 and len(repo.list_arbitrations(db)) == 1


def test_yaml_import_and_update_by_code(database, cast) -> None:
    text = """
resources:
  - name: 道路名录
    abstract: 全市道路
    class_code: 1-03-001
    share_type: 无条件共享
    share_methods: [file]
    open_type: unconditional
    update_cycle: yearly
    fields:
      - {name: mc, label: 名称}
"""
    with database.session() as db:
        report = importer.import_catalog(db, text.encode(), "c.yaml", ledger.SYSTEM, department_code="gaj")
    code = report.created[0]
    update = (
        f"resources:\n  - code: {code}\n    name: 道路和桥梁名录\n    class_code: 1-03-001\n"
        "    share_type: unconditional\n    update_cycle: yearly\n"
    )
    with database.session() as db:
        report = importer.import_catalog(db, update.encode(), "c.yml", ledger.SYSTEM)
        assert report.updated == [code]
        assert ledger.get_resource_by_code(db, code).name == "道路和桥梁名录"
    with database.session() as db, pytest.raises(ValidationFailed):
        importer.import_catalog(db, b"resources:\n  - name: x\n    colour: red\n", "c.yaml", ledger.SYSTEM)
    with database.session() as db, pytest.raises(BadRequest):
        importer.import_catalog(db, b"\x00\x01 not: [yaml", "c.yaml", ledger.SYSTEM)


def test_dry_run_writes_nothing(database, cast) -> None:
    with database.session() as db:
        report = importer.import_catalog(
            db, _book([RESOURCE], FIELDS), "x.xlsx", ledger.SYSTEM, department_code="gaj", dry_run=True
        )
    assert report.dry_run and len(report.created) == 1 and _count(database) == 0


def test_import_through_the_api_and_the_page(client: TestClient, database, cast) -> None:
    csrf = login(client, "data-admin")
    r = client.post(
        "/api/ledger/import",
        content=_book([RESOURCE], FIELDS),
        headers={
            "X-CSRF-Token": csrf,
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        },
    )
    assert r.status_code == 201, r.text
    assert len(r.json()["created"]) == 1
    bad = _book([{**RESOURCE, "ref": "R2", "share_type": "随便"}], [])
    r = client.post("/api/ledger/import", files={"file": ("x.xlsx", bad)}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422
    assert r.json()["errors"][0]["column"] == "共享类型" and r.json()["errors"][0]["row"] == 2
    page = client.post("/ledger/import", files={"file": ("x.xlsx", bad)}, data={"csrf_token": csrf})
    assert page.status_code == 422 and "共享类型" in page.text and "取值无效" in page.text
    ok = client.post(
        "/ledger/import",
        files={"file": ("x.xlsx", _book([{**RESOURCE, "name": "另一资源"}], []))},
        data={"csrf_token": csrf},
    )
    assert ok.status_code == 200 and "导入完成" in ok.text
    template = client.get("/ledger/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    with database.session() as db:
        assert ledger.search(db, ResourceQuery(states=["draft"])).total == 2


def test_a_department_admin_imports_only_for_their_department(client: TestClient, cast) -> None:
    csrf = login(client, "data-admin")
    r = client.post(
        "/api/ledger/import?department=wjw",
        content=_book([RESOURCE], FIELDS),
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "other_department"
