"""Helpers for the lake's tests: a person schema built directly from the ledger's contract, rows with valid
identifiers (made by xingcheng.standards) and the mess departments add, files in every format."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from xingcheng.core.settings import Settings
from xingcheng.lake.service import LakeService
from xingcheng.ledger.schema import (
    DataType,
    FieldFormat,
    FieldSpec,
    ResourceSchema,
    Sensitivity,
    UpdateCycle,
)
from xingcheng.standards import idnumber, plates, uscc

PERSON = ResourceSchema(
    code="gaj-person",
    name="测试人口信息",
    department_code="gaj",
    update_cycle=UpdateCycle.DAILY,
    fields=(
        FieldSpec("person_no", "人员编号", is_key=True, required=True),
        FieldSpec(
            "id_number",
            "公民身份号码",
            required=True,
            format=FieldFormat.ID_NUMBER,
            sensitivity=Sensitivity.SENSITIVE,
            data_item="person.id_number",
            source_names=("身份证号",),
        ),
        FieldSpec("name", "姓名", required=True, max_length=20, sensitivity=Sensitivity.PERSONAL),
        FieldSpec("sex", "性别", data_type=DataType.CODE, code_list=("男", "女"), sensitivity=Sensitivity.PERSONAL),
        FieldSpec("birth_date", "出生日期", data_type=DataType.DATE, sensitivity=Sensitivity.PERSONAL),
        FieldSpec("community", "社区代码", format=FieldFormat.DIVISION_CODE),
        FieldSpec("phone", "联系电话", format=FieldFormat.PHONE, sensitivity=Sensitivity.PERSONAL),
        FieldSpec("plate", "号牌号码", format=FieldFormat.PLATE, sensitivity=Sensitivity.PERSONAL),
        FieldSpec("employer", "单位统一社会信用代码", format=FieldFormat.USCC),
        FieldSpec("age", "年龄", data_type=DataType.INTEGER, min_value=0, max_value=150),
    ),
)
HEADERS = {
    "person_no": "人员编号",
    "id_number": "身份证号",
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "community": "社区代码",
    "phone": "联系电话",
    "plate": "号牌号码",
    "employer": "单位统一社会信用代码",
    "age": "年龄",
}
SURNAMES = "王李张刘陈杨赵黄周吴"


def person(i: int) -> dict[str, Any]:
    """A valid record (all identifiers valid by the standards)."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 37) % 20000)
    return {
        "person_no": f"P{i:08d}",
        "id_number": idnumber.make("430104", born, i % 1000),
        "name": SURNAMES[i % 10] + "小" + "明红军华"[i % 4],
        "sex": "男" if i % 2 else "女",
        "birth_date": born.strftime("%Y%m%d"),
        "community": "430104007" + f"{i % 20:03d}",
        "phone": f"138{i:08d}",
        "plate": plates.make("湘", "A", f"{i % 100000:05d}"),
        "employer": uscc.make("9", "1", "430104", f"{i % 10**8:08d}"),
        "age": str(2024 - born.year),
    }


def people(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [person(i) for i in range(start, start + n)]


def write_csv(path: Path, rows: list[dict[str, Any]], *, encoding: str = "utf-8", headers: dict | None = None) -> Path:
    heads = headers or HEADERS
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([heads[k] for k in heads])
        for row in rows:
            writer.writerow([row.get(k, "") for k in heads])
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({HEADERS[k]: v for k, v in row.items()}, ensure_ascii=False) + "\n")
    return path


def service(settings: Settings, *schemas: ResourceSchema) -> LakeService:
    by_code = {s.code: s for s in (schemas or (PERSON,))}

    def provider(db: Any, code: str) -> ResourceSchema:
        from xingcheng.core.errors import NotFound

        if code not in by_code:
            raise NotFound("ledger.resource.not_found")
        return by_code[code]

    return LakeService(settings, schemas=provider)


def ingest(svc: LakeService, database: Any, code: str, path: Path, *, mode: str = "full") -> Any:
    """Load a file as the CLI does (start, run as a job, committed); return the detached load row."""
    with database.session() as db:
        load_id = svc.start_load(db, code, path, mode=mode, source_kind="cli", by="test").id
    svc.run_load_job(database, load_id)
    from xingcheng.lake import repository as repo

    with database.session() as db:
        load = repo.load_by_id(db, load_id)
        version = repo.version_of_load(db, load_id)
        rules = {f"{r.field}:{r.rule}": r.count for r in repo.rule_counts(db, load_id)}
        db.expunge_all()
    load.version = version.number if version else None
    load.rules = rules
    return load
