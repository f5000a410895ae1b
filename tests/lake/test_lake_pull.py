"""Scheduled pulls from a department database: a source table in a scratch PostgreSQL database, pulled
through its SQLAlchemy URL into a resource; due pulls run, and run again only after their interval."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from lakekit import PERSON, people, service
from sqlalchemy import create_engine, text

from xingcheng.core.db import utcnow
from xingcheng.lake import pulls
from xingcheng.lake import repository as repo
from xingcheng.lake.schemas import PullIn

from support import PG_ADMIN_URL, make_settings, need_service


@pytest.fixture
def department_db():
    """A department's own database (scratch): table public.persons with the department's column names."""
    need_service("PostgreSQL", 5432)
    name = f"xc_dept_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                'CREATE TABLE persons ("人员编号" text PRIMARY KEY, "身份证号" text, "姓名" text, "性别" text, '
                '"出生日期" date, "社区代码" text, "联系电话" text, "号牌号码" text, '
                '"单位统一社会信用代码" text, "年龄" integer)'
            )
        )
    yield url, engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _insert(engine, rows: list[dict]) -> None:
    with engine.begin() as conn:
        for r in rows:
            conn.execute(
                text(
                    "INSERT INTO persons VALUES (:person_no, :id_number, :name, :sex, :birth, :community, :phone, "
                    ":plate, :employer, :age)"
                ),
                {**r, "birth": dt.datetime.strptime(r["birth_date"], "%Y%m%d").date(), "age": int(r["age"])},
            )


def test_pull_from_postgresql_creates_versions(department_db, tmp_path: Path, database_url: str, database) -> None:
    url, engine = department_db
    _insert(engine, people(40))
    svc = service(make_settings(tmp_path / "data", database_url))
    with database.session() as db:
        pull = pulls.create_pull(
            db, PERSON.code, PullIn(name="户籍库", url=url, query="public.persons", interval_minutes=60), by="test"
        )
        pull_id = pull.id
        assert pulls.due(db) == [pull_id]
    load = pulls.run_pull(svc, database, pull_id, by="test")
    assert (load.status, load.rows_loaded, load.source_kind, load.source_name) == ("committed", 40, "pull", "户籍库")

    # Not due again before its interval; due again after it, and an upsert query picks up the changes.
    with database.session() as db:
        assert pulls.due(db) == []
        assert pulls.due(db, utcnow() + dt.timedelta(minutes=61)) == [pull_id]
        p = pulls.get_pull(db, pull_id)
        p.query = "SELECT * FROM persons WHERE \"人员编号\" >= 'P00000035'"
        p.mode = "upsert"
    _insert(engine, people(5, start=200))
    load = pulls.run_pull(svc, database, pull_id, by="test")
    assert (load.status, load.rows_read) == ("committed", 10)
    with database.session() as db:
        versions = repo.list_versions(db, PERSON.code)
        assert [(v.number, v.rows) for v in versions] == [(2, 45), (1, 40)]
        assert repo.load_by_id(db, versions[0].load_id).pull_id == pull_id
    svc.engine.close()


def test_an_unreachable_database_fails_the_pull_cleanly(tmp_path: Path, database_url: str, database) -> None:
    svc = service(make_settings(tmp_path / "data", database_url))
    with database.session() as db:
        pull_id = pulls.create_pull(
            db,
            PERSON.code,
            PullIn(name="停机库", url="postgresql+psycopg://nobody:pw@127.0.0.1:9/none", query="persons"),
        ).id
    load = pulls.run_pull(svc, database, pull_id)
    assert (load.status, load.error_key) == ("failed", "lake.pull.failed")
    with database.session() as db:
        assert pulls.get_pull(db, pull_id).last_load_id == load.id
    assert pulls.public_url("postgresql://a:secret@h/db") == "postgresql://a:***@h/db"
    svc.engine.close()
