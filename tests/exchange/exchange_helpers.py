"""Shared set-up of the exchange tests: published ledger resources of the cast's second department (the
provider) with rows in the lake, the consumer's calling system, and the evidence headers of a call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from xingcheng.exchange.ratelimit import LocalLimiter
from xingcheng.exchange.runtime import Runtime, runtime_for
from xingcheng.exchange.service import sync_services
from xingcheng.lake.engine import CATALOG, quote_ident
from xingcheng.lake.loader import table_name
from xingcheng.ledger import service as ledger
from xingcheng.ledger.schemas import FieldIn, ResourceIn
from xingcheng.standards import idnumber

PEOPLE_FIELDS = [
    FieldIn(
        name="id_number", label="公民身份号码", is_key=True, required=True, format="id_number", sensitivity="personal"
    ),
    FieldIn(name="name", label="姓名", sensitivity="personal"),
    FieldIn(name="phone", label="联系电话", format="phone", sensitivity="personal"),
    FieldIn(name="address", label="住址", sensitivity="personal"),
    FieldIn(name="district_code", label="所属区县", format="division_code"),
    FieldIn(name="birth_date", label="出生日期", data_type="date", sensitivity="sensitive"),
    FieldIn(name="household_size", label="户内人数", data_type="integer"),
]

DISTRICTS = ["430102", "430103", "430104", "430105"]


def person(i: int) -> dict[str, Any]:
    district = DISTRICTS[i % len(DISTRICTS)]
    k = i // len(DISTRICTS)  # unique (district, birth date, sequence) for up to 25 million people
    born = dt.date(1940, 1, 1) + dt.timedelta(days=(k * 37) % 25000)
    return {
        "id_number": idnumber.make(district, born, 1 + k // 25000),
        "name": ["张三", "李四", "王五", "欧阳娜娜", "赵六"][i % 5] + ("" if i < 5 else str(i)),
        "phone": f"138{i:08d}",
        "address": f"湖南省长沙市岳麓区望月湖街道望月社区{i}栋",
        "district_code": district,
        "birth_date": born,
        "household_size": 1 + i % 4,
    }


@dataclass
class World:
    rt: Runtime
    provider_id: int
    consumer_id: int
    client_id: int
    api_key: str
    people: Any  # the unconditional resource with personal fields (an interface: lookup, verify, search)
    batch: Any  # the same rows shared as a table (库表): bulk extract
    conditional: Any
    closed: Any  # 不予共享
    capability: Any
    rows: list[dict[str, Any]]

    def service(self, resource: Any, op: str) -> str:
        return f"{resource.code}.{op}"


SYSTEM = ledger.SYSTEM


def publish(
    db,
    department_id: int,
    name: str,
    share_type: str,
    *,
    kind: str = "data",
    fields=None,
    tags=(),
    methods=("service",),
) -> Any:
    extra: dict[str, Any] = {}
    if share_type == "conditional":
        extra["share_conditions"] = "仅限政务办事使用"
    if share_type == "none":
        extra["legal_basis"] = "《中华人民共和国个人信息保护法》第十三条"
    r = ledger.create_resource(
        db,
        ResourceIn(
            name=name,
            abstract=name + "（测试）",
            class_code="3-001",
            kind=kind,
            department_id=department_id,
            share_type=share_type,
            share_methods=list(methods) if share_type != "none" else [],
            update_cycle="daily",
            tags=list(tags),
            fields=list(fields if fields is not None else PEOPLE_FIELDS),
            **extra,
        ),
        SYSTEM,
    )
    ledger.submit(db, r.id, SYSTEM)
    ledger.publish(db, r.id, SYSTEM)
    db.flush()
    return r


def load_rows(rt: Runtime, code: str, rows: list[dict[str, Any]]) -> None:
    """Write a resource's rows into its DuckLake table (a new snapshot), as a lake load would."""
    table = f"{CATALOG}.main.{quote_ident(table_name(code))}"
    with rt.lake.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {table}")
        cur.execute(
            f"CREATE TABLE {table} (id_number VARCHAR, name VARCHAR, phone VARCHAR, address VARCHAR, "
            "district_code VARCHAR, birth_date DATE, household_size INTEGER, _xc_load BIGINT)"
        )
        cols = ("id_number", "name", "phone", "address", "district_code", "birth_date", "household_size")
        data = {c: [r[c] for r in rows] for c in cols}
        # One INSERT (one snapshot, one Parquet file) rather than a row at a time.
        cur.execute(
            f"INSERT INTO {table} SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
            "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DATE[]), unnest(?::INTEGER[]), 1",
            [data[c] for c in cols],
        )


