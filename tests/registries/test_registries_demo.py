"""The demo city builds the registries from the lake's versions of the departmental sources, and the CLI shows
them (run as a person would: the installed `xingcheng` script)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("xingcheng"))

pytestmark = pytest.mark.skipif(
    os.environ.get("XINGCHENG_TEST_DB") == "postgresql", reason="the demo runs on its own SQLite file; once is enough"
)


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("XINGCHENG_")}
    environ.update(
        {
            "XINGCHENG_DATA_DIR": str(data_dir),
            "XINGCHENG_PASSWORD_TIME_COST": "1",
            "XINGCHENG_PASSWORD_MEMORY_KIB": "1024",
            "COLUMNS": "200",
        }
    )
    return subprocess.run([EXE, *args], env=environ, capture_output=True, text=True, timeout=600)


def test_demo_builds_the_registries_from_the_lake(tmp_path: Path) -> None:
    assert run(["demo", "--no-serve", "--persons", "300"], tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "xingcheng.db") as con:
        sources, metrics = con.execute("SELECT sources, metrics FROM registry_build").fetchone()
        issues = dict(con.execute("SELECT kind, count(*) FROM registry_issue GROUP BY kind").fetchall())
    read = json.loads(sources)
    # Every source came from a lake version (resource code @ version), none from the files.
    assert "psb_hukou" in read and all("@" in v for v in read.values())
    assert json.loads(metrics)["persons"] >= 250
    assert issues.get("conflict", 0) > 0
    # The five registries are published ledger resources, granted to a few departments, with no data service.
    with sqlite3.connect(tmp_path / "xingcheng.db") as con:
        registries = [
            row[0]
            for row in con.execute(
                "SELECT r.id FROM ledger_resource r JOIN ledger_resource_tag t ON t.resource_id = r.id "
                "WHERE t.name LIKE 'registry.%' AND r.state = 'published'"
            )
        ]
        marks = ",".join("?" * len(registries))
        services = con.execute(
            f"SELECT count(*) FROM exchange_service WHERE state = 'active' AND resource_id IN ({marks})", registries
        ).fetchone()[0]
        grants = con.execute(
            f"SELECT count(*) FROM exchange_grant WHERE state = 'active' AND resource_id IN ({marks})", registries
        ).fetchone()[0]
    assert len(registries) == 5 and services == 0 and grants >= 6
    status = run(["registries", "status"], tmp_path)
    assert status.returncode == 0 and "persons" in status.stdout
    again = run(["registries", "build"], tmp_path)
    assert again.returncode == 0 and "incremental" in again.stdout and "0 changes" in again.stdout
