"""The ledger's controlled vocabularies: share and open types, share methods, grades, states, kinds.

Values are English and stable (stored, exchanged through the API); each has a translation key
``ledger.<vocabulary>.<value>`` for pages, and the Chinese term the national guide uses, accepted on import.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ClassKind",
    "Grade",
    "Kind",
    "OpenType",
    "ShareMethod",
    "ShareType",
    "State",
    "max_grade",
]


class ShareType(StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件共享
    CONDITIONAL = "conditional"  # 有条件共享: share conditions required
    NONE = "none"  # 不予共享: a legal or policy basis required


class OpenType(StrEnum):
    UNCONDITIONAL = "unconditional"  # 无条件开放
    CONDITIONAL = "conditional"  # 有条件开放
    NONE = "none"  # 不予开放


class ShareMethod(StrEnum):
    DATABASE = "database"  # 库表
    FILE = "file"  # 文件
    SERVICE = "service"  # 服务接口


class Grade(StrEnum):
    """GB/T 43697-2024: 核心数据 / 重要数据 / 一般数据."""

    CORE = "core"
    IMPORTANT = "important"
    GENERAL = "general"

    @property
    def rank(self) -> int:
        return {"general": 1, "important": 2, "core": 3}[self.value]


def max_grade(*grades: Grade | str | None) -> Grade:
    """就高从严: the highest of the grades given (general when none)."""
    best = Grade.GENERAL
    for g in grades:
        if g is not None and Grade(g).rank > best.rank:
            best = Grade(g)
    return best


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # returned by the bureau with comments
    PUBLISHED = "published"
    RETIRED = "retired"


class Kind(StrEnum):
    DATA = "data"
    CAPABILITY = "capability"  # 智能中枢能力清单


class ClassKind(StrEnum):
    BASE = "base"  # 基础信息资源 (类 1)
    THEME = "theme"  # 主题信息资源 (类 2)
    DEPARTMENT = "department"  # 部门信息资源 (类 3)


# Chinese terms accepted on import (the national catalog form's wording) → values.
CHINESE: dict[str, dict[str, str]] = {
    "share_type": {"无条件共享": "unconditional", "有条件共享": "conditional", "不予共享": "none"},
    "open_type": {"无条件开放": "unconditional", "有条件开放": "conditional", "不予开放": "none"},
    "share_method": {
        "数据库": "database",
        "库表": "database",
        "数据库表": "database",
        "文件": "file",
        "服务接口": "service",
        "接口": "service",
    },
    "grade": {"核心": "core", "核心数据": "core", "重要": "important", "重要数据": "important", "一般": "general"}
    | {"一般数据": "general"},
    "kind": {"数据": "data", "数据资源": "data", "能力": "capability", "智能中枢能力": "capability"},
    "update_cycle": {
        "实时": "realtime",
        "每日": "daily",
        "每天": "daily",
        "每周": "weekly",
        "每月": "monthly",
        "每季度": "quarterly",
        "每年": "yearly",
        "不定期": "irregular",
    },
    "data_type": {
        "字符型": "string",
        "字符串": "string",
        "整数": "integer",
        "整型": "integer",
        "数值型": "decimal",
        "小数": "decimal",
        "日期": "date",
        "日期型": "date",
        "日期时间": "datetime",
        "日期时间型": "datetime",
        "布尔": "boolean",
        "布尔型": "boolean",
        "代码": "code",
        "代码型": "code",
    },
    "sensitivity": {
        "否": "none",
        "非个人信息": "none",
        "个人信息": "personal",
        "是": "personal",
        "敏感个人信息": "sensitive",
        "敏感": "sensitive",
    },
    "format": {
        "无": "none",
        "公民身份号码": "id_number",
        "身份证号": "id_number",
        "统一社会信用代码": "uscc",
        "行政区划代码": "division_code",
        "车牌号": "plate",
        "机动车号牌": "plate",
        "电话号码": "phone",
        "电话": "phone",
        "电子邮箱": "email",
    },
}
