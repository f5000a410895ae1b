"""One package at a time: generic CKAN packages, row-level errors that lose nothing else, our own entries skipped."""

from __future__ import annotations

import uuid

from xingcheng.ledger.publish.harvest import HarvestCounts, harvest_package
from xingcheng.ledger.publish.models import HarvestSource
from xingcheng.ledger.publish.repository import count_harvested


def package(code: str, **extra) -> dict:
    base = {
        "id": str(uuid.uuid4()),
        "name": code,
        "title": f"开放数据 {code}",
        "notes": "来自一个普通的 CKAN 门户",
        "private": False,
        "metadata_modified": "2026-11-01T08:00:00.000001",
        "organization": {"name": "stats", "title": "某市统计局"},
        "tags": [{"name": "统计"}],
        "resources": [{"format": "CSV"}, {"format": "Excel 2007"}],
    }
    base.update(extra)
    return base


def test_packages_one_by_one(database) -> None:
    with database.session() as db:
        source = HarvestSource(name="portal", title="某门户", url="http://127.0.0.1:9", kind="peer")
        db.add(source)
        db.flush()
        counts, seen = HarvestCounts(), set()

        def take(pkg: dict) -> None:
            harvest_package(db, pkg, source, "portal", "hub-4301", counts, seen)

        first = package("c1")
        take(first)  # a generic CKAN package: defaults from `private`, formats kept when well-formed
        take(package("c2", fields=[{"name": "bad name", "label": "空格"}]))  # a field the ledger cannot hold
        take(package("c1"))  # another package claiming the same code
        take(package("c3", id=first["id"], origin_id="elsewhere"))  # another origin id, a uuid already taken
        take(package("c4", origin_hub="hub-4301"))  # our own entry coming back
        take(package("c5"))  # and the run goes on
        assert counts.created == 2 and counts.skipped == 1
        assert [e["code"] for e in counts.errors] == ["invalid", "conflict", "conflict"]
        assert counts.errors[0]["fields"] == ["fields.0.name"]
        assert count_harvested(db) == {"portal": 2}
