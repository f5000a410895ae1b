"""Importing a department's catalog: the XLSX form departments fill in (and its template), or YAML.

The workbook has a sheet 数据资源 (one row per resource) and a sheet 信息项 (one row per field, tied to its
resource by 资源标识). Values may be written as the national form words them (有条件共享, 敏感个人信息,
每月 …) or as the API's English values. An import is all or nothing: every row is checked (through the
same service functions the pages use, inside a savepoint), and any problem rolls the whole import back
and is reported with its sheet, row and column.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from fastapi import Request
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xingcheng.core.errors import BadRequest, PermissionDenied, ValidationFailed, XingchengError
from xingcheng.identity.principal import Principal
from xingcheng.ledger import permissions as P
from xingcheng.ledger import repository as repo
from xingcheng.ledger import service as svc
from xingcheng.ledger.schemas import FieldIn, ImportReport, ResourceIn, ResourceUpdate
from xingcheng.ledger.vocab import CHINESE

__all__ = ["FIELD_COLUMNS", "RESOURCE_COLUMNS", "import_catalog", "parse", "read_upload", "template_bytes"]

RESOURCE_SHEET = "数据资源"
FIELD_SHEET = "信息项"
MAX_ERRORS = 500


@dataclass(frozen=True, slots=True)
class Column:
    header: str  # as printed in the template (a trailing * marks a required column)
    key: str  # the attribute in the API
    required: bool = False
    vocab: str | None = None  # a CHINESE vocabulary the cell's words are looked up in
    kind: str = "text"  # text | list | bool | int
    help: str = ""


RESOURCE_COLUMNS: tuple[Column, ...] = (
    Column("资源标识", "ref", True, help="本表内的资源编号（如 R1），信息项表用它关联；填已有资源代码则更新该资源"),
    Column("资源名称", "name", True, help="如：常住人口基本信息"),
    Column("资源摘要", "abstract", help="资源内容、范围和用途的简要说明（提交审核前必填）"),
    Column("提供部门代码", "department", help="留空为导入时指定的部门或本人所在部门"),
    Column("目录分类代码", "class_code", True, help="类-项-目，如 1-01-001；部门类可写 3-001（本部门的目 001）"),
    Column("资源类型", "kind", vocab="kind", help="数据 / 能力（默认数据）"),
    Column("共享类型", "share_type", True, vocab="share_type", help="无条件共享 / 有条件共享 / 不予共享"),
    Column("共享条件", "share_conditions", help="有条件共享时必填"),
    Column("不予共享依据", "legal_basis", help="不予共享时必填：法律、行政法规或政策依据"),
    Column(
        "共享方式",
        "share_methods",
        vocab="share_method",
        kind="list",
        help="数据库 / 文件 / 服务接口，可多选，用“、”分隔",
    ),
    Column("开放类型", "open_type", vocab="open_type", help="无条件开放 / 有条件开放 / 不予开放（默认不予开放）"),
    Column("开放条件", "open_conditions", help="有条件开放时必填"),
    Column(
        "更新周期",
        "update_cycle",
        True,
        vocab="update_cycle",
        help="实时 / 每日 / 每周 / 每月 / 每季度 / 每年 / 不定期",
    ),
    Column("数据格式", "formats", kind="list", help="如 csv、xlsx、json、api，用“、”分隔"),
    Column("标签", "tags", kind="list", help="用“、”分隔"),
    Column("定级", "grade", vocab="grade", help="核心 / 重要 / 一般；留空则按信息项就高从严自动定级"),
    Column(
        "申请裁决",
        "claim_arbitration",
        kind="bool",
        help="是：权威来源与已有资源冲突时提交数据局裁决；否或空：冲突即报错",
    ),
)

FIELD_COLUMNS: tuple[Column, ...] = (
    Column("资源标识", "ref", True, help="对应数据资源表的资源标识"),
    Column("字段名", "name", True, help="源系统中的列名，如 sfzh、aac002、公民身份号码"),
    Column("中文名称", "label", True, help="如：公民身份号码"),
    Column("数据类型", "data_type", vocab="data_type", help="字符型 / 整数 / 数值型 / 日期 / 日期时间 / 布尔 / 代码"),
    Column("长度", "max_length", kind="int", help="最大长度（字符）"),
    Column("计量单位", "unit", help="如：万元、平方米"),
    Column("代码集", "code_list", kind="list", help="允许的代码值，用“、”分隔"),
    Column(
        "格式规范",
        "format",
        vocab="format",
        help="公民身份号码 / 统一社会信用代码 / 行政区划代码 / 车牌号 / 电话号码 / 电子邮箱",
    ),
    Column("必填", "required", kind="bool", help="是 / 否"),
    Column("主键", "is_key", kind="bool", help="是 / 否（主键必填）"),
    Column("个人信息", "sensitivity", vocab="sensitivity", help="否 / 个人信息 / 敏感个人信息"),
    Column("定级", "grade", vocab="grade", help="核心 / 重要 / 一般（可空）"),
    Column("数据项", "data_item", help="共享数据项，如 person.birth_date"),
    Column("权威来源", "authoritative", kind="bool", help="是：本资源是该数据项的权威来源（一数一源）"),
    Column("源系统列名", "source_names", kind="list", help="部门文件中该列的表头，用“、”分隔"),
    Column("说明", "description", help="可空"),
)

_SPLIT = re.compile(r"[、,，;；|\n]+")
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "n", "no", "false", "0", ""}


@dataclass
class _Row:
    sheet: str
    number: int  # the spreadsheet's row number (or the entry's position in YAML)
    values: dict[str, Any]
    columns: dict[str, str]  # key → header as written, for error messages


@dataclass
class _Parsed:
    resources: list[_Row] = field(default_factory=list)
    fields: list[_Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------------
async def read_upload(request: Request) -> tuple[bytes, str]:
    """The uploaded file: a multipart ``file`` part, or the raw body (``?filename=`` or Content-Type names it)."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise BadRequest("ledger.import.no_file")
        try:
            return await upload.read(), upload.filename or ""
        finally:
            await upload.close()
    body = await request.body()
    name = request.query_params.get("filename", "")
    if not name and "spreadsheetml" in ctype:
        name = "upload.xlsx"
    return body, name


