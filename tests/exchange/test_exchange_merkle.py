"""RFC 9162 Merkle trees: our tree hashes and proofs against an independent re-implementation written here
from the RFC's definitions (recursive MTH, PATH and PROOF; verification by recomputing roots)."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from xingcheng.exchange.audit import merkle


# -- the independent re-implementation (RFC 9162 section 2.1, written from the text) ------------------
def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(entries: list[bytes]) -> bytes:
    n = len(entries)
    if n == 0:
        return h(b"")
    if n == 1:
        return h(b"\x00" + entries[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return h(b"\x01" + mth(entries[:k]) + mth(entries[k:]))


def path(m: int, entries: list[bytes]) -> list[bytes]:
    n = len(entries)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def subproof(m: int, entries: list[bytes], b: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if b else [mth(entries)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, entries[:k], b), mth(entries[k:])]
    return [*subproof(m - k, entries[k:], False), mth(entries[:k])]


def root_from_path(leaf: bytes, m: int, n: int, proof: list[bytes]) -> bytes:
    """Recompute the root by walking the same recursion as PATH (an independent verifier)."""
    if n == 1:
        assert not proof
        return leaf
    k = 1
    while k * 2 < n:
        k *= 2
    last, rest = proof[-1], proof[:-1]
    if m < k:
        return h(b"\x01" + root_from_path(leaf, m, k, rest) + last)
    return h(b"\x01" + last + root_from_path(leaf, m - k, n - k, rest))


def entries_of(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


def test_known_values() -> None:
    assert merkle.tree_hash([]) == hashlib.sha256(b"").digest()
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=140), st.data())
def test_tree_hash_inclusion_and_consistency(n: int, data) -> None:
    entries = entries_of(n)
    leaves = [merkle.leaf_hash(e) for e in entries]
    hasher = merkle.list_hasher(leaves)
    assert merkle.tree_hash(leaves) == mth(entries)
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    assert frontier.root() == mth(entries)

    m = data.draw(st.integers(min_value=0, max_value=n - 1))
    ours = merkle.inclusion_path(m, n, hasher)
    assert ours == path(m, entries)
    assert root_from_path(leaves[m], m, n, ours) == mth(entries)
    assert merkle.verify_inclusion(leaves[m], m, n, ours, mth(entries))
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), m, n, ours, mth(entries))

    first = data.draw(st.integers(min_value=1, max_value=n))
    proof = merkle.consistency_proof(first, n, hasher)
    assert proof == subproof(first, entries, True)
    assert merkle.verify_consistency(first, n, proof, mth(entries[:first]), mth(entries))
    if first < n:
        assert not merkle.verify_consistency(first, n, proof, mth(entries_of(first + 1)[1:]), mth(entries))