def fresh_runtime(app) -> Runtime:
    """The app's exchange runtime with per-test state reset (the database is emptied after every test)."""
    rt = runtime_for(app)
    rt.cache.clear()
    rt.limiter = LocalLimiter()
    rt.serving.check_seconds = 0
    rt.audit._subtrees.clear()
    return rt


def make_world(app, database, cast, n: int = 40) -> World:
    rt = fresh_runtime(app)
    rows = [person(i) for i in range(n)]
    with database.session() as db:
        people = publish(db, cast.other_department_id, "人口基本信息", "unconditional")
        batch = publish(db, cast.other_department_id, "人口基本信息（批量）", "unconditional", methods=("database",))
        conditional = publish(db, cast.other_department_id, "出生医学证明信息", "conditional")
        closed = publish(db, cast.other_department_id, "精神卫生诊疗记录", "none")
        capability = publish(
            db,
            cast.other_department_id,
            "地址标准化服务",
            "unconditional",
            kind="capability",
            fields=[FieldIn(name="address", label="地址")],
        )
        sync_services(db)
        ids = (people.id, batch.id, conditional.id, closed.id, capability.id)
    with database.session() as db:
        people, batch, conditional, closed, capability = (ledger.get_resource(db, i) for i in ids)
    load_rows(rt, people.code, rows)
    load_rows(rt, batch.code, rows)
    load_rows(rt, conditional.code, rows[:10])
    return World(
        rt,
        cast.other_department_id,
        cast.department_id,
        cast.client_id,
        cast.api_key,
        people,
        batch,
        conditional,
        closed,
        capability,
        rows,
    )


def evidence(client: str = "gaj/huji", **over: str) -> dict[str, str]:
    headers = {
        "X-XC-Client": client,
        "X-XC-User": "警号 004521",
        "X-XC-Case": "HJ-2026-000123",
        "X-XC-Purpose": "户籍办理",
    }
    from urllib.parse import quote

    headers = {k: quote(v) for k, v in headers.items()}
    headers.update(over)
    return headers


def call(client, world: World, service: str, body: dict[str, Any], key: str | None = None, **headers: str):
    h = {"X-API-Key": key or world.api_key, **evidence(), **headers}
    return client.post(f"/api/exchange/v1/services/{service}", json=body, headers=h)


def grant_people(database, world: World, cast, resource: Any = None, **request: Any) -> int:
    """The consumer asks for the unconditional people resource and gets a grant at once; its id."""
    from xingcheng.core.permissions import Role
    from xingcheng.exchange.schemas import RequestIn
    from xingcheng.exchange.service import create_request
    from xingcheng.identity.principal import Principal

    by = Principal(
        kind="user", id=cast.users["data_admin"], department_id=cast.department_id, roles=frozenset({Role.DATA_ADMIN})
    )
    values = {
        "resource_id": (resource or world.people).id,
        "client_id": cast.client_id,
        "purpose": "户籍业务核验",
        "operations": ["lookup", "search", "verify", "extract"],
    }
    values.update(request)
    with database.session() as db:
        req = create_request(db, world.rt, RequestIn(**values), by)
        from xingcheng.exchange import repository as repo

        grants = [g for g in repo.list_grants(db, consumer_department_id=cast.department_id) if g.request_id == req.id]
        return grants[0].id if grants else -req.id


def audit_entry(i: int, **over: object) -> dict[str, object]:
    """The values of a gateway call's audit entry, as the writer tests hand them over."""
    values: dict[str, object] = {
        "kind": "call",
        "action": "lookup",
        "outcome": "ok",
        "actor": f"api_client:{i % 3}",
        "service_code": "s.lookup",
        "purpose": "户籍办理",
        "case_ref": f"C-{i}",
        "fields": ["id_number"],
        "row_count": 1,
    }
    values.update(over)
    return values
