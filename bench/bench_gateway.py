"""Benchmark the data-service gateway against a bare FastAPI endpoint doing the same DuckDB lookup, and the
time to verify one million audit entries.

Run ``.venv/bin/python bench/bench_gateway.py [--rows 20000] [--seconds 15] [--connections 8,64]
[--audit-entries 1000000]``. Everything lives in a temporary data dir (SQLite metadata, a DuckLake lake) and
is deleted afterwards. Two uvicorn processes (one worker each) serve on loopback:

* the hub itself — ``POST /api/exchange/v1/services/{code}``: API-key authentication, evidence headers, the
  grant check, the rate limiter, the indexed lookup, masking, the audit append (hash chain, Merkle frontier)
  and the commit;
* a bare FastAPI app — one endpoint that parses the same body and runs the same indexed lookup on the same
  serving copy of the same lake table, returning the record unmasked.

Debian's ``wrk`` (installed with apt when missing) drives each in turn with random keys, twice, alternating,
at each connection level (8 and 64 by default); the better run of each is reported, and the headline ratio is
the one at the highest level, where both endpoints are saturated. Writes the sections "gateway" and
"audit-verify" of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import machine_line, write_section

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

BARE_APP = r"""
import json, sys
from fastapi import FastAPI, Request
from fastapi.responses import Response
from xingcheng.core.settings import load_settings
from xingcheng.exchange.runtime import serving_engine
from xingcheng.exchange.serving import ServingStore
from xingcheng.ledger.schema import ResourceSchema, FieldSpec

spec = json.loads(sys.argv[1])
settings = load_settings(data_dir=spec["data_dir"])
store = ServingStore(serving_engine(settings), 5.0)  # the same engine set-up as the gateway
schema = ResourceSchema(code=spec["code"], name="", department_code="",
                        fields=tuple(FieldSpec(name=n, label=n, is_key=(n == "id_number")) for n in spec["fields"]))
app = FastAPI()

@app.post("/lookup")
async def lookup(request: Request) -> Response:
    body = json.loads(await request.body())
    table = store.table(schema)
    rows = store.lookup(table, body["key"], list(table.columns))
    record = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rows[0].items()} if rows else None
    body = json.dumps({"found": bool(rows), "record": record}, ensure_ascii=False)
    return Response(body, media_type="application/json")

import uvicorn
uvicorn.run(app, host="127.0.0.1", port=spec["port"], log_level="warning", access_log=False)
"""

HUB_APP = r"""
import json, sys
from xingcheng.core.settings import load_settings
from xingcheng.web.app import create_app
spec = json.loads(sys.argv[1])
settings = load_settings(data_dir=spec["data_dir"], database_url=spec.get("database_url"), log_level="WARNING",
                         exchange_audit_sign_every=1000, exchange_serving_check_seconds=5)
