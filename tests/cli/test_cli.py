"""The command line, run as a person would: as a subprocess of the installed `xingcheng` script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).with_name("xingcheng"))


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("XINGCHENG_")}
    environ.update(
        {
            "XINGCHENG_DATA_DIR": str(data_dir),
            "XINGCHENG_PASSWORD_TIME_COST": "1",
            "XINGCHENG_PASSWORD_MEMORY_KIB": "1024",
            "COLUMNS": "200",
        }
    )
    environ.update(env)
    return subprocess.run([EXE, *args], env=environ, capture_output=True, text=True, timeout=600)


def test_help_lists_the_commands(tmp_path: Path) -> None:
    out = run(["--help"], tmp_path).stdout
    for name in ("demo", "serve", "synth", "db", "users"):
        assert name in out


def test_malformed_setting_exits_2_with_the_variable(tmp_path: Path) -> None:
    r = run(["db", "current"], tmp_path, XINGCHENG_PORT="eighty")
    assert r.returncode == 2
    assert "XINGCHENG_PORT" in r.stderr
    assert "Traceback" not in r.stderr


def test_db_upgrade_current_check(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    current = run(["db", "current"], tmp_path).stdout.split()
    assert current[1] == current[3]  # current: X head: X
    assert run(["db", "check"], tmp_path).returncode == 0


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One small demo city for the tests below (building it is most of their time): its folder and the first
    build's outcome."""
    folder = tmp_path_factory.mktemp("demo-city")
    return folder, run(["demo", "--no-serve", "--persons", "300"], folder)


def test_users_commands(demo_city: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    tmp_path, built = demo_city
    assert built.returncode == 0, built.stderr[-2000:]
    r = run(
        [
            "users",
            "create",
            "new.analyst",
            "--department",
            "gaj",
            "--role",
            "analyst",
            "--password",
            "Another-Passw0rd",
        ],
        tmp_path,
    )
    assert r.returncode == 0, r.stderr
    listing = run(["users", "list", "--department", "gaj"], tmp_path).stdout
    assert "new.analyst" in listing and "gaj.admin" in listing
    weak = run(["users", "set-password", "new.analyst", "--password", "weak"], tmp_path)
    assert weak.returncode != 0
    unknown = run(
        ["users", "create", "x.y", "--department", "nope", "--role", "analyst", "--password", "A-b1cdefghij"], tmp_path
    )
    assert unknown.returncode == 2 and "unknown department" in unknown.stderr


def test_demo_builds_once_and_reuses(demo_city: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    tmp_path, first = demo_city
    assert first.returncode == 0, first.stderr[-2000:]
    assert "gaj.admin" in first.stdout and "Xingcheng@2026" in first.stdout
    manifest = json.loads((tmp_path / "city" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["persons"] == 300
    written = sorted(p.name for p in tmp_path.iterdir())
    assert {"city", "xingcheng.db", "demo.json"} <= set(written)
    second = run(["demo", "--no-serve"], tmp_path)
    assert second.returncode == 0 and "gaj.admin" in second.stdout
    assert "found" in second.stdout


@pytest.mark.parametrize("workers", ["1"])
def test_synth_command(tmp_path: Path, workers: str) -> None:
    out = tmp_path / "city"
    r = run(["synth", "--out", str(out), "--persons", "500", "--seed", "7", "--workers", workers], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "manifest.json").exists()
    assert (out / "truth" / "persons.csv").exists()
