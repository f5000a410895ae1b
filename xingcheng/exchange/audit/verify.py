"""Verify the whole audit log from its rows: every entry's hash, the chain, the sequence, the head row and
every signed tree head. Used by ``xingcheng audit verify`` (exit status 1 on any problem) and the audit page.

What it finds, by kind: ``edited`` (an entry's content no longer gives its hash), ``deleted`` (a gap in
the sequence, or signed heads / the head row larger than the log), ``inserted`` (an entry the chain does
not lead to, a duplicate or surplus entry), ``reordered`` (entries whose hashes are intact but out of their
chain order), ``chain`` (a link that fits none of these), ``signature`` and ``root`` (a tree head whose
signature or root does not match the entries).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from xingcheng.exchange.audit import merkle
from xingcheng.exchange.audit.canonical import CANONICAL_FIELDS, GENESIS, canonical_bytes
from xingcheng.exchange.audit.signer import HubKey, verify_tree_head
from xingcheng.exchange.models import AuditEntry, AuditState, TreeHead

__all__ = ["Problem", "VerifyReport", "verify_log"]

_COLUMNS = [getattr(AuditEntry, name) for name in CANONICAL_FIELDS] + [AuditEntry.entry_hash]


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    seq: int | None
    detail: str = ""


@dataclass
class VerifyReport:
    entries: int = 0
    heads_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def kinds(self) -> list[str]:
        return sorted({p.kind for p in self.problems})


def verify_log(
    db: Session, key: HubKey, *, progress: Callable[[int, int], None] | None = None, batch: int = 20_000
) -> VerifyReport:
    report = VerifyReport()
    problems = report.problems
    state = db.get(AuditState, 1)
    heads = {h.tree_size: h for h in db.scalars(select(TreeHead).order_by(TreeHead.tree_size))}
    expected_total = state.size if state else 0
    frontier = merkle.Frontier()
    expected_seq = 1
    prev = GENESIS
    seen_hashes: dict[str, int] = {}
    last_seq = 0
    stmt = select(*_COLUMNS).order_by(AuditEntry.seq, AuditEntry.entry_hash).execution_options(yield_per=batch)
    for row in db.execute(stmt):
        values = dict(zip(CANONICAL_FIELDS, row[:-1], strict=True))
        stored = row[-1]
        seq = values["seq"]
        report.entries += 1
        if seq == last_seq:
            problems.append(Problem("inserted", seq, "duplicate sequence number"))
            continue
        if seq > expected_seq:
            problems.append(Problem("deleted", expected_seq, f"entries {expected_seq}..{seq - 1} missing"))
        elif seq < expected_seq:
            problems.append(Problem("reordered", seq, "sequence goes backwards"))
        computed = merkle.leaf_hash(canonical_bytes(values)).hex()
        if computed != stored:
            problems.append(Problem("edited", seq, "content does not give the stored hash"))
        elif values["prev_hash"] != prev:
            if values["prev_hash"] in seen_hashes:
                problems.append(Problem("reordered", seq, f"links to entry {seen_hashes[values['prev_hash']]}"))
            elif seq > expected_seq:
                pass  # already reported as deleted
            else:
                problems.append(Problem("inserted", seq, "does not link to the entry before it"))
        seen_hashes[stored] = seq
        frontier.append(bytes.fromhex(stored))
        prev, last_seq, expected_seq = stored, seq, seq + 1
        head = heads.get(frontier.size)
        if head is not None:
            _check_head(key, head, frontier.root(), report)
        if progress is not None and report.entries % batch == 0:
            progress(report.entries, expected_total)
    if state is not None:
        if state.size < report.entries:
            problems.append(Problem("inserted", state.size + 1, "more entries than the head row records"))
        elif state.size > report.entries:
            problems.append(Problem("deleted", report.entries + 1, "fewer entries than the head row records"))
        if state.size == report.entries and state.last_hash != prev:
            problems.append(Problem("chain", last_seq, "last hash differs from the head row"))
    for size in heads:
        if size > frontier.size:
            problems.append(Problem("deleted", size, "a signed tree head covers entries that are gone"))
    if progress is not None:
        progress(report.entries, expected_total)
    return report


def _check_head(key: HubKey, head: TreeHead, root: bytes, report: VerifyReport) -> None:
    report.heads_checked += 1
    if head.root_hash != root.hex():
        report.problems.append(Problem("root", head.tree_size, "signed root differs from the entries"))
    if head.key_id == key.key_id and not verify_tree_head(
        key.public, head.tree_size, head.timestamp_ms, bytes.fromhex(head.root_hash), head.signature
    ):
        report.problems.append(Problem("signature", head.tree_size, "bad signature"))
    elif head.key_id != key.key_id:
        report.problems.append(Problem("signature", head.tree_size, "signed by an unknown key"))
