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
