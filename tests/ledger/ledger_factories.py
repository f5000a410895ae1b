"""Small builders for the ledger tests: a resource as the API takes it, registered through the service."""

from __future__ import annotations

from typing import Any

from xingcheng.ledger import service as ledger
from xingcheng.ledger.schemas import FieldIn, ResourceIn


def field(name: str, label: str, **kw: Any) -> FieldIn:
    return FieldIn(name=name, label=label, **kw)


def resource_in(department_id: int, name: str = "常住人口基本信息", **kw: Any) -> ResourceIn:
    values: dict[str, Any] = {
        "name": name,
        "abstract": "本市户籍人口的基本信息",
        "class_code": "1-01-001",
        "department_id": department_id,
        "share_type": "conditional",
        "share_conditions": "依法履职需要",
        "share_methods": ["service"],
        "open_type": "none",
        "update_cycle": "daily",
        "tags": ["人口"],
        "formats": ["csv"],
        "fields": [
            field("sfzh", "公民身份号码", sensitivity="sensitive", format="id_number", is_key=True, required=True),
            field("xm", "姓名", sensitivity="personal"),
        ],
    }
    values.update(kw)
    return ResourceIn(**values)


def register(database: Any, department_id: int, name: str = "常住人口基本信息", *, publish: bool = False, **kw: Any):
    with database.session() as db:
        r = ledger.create_resource(db, resource_in(department_id, name, **kw), ledger.SYSTEM)
        if publish:
            ledger.submit(db, r.id, ledger.SYSTEM)
            ledger.publish(db, r.id, ledger.SYSTEM)
        return r
