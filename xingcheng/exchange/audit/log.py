"""Appending to the audit log and proving what it holds.

``append`` serialises writers on the one head row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
first write of the transaction takes the database's single write lock), links the entry to the last one,
updates the Merkle frontier and, every N entries or T seconds, signs a tree head. It flushes: if the
entry cannot be written, the caller's call fails with it — nothing is served without its audit entry.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from xingcheng.core.db import utcnow
from xingcheng.core.errors import NotFound, ValidationFailed
from xingcheng.exchange.audit import merkle
from xingcheng.exchange.audit.canonical import CANONICAL_FIELDS, GENESIS, canonical_bytes
from xingcheng.exchange.audit.signer import HubKey
from xingcheng.exchange.models import AuditEntry, AuditState, TreeHead

__all__ = ["AuditLog", "SignPolicy"]

_STATE_ID = 1
_STATE = AuditState.__table__
_ENTRY = AuditEntry.__table__


# On the path of every call: statements built once.
# One statement takes the head row's lock (PostgreSQL: the row; SQLite: the database's write lock, so no other
# writer slips in between our read and our write) and reads it.
_LOCK_AND_READ = update(_STATE).where(_STATE.c.id == _STATE_ID).values(size=_STATE.c.size).returning(*_STATE.c)
_INSERT_ENTRY = insert(_ENTRY)
_WRITE_STATE = (
    update(_STATE)
    .where(_STATE.c.id == _STATE_ID)
    .values(size=bindparam("new_size"), last_hash=bindparam("new_last_hash"), frontier=bindparam("new_frontier"))
)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class SignPolicy:
    every: int = 1000
    seconds: float = 300.0


class AuditLog:
    def __init__(self, key: HubKey, policy: SignPolicy) -> None:
        self.key = key
        self.policy = policy
        # Hashes of complete, aligned perfect subtrees never change: cache them for proofs.
        self._subtrees: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    # -- writing -----------------------------------------------------------------------------------
    # Core statements on the caller's connection (same transaction), not the ORM: an append is on the path of
    # every call.
    def _state(self, conn: Connection) -> Any:
        row = conn.execute(_LOCK_AND_READ).first()
        if row is None:
            conn.execute(insert(_STATE).values(id=_STATE_ID, size=0, last_hash=GENESIS, frontier=[], signed_size=0))
            row = conn.execute(_LOCK_AND_READ).one()
        return row

    def append(self, db: Session, *, at: dt.datetime | None = None, **values: Any) -> int:
        """Append one entry (``kind``, ``action``, ``outcome``, ``actor`` and the optional columns); its seq."""
        if at is not None:
            values["at"] = at
        return self.append_many(db, [values])[0]

    def append_many(self, db: Session | Connection, batch: list[dict[str, Any]]) -> list[int]:
        """Append entries in the given order in the session's (or connection's) transaction; their seqs.

        One read and one write of the head row and one multi-row insert for the whole batch: the group
        commit of the gateway's :class:`~xingcheng.exchange.audit.writer.AuditWriter` rests on this. A tree
        head is signed wherever the policy falls due inside the batch.
        """
        if not batch:
            return []
        conn = db.connection() if isinstance(db, Session) else db
        state = self._state(conn)
        frontier = merkle.Frontier(state.size, [bytes.fromhex(h) for h in state.frontier])
        last_hash, signed_size, signed_at = state.last_hash, state.signed_size, state.signed_at
        rows: list[dict[str, Any]] = []
        changes: dict[str, Any] = {}
        every = self.policy.every
        for values in batch:
            values = dict(values)
            values.setdefault("fields", [])
            values.setdefault("detail", {})
            for name in ("purpose", "case_ref", "end_user", "xc_request_id", "request_hash", "response_hash"):
                values[name] = values.get(name) or ""
            values["row_count"] = int(values.get("row_count") or 0)
            entry = {**{name: values.get(name) for name in CANONICAL_FIELDS}, "seq": frontier.size + 1}
            entry["at"] = values.get("at") or utcnow()
            entry["prev_hash"] = last_hash
            leaf = merkle.leaf_hash(canonical_bytes(entry))
            rows.append({**entry, "entry_hash": leaf.hex()})
            frontier.append(leaf)
            last_hash = leaf.hex()
            now = utcnow()
            due = (
                frontier.size % every == 0
                or frontier.size - signed_size >= every
                or (signed_at is not None and (now - _aware(signed_at)).total_seconds() >= self.policy.seconds)
            )
            if due or signed_at is None:
                changes.update(self._sign(conn, frontier.size, frontier.root(), now))
                signed_size, signed_at = frontier.size, now
        conn.execute(_INSERT_ENTRY, rows)
        if changes:  # a head was signed in this batch
            conn.execute(update(_STATE).where(_STATE.c.id == _STATE_ID).values(**changes))
        conn.execute(
            _WRITE_STATE,
            {"new_size": frontier.size, "new_last_hash": last_hash, "new_frontier": [h.hex() for h in frontier.roots]},
        )
        return [int(r["seq"]) for r in rows]

    def sign_now(self, db: Session) -> TreeHead | None:
        """Sign the current tree head unless it is signed already (``xingcheng audit sign``, timers)."""
        conn = db.connection()
        state = self._state(conn)
        if state.size == 0 or state.size == state.signed_size:
            return None
        root = merkle.root_from_frontier([bytes.fromhex(h) for h in state.frontier])
        changes = self._sign(conn, state.size, root, utcnow())
        conn.execute(update(_STATE).where(_STATE.c.id == _STATE_ID).values(**changes))
        return self.head_of_size(db, state.size)

    def _sign(self, conn: Any, size: int, root: bytes, now: dt.datetime) -> dict[str, Any]:
        ts = int(now.timestamp() * 1000)
        conn.execute(
            insert(TreeHead.__table__).values(
                tree_size=size,
                root_hash=root.hex(),
                timestamp_ms=ts,
                signature=self.key.sign_tree_head(size, ts, root),
                key_id=self.key.key_id,
            )
        )
        return {"signed_size": size, "signed_at": now}

    # -- reading and proving -----------------------------------------------------------------------
    @staticmethod
    def size(db: Session) -> int:
        return db.scalar(select(AuditState.size).where(AuditState.id == _STATE_ID)) or 0

    @staticmethod
    def latest_head(db: Session) -> TreeHead | None:
        return db.scalar(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1))

    @staticmethod
    def head_of_size(db: Session, size: int) -> TreeHead | None:
        return db.scalar(select(TreeHead).where(TreeHead.tree_size == size))

    def _hasher(self, db: Session, size: int) -> merkle.HashOf:
        leaves: dict[int, bytes] = {}

        def leaf(i: int) -> bytes:
            if i not in leaves:
                # Fetch a window of leaves at once; proofs touch contiguous ranges.
                lo = i - i % 4096
                rows = db.execute(
                    select(AuditEntry.seq, AuditEntry.entry_hash)
                    .where(AuditEntry.seq > lo, AuditEntry.seq <= min(lo + 4096, size))
                    .order_by(AuditEntry.seq)
                )
                for seq, h in rows:
                    leaves[seq - 1] = bytes.fromhex(h)
                if i not in leaves:
                    raise NotFound("exchange.audit.entry_missing")
            return leaves[i]

        def mth(start: int, end: int) -> bytes:
            n = end - start
            if n == 0:
                return merkle.EMPTY_ROOT
            if n == 1:
                return leaf(start)
            perfect = n & (n - 1) == 0 and start % n == 0
            if perfect and n >= 256:
                with self._lock:
                    cached = self._subtrees.get((start, n))
                if cached is not None:
                    return cached
            k = 1 << ((n - 1).bit_length() - 1)
            value = merkle.node_hash(mth(start, start + k), mth(start + k, end))
            if perfect and n >= 256:
                with self._lock:
                    self._subtrees[(start, n)] = value
                    if len(self._subtrees) > 100_000:
                        self._subtrees.popitem(last=False)
            return value

        return mth

    def _check_size(self, db: Session, size: int) -> None:
        if not 0 < size <= self.size(db):
            raise ValidationFailed(
                errors=[{"field": "tree_size", "code": "out_of_range", "message_key": "exchange.audit.size_invalid"}]
            )

    def root(self, db: Session, size: int) -> bytes:
        self._check_size(db, size)
        return self._hasher(db, size)(0, size)

    def inclusion(self, db: Session, leaf_index: int, size: int) -> list[bytes]:
        self._check_size(db, size)
        if not 0 <= leaf_index < size:
            raise ValidationFailed(
                errors=[{"field": "leaf_index", "code": "out_of_range", "message_key": "exchange.audit.index_invalid"}]
            )
        return merkle.inclusion_path(leaf_index, size, self._hasher(db, size))

    def consistency(self, db: Session, first: int, second: int) -> list[bytes]:
        self._check_size(db, second)
        if not 0 < first <= second:
            raise ValidationFailed(
                errors=[{"field": "first", "code": "out_of_range", "message_key": "exchange.audit.size_invalid"}]
            )
        return merkle.consistency_proof(first, second, self._hasher(db, second))

    @staticmethod
    def entry(db: Session, seq: int) -> AuditEntry:
        entry = db.get(AuditEntry, seq)
        if entry is None:
            raise NotFound("exchange.audit.entry_missing")
        return entry

    @staticmethod
    def count(db: Session) -> int:
        return db.scalar(select(func.count()).select_from(AuditEntry)) or 0
