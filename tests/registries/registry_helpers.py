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

__all__ = ["PERSONS", "SEED", "EditedSources", "computed_for", "login_as", "small_city"]

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


PASSWORD = "Test-Passw0rd!"  # the standard cast's password (tests/conftest.py)


def login_as(client: Any, username: str) -> str:
    """Log in as one of the cast's users; returns the CSRF token for unsafe requests.

    The same as ``login`` of tests/conftest.py, which cannot be imported by name from a folder that has a
    conftest of its own.
    """
    from xingcheng.core.deps import SESSION_COOKIE
    from xingcheng.identity.security import csrf_token

    client.cookies.clear()  # a fresh session: logging in over another one would need its CSRF token
    r = client.post("/api/identity/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token = client.cookies.get(SESSION_COOKIE)
    return csrf_token(client.app.state.settings.signing_key(), "s:" + token)


def small_city(tmp_path_factory: Any) -> Path:
    """One small synthetic city per test session (the registry tests have no conftest of their own: a second
    module named ``conftest`` would hide tests/conftest.py from ``from support import …`` elsewhere)."""
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
