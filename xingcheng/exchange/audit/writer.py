"""Group commit for the gateway's audit entries.

Every gateway call must have its audit entry durably written before anything is served. Committing each
entry on its own costs one synchronous disk write (SQLite: an fsync of the WAL) or one round trip with a row
lock (PostgreSQL) per call, and all calls queue on that one head row. The writer instead takes every entry
handed over while the previous commit was in flight and appends them in one transaction
(:meth:`AuditLog.append_many`): the chain, the Merkle frontier and the signed heads are exactly what one-by-one
appends would give, and a call still returns only after its own entry is committed.

Under load (calls are being served whose entries are still to come, the last commit carried several
entries, or the last entry arrived less than ``commit_delay`` before this one) the writer waits up to
``commit_delay`` for more entries before it commits, as PostgreSQL's ``commit_delay`` does: a call waits a
little longer, and the hub spends one commit on many calls. When calls are sparse it never waits.

If a batch cannot be written, its entries are retried one at a time, so one bad entry refuses only its own
call; every call whose entry fails gets :class:`~xingcheng.exchange.errors.AuditUnavailable` (503).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy.engine import Engine

from xingcheng.exchange.audit.log import AuditLog

__all__ = ["AuditWriter", "resolve"]

log = logging.getLogger(__name__)

_Item = tuple[dict[str, Any], Future, float]


class AuditWriter:
    """One writer thread per process and database; it exits when idle and starts again on demand."""

    def __init__(
        self,
        audit: AuditLog,
        engine: Engine,
        *,
        max_batch: int = 256,
        idle_seconds: float = 30.0,
        commit_delay: float = 0.0,
        siblings: Callable[[], int] = lambda: 0,
    ) -> None:
        self.audit = audit
        self.engine = engine
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self.commit_delay = commit_delay
        self.siblings = siblings  # calls being served whose entries are still to come (commit_siblings)
        self._last_arrival = 0.0
        self._last_size = 0
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.batches = 0  # figures for the benchmark and the tests
        self.entries = 0

    def submit(self, values: dict[str, Any], loop: asyncio.AbstractEventLoop | None = None) -> Any:
        """Hand an entry over; the future resolves to its seq once committed, or to the write's exception.

        With ``loop`` (called on that loop's thread) the future is an asyncio future of that loop, and the
        writer resolves all of a commit's futures of one loop with one wake-up of the loop.
        """
        future: Any = loop.create_future() if loop is not None else Future()
        self.enqueue(values, future, time.monotonic())
        return future

    def enqueue(self, values: dict[str, Any], handle: Any, arrival: float) -> None:
        """Queue an entry; ``handle`` comes back with its outcome in :meth:`_resolve` (a future here)."""
        self._queue.put((values, handle, arrival))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="xc-audit-writer", daemon=True)
                self._thread.start()

    def append(self, values: dict[str, Any], timeout: float = 30.0) -> int:
        """Submit and wait: the entry's seq, or the exception that kept it from being written."""
        return self.submit(values).result(timeout)

    # -- the thread --------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            # under load — calls being served whose entries are still to come, a last commit that carried
            # several entries, or this entry right after the last — sleep once for the commit delay, then take
            # whatever has come (one wake-up per commit, not one per entry)
            busy = self._last_size > 1 or first[2] - self._last_arrival < self.commit_delay or self.siblings() > 0
            if busy and self.commit_delay > 0:
                time.sleep(self.commit_delay)
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._last_arrival, self._last_size = batch[-1][2], len(batch)
            self._write(batch)

    def _write(self, batch: list[_Item]) -> None:
        try:
            seqs = self._commit([item[0] for item in batch])
        except Exception as exc:  # every failure refuses the calls, none kills the thread
            if len(batch) == 1:
                log.warning("audit entry not written: %s", type(exc).__name__)
                self._resolve([(batch[0][1], None, exc)])
                return
            for item in batch:  # find the entry that fails; the others are written
                self._write([item])
            return
        self.batches += 1
        self.entries += len(batch)
        self._resolve([(future, seq, None) for (_, future, _), seq in zip(batch, seqs, strict=True)])

    def _resolve(self, outcomes: list[tuple[Any, int | None, BaseException | None]]) -> None:
        resolve(outcomes)

    def _commit(self, entries: list[dict[str, Any]]) -> list[int]:
        with self.engine.begin() as conn:  # a pooled connection, its own transaction
            return self.audit.append_many(conn, entries)


def resolve(outcomes: list[tuple[Any, int | None, BaseException | None]]) -> None:
    """Resolve thread futures here and asyncio futures on their loops, one wake-up per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, int | None, BaseException | None]]] = {}
    for future, seq, exc in outcomes:
        if isinstance(future, Future):
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(seq)
        else:
            by_loop.setdefault(future.get_loop(), []).append((future, seq, exc))
    for loop, group in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a loop closed meanwhile: nobody waits any more
            loop.call_soon_threadsafe(_settle, group)


def _settle(group: list[tuple[Any, int | None, BaseException | None]]) -> None:
    for future, seq, exc in group:
        if future.done():  # the caller stopped waiting (timeout, disconnect)
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(seq)
