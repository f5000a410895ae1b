"""The exchange part of the demo city: a service for every operation of every published resource, calling
systems of several departments, share requests in every state (granted at once, approved, refused, overdue
and escalated, suspended, revoked) and a few days of call history — all through the real service functions
and the real audit log (entries backdated in their own time field, appended in time order).

The five registries are ledger resources too, but hold no lake table: they get no data service (their
records are read on the registries' pages and JSON routes under a grant), and the demo grants them to a few
departments (:data:`REGISTRY_GRANTS`) so that reading them shows something true: 公安's data administrator
reads persons with names and phones in clear, the 望月湖 street's grid worker persons and addresses of 岳麓区
only, all masked; 卫健委's data administrator holds no grant and meets the refusal with its request link.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from typing import Any

from xingcheng.core.db import utcnow
from xingcheng.core.permissions import Role
from xingcheng.exchange import repository as repo
from xingcheng.exchange import service as svc
from xingcheng.exchange.runtime import Runtime
from xingcheng.exchange.schemas import DecisionIn, RequestIn
from xingcheng.identity import repository as identity_repo
from xingcheng.identity.principal import Principal
from xingcheng.identity.schemas import ApiClientCreate
from xingcheng.ledger import service as ledger
from xingcheng.registries import catalog

__all__ = ["build"]

# (department code, system code, name) — calling systems of consumer departments.
CLIENTS = [
    ("gaj", "huji-app", "户籍业务系统"),
    ("rsj", "sbk-app", "社保卡业务系统"),
    ("wjw", "fuyou-app", "妇幼保健信息系统"),
    ("mzj", "jiuzhu-app", "社会救助核对系统"),
    ("zwfw", "yiwang-app", "一网通办受理系统"),
    ("ybj", "yibao-app", "医保经办系统"),
    ("cgj", "chengguan-app", "数字城管系统"),
    ("ylq", "wangge-app", "岳麓区网格化治理平台"),
]
PURPOSES = [
    "新生儿出生一件事",
    "社会救助家庭经济状况核对",
    "户籍业务办理",
    "医保参保登记",
    "社保卡申领",
    "城市管理案件核查",
]
USERS = ["警号004521", "工号RS0318", "工号WJ1102", "工号MZ0907", "窗口A-12", "网格员YL-0331"]
DAYS = 5
CALLS_PER_DAY = 400


@dataclass(frozen=True, slots=True)
class RegistryGrant:
    """A department's grant on a registry in the demo (``fields`` empty: every field of the resource)."""

    department: str
    system: str
    system_name: str
    registry: str
    unmask: tuple[str, ...]
    purpose: str
    scope: tuple[str, list[str]] | None = None
    fields: tuple[str, ...] = ()


_YUELU = ("district_code", ["430104"])
REGISTRY_GRANTS = [
    RegistryGrant("gaj", "huji-app", "户籍业务系统", "person", ("name", "phone"), "户籍业务办理：核对人口信息"),
    RegistryGrant(
        "gaj", "huji-app", "户籍业务系统", "address", ("holder_name", "resident_name"), "户籍业务办理：核对住址"
    ),
    RegistryGrant("wyljd", "wangge-wyh", "望月湖街道网格系统", "person", (), "网格走访核查", _YUELU),
    RegistryGrant("wyljd", "wangge-wyh", "望月湖街道网格系统", "address", (), "网格走访核查", _YUELU),
    RegistryGrant("scjgj", "dengji-app", "市场主体登记系统", "company", ("legal_rep",), "市场主体登记核查"),
    RegistryGrant("sjj", "hub-portal", "城市超级大脑门户", "company", (), "法人库数据质量分析"),
    RegistryGrant("sjj", "hub-portal", "城市超级大脑门户", "address", (), "标准地址数据质量分析"),
    RegistryGrant("cgj", "chengguan-app", "数字城管系统", "address", (), "城市管理案件核查"),
]


def _admin(context: Any) -> Principal:
    user = identity_repo.user_by_username(context.session, "admin")
    return context.identity.principal_for_user(user)


def build(context: Any) -> None:
    db = context.session
    made, _retired = svc.sync_services(db)
    if not made:
        return
    rt = Runtime.build(context.settings)
    try:
        _build(context, rt)
    finally:
        rt.close()


