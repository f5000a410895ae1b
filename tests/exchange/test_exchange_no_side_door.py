"""The exchange is the only door to the lake's rows: no route of any other module reads the lake.

Every route of the app is traced to the module of its endpoint; outside ``xingcheng.exchange`` such a
module must not touch DuckDB, the lake engine, the lake's table names or relation SQL. Batch jobs (record
linkage in the registries, loads in the lake) may read the lake; a route that needs lake rows asks the
exchange (grant, masking, audit)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from fastapi.routing import iter_route_contexts

# What reads lake rows: the DuckDB driver, the engine, and the lake service's read helpers.
FORBIDDEN_IMPORTS = {"duckdb", "xingcheng.lake.engine", "xingcheng.exchange.serving"}
FORBIDDEN_NAMES = {"LakeEngine", "relation_sql", "ServingStore", "table_name"}
FORBIDDEN_TEXT = ("lake.main.", "FROM lake.")


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "duckdb" or a.name in FORBIDDEN_IMPORTS]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module in FORBIDDEN_IMPORTS or node.module.split(".")[0] == "duckdb":
                found.append(node.module)
            found += [a.name for a in node.names if a.name in FORBIDDEN_NAMES]
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            found.append(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [t for t in FORBIDDEN_TEXT if t in node.value]
    return found


def test_no_route_outside_the_exchange_reads_the_lake(app) -> None:
    modules = set()
    for ctx in iter_route_contexts(app.routes):
        endpoint = getattr(ctx, "endpoint", None)
        if endpoint is None:
            continue
        module = inspect.getmodule(endpoint)
        if module is not None and module.__name__.startswith("xingcheng."):
            modules.add(module.__name__)
    assert "xingcheng.exchange.api" in modules
    offenders = {}
    for name in sorted(modules):
        if name.startswith("xingcheng.exchange."):
            continue
        path = Path(importlib.import_module(name).__file__ or "")
        problems = _problems(path)
        if problems:
            offenders[name] = problems
    assert not offenders, offenders


def test_the_scan_sees_a_side_door(tmp_path) -> None:
    door = tmp_path / "door.py"
    door.write_text("import duckdb\nfrom xingcheng.lake.engine import LakeEngine\nq = 'SELECT * FROM lake.main.r_x'\n")
    assert set(_problems(door)) >= {"duckdb", "xingcheng.lake.engine", "LakeEngine", "lake.main."}
