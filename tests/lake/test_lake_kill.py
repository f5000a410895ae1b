"""A load is a version completely or not at all: a real ``kill -9`` of the loading process mid-load leaves no
partial version, the next load works, and the files the dead load wrote are cleaned up."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lakekit import PERSON, ingest, people, service, write_csv

from xingcheng.core.db import utcnow
from xingcheng.lake import repository as repo
from xingcheng.lake.loader import snapshot_of, table_name

from support import make_settings

HERE = Path(__file__).parent

# The child loads the file as `xingcheng ingest` would, and stops right before COMMIT — data files written,
# the DuckLake transaction open — so that the kill lands in the middle of the load every time.
CHILD = """
import sys, time
sys.path[:0] = [{here!r}, {tests!r}]
from pathlib import Path
from xingcheng.core.db import Database
from support import make_settings
from lakekit import service
settings = make_settings(Path({data!r}), {url!r})
svc = service(settings)
svc.run_load_job(Database({url!r}), {load_id}, before_commit=lambda stage: time.sleep(600))
"""


def _parquet_files(root: Path) -> set[Path]:
    return set(root.rglob("*.parquet"))


def test_kill_9_mid_load_leaves_no_partial_version(tmp_path: Path, database_url: str, database) -> None:
    data = tmp_path / "data"
    settings = make_settings(data, database_url)
    svc = service(settings)
    first = ingest(svc, database, PERSON.code, write_csv(tmp_path / "v1.csv", people(500)))
    assert first.version == 1
    svc.engine.close()
    lake_files = data / "lake" / "data"
    before = _parquet_files(lake_files)

    # A full replacement with other records, started as a job and killed before it commits.
    path = write_csv(tmp_path / "v2.csv", people(3000, start=10_000))
    with database.session() as db:
        load_id = svc.start_load(db, PERSON.code, path, mode="full", source_kind="cli", by="test").id
    script = CHILD.format(here=str(HERE), tests=str(HERE.parent), data=str(data), url=database_url, load_id=load_id)
    child = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    try:
        deadline = time.monotonic() + 120
        stage = None
        while time.monotonic() < deadline and child.poll() is None:
            with database.session() as db:
                stage = repo.load_by_id(db, load_id).stage
            if stage == "commit":
                break
            time.sleep(0.05)
        assert stage == "commit", f"the child never reached the commit (stage {stage}, exit {child.poll()})"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    left_behind = _parquet_files(lake_files) - before
    assert left_behind, "the killed load had written its data files"

    svc = service(settings)
    with svc.engine.cursor() as con:
        assert snapshot_of(con, load_id) is None  # DuckLake never committed it
        count = con.execute(f'SELECT count(*) FROM lake.main."{table_name(PERSON.code)}"').fetchone()[0]
    assert count == 500  # the table still shows version 1, whole
    with database.session() as db:
        assert [v.number for v in repo.list_versions(db, PERSON.code)] == [1]
        assert repo.load_by_id(db, load_id).status == "running"  # what the dead process left

    # The next load notices the dead one, marks it interrupted, and works.
    again = ingest(svc, database, PERSON.code, path)
    assert (again.status, again.version, again.rows_loaded) == ("committed", 2, 3000)
    with database.session() as db:
        dead = repo.load_by_id(db, load_id)
        assert (dead.status, dead.error_key) == ("interrupted", "lake.load.interrupted")

    # The dead load's files belong to no snapshot; maintenance removes them.
    removed = svc.cleanup(older_than=utcnow() + dt.timedelta(seconds=5))
    assert removed >= len(left_behind)
    assert not (left_behind & _parquet_files(lake_files))
    with svc.engine.cursor() as con:
        assert con.execute(f'SELECT count(*) FROM lake.main."{table_name(PERSON.code)}"').fetchone()[0] == 3000
    svc.engine.close()
