"""How the ledger's vocabularies map onto CKAN and DCAT-AP terms (EU authority tables).

open type → access rights and licence; update cycle → EU frequency; format → EU file type; the base classes
(人口, 法人 …) → EU data themes. Kept here as plain tables so a city can read and argue with them.
"""

from __future__ import annotations

from xingcheng.ledger.publish.entries import EntryField

__all__ = [
    "ACCESS_RIGHTS",
    "EU_FILE_TYPE",
    "EU_FREQUENCY",
    "EU_LICENCE",
    "EU_THEME",
    "LICENCE_FOR_OPEN_TYPE",
    "THEME_FOR_CLASS",
    "access_right_for",
    "field_line",
    "file_type_for",
    "frequency_for",
]

ACCESS_RIGHTS = "http://publications.europa.eu/resource/authority/access-right/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"

_ACCESS = {"unconditional": "PUBLIC", "conditional": "RESTRICTED", "none": "NON_PUBLIC"}
_FREQUENCY = {
    "realtime": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
}
_FILE_TYPE = {
    "csv": "CSV",
    "xlsx": "XLSX",
    "xls": "XLS",
    "json": "JSON",
    "xml": "XML",
    "pdf": "PDF",
    "parquet": "PARQUET",
    "geojson": "GEOJSON",
    "shp": "SHP",
    "api": "REST",
    "rest": "REST",
    "zip": "ZIP",
    "txt": "TXT",
}

# Licences: unconditionally open data under CC BY 4.0 (the EU authority IRI); conditionally open data under
# the hub's own terms (a licence document it publishes); data not opened carries no licence.
EU_LICENCE = {"CC_BY_4_0": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"}
LICENCE_FOR_OPEN_TYPE = {"unconditional": "CC_BY_4_0", "conditional": "conditional-open"}
CKAN_LICENCE = {
    "unconditional": ("CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "conditional": ("conditional-open", "有条件开放 (conditional open)", ""),
    "none": ("notspecified", "不予开放 (not open)", ""),
}

# Base and common theme classes → EU data themes (others stay in the hub's own scheme only).
THEME_FOR_CLASS = {
    "人口": "SOCI",
    "法人": "ECON",
    "自然资源和空间地理": "ENVI",
    "社会信用": "ECON",
    "电子证照": "GOVE",
    "公共服务": "GOVE",
    "社会保障": "SOCI",
    "城乡建设": "REGI",
    "社区治理": "SOCI",
    "应急管理": "JUST",
    "生态环境": "ENVI",
    "交通出行": "TRAN",
    "医疗健康": "HEAL",
    "教育文化": "EDUC",
    "产业经济": "ECON",
    "城市运行": "REGI",
    "智能中枢能力": "TECH",
}


def access_right_for(open_type: str) -> str | None:
    return _ACCESS.get(open_type)


def frequency_for(update_cycle: str) -> str | None:
    return _FREQUENCY.get(update_cycle)


def file_type_for(fmt: str) -> str | None:
    return _FILE_TYPE.get(fmt.strip().lower())


def field_line(f: EntryField) -> str:
    """One information item in a description: 出生日期(birth_date, date, 敏感个人信息, 权威来源)."""
    bits = [f.name, f.data_type]
    if f.unit:
        bits.append(f.unit)
    if f.sensitivity == "sensitive":
        bits.append("敏感个人信息")
    elif f.personal:
        bits.append("个人信息")
    if f.authoritative:
        bits.append("权威来源")
    return f"{f.label}({', '.join(bits)})"