def parse(content: bytes, filename: str) -> _Parsed:
    if not content:
        raise BadRequest("ledger.import.empty")
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _parse_xlsx(content)
    return _parse_yaml(content)


def _header_key(columns: tuple[Column, ...], header: str) -> Column | None:
    text = header.strip().rstrip("*＊").strip()
    for c in columns:
        if text in (c.header, c.key):
            return c
    return None


def _parse_xlsx(content: bytes) -> _Parsed:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a corrupt or foreign file: report it, never its contents
        raise BadRequest("ledger.import.unreadable") from None
    out = _Parsed()
    try:
        if RESOURCE_SHEET not in wb.sheetnames:
            out.errors.append(_e(RESOURCE_SHEET, None, None, "missing_sheet", "ledger.import.missing_sheet"))
            return out
        out.resources = _sheet_rows(wb[RESOURCE_SHEET], RESOURCE_SHEET, RESOURCE_COLUMNS, out.errors)
        if FIELD_SHEET in wb.sheetnames:
            out.fields = _sheet_rows(wb[FIELD_SHEET], FIELD_SHEET, FIELD_COLUMNS, out.errors)
    finally:
        wb.close()
    return out


def _sheet_rows(ws: Any, sheet: str, columns: tuple[Column, ...], errors: list[dict[str, Any]]) -> list[_Row]:
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        errors.append(_e(sheet, 1, None, "empty_sheet", "ledger.import.empty_sheet"))
        return []
    mapping: dict[int, Column] = {}
    for i, cell in enumerate(header):
        if cell is None or str(cell).strip() == "":
            continue
        col = _header_key(columns, str(cell))
        if col is None:
            errors.append(_e(sheet, 1, str(cell)[:50], "unknown_column", "ledger.import.unknown_column"))
        elif col in mapping.values():
            errors.append(_e(sheet, 1, col.header, "duplicate_column", "ledger.import.duplicate_column"))
        else:
            mapping[i] = col
    for c in columns:
        if c.required and c not in mapping.values():
            errors.append(_e(sheet, 1, c.header, "missing_column", "ledger.import.missing_column"))
    out = []
    for number, values in enumerate(rows, start=2):
        cells = {mapping[i].key: v for i, v in enumerate(values) if i in mapping and v is not None and str(v).strip()}
        if not cells:
            continue
        out.append(_Row(sheet, number, cells, {c.key: c.header for c in mapping.values()}))
    return out


