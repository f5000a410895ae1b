"""Group commit in a process of its own: the gateway's audit writer off the serving process's GIL.

The thread writer (:class:`~xingcheng.exchange.audit.writer.AuditWriter`) shares the interpreter lock with the
event loop that serves the calls: each commit's Python work (canonical entries, hashes, the Merkle frontier,
the SQL statements) and every hand-over between the two threads is time the loop cannot serve. Measured
in-process on the benchmark's lookup, the calls cost 1.2 ms of CPU each with the audit writer taken away and
2.3 ms with it.

:class:`ProcessAuditWriter` keeps the interface (``submit``, ``append``, ``batches``, ``entries``) and runs the
very same group-commit writer in a child process: a fresh interpreter (``python -m`` this module — never a
``fork`` of a process that holds DuckDB and database connections, and no re-import of the server's main
module as ``multiprocessing``'s spawn would do) joined by a socket pair; the database URL travels over the
socket, never on a command line. An entry crosses a pipe (pickled, a few hundred bytes); the child's writer commits the
entries of concurrent calls together exactly as in-process, and sends back the seqs — or the name of the
error — of a whole batch in one message, which one receiving thread resolves with one wake-up of each
waiting event loop.

Failure is closed: when the child cannot be started, dies, or its pipe breaks, every entry waiting for it
fails (its call gets 503) and the next entry starts a new child. Nothing is committed twice: the child
commits an entry at most once, and an entry whose answer was lost is refused, not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import Any

from xingcheng.exchange.audit.writer import AuditWriter, resolve

__all__ = ["AuditWriteFailed", "AuditWriterGone", "ProcessAuditWriter", "WriterSpec"]

log = logging.getLogger(__name__)


class AuditWriterGone(RuntimeError):
    """The audit writer process ended or could not be reached: the entry is not known to be written."""


class AuditWriteFailed(RuntimeError):
    """The child could not write the entry (the name of the database error, no values)."""


class WriterSpec:
    """What the child needs to open the same log: the database, the signing key, the signing policy."""

    def __init__(
        self, database_url: str, key_path: str, sign_every: int, sign_seconds: float, commit_delay: float
    ) -> None:
        self.database_url = database_url
        self.key_path = key_path
        self.sign_every = sign_every
        self.sign_seconds = sign_seconds
        self.commit_delay = commit_delay


class ProcessAuditWriter:
    """The group-commit audit writer of one serving process, running in a child process."""

    def __init__(self, spec: WriterSpec, *, siblings: Callable[[], int] = lambda: 0) -> None:
        self.spec = spec
        self.siblings = siblings
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._pending: dict[int, Any] = {}
        self._outbox: dict[asyncio.AbstractEventLoop, list[tuple[int, dict[str, Any]]]] = {}
        self._conn: Connection | None = None
        self._proc: Any = None
        self.batches = 0
        self.entries = 0

    # -- the serving side --------------------------------------------------------------------------
    def submit(self, values: dict[str, Any], loop: asyncio.AbstractEventLoop | None = None) -> Any:
        """Hand an entry over; the future resolves to its seq once committed (see ``AuditWriter.submit``).

        On an event loop the entries handed over while the loop runs its ready callbacks leave in one
        message once they have run (one write for the calls served together); from a thread, at once.
        """
        future: Any = loop.create_future() if loop is not None else Future()
        token = next(self._tokens)
        with self._lock:
            self._pending[token] = future
        if loop is None:
            # this entry's own call (if it is one) is still being served: the others are its siblings
            self._send([(token, values)], max(0, self.siblings() - 1))
            return future
        outbox = self._outbox.get(loop)
        if outbox is None:
            self._outbox[loop] = [(token, values)]
            loop.call_soon(self._flush, loop)
        else:
            outbox.append((token, values))
        return future

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        items = self._outbox.pop(loop, None)
        if items:
            self._send(items, self.siblings())

    def _send(self, items: list[tuple[int, dict[str, Any]]], siblings: int) -> None:
        try:
            conn = self._connection()
            with self._send_lock:
                conn.send((items, siblings))
        except Exception as exc:  # no child, a broken pipe: these entries are not written
            self._lost(None, AuditWriterGone(type(exc).__name__))

    def append(self, values: dict[str, Any], timeout: float = 30.0) -> int:
        """Submit and wait: the entry's seq, or the exception that kept it from being written."""
        return self.submit(values).result(timeout)

    def close(self) -> None:
        with self._lock:
            conn, proc = self._conn, self._proc
            self._conn = self._proc = None
        if conn is not None:
            with contextlib.suppress(OSError):
                # Shut the socket down before closing it: the receiver thread is blocked in recv() on it, and
                # a close alone leaves the socket open until that call returns — the child would see no end
                # of input and be killed after the grace period (measured: 10 s at every close).
                with socket.fromfd(conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as peer:
                    peer.shutdown(socket.SHUT_RDWR)
                conn.close()
        if proc is not None:
            _end(proc, grace=10.0)

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None else None

    def _connection(self) -> Connection:
        with self._lock:
            if self._conn is not None and self._proc is not None and self._proc.poll() is None:
                return self._conn
            ours, theirs = socket.socketpair()
            with theirs:
                proc = subprocess.Popen(  # noqa: S603 — this interpreter, this module, a descriptor number
                    [sys.executable, "-m", __name__, str(theirs.fileno())], pass_fds=(theirs.fileno(),)
                )
            parent = Connection(ours.detach())
            parent.send(self.spec)
            self._conn, self._proc = parent, proc
            threading.Thread(target=self._receive, args=(parent,), name="xc-audit-receiver", daemon=True).start()
            return parent

    def _receive(self, conn: Connection) -> None:
        """Resolve the futures of each batch the child answers; when the child is gone, fail what waits."""
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            outcomes = []
            with self._lock:
                for token, seq, error in message:
                    future = self._pending.pop(token, None)
                    if future is not None:
                        outcomes.append((future, seq, AuditWriteFailed(error) if error else None))
            if any(exc is None for _f, _s, exc in outcomes):
                self.batches += 1
                self.entries += sum(1 for _f, _s, exc in outcomes if exc is None)
            resolve(outcomes)
        self._lost(conn)

    def _lost(self, conn: Connection | None, error: BaseException | None = None) -> None:
        """The child (or its pipe) is gone: refuse every entry still waiting; the next entry starts a new one."""
        with self._lock:
            if conn is not None and conn is not self._conn:
                return  # an old child's pipe: its entries were failed when it was replaced
            waiting = list(self._pending.values())
            self._pending.clear()
            old, self._conn = self._conn, None
            proc, self._proc = self._proc, None
        if old is not None:
            with contextlib.suppress(OSError):
                old.close()
        if proc is not None:
            _end(proc, grace=0.0)
        if waiting:
            log.warning("audit writer process gone; %d entries refused", len(waiting))
        gone = error or AuditWriterGone("audit writer process gone")
        resolve([(future, None, gone) for future in waiting])


def _end(proc: subprocess.Popen[bytes], grace: float) -> None:
    """Let the child finish what it holds (its pipe is closed: it exits), then kill it; reap it either way."""
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- the child -----------------------------------------------------------------------------------------
class _RelayWriter(AuditWriter):
    """The thread writer, answering each batch over the pipe instead of resolving futures."""

    def __init__(self, conn: Connection, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = conn
        self.send_lock = threading.Lock()

    def _resolve(self, outcomes: list[tuple[Any, int | None, BaseException | None]]) -> None:
        answer = [(token, seq, type(exc).__name__ if exc is not None else None) for token, seq, exc in outcomes]
        with self.send_lock, contextlib.suppress(OSError):
            self.conn.send(answer)


def child_main(conn: Connection, spec: WriterSpec) -> None:
    """The writer process: read entries from the pipe, commit them in groups, answer per batch."""
    from pathlib import Path

    from xingcheng.core.db import Database
    from xingcheng.exchange.audit.log import AuditLog, SignPolicy
    from xingcheng.exchange.audit.signer import HubKey

    database = Database(spec.database_url)
    audit = AuditLog(HubKey.load_or_create(Path(spec.key_path)), SignPolicy(spec.sign_every, spec.sign_seconds))
    hint = {"siblings": 0}
    writer = _RelayWriter(
        conn,
        audit,
        database.engine,
        commit_delay=spec.commit_delay,
        idle_seconds=3600.0,
        siblings=lambda: hint["siblings"],
    )
    try:
        while True:
            try:
                items, siblings = conn.recv()
            except (EOFError, OSError):
                break
            hint["siblings"] = siblings
            arrival = time.monotonic()
            for token, values in items:
                writer.enqueue(values, token, arrival)
    finally:
        database.dispose()


if __name__ == "__main__":
    _conn = Connection(int(sys.argv[1]))
    child_main(_conn, _conn.recv())
