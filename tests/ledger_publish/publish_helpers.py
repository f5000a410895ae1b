"""Helpers of the publishing tests: a small published catalog, live hubs on loopback ports.

A "hub" here is the real thing: its own migrated database (a SQLite file, or a PostgreSQL database under
XINGCHENG_TEST_DB=postgresql), its own app, served by uvicorn in a thread on a free loopback port.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import create_engine, text

from xingcheng.core.db import Database
from xingcheng.core.migrate import upgrade
from xingcheng.identity.schemas import ApiClientCreate, DepartmentCreate
from xingcheng.ledger import service as ledger
from xingcheng.ledger.schemas import FieldIn, ResourceIn
from xingcheng.standards import uscc
from xingcheng.web.app import create_app

from support import BACKEND, PG_ADMIN_URL, make_settings, need_service

ROOT = Path(__file__).resolve().parents[2]
SHAPES_DIR = ROOT.parent / "shared" / "data" / "dcat-ap-3.0.0"


def dept(svc: Any, db: Any, code: str, name: str, n: int, division: str = "4301") -> Any:
    return svc.create_department(
        db,
        DepartmentCreate(code=code, name=name, uscc=uscc.make("1", "1", "430100", f"{n:08d}"), division_code=division),
    )


def _fields(prefix: str, personal: bool) -> list[FieldIn]:
    out = [
        FieldIn(name=f"{prefix}_id", label="编号", data_type="string", is_key=True, required=True),
        FieldIn(name=f"{prefix}_name", label="名称"),
        FieldIn(name=f"{prefix}_date", label="登记日期", data_type="date"),
    ]
    if personal:
        out.append(FieldIn(name=f"{prefix}_phone", label="联系电话", sensitivity="personal", format="phone"))
    return out


def publish_resource(
    db: Any,
    department_id: int,
    name: str,
    *,
    class_code: str = "1-01-001",
    share_type: str = "unconditional",
    open_type: str = "unconditional",
    kind: str = "data",
    tags: tuple[str, ...] = ("人口",),
    formats: tuple[str, ...] = ("csv",),
    personal: bool = False,
    publish: bool = True,
) -> Any:
    """Register, submit and publish one resource through the ledger's own service."""
    data = ResourceIn(
        name=name,
        abstract=f"{name}的摘要",
        class_code=class_code,
        kind=kind,
        department_id=department_id,
        share_type=share_type,
        share_conditions="用于政务服务" if share_type == "conditional" else "",
        legal_basis="《中华人民共和国个人信息保护法》" if share_type == "none" else "",
        share_methods=["database", "file"] if share_type != "none" else [],
        open_type=open_type,
        open_conditions="申请后开放" if open_type == "conditional" else "",
        update_cycle="monthly",
        formats=list(formats),
        tags=list(tags),
        fields=_fields("f" + uuid.uuid4().hex[:6], personal),
    )
    r = ledger.create_resource(db, data, ledger.SYSTEM)
    if publish:
        ledger.submit(db, r.id, ledger.SYSTEM)
        ledger.publish(db, r.id, ledger.SYSTEM)
    return r


def small_catalog(app: Any, database: Database) -> dict[str, Any]:
    """Two departments and five entries: open, conditional-open, shared-only, not shared, and a draft."""
    svc = app.state.identity
    with database.session() as db:
        ledger.ensure_classes(db)
        d1 = dept(svc, db, "gaj", "长沙市公安局", 11)
        d2 = dept(svc, db, "wjw", "长沙市卫生健康委员会", 12, "430104")
        out = {
            "open": publish_resource(db, d1.id, "常住人口基本信息", tags=("人口", "户籍")),
            "cond": publish_resource(
                db,
                d2.id,
                "医疗机构名录",
                class_code="2-08-001",
                open_type="conditional",
                tags=("医疗",),
                formats=("xlsx", "json"),
            ),
            "shared": publish_resource(
                db,
                d1.id,
                "流动人口登记信息",
                class_code="1-01-002",
                share_type="conditional",
                open_type="none",
                personal=True,
            ),
            "secret": publish_resource(db, d1.id, "重点人员信息", share_type="none", open_type="none", tags=()),
            "draft": publish_resource(db, d2.id, "出生医学证明信息", publish=False),
            "departments": (d1.id, d2.id),
        }
        client = svc.create_client(db, d1.id, ApiClientCreate(system_code="peer", name="兄弟平台"), _system(app))
        out["key"] = svc.issue_key(db, client.id).plaintext
        out = {k: (v.uuid if hasattr(v, "uuid") else v) for k, v in out.items()}
        return out


def _system(app: Any) -> Any:
    from xingcheng.core.permissions import Role
    from xingcheng.identity.principal import Principal

    roles = frozenset({Role.PLATFORM_ADMIN})
    return Principal(kind="user", id=None, roles=roles, permissions=app.state.permissions.for_roles(roles))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an app with uvicorn on a free loopback port, in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Hub:
    name: str
    app: Any
    database: Database
    settings: Any


@contextmanager
def other_hub(tmp: Path, name: str, city_code: str, **overrides: Any) -> Iterator[Hub]:
    """A second hub with a database of its own (same backend as the suite)."""
    if BACKEND == "sqlite":
        url = f"sqlite:///{tmp / (name + '.db')}"
        admin = None
        db_name = None
    else:
        need_service("PostgreSQL", 5432)
        db_name = f"xc_hub_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db_name
    upgrade(url)
    database = Database(url)
    settings = make_settings(tmp / name, url, hub_name=name, city_code=city_code, **overrides)
    try:
        yield Hub(name, create_app(settings, database=database), database, settings)
    finally:
        database.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
            admin.dispose()
