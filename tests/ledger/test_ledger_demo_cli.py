"""The demo city's catalog, and `xingcheng ledger …` run as a person would (the installed script)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from xingcheng.cli.demo import DemoContext
from xingcheng.core.migrate import upgrade
from xingcheng.identity.demo import build as build_identity
from xingcheng.identity.schemas import DepartmentCreate
from xingcheng.ledger import repository as repo
from xingcheng.ledger import service as ledger
from xingcheng.ledger.demo import build as build_ledger
from xingcheng.ledger.models import Field, Resource
from xingcheng.standards import uscc
from xingcheng.synth.sources import SOURCES

EXE = str(Path(sys.executable).with_name("xingcheng"))


def test_demo_catalog(app, database, settings, tmp_path) -> None:
    demo_settings = settings.model_copy(update={"data_dir": tmp_path})  # no synthetic city: the static specs
    with database.session() as db:
        context = DemoContext(settings=demo_settings, session=db, identity=app.state.identity)
        build_identity(context)
        db.flush()
        build_ledger(context)
        sources = context.shared["ledger_sources"]
    with database.session() as db:
        total = repo.count_resources(db)
        states = repo.count_by(db, Resource.state)
        kinds = repo.count_by(db, Resource.kind)
        departments = db.scalar(select(func.count(func.distinct(Resource.department_id))))
        assert 900 <= total <= 1100 and departments == 45
        assert states["published"] > 0.6 * total and {"draft", "submitted", "returned", "retired"} <= states.keys()
        assert kinds["capability"] >= 40
        assert set(repo.count_by(db, Resource.share_type)) == {"unconditional", "conditional", "none"}
        assert set(repo.count_by(db, Resource.grade)) == {"general", "important", "core"}
        assert set(sources) == {s.id for s in SOURCES}
        for spec in SOURCES:  # every synthetic source is a published resource with exactly its fields
            r = ledger.get_resource_by_code(db, sources[spec.id])
            assert r.state == "published" and r.name == spec.resource
            assert [f.name for f in r.fields] == [f.name for f in spec.fields]
            assert [f.sensitivity for f in r.fields] == [f.sensitivity for f in spec.fields]
            assert [f.source_names for f in r.fields] == [[f.name] for f in spec.fields]
            assert [f.name for f in r.fields if f.is_key] == list(spec.key)
        hukou = ledger.authoritative_source(db, "person.birth_date")
        assert hukou is not None and hukou[0].code == sources["psb_hukou"] and hukou[1].name == "出生日期"
        assert ledger.authoritative_source(db, "company.uscc")[0].code == sources["amr_market_entities"]
        assert len(repo.list_arbitrations(db)) == 2
        authoritative = db.scalars(select(Field.data_item).where(Field.authoritative.is_(True))).all()
        assert max(Counter(authoritative).values()) == 1  # 一数一源


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINGCHENG_")}
    env.update({"XINGCHENG_DATA_DIR": str(data_dir), "COLUMNS": "200"})
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=300)


def test_cli_template_and_import(tmp_path: Path, app) -> None:
    from xingcheng.core.db import Database

    url = f"sqlite:///{(tmp_path / 'xingcheng.db').resolve()}"
    upgrade(url)
    db = Database(url)
    with db.session() as session:
        app.state.identity.create_department(
            session,
            DepartmentCreate(
                code="gaj", name="长沙市公安局", uscc=uscc.make("1", "1", "430100", "00000011"), division_code="4301"
            ),
        )
    db.dispose()
    template = tmp_path / "form.xlsx"
    r = _run(["ledger", "template", str(template)], tmp_path)
    assert r.returncode == 0, r.stderr
    assert load_workbook(io.BytesIO(template.read_bytes())).sheetnames[1] == "数据资源"

    r = _run(["ledger", "import", str(template)], tmp_path)  # no department given, none in the sheet
    assert r.returncode == 1 and "提供部门" in r.stderr and "Traceback" not in r.stderr
    r = _run(["ledger", "import", str(template), "--department", "gaj"], tmp_path)
    assert r.returncode == 0 and "1-01-001-000-000001" in r.stdout
    r = _run(["ledger", "import", str(template), "--department", "gaj"], tmp_path)  # the same claims again
    assert r.returncode == 1 and "一数一源" in r.stderr and "权威来源" in r.stderr
