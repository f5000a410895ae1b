"""`xingcheng ledger peers|harvest|publish-up`, run as a person would (subprocesses) against live hubs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from publish_helpers import _system, dept, other_hub, publish_resource, serve, small_catalog

from xingcheng.identity.schemas import ApiClientCreate
from xingcheng.ledger import service as ledger
from xingcheng.ledger.publish.schemas import HarvestSourceIn
from xingcheng.ledger.publish.service import add_source

EXE = str(Path(sys.executable).with_name("xingcheng"))


def run(args: list[str], hub, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("XINGCHENG_")}
    environ.update(
        {
            "XINGCHENG_DATA_DIR": str(hub.settings.data_dir),
            "XINGCHENG_DATABASE_URL": hub.settings.resolved_database_url,
            "XINGCHENG_HUB_NAME": hub.name,
            "XINGCHENG_CITY_CODE": hub.settings.city_code,
            "XINGCHENG_LOG_LEVEL": "WARNING",
            "COLUMNS": "200",
        }
    )
    environ.update(env)
    return subprocess.run([EXE, *args], env=environ, capture_output=True, text=True, timeout=300)


def test_peers_harvest_and_publish_up(app, database, tmp_path: Path) -> None:
    catalog = small_catalog(app, database)  # Changsha
    with database.session() as db:
        svc = app.state.identity
        upper_client = svc.create_client(
            db,
            catalog["departments"][0],
            ApiClientCreate(system_code="zz-hub", name="株洲平台", roles=["data_admin"]),
            _system(app),
        )
        upper_key = svc.issue_key(db, upper_client.id).plaintext
    with serve(app) as changsha_url, other_hub(tmp_path, "zhuzhou", "4302") as zz:
        keys = json.dumps({"changsha": catalog["key"], "up": upper_key})
        r = run(["ledger", "peers", "add", "changsha", changsha_url, "--title", "长沙市"], zz)
        assert r.returncode == 0, r.stderr
        r = run(["ledger", "harvest"], zz, XINGCHENG_HARVEST_KEYS=keys)  # every enabled peer
        assert r.returncode == 0, r.stderr
        assert "changsha: ok" in r.stdout and "created 3" in r.stdout

        # Publish up: Changsha stands in for the higher hub and pulls Zhuzhou's own entry.
        with zz.database.session() as db:
            ledger.ensure_classes(db)
            d = dept(zz.app.state.identity, db, "zzgaj", "株洲市公安局", 41, "4302")
            publish_resource(db, d.id, "株洲市户籍人口信息")
        with serve(zz.app) as zhuzhou_url:
            with database.session() as db:
                add_source(
                    db,
                    HarvestSourceIn(
                        name="zhuzhou",
                        title="株洲市",
                        url=zhuzhou_url,
                        kind="lower",
                        include_private=False,
                        department_code="gaj",
                    ),
                )
            with zz.database.session() as db:
                add_source(db, HarvestSourceIn(name="up", title="上级平台", url=changsha_url, kind="upper"))
            r = run(["ledger", "publish-up"], zz, XINGCHENG_HARVEST_KEYS=keys)
            assert r.returncode == 0, r.stdout + r.stderr
            assert "added 1" in r.stdout