import uvicorn
uvicorn.run(create_app(settings), host="127.0.0.1", port=spec["port"], log_level="warning", access_log=False)
"""

WRK_LUA = r"""
local ids = {%s}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%s
request = function()
  local id = ids[math.random(#ids)]
  return wrk.format(nil, nil, nil, '{"key":{"id_number":"' .. id .. '"}}')
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def setup(data_dir: Path, rows: int, database_url: str | None = None) -> dict:
    """A hub with one published resource of ``rows`` people in the lake, a grant and an API key."""
    os.environ["XINGCHENG_DATA_DIR"] = str(data_dir)
    from xingcheng.core.migrate import upgrade
    from xingcheng.core.permissions import Role
    from xingcheng.core.settings import load_settings
    from xingcheng.exchange.runtime import Runtime
    from xingcheng.exchange.schemas import RequestIn
    from xingcheng.exchange.service import create_request, sync_services
    from xingcheng.identity.principal import Principal
    from xingcheng.identity.schemas import ApiClientCreate, DepartmentCreate
    from xingcheng.lake.engine import CATALOG, quote_ident
    from xingcheng.lake.loader import table_name
    from xingcheng.standards import idnumber, uscc
    from xingcheng.web.app import create_app

    sys.path.insert(0, str(ROOT / "tests" / "exchange"))
    from exchange_helpers import PEOPLE_FIELDS, person, publish

    settings = load_settings(data_dir=data_dir, database_url=database_url, password_time_cost=1, password_memory_kib=64)
    upgrade(settings.resolved_database_url)
    app = create_app(settings)
    identity = app.state.identity
    with app.state.db.session() as db:
        d1 = identity.create_department(
            db,
            DepartmentCreate(
                code="gaj", name="长沙市公安局", uscc=uscc.make("1", "1", "430100", "00000011"), division_code="4301"
            ),
        )
        d2 = identity.create_department(
            db,
            DepartmentCreate(
                code="wjw",
                name="长沙市卫生健康委员会",
                uscc=uscc.make("1", "1", "430100", "00000012"),
                division_code="4301",
            ),
        )
        admin = Principal(kind="user", id=None, roles=frozenset({Role.PLATFORM_ADMIN}), department_id=d1.id)
        client = identity.create_client(db, d1.id, ApiClientCreate(system_code="huji", name="户籍系统"), admin)
        key = identity.issue_key(db, client.id).plaintext
        resource = publish(db, d2.id, "人口基本信息", "unconditional", fields=PEOPLE_FIELDS)
        sync_services(db)
        rt = Runtime.build(settings)
        by = Principal(kind="user", id=None, department_id=d1.id, roles=frozenset({Role.DATA_ADMIN}))
        create_request(
            db,
            rt,
            RequestIn(
                resource_id=resource.id,
                client_id=client.id,
                purpose="基准测试",
                operations=["lookup"],
                rate_per_second=10_000.0,
                daily_rows=100_000_000,
            ),
            by,
        )
        code = resource.code
    people = [person(i) for i in range(rows)]
    cols = ("id_number", "name", "phone", "address", "district_code", "birth_date", "household_size")
    table = f"{CATALOG}.main.{quote_ident(table_name(code))}"
    with rt.lake.cursor() as cur:
        cur.execute(
            f"CREATE TABLE {table} (id_number VARCHAR, name VARCHAR, phone VARCHAR, address VARCHAR, "
            "district_code VARCHAR, birth_date DATE, household_size INTEGER, _xc_load BIGINT)"
        )
        cur.execute(
            f"INSERT INTO {table} SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
            "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::DATE[]), unnest(?::INTEGER[]), 1",
            [[p[c] for p in people] for c in cols],
        )
    rt.close()
    app.state.db.dispose()
    del idnumber
    return {"key": key, "code": code, "ids": [p["id_number"] for p in people], "fields": list(cols)}


@contextlib.contextmanager
def serve(script: str, spec: dict):
    # the server's log goes to a file: a pipe nobody reads would block the server once full
    log_path = Path(spec["data_dir"]) / f"server-{spec['port']}.log"
    log_file = open(log_path, "wb")  # closed when the server is
    proc = subprocess.Popen([PY, "-c", script, json.dumps(spec)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log_file)
    deadline = time.time() + 60
    while time.time() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", spec["port"]), timeout=0.5):
            break
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text(errors="replace")[-2000:] or "server died")
        time.sleep(0.2)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log_file.close()
        errors = [line for line in log_path.read_text(errors="replace").splitlines() if '"level": "error"' in line]
        if errors:  # a benchmark that hides its server's errors measures nothing
            print(f"{len(errors)} server errors, the first: {errors[0][:2000]}", file=sys.stderr)


def run_wrk(wrk: str, url: str, lua: Path, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": pct("50"), "p99": pct("99"), "non2xx": int(errors.group(1)) if errors else 0}


def warm(url: str, body: bytes, headers: dict[str, str]) -> None:
    import urllib.request

    for _ in range(20):
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers})
        with urllib.request.urlopen(req) as r:
            assert r.status == 200, r.status


@contextlib.contextmanager
def database(postgres: str | None):
    """None: the SQLite file in the data dir; else a fresh database on that PostgreSQL server, dropped after."""
    if not postgres:
        yield None
        return
    from sqlalchemy import create_engine, text

    name = f"xc_bench_{os.getpid()}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by every thread of a process and of its child processes (the
    audit writer's) (Linux /proc)."""
    total = 0
    children: list[int] = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(FileNotFoundError), open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        with contextlib.suppress(FileNotFoundError), open(f"/proc/{pid}/task/{tid}/children") as f:
            children += [int(c) for c in f.read().split()]
    return total / os.sysconf("SC_CLK_TCK") + sum(process_cpu(c) for c in children)


def breakdown(data_dir: Path, spec: dict, database_url: str | None, calls: int = 500) -> dict[str, float]:
    """CPU milliseconds per call in-process (no HTTP): the gateway's work, and the audit writer's commit of
    one batch, alone and of 8 entries (its cost is shared by the calls of a batch)."""
    from xingcheng.core.settings import load_settings
    from xingcheng.exchange.api import gateway_for
    from xingcheng.web.app import create_app

    # the writer's work measured in this process: the thread writer (the hub runs the same code in a child)
    app = create_app(
        load_settings(data_dir=data_dir, database_url=database_url, log_level="WARNING", exchange_audit_writer="thread")
    )

    class _Req:
        pass

    req = _Req()
    req.app = app  # type: ignore[attr-defined]
    gw = gateway_for(req)  # type: ignore[arg-type]
    headers = {"X-XC-Client": "gaj/huji", "X-XC-User": "u", "X-XC-Case": "c", "X-XC-Purpose": "p"}
    code = spec["code"] + ".lookup"
    with app.state.db.session() as db:
        principal = app.state.identity.principal_for_key(db, spec["key"])
    kept = gw.writer.submit
    from concurrent.futures import Future

    def start(i: int) -> None:
        db = app.state.db.sessionmaker()
        body = json.dumps({"key": {"id_number": spec["ids"][i % len(spec["ids"])]}}).encode()
        gw.start(db, principal, code, headers, body, request_id=f"b{i}", method="POST", path="/x")
        db.commit()
        db.close()

    gw.writer.submit = lambda values, loop=None: Future()  # the gateway's own work, without the writer
    for i in range(50):
        start(i)
    t = time.process_time()
    for i in range(calls):
        start(i)
    out = {"gateway's work per call (key, evidence, plan, grant, limiter, lookup, masking, JSON, hashes)": 0.0}
    out[next(iter(out))] = (time.process_time() - t) / calls * 1000
    gw.writer.submit = kept
    entry = {"kind": "call", "action": "lookup", "outcome": "ok", "actor": "api_client:1", "fields": ["id_number"]}
    for size in (1, 8):
        gw.writer._commit([entry] * size)
        t = time.process_time()
        for _ in range(calls // size):
            gw.writer._commit([entry] * size)
        out[f"audit writer: one commit of {size} {'entry' if size == 1 else 'entries'}"] = (
            (time.process_time() - t) / (calls // size) * 1000
        )
    gw.rt.close()
    app.state.db.dispose()
    return out


def bench_gateway(rows: int, seconds: int, levels: list[int], postgres: str | None = None) -> str:
    """Both endpoints at each concurrency level (wrk connections), alternating, best of two runs each.

    The headline ratio is the one at the highest level: what each endpoint sustains once it is saturated. At a
    low level the gateway is bound by latency as much as by work — every call waits for its audit entry's
    commit before it answers — and that ratio is reported beside it."""
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="xc-bench-gw-") as tmp, database(postgres) as database_url:
        data_dir = Path(tmp)
        spec = setup(data_dir, rows, database_url)
        sample = spec["ids"][:: max(1, rows // 2000)]
        evidence = {
            "X-API-Key": spec["key"],
            "X-XC-Client": "gaj/huji",
            "X-XC-User": "bench-user",
            "X-XC-Case": "BENCH-0001",
            "X-XC-Purpose": "benchmark",
        }
        ids = ",".join(f'"{i}"' for i in sample)
        hub_lua = data_dir / "hub.lua"
        hub_lua.write_text(WRK_LUA % (ids, "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in evidence.items())))
        bare_lua = data_dir / "bare.lua"
        bare_lua.write_text(WRK_LUA % (ids, ""))
        hub = {"data_dir": str(data_dir), "port": free_port(), "database_url": database_url}
        bare = {"data_dir": str(data_dir), "port": free_port(), "code": spec["code"], "fields": spec["fields"]}
        body = json.dumps({"key": {"id_number": sample[0]}}).encode()
        hub_url = f"http://127.0.0.1:{hub['port']}/api/exchange/v1/services/{spec['code']}.lookup"
        bare_url = f"http://127.0.0.1:{bare['port']}/lookup"
        results: dict[tuple[str, int], list[dict]] = {(n, c): [] for n in ("bare", "hub") for c in levels}
        with serve(BARE_APP, bare) as bare_proc, serve(HUB_APP, hub) as hub_proc:
            warm(bare_url, body, {})
            warm(hub_url, body, evidence)
            for connections in levels:
                for _round in range(2):
                    for name, proc, url, lua in (
                        ("bare", bare_proc, bare_url, bare_lua),
                        ("hub", hub_proc, hub_url, hub_lua),
                    ):
                        before = process_cpu(proc.pid)
                        run = run_wrk(wrk, url, lua, seconds, connections)
                        run["cpu_ms"] = (process_cpu(proc.pid) - before) / max(1.0, run["rps"] * seconds) * 1000
                        results[(name, connections)].append(run)
            import urllib.request

            with urllib.request.urlopen(f"http://127.0.0.1:{hub['port']}/metrics") as r:
                exposition = r.read().decode()
            commits, committed = (
                float(re.search(rf"^xingcheng_exchange_audit_{name}_total ([\d.e+]+)", exposition, re.M).group(1))
                for name in ("commits", "entries")
            )
        stages = breakdown(data_dir, spec, database_url)
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url or f"sqlite:///{data_dir / 'xingcheng.db'}")
        with engine.connect() as conn:
            audited = conn.execute(text("SELECT count(*) FROM exchange_audit_entry WHERE kind = 'call'")).scalar_one()
        engine.dispose()
    best = {k: max(v, key=lambda r: r["rps"]) for k, v in results.items()}
    ratios = {c: best[("hub", c)]["rps"] / best[("bare", c)]["rps"] for c in levels}
    top = max(levels)
    served = sum(r["rps"] for c in levels for r in results[("hub", c)]) * seconds
    lines = [
        "## Gateway: key lookup through the exchange vs a bare FastAPI endpoint"
        + (" (metadata on PostgreSQL)" if postgres else ""),
        "",
        f"{machine_line()} · {rows:,} rows in the lake table · one uvicorn worker each · wrk -t1 "
        f"-c{'/'.join(str(c) for c in levels)} -d{seconds}s, random keys, best of 2 alternating runs per level · "
        "metadata on " + ("PostgreSQL (loopback)" if postgres else "SQLite"),
        "",
        "| connections | endpoint | requests/s | p50 ms | p99 ms | non-2xx | server CPU ms per request |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for c in levels:
        for name, label in (
            ("bare", "bare FastAPI + indexed DuckDB lookup"),
            ("hub", "gateway (API key, evidence, grant, rate limit, lookup, masking, audit append, commit)"),
        ):
            b = best[(name, c)]
            lines.append(
                f"| {c} | {label} | {b['rps']:,.0f} | {b['p50']:.2f} | {b['p99']:.2f} | {b['non2xx']} | "
                f"{b['cpu_ms']:.2f} |"
            )
    lines += [
        "",
        f"**Ratio gateway / bare at saturation ({top} connections): {ratios[top]:.2f}** (target ≥ 0.5); "
        + "; ".join(f"at {c} connections {ratios[c]:.2f}" for c in levels if c != top)
        + ". All runs: "
        + "; ".join(
            f"c{c} bare "
            + ", ".join(f"{r['rps']:,.0f}" for r in results[("bare", c)])
            + ", gateway "
            + ", ".join(f"{r['rps']:,.0f}" for r in results[("hub", c)])
            for c in levels
        )
        + f" req/s. Audit entries written by the gateway runs: {audited:,} (≈ {served:,.0f} calls served).",
        "",
        "At few connections the gateway is bound by latency as much as by work: every call waits for its own",
        "audit entry's commit before it answers, so fewer calls are in flight to share a commit and keep the",
        "event loop busy. With enough callers both endpoints are saturated and the ratio is the cost of the work.",
    ]
    lines += [
        "",
        f"Group commit: {committed:,.0f} audit entries in {commits:,.0f} commits "
        f"({committed / max(commits, 1):.1f} entries per commit; from the hub's `/metrics`).",
        "",
        "Server CPU per request: user + system time of the server process (all threads) and of its audit writer",
        "process over the run, divided by the requests served — the figure the machine's load disturbs least.",
        "",
        "Where a gateway call's CPU goes (in-process, no HTTP, 500 calls after the load runs; CPU ms):",
        "",
        "| stage | CPU ms |",
        "|---|---:|",
        *(f"| {stage} | {ms:.2f} |" for stage, ms in stages.items()),
        "",
        "The audit entry is the call's only write: the writer — a child process of the server (decision 0048)",
        "— commits the entries of concurrent calls together (decision 0047), so a commit's cost is shared by the",
        "calls of its batch.",
    ]
    text_ = "\n".join(lines)
    write_section("gateway-postgresql" if postgres else "gateway", text_)
    return text_


def bench_audit_verify(entries: int) -> str:
    """Write ``entries`` chained entries (with signed heads every 1,000), then time the full verification."""
    from sqlalchemy import delete, insert

    from xingcheng.core.db import Database
    from xingcheng.core.migrate import upgrade
    from xingcheng.core.settings import load_settings
    from xingcheng.exchange.audit import merkle
    from xingcheng.exchange.audit.canonical import GENESIS, canonical_bytes
    from xingcheng.exchange.audit.signer import HubKey
    from xingcheng.exchange.audit.verify import verify_log
    from xingcheng.exchange.models import AuditEntry, AuditState, TreeHead

    with tempfile.TemporaryDirectory(prefix="xc-bench-audit-") as tmp:
        settings = load_settings(data_dir=tmp)
        upgrade(settings.resolved_database_url)
        db = Database(settings.resolved_database_url)
        key = HubKey.load_or_create(Path(tmp) / "hub.pem")
        frontier = merkle.Frontier()
        prev = GENESIS
        start_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        t0 = time.perf_counter()
        batch: list[dict] = []
        heads: list[dict] = []
        with db.engine.begin() as conn:
            for seq in range(1, entries + 1):
                values = {
                    "seq": seq,
                    "at": start_at + dt.timedelta(milliseconds=seq * 37),
                    "kind": "call",
                    "action": "lookup",
                    "outcome": "ok",
                    "actor": f"api_client:{seq % 17}",
                    "client_id": seq % 17,
                    "consumer_department_id": seq % 40,
                    "provider_department_id": 2,
                    "grant_id": seq % 211,
                    "request_id": None,
                    "service_code": f"3-02-001-000-{seq % 900:06d}.lookup",
                    "resource_code": f"3-02-001-000-{seq % 900:06d}",
                    "purpose": "户籍办理",
                    "case_ref": f"HJ-{seq}",
                    "end_user": "警号004521",
                    "fields": ["id_number", "name"],
                    "row_count": 1,
                    "xc_request_id": f"{seq:032x}",
                    "request_hash": "a" * 64,
                    "response_hash": "b" * 64,
                    "detail": {},
                    "prev_hash": prev,
                }
                leaf = merkle.leaf_hash(canonical_bytes(values))
                prev = leaf.hex()
                batch.append({**values, "entry_hash": prev})
                frontier.append(leaf)
                if seq % 1000 == 0:
                    ts = int(values["at"].timestamp() * 1000)
                    root = frontier.root()
                    heads.append(
                        {
                            "tree_size": seq,
                            "root_hash": root.hex(),
                            "timestamp_ms": ts,
                            "signature": key.sign_tree_head(seq, ts, root),
                            "key_id": key.key_id,
                        }
                    )
                if len(batch) == 20_000:
                    conn.execute(insert(AuditEntry), batch)
                    batch.clear()
            if batch:
                conn.execute(insert(AuditEntry), batch)
            if heads:
                conn.execute(insert(TreeHead), heads)
            conn.execute(delete(AuditState))  # the migration's empty head row
            conn.execute(
                insert(AuditState),
                [
                    {
                        "id": 1,
                        "size": entries,
                        "last_hash": prev,
                        "frontier": [h.hex() for h in frontier.roots],
                        "signed_size": entries - entries % 1000,
                        "signed_at": None,
                    }
                ],
            )
        written = time.perf_counter() - t0
        with db.session() as session:
            t1 = time.perf_counter()
            report = verify_log(session, key)
            elapsed = time.perf_counter() - t1
        db.dispose()
    assert report.ok, report.problems[:5]
    lines = [
        "## Audit log: verifying every entry",
        "",
        f"{machine_line()} · SQLite metadata database · `verify_log` (what `xingcheng audit verify` runs)",
        "",
        "| entries | signed heads | verify seconds | entries/s | (writing them took) |",
        "|---:|---:|---:|---:|---:|",
        f"| {report.entries:,} | {report.heads_checked:,} | {elapsed:.1f} | {report.entries / elapsed:,.0f} "
        f"| {written:.1f} s |",
        "",
        "Verification recomputes each entry's canonical bytes and leaf hash, checks the chain and the sequence, "
        "updates the Merkle frontier and checks every signed tree head's root and Ed25519 signature.",
    ]
    text_ = "\n".join(lines)
    write_section("audit-verify", text_)
    return text_


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument(
        "--connections",
        default="8,64",
        help="wrk connection levels, comma-separated; the ratio at the highest is the headline (saturation)",
    )
    parser.add_argument("--audit-entries", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["gateway", "audit-verify"], default=None)
    parser.add_argument(
        "--postgres",
        default=None,
        help="Also run the gateway with its metadata on this PostgreSQL server, e.g. postgresql+psycopg://127.0.0.1/test",
    )
    args = parser.parse_args()
    levels = sorted({int(c) for c in str(args.connections).split(",") if c.strip()})
    if args.only in (None, "gateway"):
        print(bench_gateway(args.rows, args.seconds, levels))
        if args.postgres:
            print(bench_gateway(args.rows, args.seconds, levels, args.postgres))
    if args.only in (None, "audit-verify"):
        print(bench_audit_verify(args.audit_entries))


if __name__ == "__main__":
    main()
