"""Departmental records in one shape per entity kind: what each source says about a person or a company.

Each person source maps its own columns (户籍 ``公民身份号码``, 医保 ``certno``, 社保 ``aac002`` …) to the
registry's attributes; :func:`load_person_records` stacks them into the table ``person_raw`` and
:func:`prepare_person_input` derives the comparison columns Splink reads (valid ID number, folded name,
pinyin key, birth day number, phone, matched address). Companies likewise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import duckdb

from xingcheng.registries import text as T
from xingcheng.registries.sources import SourceReader

__all__ = [
    "COMPANY_SOURCES",
    "ETHNICITY",
    "PERSON_ATTRIBUTES",
    "PERSON_SOURCES",
    "SourceMap",
    "load_company_records",
    "load_person_records",
    "prepare_company_input",
    "prepare_person_input",
]

# GB/T 3304-1991 民族 codes.
ETHNICITY: Final = dict(
    enumerate(
        "汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族 哈尼族 "
        "哈萨克族 傣族 黎族 "
        "傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 "
        "毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族 俄罗斯族 鄂温克族 德昂族 保安族 "
        "裕固族 京族 塔塔尔族 "
        "独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族".split(),
        start=1,
    )
)

# The attributes of a person that the golden record keeps, in display order.
PERSON_ATTRIBUTES: Final = ("id_number", "name", "sex", "birth_date", "ethnicity", "phone", "address", "marital_status")


@dataclass(frozen=True)
class SourceMap:
    """How one source's columns map to the registry's attributes (None: the source does not hold it)."""

    source: str
    department: str  # department code in the hub (identity) that receives data-quality issues
    record: str
    columns: dict[str, str] = field(default_factory=dict)
    sex_codes: dict[str, str] = field(default_factory=lambda: {"男": "M", "女": "F", "1": "M", "2": "F"})
    ethnicity_is_code: bool = False


PERSON_SOURCES: Final = (
    SourceMap(
        "psb_hukou",
        "gaj",
        "人员编号",
        {
            "id": "公民身份号码",
            "name": "姓名",
            "sex": "性别",
            "birth": "出生日期",
            "ethnicity": "民族",
            "phone": "联系电话",
            "address": "户籍地址",
            "marital": "婚姻状况",
            "household": "户号",
            "relation": "与户主关系",
            "registered": "登记日期",
        },
    ),
    SourceMap(
        "hsa_insured",
        "ybj",
        "psn_no",
        {
            "id": "certno",
            "name": "psn_name",
            "sex": "gend",
            "birth": "brdy",
            "ethnicity": "naty",
            "phone": "tel",
            "address": "addr",
            "employer": "emp_name",
            "registered": "begndate",
        },
        ethnicity_is_code=True,
    ),
    SourceMap(
        "hrss_insured",
        "rsj",
        "aac001",
        {
            "id": "aac002",
            "name": "aac003",
            "sex": "aac004",
            "birth": "aac006",
            "ethnicity": "aac005",
            "phone": "aae005",
            "address": "aae006",
            "employer": "aab004",
            "registered": "aac030",
        },
        ethnicity_is_code=True,
    ),
    SourceMap(
        "hc_birth_certificates",
        "wjw",
        "出生医学证明编号",
        {
            "name": "新生儿姓名",
            "sex": "性别",
            "birth": "出生日期",
            "address": "家庭住址",
            "mother_id": "母亲身份证件号码",
            "mother_name": "母亲姓名",
            "father_id": "父亲身份证件号码",
            "father_name": "父亲姓名",
            "registered": "签发日期",
        },
    ),
    SourceMap(
        "mca_marriages",
        "mzj",
        "业务编号",
        {
            "id": "当事人证件号码",
            "name": "当事人姓名",
            "sex": "性别",
            "birth": "出生日期",
            "spouse_id": "配偶证件号码",
            "spouse_name": "配偶姓名",
            "married": "登记日期",
            "certificate": "结婚证字号",
            "registered": "登记日期",
        },
    ),
)

COMPANY_SOURCES: Final = (
    SourceMap(
        "amr_market_entities",
        "scjgj",
        "主体身份代码",
        {
            "uscc": "统一社会信用代码",
            "name": "企业名称",
            "kind": "市场主体类型",
            "rep_name": "法定代表人",
            "rep_id": "法定代表人证件号码",
            "capital": "注册资本（万元）",
            "established": "成立日期",
            "address": "住所",
            "status": "登记状态",
            "registered": "核准日期",
        },
    ),
    SourceMap(
        "tax_taxpayers",
        "swj",
        "djxh",
        {
            "uscc": "nsrsbh",
            "name": "nsrmc",
            "rep_name": "fddbrxm",
            "rep_id": "fddbrsfzjhm",
            "address": "scjydz",
            "status": "nsrzt_mc",
            "kind": "djzclx_mc",
            "registered": "djrq",
        },
    ),
)

_PERSON_COLUMNS: Final = (
    "id", "name", "sex", "birth", "ethnicity", "phone", "address", "marital", "household", "relation",
    "employer", "mother_id", "mother_name", "father_id", "father_name", "spouse_id", "spouse_name", "married",
    "certificate", "registered",
)  # fmt: skip
_COMPANY_COLUMNS: Final = (
    "uscc", "name", "kind", "rep_name", "rep_id", "capital", "established", "address", "status", "registered",
)  # fmt: skip


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(m: SourceMap, inner: str, wanted: tuple[str, ...]) -> str:
    cols = [f"{T.sql_lit(m.source)} AS source", f"CAST({_q(m.record)} AS VARCHAR) AS record_id"]
    for name in wanted:
        col = m.columns.get(name)
        cols.append(f"CAST({_q(col)} AS VARCHAR) AS {name}" if col else f"CAST(NULL AS VARCHAR) AS {name}")
    return f"SELECT {', '.join(cols)} FROM ({inner})"  # noqa: S608 - column names come from the maps above


def load_person_records(con: duckdb.DuckDBPyConnection, reader: SourceReader) -> list[str]:
    """Create the view ``person_raw`` (one row per departmental person record); return the sources found."""
    parts, found = [], []
    for m in PERSON_SOURCES:
        inner = reader.sql(con, m.source)
        if inner is None:
            continue
        found.append(m.source)
        parts.append(_select(m, inner, _PERSON_COLUMNS))
    if not parts:
        parts.append(_select(PERSON_SOURCES[0], 'SELECT NULL AS "人员编号" WHERE FALSE', _PERSON_COLUMNS))
    # A view: the sources are read once, by prepare_person_input, and not held twice in memory.
    con.execute(f"CREATE OR REPLACE VIEW person_raw AS {' UNION ALL '.join(parts)}")
    return found


def load_company_records(con: duckdb.DuckDBPyConnection, reader: SourceReader) -> list[str]:
    """Create the view ``company_raw`` (one row per departmental company record); return the sources found."""
    parts, found = [], []
    for m in COMPANY_SOURCES:
        inner = reader.sql(con, m.source)
        if inner is None:
            continue
        found.append(m.source)
        parts.append(_select(m, inner, _COMPANY_COLUMNS))
    if not parts:
        parts.append(_select(COMPANY_SOURCES[0], 'SELECT NULL AS "主体身份代码" WHERE FALSE', _COMPANY_COLUMNS))
    con.execute(f"CREATE OR REPLACE VIEW company_raw AS {' UNION ALL '.join(parts)}")
    return found


def _sex_case() -> str:
    return "CASE trim(sex) WHEN '男' THEN 'M' WHEN '1' THEN 'M' WHEN '女' THEN 'F' WHEN '2' THEN 'F' END"


def _ethnicity_case() -> str:
    codes = " ".join(f"WHEN '{code:02d}' THEN {T.sql_lit(name)}" for code, name in ETHNICITY.items())
    coded = "regexp_full_match(trim(ethnicity), '[0-9]{2}')"
    return f"CASE WHEN {coded} THEN CASE trim(ethnicity) {codes} END ELSE nullif(trim(ethnicity), '') END"


def prepare_person_input(con: duckdb.DuckDBPyConnection) -> None:
    """``person_input``: ``person_raw`` plus the columns the linkage compares.

    ``rid`` is ``source:record_id``; ``id_number`` is set only for a valid GB 11643 number; ``name`` is folded
    (simplified, no spaces) and ``name_py`` its pinyin key; ``birth_day`` counts days since 1970 so that a
    one-day slip compares as arithmetic in any SQL dialect; ``addr_id`` is filled by address matching.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TABLE person_stage AS
        SELECT source || ':' || record_id AS rid, *, {T.sql_id_raw("id")} AS id_raw,
               {T.sql_date("birth")} AS birth_date, {T.sql_phone("phone")} AS phone_norm,
               {_sex_case()} AS sex_code, {_ethnicity_case()} AS ethnicity_name,
               {T.sql_address("address")} AS address_norm,
               {T.sql_id_raw("mother_id")} AS mother_raw, {T.sql_id_raw("father_id")} AS father_raw,
               {T.sql_id_raw("spouse_id")} AS spouse_raw
        FROM person_raw
        """  # noqa: S608
    )
    names = [r[0] for r in con.execute("SELECT DISTINCT name FROM person_stage WHERE name IS NOT NULL").fetchall()]
    keys = T.name_keys(names)
    con.execute("CREATE OR REPLACE TEMP TABLE name_key (raw VARCHAR, name_norm VARCHAR, name_py VARCHAR)")
    if keys:
        import pyarrow as pa

        arrow = pa.table(
            {
                "raw": list(keys),
                "name_norm": [k[0] for k in keys.values()],
                "name_py": [k[1] for k in keys.values()],
            }
        )
        con.register("name_key_arrow", arrow)
        con.execute("INSERT INTO name_key SELECT * FROM name_key_arrow")
        con.unregister("name_key_arrow")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE person_input AS
        SELECT s.rid, s.source, s.record_id,
               {T.sql_id_number("s.id_raw")} AS id_number, s.id_raw,
               nullif(k.name_norm, '') AS name, nullif(k.name_py, '') AS name_py,
               s.sex_code AS sex, CAST(s.birth_date AS VARCHAR) AS birth_date,
               CAST(date_diff('day', DATE '1970-01-01', s.birth_date) AS INTEGER) AS birth_day,
               s.phone_norm AS phone, s.address_norm, CAST(NULL AS VARCHAR) AS addr_id,
               s.ethnicity_name AS ethnicity, nullif(trim(s.marital), '') AS marital_status,
               s.household, s.relation, s.employer,
               {T.sql_id_number("s.mother_raw")} AS mother_id, {T.sql_id_number("s.father_raw")} AS father_id,
               {T.sql_id_number("s.spouse_raw")} AS spouse_id, s.certificate, s.married,
               s.name AS name_raw, s.address AS address_raw, s.id AS id_text, s.registered
        FROM person_stage s LEFT JOIN name_key k ON k.raw = s.name
        """  # noqa: S608
    )
    con.execute("DROP TABLE person_stage")