def _registry_ids(db: Any) -> set[int]:
    ids = set()
    for entry in catalog.REGISTRIES:
        r = catalog.resource_for(db, entry.registry)
        if r is not None:
            ids.add(r.id)
    return ids


def _registry_grants(context: Any, rt: Runtime, admin: Principal, ids: dict[str, int], at: dt.datetime) -> None:
    """Departments' grants on the registries, requested and approved through the real service functions."""
    db = context.session
    catalog.ensure_registered(db)
    provider = Principal(kind="user", id=None, display_name="system", roles=frozenset({Role.PLATFORM_ADMIN}))
    existing = {(c.department_id, c.system_code): c for c in identity_repo.list_clients(db)}
    for g in REGISTRY_GRANTS:
        resource = catalog.resource_for(db, g.registry)
        if g.department not in ids or resource is None or resource.state != "published":
            continue
        dept = ids[g.department]
        client = existing.get((dept, g.system))
        if client is None:
            data = ApiClientCreate(system_code=g.system, name=g.system_name)
            client = existing[(dept, g.system)] = context.identity.create_client(db, dept, data, admin)
        by = Principal(kind="user", id=admin.id, department_id=dept, roles=frozenset({Role.DATA_ADMIN}))
        req = svc.create_request(
            db,
            rt,
            RequestIn(
                resource_id=resource.id,
                client_id=client.id,
                fields=list(g.fields),
                unmask_fields=list(g.unmask),
                operations=["lookup"],
                purpose=g.purpose,
                scenario="演示：部门工作人员按授权查看基础库",
                legal_basis="《政务信息资源共享管理暂行办法》（国发〔2016〕51号）",
                duration_days=365,
                scope_field=g.scope[0] if g.scope else None,
                scope_values=g.scope[1] if g.scope else [],
            ),
            by,
            at=at,
        )
        approval = DecisionIn(reason="同意，按授权字段和范围读取")
        svc.approve(db, rt, req.id, provider, approval, at=at + dt.timedelta(hours=2))


