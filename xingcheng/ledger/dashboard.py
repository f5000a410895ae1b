"""The ledger dashboard: per department (or the whole hub) how many resources, how many published, the mix
of share types and grades, and freshness — the last update against what the update cycle promises.

"Last updated" is ``data_updated_at`` (set by the lake when a resource's data is loaded) or, until the
lake has loaded it, the last metadata change.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.errors import NotFound
from xingcheng.identity.models import Department
from xingcheng.ledger import repository as repo
from xingcheng.ledger.models import Resource
from xingcheng.ledger.schema import UpdateCycle

__all__ = ["dashboard", "freshness"]

STALE_LIST = 20


def freshness(cycle: str, last: dt.datetime | None, now: dt.datetime) -> tuple[str, int]:
    """("fresh" | "stale" | "no_expectation", days overdue)."""
    days = UpdateCycle(cycle).days
    if days is None or last is None:
        return "no_expectation", 0
    age = (now - last).days
    return ("stale", age - days) if age > days else ("fresh", 0)


def dashboard(db: Session, department_id: int | None = None) -> dict[str, Any]:
    now = utcnow()
    where: list[Any] = [Resource.origin_hub.is_(None)]
    department = None
    if department_id is not None:
        department = db.get(Department, department_id)
        if department is None:
            raise NotFound("ledger.department.unknown")
        where.append(Resource.department_id == department_id)
    published = [*where, Resource.state == "published"]
    states = repo.count_by(db, Resource.state, where=where)
    kinds = repo.count_by(db, Resource.kind, where=published)
    fresh: Counter[str] = Counter()
    stale_by_dept: Counter[int] = Counter()
    stale: list[dict[str, Any]] = []
    for row in repo.freshness_rows(db, where):
        status, overdue = freshness(row.update_cycle, row.last_updated, now)
        fresh[status] += 1
        if status == "stale":
            stale_by_dept[row.department_id] += 1
            stale.append(
                {
                    "id": row.id,
                    "code": row.code,
                    "name": row.name,
                    "update_cycle": row.update_cycle,
                    "last_updated": row.last_updated.isoformat() if row.last_updated else None,
                    "days_overdue": overdue,
                }
            )
    stale.sort(key=lambda s: -s["days_overdue"])
    departments: dict[int, dict[str, Any]] = {}
    names = repo.departments_by_id(db)
    for dept_id, state, n in repo.department_counts(db):
        if department_id is not None and dept_id != department_id:
            continue
        d = names.get(dept_id)
        if d is None:
            continue
        entry = departments.setdefault(
            dept_id, {"id": dept_id, "code": d.code, "name": d.name, "resources": 0, "published": 0, "stale": 0}
        )
        entry["resources"] += n
        if state == "published":
            entry["published"] += n
    for dept_id, n in stale_by_dept.items():
        if dept_id in departments:
            departments[dept_id]["stale"] = n
    return {
        "department": {"id": department.id, "code": department.code, "name": department.name} if department else None,
        "totals": {
            "resources": sum(states.values()),
            "published": states.get("published", 0),
            "capabilities": kinds.get("capability", 0),
            "stale": fresh.get("stale", 0),
        },
        "states": dict(states),
        "share_types": repo.count_by(db, Resource.share_type, where=published),
        "open_types": repo.count_by(db, Resource.open_type, where=published),
        "grades": repo.count_by(db, Resource.grade, where=published),
        "freshness": {k: fresh.get(k, 0) for k in ("fresh", "stale", "no_expectation")},
        "departments": sorted(departments.values(), key=lambda d: (-d["resources"], d["code"])),
        "stale_resources": stale[:STALE_LIST],
    }