def _parse_yaml(content: bytes) -> _Parsed:
    try:
        data = yaml.safe_load(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError):
        raise BadRequest("ledger.import.unreadable") from None
    out = _Parsed()
    entries = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        out.errors.append(_e("yaml", None, "resources", "missing", "ledger.import.yaml_resources"))
        return out
    keys = {c.key: c.key for c in RESOURCE_COLUMNS}
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            out.errors.append(_e("yaml", n, None, "not_a_mapping", "ledger.import.yaml_entry"))
            continue
        ref = str(entry.get("code") or entry.get("ref") or f"#{n}")
        values = {k: v for k, v in entry.items() if k not in ("fields", "code")}
        values["ref"] = ref
        for k in values:
            if k not in keys:
                out.errors.append(_e("yaml", n, str(k)[:50], "unknown_column", "ledger.import.unknown_column"))
        out.resources.append(_Row("yaml", n, {k: v for k, v in values.items() if k in keys}, keys))
        fields = entry.get("fields") or []
        if not isinstance(fields, list):
            out.errors.append(_e("yaml", n, "fields", "not_a_list", "ledger.import.yaml_entry"))
            continue
        fkeys = {c.key: f"fields.{c.key}" for c in FIELD_COLUMNS}
        for f in fields:
            if not isinstance(f, dict):
                out.errors.append(_e("yaml", n, "fields", "not_a_mapping", "ledger.import.yaml_entry"))
                continue
            for k in f:
                if k not in fkeys:
                    out.errors.append(
                        _e("yaml", n, f"fields.{k}"[:60], "unknown_column", "ledger.import.unknown_column")
                    )
            out.fields.append(_Row("yaml", n, {**{k: v for k, v in f.items() if k in fkeys}, "ref": ref}, fkeys))
    return out


# -- converting cells ------------------------------------------------------------------------------
def _e(sheet: str, row: int | None, column: str | None, code: str, key: str, **params: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"sheet": sheet, "row": row, "column": column, "field": column or "", "code": code}
    e["message_key"] = key
    if params:
        e["params"] = params
    return e


