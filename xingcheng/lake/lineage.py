"""Lineage of a resource as a graph: the files and pulls that produced its versions, the jobs that read
them and the resources those jobs wrote, and upstream the jobs (and their inputs) that wrote it.

Nodes and links are shaped for an ECharts ``graph`` series and returned as-is by the JSON API.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from xingcheng.lake import repository as repo

__all__ = ["lineage_graph"]

CATEGORIES = ("resource", "file", "pull", "job")


def lineage_graph(db: Session, code: str, *, loads: int = 12) -> dict[str, Any]:
    nodes: dict[str, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []

    def node(key: str, name: str, category: str, **extra: Any) -> str:
        nodes.setdefault(key, {"id": key, "name": name, "category": CATEGORIES.index(category), **extra})
        return key

    def link(source: str, target: str, label: str) -> None:
        if not any(x["source"] == source and x["target"] == target and x["label"] == label for x in links):
            links.append({"source": source, "target": target, "label": label})

    me = node(f"r:{code}", code, "resource", center=True)
    versions = {v.load_id: v for v in repo.list_versions(db, code, limit=loads) if v.load_id is not None}
    for load in repo.list_loads(db, code, limit=loads):
        v = versions.get(load.id)
        if v is None or load.job_id is not None:
            continue
        kind = "pull" if load.source_kind == "pull" else "file"
        src = node(f"{kind}:{load.source_name}", load.source_name, kind, source_kind=load.source_kind)
        link(src, me, f"v{v.number}")

    # Upstream: jobs that wrote this resource, and what they read.
    upstream = repo.job_loads_into(db, code)
    written = {load.id: versions.get(load.id) for load in upstream}
    for job in repo.jobs_by_ids(db, sorted({load.job_id for load in upstream if load.job_id})):
        j = node(f"j:{job.name}", job.name, "job", engine=job.engine)
        for inp in job.inputs:
            link(node(f"r:{inp.resource_code}", inp.resource_code, "resource"), j, f"v{inp.version_number}")
        for load in upstream:
            if load.job_id == job.id:
                v = written.get(load.id)
                link(j, me, f"v{v.number}" if v else "")

    # Downstream: jobs that read this resource, and what they wrote.
    readers = repo.jobs_reading(db, code)
    outputs = repo.loads_of_jobs(db, [job.id for job in readers])
    out_versions = {load.id: repo.version_of_load(db, load.id) for load in outputs}
    for job in readers:
        j = node(f"j:{job.name}", job.name, "job", engine=job.engine)
        for inp in job.inputs:
            if inp.resource_code == code:
                link(me, j, f"v{inp.version_number}")
        for load in outputs:
            if load.job_id == job.id:
                v = out_versions.get(load.id)
                link(j, node(f"r:{load.resource_code}", load.resource_code, "resource"), f"v{v.number}" if v else "")
    return {"nodes": list(nodes.values()), "links": links, "categories": list(CATEGORIES)}
