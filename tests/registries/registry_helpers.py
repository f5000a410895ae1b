"""Helpers for the registry tests: edited source versions, logging in as a role of the standard cast."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from xingcheng.registries.sources import FileSources
from xingcheng.synth import generate

from support import login

__all__ = [
    "PERSONS",
    "SEED",
    "EditedSources",
    "add_bureau",
    "computed_for",
    "grant_registry",
    "login_as",
    "small_city",
]

PERSONS = 1000
SEED = 7
_CITY: list[Path] = []


@dataclass
class EditedSources:
    """A city's sources with some records edited in SQL: the next version a department hands over."""

    base: FileSources
    edits: dict[str, Callable[[str], str]] = field(default_factory=dict)

    def sql(self, con: duckdb.DuckDBPyConnection, source_id: str) -> str | None:
        inner = self.base.sql(con, source_id)
        if inner is None or source_id not in self.edits:
            return inner
        return self.edits[source_id](inner)

    def describe(self) -> dict[str, Any]:
        return self.base.describe()

    def close(self) -> None:
        self.base.close()


def login_as(client: Any, username: str) -> str:
    """Log in as one of the cast's users in a fresh session; returns the CSRF token for unsafe requests."""
    client.cookies.clear()  # logging in over another session would need that session's CSRF token
    return login(client, username)


def small_city(tmp_path_factory: Any) -> Path:
    """One small synthetic city per test session, generated on first use."""
    if not _CITY:
        root = tmp_path_factory.mktemp("registry-city")
        generate(root, persons=PERSONS, seed=SEED, workers=1)
        _CITY.append(root)
    return _CITY[0]


@functools.cache
def computed_for(city: Path) -> Any:
    """The registries of the small city computed in DuckDB with freshly trained models, once per session."""
    from xingcheng.registries import build
    from xingcheng.registries.sources import connect

    return build.compute(connect(), FileSources(city))


def add_bureau(database: Any) -> int:
    """The data bureau (department kind ``bureau``) that owns the registries' ledger resources; its id."""
    from sqlalchemy import select

    from xingcheng.identity.models import Department
    from xingcheng.standards import uscc

    with database.session() as db:
        found = db.scalar(select(Department.id).where(Department.kind == "bureau"))
        if found is not None:
            return found
        dept = Department(
            code="sjj",
            name="长沙市数据资源管理局",
            uscc=uscc.make("1", "1", "430100", "00000099"),
            division_code="4301",
            kind="bureau",
        )
        db.add(dept)
        db.flush()
        return dept.id


def grant_registry(
    app: Any,
    database: Any,
    registry: str,
    department_id: int,
    *,
    fields: tuple[str, ...] = (),
    unmask: tuple[str, ...] = (),
    scope: tuple[str, list[str]] | None = None,
    operations: tuple[str, ...] = ("lookup",),
    state: str | None = None,
    purpose: str = "测试：基础库读取",
) -> int:
    """A grant on a registry's ledger resource to a department, through the exchange's own request and approval
    (registering the registries, and the bureau owning them, first); ``state``: then suspend / revoke / expire it."""
    import datetime as dt

    from sqlalchemy import select

    from xingcheng.core.permissions import Role
    from xingcheng.exchange import service as svc
    from xingcheng.exchange.models import Grant
    from xingcheng.exchange.runtime import runtime_for
    from xingcheng.exchange.schemas import DecisionIn, RequestIn
    from xingcheng.identity.models import ApiClient
    from xingcheng.identity.principal import Principal
    from xingcheng.registries import catalog

    add_bureau(database)
    rt = runtime_for(app)
    bureau = Principal(kind="user", id=None, display_name="system", roles=frozenset({Role.PLATFORM_ADMIN}))
    with database.session() as db:
        catalog.ensure_registered(db)
        resource = catalog.resource_for(db, registry)
        client_id = db.scalar(select(ApiClient.id).where(ApiClient.department_id == department_id).limit(1))
        req = svc.create_request(
            db,
            rt,
            RequestIn(
                resource_id=resource.id,
                client_id=client_id,
                fields=list(fields),
                unmask_fields=list(unmask),
                operations=list(operations),
                purpose=purpose,
                duration_days=30,
                scope_field=scope[0] if scope else None,
                scope_values=scope[1] if scope else [],
            ),
            bureau,
        )
        grant = svc.approve(db, rt, req.id, bureau, DecisionIn(reason="同意"))
        if state in ("suspend", "revoke"):
            svc.set_grant_state(db, rt, grant.id, bureau, state, "测试")
        elif state == "expire":
            db.get(Grant, grant.id).expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        return grant.id