def _convert(row: _Row, columns: tuple[Column, ...], errors: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    by_key = {c.key: c for c in columns}
    for key, raw in row.values.items():
        col = by_key[key]
        header = row.columns.get(key, key)
        try:
            out[key] = _cell(col, raw)
        except ValueError:
            errors.append(_e(row.sheet, row.number, header, "invalid_value", "ledger.import.invalid_value"))
    return out


def _cell(col: Column, raw: Any) -> Any:
    if col.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(col.key)
    if col.kind == "int":
        if isinstance(raw, int | float) and float(raw).is_integer():
            return int(raw)
        return int(str(raw).strip())
    if col.kind == "list":
        items = raw if isinstance(raw, list) else _SPLIT.split(str(raw))
        words = [str(i).strip() for i in items if str(i).strip()]
        return [_word(col, w) for w in words]
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return _word(col, str(raw).strip())


def _word(col: Column, text: str) -> str:
    if col.vocab is None:
        return text
    vocab = CHINESE[col.vocab]
    if text in vocab:
        return vocab[text]
    if text.lower() in vocab.values():
        return text.lower()
    raise ValueError(col.key)


# -- importing -------------------------------------------------------------------------------------
def import_catalog(
    db: Session,
    content: bytes,
    filename: str,
    by: Principal,
    *,
    department_code: str | None = None,
    policy: svc.GradePolicy = svc.DEFAULT_POLICY,
    max_rows: int = 5000,
    dry_run: bool = False,
) -> ImportReport:
    """Import a catalog file; all or nothing. ``department_code`` is the default provider department."""
    if not by.has(P.IMPORT):
        raise PermissionDenied()
    parsed = parse(content, filename)
    errors = parsed.errors
    if len(parsed.resources) + len(parsed.fields) > max_rows:
        raise ValidationFailed(
            "ledger.import.too_many_rows",
            params={"max": max_rows},
            errors=[_e("", None, None, "too_many", "ledger.import.too_many_rows", max=max_rows)],
        )
    default_dept = None
    if department_code:
        default_dept = repo.department_by_code(db, department_code)
        if default_dept is None:
            raise ValidationFailed(errors=[_e("", None, "department", "unknown", "ledger.import.unknown_department")])
    fields_by_ref: dict[str, list[_Row]] = {}
    for row in parsed.fields:
        fields_by_ref.setdefault(str(row.values.get("ref", "")).strip(), []).append(row)
    refs = [str(r.values.get("ref", "")).strip() for r in parsed.resources]
    for ref, rows in fields_by_ref.items():
        if ref not in refs:
            for row in rows:
                errors.append(
                    _e(row.sheet, row.number, row.columns.get("ref"), "unknown_ref", "ledger.import.unknown_ref")
                )
    seen: set[str] = set()
    for row, ref in zip(parsed.resources, refs, strict=True):
        if ref in seen:
            errors.append(
                _e(row.sheet, row.number, row.columns.get("ref"), "duplicate_ref", "ledger.import.duplicate_ref")
            )
        seen.add(ref)
    if not parsed.resources and not errors:
        errors.append(_e(RESOURCE_SHEET, None, None, "no_rows", "ledger.import.no_rows"))
    report = ImportReport(created=[], updated=[], dry_run=dry_run)
    savepoint = db.begin_nested()
    try:
        if not errors:
            for row, ref in zip(parsed.resources, refs, strict=True):
                _import_one(db, row, ref, fields_by_ref.get(ref, []), by, default_dept, policy, errors, report)
                if len(errors) >= MAX_ERRORS:
                    break
        if errors:
            raise ValidationFailed("ledger.import.failed", params={"count": len(errors)}, errors=errors[:MAX_ERRORS])
        if dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    return report


def _import_one(
    db: Session,
    row: _Row,
    ref: str,
    field_rows: list[_Row],
    by: Principal,
    default_dept: Any,
    policy: svc.GradePolicy,
    errors: list[dict[str, Any]],
    report: ImportReport,
) -> None:
    before = len(errors)
    values = _convert(row, RESOURCE_COLUMNS, errors)
    fields: list[dict[str, Any]] = []
    for frow in field_rows:
        fv = _convert(frow, FIELD_COLUMNS, errors)
        fv.pop("ref", None)
        fields.append(fv)
    if len(errors) > before:
        return
    dept_code = values.pop("department", None)
    dept = default_dept
    if dept_code:
        dept = repo.department_by_code(db, str(dept_code))
        if dept is None:
            errors.append(
                _e(row.sheet, row.number, row.columns.get("department"), "unknown", "ledger.import.unknown_department")
            )
            return
    values.pop("ref", None)
    existing = repo.resource_by_code(db, ref)
    try:
        field_models = [FieldIn(**f) for f in fields]
    except ValidationError as exc:
        for err in exc.errors():
            errors.append(_pydantic_error(err, row, field_rows, in_fields=True))
        return
    try:
        with db.begin_nested():
            if existing is not None:
                values.pop("department_id", None)
                update = ResourceUpdate(**values, fields=field_models if field_rows else None)
                svc.update_resource(db, existing.id, update, by, policy=policy)
                report.updated.append(existing.code)
            else:
                data = ResourceIn(**values, fields=field_models, department_id=dept.id if dept else by.department_id)
                created = svc.create_resource(db, data, by, policy=policy, action="import")
                report.created.append(created.code)
    except ValidationError as exc:
        for err in exc.errors():
            errors.append(_pydantic_error(err, row, field_rows, in_fields=False))
    except ValidationFailed as exc:
        for err in exc.errors:
            errors.append(_service_error(err, row, field_rows))
    except XingchengError as exc:
        errors.append(_e(row.sheet, row.number, None, exc.code, exc.detail_key or exc.title_key, **exc.params))


def _locate(path: list[str], row: _Row, field_rows: list[_Row]) -> tuple[_Row, str | None]:
    if path and path[0] == "fields" and len(path) >= 2 and path[1].isdigit() and int(path[1]) < len(field_rows):
        frow = field_rows[int(path[1])]
        key = path[2] if len(path) > 2 else None
        return frow, frow.columns.get(key, key) if key else None
    key = path[0] if path else None
    if key == "department_id":
        key = "department"
    return row, row.columns.get(key, key) if key else None


def _service_error(err: dict[str, Any], row: _Row, field_rows: list[_Row]) -> dict[str, Any]:
    where, column = _locate(str(err.get("field", "")).split("."), row, field_rows)
    return _e(where.sheet, where.number, column, err["code"], err["message_key"], **err.get("params", {}))


def _pydantic_error(err: Any, row: _Row, field_rows: list[_Row], *, in_fields: bool) -> dict[str, Any]:
    loc = [str(p) for p in err.get("loc", ())]
    if in_fields and loc and loc[0].isdigit():
        loc = ["fields", *loc]
    where, column = _locate(loc, row, field_rows)
    return _e(where.sheet, where.number, column, "invalid_value", "ledger.import.invalid_value")


# -- the template ----------------------------------------------------------------------------------
_EXAMPLE_RESOURCE = {
    "ref": "R1",
    "name": "常住人口基本信息",
    "abstract": "本市户籍人口的身份、出生和户籍地址信息，每人一条。",
    "department": "",
    "class_code": "1-01-001",
    "kind": "数据",
    "share_type": "有条件共享",
    "share_conditions": "限于依法履职需要，经提供部门审核同意",
    "legal_basis": "",
    "share_methods": "服务接口、数据库",
    "open_type": "不予开放",
    "open_conditions": "",
    "update_cycle": "每日",
    "formats": "csv、api",
    "tags": "人口、户籍",
    "grade": "",
    "claim_arbitration": "否",
}
_EXAMPLE_FIELDS = [
    {
        "ref": "R1",
        "name": "gmsfhm",
        "label": "公民身份号码",
        "data_type": "代码",
        "max_length": 18,
        "format": "公民身份号码",
        "required": "是",
        "is_key": "是",
        "sensitivity": "敏感个人信息",
        "data_item": "person.id_number",
        "authoritative": "是",
        "source_names": "公民身份号码、身份证号",
    },
    {
        "ref": "R1",
        "name": "xm",
        "label": "姓名",
        "data_type": "字符型",
        "max_length": 50,
        "required": "是",
        "is_key": "否",
        "sensitivity": "个人信息",
        "data_item": "person.name",
        "authoritative": "是",
    },
    {
        "ref": "R1",
        "name": "csrq",
        "label": "出生日期",
        "data_type": "日期",
        "required": "否",
        "is_key": "否",
        "sensitivity": "个人信息",
        "data_item": "person.birth_date",
        "authoritative": "是",
    },
]


def template_bytes() -> bytes:
    """The catalog form as an XLSX workbook: instructions, the resource sheet and the field sheet, with
    drop-down lists for every controlled column and one worked example."""
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = "填表说明"
    guide.append(["工作表", "列名", "必填", "说明"])
    for sheet, columns in ((RESOURCE_SHEET, RESOURCE_COLUMNS), (FIELD_SHEET, FIELD_COLUMNS)):
        for c in columns:
            guide.append([sheet, c.header, "是" if c.required else "", c.help])
    guide.column_dimensions["B"].width = 16
    guide.column_dimensions["D"].width = 90
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FDE8EA")
    for sheet, columns, examples in (
        (RESOURCE_SHEET, RESOURCE_COLUMNS, [_EXAMPLE_RESOURCE]),
        (FIELD_SHEET, FIELD_COLUMNS, _EXAMPLE_FIELDS),
    ):
        ws = wb.create_sheet(sheet)
        ws.append([c.header + ("*" if c.required else "") for c in columns])
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
        for example in examples:
            ws.append([example.get(c.key, "") for c in columns])
        for i, c in enumerate(columns, start=1):
            letter = ws.cell(row=1, column=i).column_letter
            ws.column_dimensions[letter].width = max(10, len(c.header) * 2 + 4)
            choices = _choices(c)
            if choices:
                dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
                dv.add(f"{letter}2:{letter}2000")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _choices(c: Column) -> list[str]:
    if c.kind == "bool":
        return ["是", "否"]
    if c.vocab and c.kind != "list":
        firsts: dict[str, str] = {}
        for word, value in CHINESE[c.vocab].items():
            firsts.setdefault(value, word)
        return list(firsts.values())
    return []