# Legal forms that a renamed registration may swap (有限公司 → 有限责任公司) without changing the company.
_LEGAL_FORMS: Final = "(股份有限公司|有限责任公司|有限公司|专业合作社|合伙企业|个人独资企业)$"


def prepare_company_input(con: duckdb.DuckDBPyConnection) -> None:
    """``company_input``: ``company_raw`` plus the comparison columns (valid USCC, folded name, its core)."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE company_input AS
        SELECT source || ':' || record_id AS rid, source, record_id,
               {T.sql_uscc("uscc")} AS uscc, upper({T.sql_clean("uscc")}) AS uscc_raw,
               {T.sql_clean("name")} AS name,
               regexp_replace({T.sql_clean("name")}, {T.sql_lit(_LEGAL_FORMS)}, '') AS name_core,
               {T.sql_id_number(T.sql_id_raw("rep_id"))} AS rep_id, {T.sql_clean("rep_name")} AS rep_name,
               {T.sql_address("address")} AS address_norm, CAST(NULL AS VARCHAR) AS addr_id,
               CAST(NULL AS DOUBLE) AS addr_score,
               nullif(trim(kind), '') AS kind, nullif(trim(status), '') AS status,
               try_cast({T.sql_clean("capital")} AS DOUBLE) AS capital,
               {T.sql_date("established")} AS established, {T.sql_date("registered")} AS registered,
               name AS name_raw, address AS address_raw
        FROM company_raw
        """  # noqa: S608
    )