def _build(context: Any, rt: Runtime) -> None:
    db = context.session
    rng = random.Random(2021)  # noqa: S311 - a reproducible demo, not security
    admin = _admin(context)
    ids: dict[str, int] = context.shared.get("department_ids") or {
        d.code: d.id for d in identity_repo.list_departments(db)
    }
    existing = {(c.department_id, c.system_code): c for c in identity_repo.list_clients(db)}
    clients = []
    keys: dict[str, str] = {}
    for dept, code, name in CLIENTS:
        if dept not in ids:
            continue
        client = existing.get((ids[dept], code)) or context.identity.create_client(
            db, ids[dept], ApiClientCreate(system_code=code, name=name), admin
        )
        clients.append(client)
        keys[f"{dept}/{code}"] = context.identity.issue_key(db, client.id, 365).plaintext
    (context.settings.data_dir / "exchange-demo-keys.json").write_text(
        json.dumps(keys, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    services = repo.list_services(db, limit=100_000)
    by_resource: dict[int, list[Any]] = {}
    for s in services:
        by_resource.setdefault(s.resource_id, []).append(s)
    sources = set((context.shared.get("ledger_sources") or {}).values())
    registries = _registry_ids(db)
    resources = [
        s.resource
        for s in services
        if s.operation in ("lookup", "search", "invoke") and s.resource_id not in registries
    ]
    resources = list({r.id: r for r in resources}.values())
    with_data = [r for r in resources if r.code in sources]
    others = [r for r in resources if r.code not in sources and r.share_type != "none"]
    now = utcnow()
    start = now - dt.timedelta(days=12)  # requests over the last fortnight: some are overdue by now
    granted: list[tuple[Any, Any]] = []  # (grant, client)
    pending = []
    for n, client in enumerate(clients):
        by = Principal(kind="user", id=admin.id, department_id=client.department_id, roles=frozenset({Role.DATA_ADMIN}))
        chosen = [r for r in with_data if r.department_id != client.department_id]
        chosen += rng.sample(others, min(6, len(others)))
        for i, r in enumerate(chosen):
            if r.department_id is None or r.department_id == client.department_id:
                continue
            at = start + dt.timedelta(hours=n * 30 + i * 0.5)
            ops = ["invoke"] if r.kind == "capability" else [s.operation for s in by_resource.get(r.id, [])]
            full = ledger.get_resource(db, r.id)
            scoped = client.system_code == "wangge-app" and any(f.name == "county_code" for f in full.fields)
            req = svc.create_request(
                db,
                rt,
                RequestIn(
                    resource_id=r.id,
                    client_id=client.id,
                    operations=ops or ["search"],
                    purpose=rng.choice(PURPOSES),
                    scenario="演示：跨部门数据共享",
                    legal_basis="《政务信息资源共享管理暂行办法》（国发〔2016〕51号）",
                    duration_days=365,
                    scope_field="county_code" if scoped else None,
                    scope_values=["430104"] if scoped else [],
                ),
                by,
                at=at,
            )
            if req.state == "approved":
                grant = repo.list_grants(db, client_id=client.id, limit=1)[0]
                granted.append((grant, client))
            else:
                pending.append((req, client, at))
    provider = Principal(kind="user", id=None, display_name="system", roles=frozenset({Role.PLATFORM_ADMIN}))
    for k, (req, client, at) in enumerate(pending):
        roll = k % 6
        if roll in (0, 1, 2):
            grant = svc.approve(
                db, rt, req.id, provider, DecisionIn(reason="同意，按共享条件使用"), at=at + dt.timedelta(days=1)
            )
            granted.append((grant, client))
        elif roll == 3:
            svc.refuse(
                db, rt, req.id, provider, "申请用途超出共享条件，请补充法律依据后重新申请", at=at + dt.timedelta(days=1)
            )
        # roll 4, 5: left open; the older ones pass their deadline and are escalated to the bureau below
    svc.sweep_deadlines(db, rt, now)
    if len(granted) > 4:
        svc.set_grant_state(
            db, rt, granted[1][0].id, provider, "suspend", "核查调用记录，暂停使用", at=start + dt.timedelta(days=2)
        )
        svc.set_grant_state(
            db, rt, granted[3][0].id, provider, "revoke", "业务系统下线，撤销授权", at=start + dt.timedelta(days=3)
        )
    _registry_grants(context, rt, admin, ids, start)
    _history(db, rt, rng, granted, services, now - dt.timedelta(days=DAYS))
    rt.audit.sign_now(db)
    db.flush()


def _history(
    db: Any, rt: Runtime, rng: random.Random, granted: list[tuple[Any, Any]], services: list[Any], since: dt.datetime
) -> None:
    """A few days of calls on the granted services (and some refused ones), appended in time order."""
    by_resource: dict[int, list[Any]] = {}
    for s in services:
        by_resource.setdefault(s.resource_id, []).append(s)
    now = utcnow()
    span = (now - since).total_seconds()
    total = DAYS * CALLS_PER_DAY
    times = sorted(since + dt.timedelta(seconds=rng.random() * span) for _ in range(total))
    live = [(g, c) for g, c in granted if by_resource.get(g.resource_id)]
    if not live:
        return
    weights = [1.0 / (1 + i) ** 0.7 for i in range(len(live))]  # a few services carry most calls
    for i, at in enumerate(times):
        grant, client = rng.choices(live, weights)[0]
        service = rng.choice(
            [s for s in by_resource[grant.resource_id] if s.operation in grant.operations]
            or by_resource[grant.resource_id]
        )
        state = svc.effective_state(grant, at)
        outcome = "ok" if state == "active" and grant.starts_at <= at else f"refused:grant_{state}"
        if state == "active" and grant.starts_at > at:
            outcome = "refused:no_grant"
        if outcome == "ok" and rng.random() < 0.02:
            outcome = "refused:rate_limited"
        rows = 0
        if outcome == "ok":
            rows = {
                "lookup": 1,
                "verify": 1,
                "invoke": 1,
                "search": rng.randint(0, 20),
                "extract": rng.randint(100, 5000),
            }[service.operation]
        rt.audit.append(
            db,
            at=at,
            kind="call",
            action=service.operation,
            outcome=outcome,
            actor=f"api_client:{client.id}",
            client_id=client.id,
            consumer_department_id=client.department_id,
            provider_department_id=grant.provider_department_id,
            grant_id=grant.id,
            service_code=service.code,
            resource_code=service.code.rsplit(".", 1)[0],
            purpose=rng.choice(PURPOSES),
            case_ref=f"{at:%Y%m%d}-{i:05d}",
            end_user=rng.choice(USERS),
            fields=list(grant.fields)[:8],
            row_count=rows,
            xc_request_id=f"demo{i:08d}",
        )
        if i % 500 == 0:
            db.flush()
