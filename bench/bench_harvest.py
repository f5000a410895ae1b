"""Benchmark federation: the cost of harvesting N catalog entries from a peer hub through its CKAN API.

Run ``.venv/bin/python bench/bench_harvest.py [--entries 1000] [--trials 3]``. A peer hub with N published
entries is served by ``xingcheng serve`` in a subprocess on a loopback port (its own SQLite database); this
process is the harvesting hub. Measured in the same run, against the same server:

* baseline — the raw fetch of exactly the pages a harvest asks for (``package_search``, ``sort=id asc``,
  ``rows=100``, ``include_private``), parsed as JSON, nothing written;
* first harvest — the same pages plus the upsert of every entry into a fresh database (median of trials);
* incremental harvest — nothing changed since the cursor, then 1 % of the entries changed.

Writes section "harvest" of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import machine_line, peak_rss_mib, write_section

from xingcheng.core.db import Database
from xingcheng.core.migrate import upgrade
from xingcheng.core.settings import load_settings
from xingcheng.identity.schemas import ApiClientCreate, DepartmentCreate
from xingcheng.ledger import service as ledger
from xingcheng.ledger.publish.harvest import FetchStats, PeerClient, fetch_pages
from xingcheng.ledger.publish.hub import hub_info_for
from xingcheng.ledger.publish.schemas import HarvestSourceIn
from xingcheng.ledger.publish.service import add_source, run_harvest
from xingcheng.ledger.schemas import FieldIn, ResourceIn, ResourceUpdate
from xingcheng.standards import uscc
from xingcheng.web.app import create_app

THEMES = ["1-01-001", "1-02-001", "1-03-001", "2-01-001", "2-02-001", "2-08-001", "2-11-001"]


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_peer(directory: Path, entries: int) -> tuple[str, str, list[int]]:
    """A peer hub's database with ``entries`` published resources across 20 departments; returns its URL,
    an API key that sees the shareable catalog, and the resource ids."""
    url = f"sqlite:///{directory / 'peer.db'}"
    upgrade(url)
    settings = load_settings(
        data_dir=directory, database_url=url, password_time_cost=1, password_memory_kib=64, hub_name="peer"
    )
    app = create_app(settings)
    svc = app.state.identity
    ids = []
    with app.state.db.session() as db:
        ledger.ensure_classes(db)
        depts = [
            svc.create_department(
                db,
                DepartmentCreate(
                    code=f"d{i:02d}",
                    name=f"株洲市第{i}局",
                    uscc=uscc.make("1", "1", "430200", f"{100 + i:08d}"),
                    division_code="4302",
                ),
            )
            for i in range(20)
        ]
        for n in range(entries):
            open_type = ("unconditional", "conditional", "none")[n % 3]
            data = ResourceIn(
                name=f"第{n}号数据资源（人口与法人信息）",
                abstract=f"第{n}号资源的摘要，由部门按月更新。",
                class_code=THEMES[n % len(THEMES)],
                department_id=depts[n % 20].id,
                share_type="conditional" if n % 2 else "unconditional",
                share_conditions="用于政务服务" if n % 2 else "",
                share_methods=["database", "file"],
                open_type=open_type,
                open_conditions="申请后开放" if open_type == "conditional" else "",
                update_cycle="monthly",
                formats=["csv", "xlsx"],
                tags=["人口", f"标签{n % 50}"],
                fields=[
                    FieldIn(name=f"c{j}", label=f"信息项{j}", data_type="string" if j % 2 else "date") for j in range(8)
                ],
            )
            r = ledger.create_resource(db, data, ledger.SYSTEM)
            ledger.submit(db, r.id, ledger.SYSTEM)
            ledger.publish(db, r.id, ledger.SYSTEM)
            ids.append(r.id)
        admin = ledger.SYSTEM
        client = svc.create_client(db, depts[0].id, ApiClientCreate(system_code="bench", name="bench"), admin)
        key = svc.issue_key(db, client.id).plaintext
    app.state.db.dispose()
    return url, key, ids


def serve_peer(directory: Path, db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINGCHENG_")}
    env.update(
        XINGCHENG_DATA_DIR=str(directory),
        XINGCHENG_DATABASE_URL=db_url,
        XINGCHENG_HUB_NAME="peer",
        XINGCHENG_LOG_LEVEL="WARNING",
    )
    exe = str(Path(sys.executable).with_name("xingcheng"))
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    import httpx

    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/-/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the peer hub did not start")


def raw_fetch(base: str, key: str, rows: int) -> tuple[float, int, int, int]:
    """Seconds, requests, packages and bytes to fetch every page a first harvest asks for."""
    stats = FetchStats()
    start = time.perf_counter()
    with PeerClient(base, key, 60) as client:
        client.action("status_show")
        for _page in fetch_pages(client, None, rows=rows, include_private=True, stats=stats):
            pass
        return time.perf_counter() - start, client.requests, stats.packages, client.bytes


def harvester(directory: Path, base: str, key: str):
    url = f"sqlite:///{directory / 'harvester.db'}"
    upgrade(url)
    settings = load_settings(
        data_dir=directory, database_url=url, hub_name="bench", harvest_keys={"peer": key}, log_level="WARNING"
    )
    db = Database(url)
    with db.session() as session:
        add_source(session, HarvestSourceIn(name="peer", title="peer", url=base))
    return settings, db


def harvest_once(settings, db: Database) -> tuple[float, object]:
    from xingcheng.core.i18n import Catalog
    from xingcheng.ledger.publish import service

    me = hub_info_for(settings, "http://127.0.0.1", Catalog())
    start = time.perf_counter()
    with db.session() as session:
        source = service.get_source(session, "peer")
        run = run_harvest(session, settings, me, source, trigger="cli", actor="bench")
        summary = {k: getattr(run, k) for k in ("status", "seen", "created", "updated", "unchanged", "requests")}
    return time.perf_counter() - start, summary


def touch(peer_url: str, ids: list[int], count: int) -> None:
    db = Database(peer_url)
    with db.session() as session:
        for rid in ids[:count]:
            ledger.update_resource(session, rid, ResourceUpdate(abstract="更新后的摘要"), ledger.SYSTEM)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    rows = 100
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "peer").mkdir()
        t0 = time.perf_counter()
        peer_url, key, ids = build_peer(root / "peer", args.entries)
        setup = time.perf_counter() - t0
        print(f"peer built: {args.entries} entries in {setup:.1f} s", flush=True)
        proc, base = serve_peer(root / "peer", peer_url)
        try:
            raw = [raw_fetch(base, key, rows) for _ in range(args.trials)]
            firsts = []
            last = None
            for i in range(args.trials):
                (root / f"h{i}").mkdir()
                settings, db = harvester(root / f"h{i}", base, key)
                seconds, summary = harvest_once(settings, db)
                firsts.append((seconds, summary))
                print(f"trial {i + 1}: {seconds:.2f} s {summary}", flush=True)
                if last is not None:
                    last[1].dispose()
                last = (settings, db)
            assert last is not None
            nothing, nothing_summary = harvest_once(*last)
            changed_n = max(1, args.entries // 100)
            touch(peer_url, ids, changed_n)
            changed, changed_summary = harvest_once(*last)
            last[1].dispose()
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    raw_s = statistics.median(r[0] for r in raw)
    raw_requests, raw_packages, raw_bytes = raw[0][1], raw[0][2], raw[0][3]
    first_s = statistics.median(f[0] for f in firsts)
    summary = firsts[0][1]
    body = "\n".join(
        [
            "## Harvesting a peer hub (`xingcheng ledger harvest`)",
            "",
            machine_line(),
            "",
            f"A peer hub with {args.entries:,} published entries (8 information items each, 20 departments; a third "
            "each open, conditionally open and shared-only) served by `xingcheng serve` on SQLite in a subprocess; "
            f"the harvester pages `package_search` with `sort=id asc`, `rows={rows}`, `include_private=true` and "
            "upserts each entry into its own SQLite database. Median of "
            f"{args.trials} trials; peak RSS of the harvesting process {peak_rss_mib():.0f} MiB.",
            "",
            "| run | entries | requests | wall time | entries/s | ratio to raw fetch |",
            "|---|---:|---:|---:|---:|---:|",
            f"| baseline: raw fetch of the same pages, parsed, not written | {raw_packages:,} | {raw_requests} | "
            f"{raw_s:.2f} s | {raw_packages / raw_s:,.0f} | 1.0× |",
            f"| first harvest (created {summary['created']:,}) | {summary['seen']:,} | {summary['requests']} | "
            f"{first_s:.2f} s | {summary['seen'] / first_s:,.0f} | {first_s / raw_s:.1f}× |",
            f"| incremental, nothing changed | {nothing_summary['seen']:,} | {nothing_summary['requests']} | "
            f"{nothing:.2f} s | — | {nothing / raw_s:.2f}× |",
            f"| incremental, {changed_n} changed (updated {changed_summary['updated']}) | "
            f"{changed_summary['seen']:,} | {changed_summary['requests']} | {changed:.2f} s | — | "
            f"{changed / raw_s:.2f}× |",
            "",
            f"Transferred {raw_bytes / 2**20:.1f} MiB of JSON for the full catalog. Building the peer's catalog "
            f"through the ledger service took {setup:.0f} s (not part of the figures). The incremental runs ask "
            "`fq=metadata_modified:[<cursor>Z TO *]`; the cursor's own entry is fetched again (inclusive bound).",
        ]
    )
    write_section("harvest", body)
    print(body)


if __name__ == "__main__":
    main()
