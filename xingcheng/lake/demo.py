"""The lake part of the demo city: every departmental source of the synthetic city loaded through the lake.

Each source gets its profile from the synth manifest and is loaded like a department's upload would be —
validated, failing rows quarantined, one version each. The household register then receives a day's
corrections as an upsert (a second version), and a statistics job reads it and writes a derived resource,
so the pages show versions over time and lineage from file to resource to job to resource.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

from xingcheng.lake.profiles import profile_from_manifest
from xingcheng.lake.service import LakeService

__all__ = ["STATS_NAME", "build"]

log = logging.getLogger("xingcheng.lake.demo")
STATS_NAME = "常住人口分区县性别统计"
_HUKOU = "psb_hukou"


def build(context: Any) -> None:
    codes: dict[str, str] = context.shared.get("ledger_sources") or {}
    manifest_path = context.synth_dir / "manifest.json"
    if not codes or not manifest_path.exists():
        return
    from xingcheng.synth import read_manifest

    manifest = read_manifest(manifest_path)
    svc = LakeService(context.settings)
    db = context.session
    loaded: dict[str, str] = {}
    for source in manifest.get("sources", []):
        code = codes.get(source["id"])
        if code is None:
            continue
        svc.set_profile(db, code, profile_from_manifest(source, svc.schema(db, code)), origin="manifest", by="demo")
        load = svc.start_load(db, code, context.synth_dir / source["file"], source_kind="demo", by="demo")
        svc.execute_load(db, load.id)
        if load.status == "committed":
            loaded[source["id"]] = code
        else:
            log.warning("demo source not loaded", extra={"source": source["id"], "status": load.status})
    hukou = loaded.get(_HUKOU)
    if hukou is not None:
        _corrections(context, svc, hukou)
        _statistics_job(context, svc, hukou)
    context.shared["lake_resources"] = loaded
    svc.engine.close()


def _corrections(context: Any, svc: LakeService, code: str) -> None:
    """A day's corrections from public security: the first records again, as an upsert by key."""
    db = context.session
    source = context.synth_dir / "sources" / "psb_hukou.csv"
    delta = svc.settings.lake_dir / "demo" / "psb_hukou_corrections.csv"
    delta.parent.mkdir(parents=True, exist_ok=True)
    with source.open(encoding="gb18030", newline="") as src, delta.open("w", encoding="gb18030", newline="") as out:
        reader, writer = csv.reader(src), csv.writer(out)
        for i, row in enumerate(reader):
            if i > 200:
                break
            writer.writerow(row)
    load = svc.start_load(db, code, delta, mode="upsert", source_kind="demo", by="demo")
    svc.execute_load(db, load.id)


def _statistics_job(context: Any, svc: LakeService, hukou: str) -> None:
    """Residents per county and sex, computed from the register's newest version into a resource of its own."""
    from xingcheng.ledger import repository as ledger_repo
    from xingcheng.ledger import service as ledger
    from xingcheng.ledger.schemas import FieldIn, ResourceIn

    db = context.session
    dept = ledger_repo.department_by_code(db, "tjj") or ledger_repo.department_by_code(db, "sjj")
    if dept is None:
        return
    resource = ledger.create_resource(
        db,
        ResourceIn(
            name=STATS_NAME,
            abstract="由户籍信息按区县和性别汇总的常住人口数（数据湖作业生成）。",
            class_code="1-01-001",
            department_id=dept.id,
            share_type="unconditional",
            share_methods=["file", "service"],
            update_cycle="daily",
            fields=[
                FieldIn(name="county_code", label="区县代码", format="division_code", is_key=True, required=True),
                FieldIn(name="sex", label="性别", data_type="code", code_list=["男", "女"], is_key=True, required=True),
                FieldIn(name="residents", label="人数", data_type="integer", min_value=0, required=True),
            ],
        ),
        ledger.SYSTEM,
    )
    out = svc.settings.lake_dir / "demo" / "hukou_by_county.parquet"
    with svc.job(db, "人口分区县统计", by="demo") as job:
        version = job.version(hukou)
        schema = svc.schema(db, hukou)
        area = next((f.name for f in schema.fields if f.format.value == "division_code"), None)
        sex_field = next((f.name for f in schema.fields if f.label == "性别"), None)
        if area is None or sex_field is None:
            return
        relation = svc.relation_sql(db, hukou, version.number)
        with svc.engine.cursor() as con:
            con.execute(
                f"""COPY (SELECT substr("{area}", 1, 6) AS county_code, "{sex_field}" AS sex,
                       count(*) AS residents FROM ({relation}) WHERE "{area}" IS NOT NULL AND "{sex_field}" IS NOT NULL
                       GROUP BY ALL ORDER BY ALL) TO '{_path(out)}' (FORMAT parquet)"""  # noqa: S608
            )
        job.write(resource.code, out)


def _path(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path).replace("'", "''")
