"""The audit writer in a child process (the default): the same log as one-by-one appends, fail-closed when the
child dies or the database refuses an entry, and a new child for the next entry."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest
from exchange_helpers import audit_entry, call, fresh_runtime, grant_people, make_world
from sqlalchemy import func, select

from xingcheng.exchange.api import gateway_for_app
from xingcheng.exchange.audit.process_writer import AuditWriteFailed, AuditWriterGone, ProcessAuditWriter, WriterSpec
from xingcheng.exchange.audit.verify import verify_log
from xingcheng.exchange.models import AuditEntry, TreeHead
from xingcheng.exchange.runtime import key_path, runtime_for

from support import audit_inserts_fail

_entry = audit_entry


@pytest.fixture
def writer(app, database) -> Iterator[ProcessAuditWriter]:
    rt = fresh_runtime(app)
    spec = WriterSpec(
        database.engine.url.render_as_string(hide_password=False), str(key_path(rt.settings)), 7, 300, 0.005
    )
    w = ProcessAuditWriter(spec)
    yield w
    w.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_gateway_calls_are_committed_by_a_child_process(client, app, database, cast, monkeypatch) -> None:
    world = make_world(app, database, cast)
    grant_people(database, world, cast)
    rt = runtime_for(app)
    monkeypatch.setattr(rt, "settings", rt.settings.model_copy(update={"exchange_audit_writer": "process"}))
    rt.cache.pop("gateway", None)
    gateway = gateway_for_app(app)
    try:
        assert isinstance(gateway.writer, ProcessAuditWriter)
        for i in range(12):
            r = call(
                client, world, world.service(world.people, "lookup"), {"key": {"id_number": world.rows[i]["id_number"]}}
            )
            assert r.status_code == 200, r.text
        pid = gateway.writer.pid
        assert pid is not None and pid != os.getpid() and _alive(pid)
        with database.session() as db:
            calls = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.kind == "call"))
            report = verify_log(db, rt.audit.key)
        assert calls == 12
        assert report.ok, report.problems
    finally:
        gateway.writer.close()
        rt.cache.pop("gateway", None)


def test_concurrent_entries_make_one_valid_chain(writer, app, database) -> None:
    seqs: list[int] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for i in range(25):
            seq = writer.append(_entry(k * 100 + i), timeout=30)
            with lock:
                seqs.append(seq)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seqs) == list(range(1, 201))
    assert writer.entries == 200
    with database.session() as db:
        report = verify_log(db, runtime_for(app).audit.key)
        heads = set(db.scalars(select(TreeHead.tree_size)))
    assert report.ok, report.problems
    assert {7, 14, 196} <= heads  # the child signs heads where one-by-one appends would


def test_a_dead_child_refuses_what_waits_and_the_next_entry_starts_another(writer, app, database) -> None:
    assert writer.append(_entry(1), timeout=30) == 1
    first = writer.pid
    assert first is not None
    os.kill(first, signal.SIGSTOP)  # the entry below is handed over but never read
    waiting = writer.submit(_entry(2))
    os.kill(first, signal.SIGKILL)
    assert isinstance(waiting.exception(timeout=30), AuditWriterGone)  # its call would get 503
    assert writer.append(_entry(3), timeout=30) == 2  # a new child; nothing was written twice
    assert writer.pid not in (None, first)
    with database.session() as db:
        cases = list(db.scalars(select(AuditEntry.case_ref).order_by(AuditEntry.seq)))
        report = verify_log(db, runtime_for(app).audit.key)
    assert cases == ["C-1", "C-3"]
    assert report.ok, report.problems


def test_an_entry_the_database_refuses_fails_alone(writer, database) -> None:
    with audit_inserts_fail(database, case_ref="BAD"):
        futures = [writer.submit(_entry(1)), writer.submit(_entry(2, case_ref="BAD")), writer.submit(_entry(3))]
        outcomes = [f.exception(timeout=30) or f.result() for f in futures]
    assert outcomes[0] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[1], AuditWriteFailed)
    assert "audit disabled" not in str(outcomes[1])  # the error's name crosses the pipe, not the database's text


def test_close_lets_the_child_see_the_end_and_exit(writer) -> None:
    """Closing ends the child's input although the receiver thread is blocked reading from it: the child exits
    by itself (status 0), it is not killed after the grace period."""
    assert writer.append(_entry(1), timeout=30) == 1
    proc = writer._proc
    assert proc is not None
    writer.close()
    assert proc.returncode == 0
