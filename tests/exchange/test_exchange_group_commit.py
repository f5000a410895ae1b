"""Group commit of the gateway's audit entries, and the short caches on the gateway's path.

The writer must give exactly the log one-by-one appends give (chain, Merkle frontier, signed heads), answer
each call only after its own entry is committed, and refuse only the call whose entry cannot be written.
Grants read for a call are reused briefly, but a grant changed through this worker binds at once.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import Future

from exchange_helpers import audit_entry, call, fresh_runtime, grant_people, make_world
from sqlalchemy import select

from xingcheng.exchange.audit.log import SignPolicy
from xingcheng.exchange.audit.verify import verify_log
from xingcheng.exchange.audit.writer import AuditWriter
from xingcheng.exchange.models import AuditEntry, Grant, TreeHead

from support import audit_inserts_fail

_entry = audit_entry


def _last_outcome(database) -> str:
    with database.session() as db:
        return db.scalar(select(AuditEntry.outcome).order_by(AuditEntry.seq.desc()).limit(1))


def test_concurrent_entries_are_batched_into_one_valid_chain(app, database) -> None:
    rt = fresh_runtime(app)
    rt.audit.policy = SignPolicy(every=7, seconds=300)
    writer = AuditWriter(rt.audit, database.engine, commit_delay=0.005)
    seqs: list[int] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for i in range(25):
            seq = writer.append(_entry(k * 100 + i))
            with lock:
                seqs.append(seq)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seqs) == list(range(1, 201))  # every call got its own, distinct, committed seq
    assert writer.entries == 200 and writer.batches < 200  # some commits carried several entries
    with database.session() as db:
        report = verify_log(db, rt.audit.key)
        heads = list(db.scalars(select(TreeHead.tree_size).order_by(TreeHead.tree_size)))
        stored = db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    assert report.ok, report.problems
    assert stored == 200
    assert {7, 14, 196} <= set(heads)  # heads fall due inside batches exactly as they would one by one


def test_one_entry_that_cannot_be_written_refuses_only_its_own_call(app, database) -> None:
    rt = fresh_runtime(app)
    writer = AuditWriter(rt.audit, database.engine)
    with audit_inserts_fail(database, case_ref="BAD"):  # an entry the database rejects
        # three entries committed as one batch, as the writer's thread would take them from its queue
        batch = [(_entry(1), Future(), 0.0), (_entry(2, case_ref="BAD"), Future(), 0.0), (_entry(3), Future(), 0.0)]
        writer._write(batch)
    results: list[object] = []
    for _, future, _ in batch:
        try:
            results.append(future.result(0))
        except Exception as exc:
            results.append(type(exc).__name__)
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert not isinstance(results[1], int)
    with database.session() as db:
        cases = list(db.scalars(select(AuditEntry.case_ref).order_by(AuditEntry.seq)))
        assert verify_log(db, rt.audit.key).ok
    assert cases == ["C-1", "C-3"]


def test_a_grant_changed_by_another_worker_binds_within_the_cache_time(
    client, app, database, cast, monkeypatch
) -> None:
    import xingcheng.exchange.gateway as gateway_module

    world = make_world(app, database, cast)
    gid = grant_people(database, world, cast)
    body = {"key": {"id_number": world.rows[0]["id_number"]}}
    lookup = world.service(world.people, "lookup")
    clock = [1000.0]
    monkeypatch.setattr(gateway_module.time, "monotonic", lambda: clock[0])
    assert call(client, world, lookup, body).status_code == 200
    with database.session() as db:  # another API worker's revocation: not through this process
        db.get(Grant, gid).state = "revoked"
    clock[0] += 0.5
    # within the cache time this worker may still serve (documented: other workers see it within 1 s) …
    assert call(client, world, lookup, body).status_code in (200, 403)
    clock[0] += 1.0
    r = call(client, world, lookup, body)  # … and after it, never
    assert r.status_code == 403 and _last_outcome(database) == "refused:grant_revoked"


def test_expiry_is_judged_at_every_call_even_from_the_cache(client, app, database, cast, monkeypatch) -> None:
    import xingcheng.exchange.gateway as gateway_module
    import xingcheng.exchange.service as service_module

    world = make_world(app, database, cast)
    grant_people(database, world, cast)
    body = {"key": {"id_number": world.rows[0]["id_number"]}}
    lookup = world.service(world.people, "lookup")
    monkeypatch.setattr(gateway_module.time, "monotonic", lambda: 1000.0)  # the cache never ages
    assert call(client, world, lookup, body).status_code == 200
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)
    monkeypatch.setattr(gateway_module, "utcnow", lambda: later)
    monkeypatch.setattr(service_module, "utcnow", lambda: later)
    r = call(client, world, lookup, body)
    assert r.status_code == 403 and _last_outcome(database) == "refused:grant_expired"
