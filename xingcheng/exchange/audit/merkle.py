"""RFC 9162 (Certificate Transparency 2.0) Merkle trees over a list of leaf hashes: tree hashes, inclusion
and consistency proofs, and their verification (sections 2.1.1 – 2.1.4.2).

Hashes are ``bytes`` of 32. The leaf hash of an entry is SHA-256(0x00 || entry), a node is
SHA-256(0x01 || left || right); the hash of an empty tree is SHA-256 of nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "Frontier",
    "consistency_proof",
    "inclusion_path",
    "leaf_hash",
    "node_hash",
    "root_from_frontier",
    "tree_hash",
    "verify_consistency",
    "verify_inclusion",
]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """The roots of the perfect subtrees of a growing tree, largest first: O(log n) state per append."""

    def __init__(self, size: int = 0, roots: Sequence[bytes] = ()) -> None:
        self.size = size
        self.roots = list(roots)

    def append(self, leaf: bytes) -> None:
        self.roots.append(leaf)
        self.size += 1
        # Each trailing 1-bit of the old size is a perfect subtree that now merges with its right sibling.
        n = self.size
        while n % 2 == 0:
            right = self.roots.pop()
            left = self.roots.pop()
            self.roots.append(node_hash(left, right))
            n //= 2

    def root(self) -> bytes:
        return root_from_frontier(self.roots)


def root_from_frontier(roots: Sequence[bytes]) -> bytes:
    """MTH from the perfect-subtree roots: the rightmost are combined first (RFC 9162's split is leftmost-largest)."""
    if not roots:
        return EMPTY_ROOT
    acc = roots[-1]
    for r in reversed(roots[:-1]):
        acc = node_hash(r, acc)
    return acc


HashOf = Callable[[int, int], bytes]  # (start, end) → MTH of leaves[start:end]


def list_hasher(leaves: Sequence[bytes]) -> HashOf:
    def mth(start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n == 1:
            return leaves[start]
        k = _split(n)
        return node_hash(mth(start, start + k), mth(start + k, end))

    return mth


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    return list_hasher(leaves)(0, len(leaves))


def inclusion_path(m: int, n: int, mth: HashOf) -> list[bytes]:
    """PATH(m, D[0:n]) of RFC 9162 2.1.3.1, with ``mth(start, end)`` giving subtree hashes."""
    if not 0 <= m < n:
        raise ValueError("leaf index out of range")

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*path(m, start, start + k), mth(start + k, end)]
        return [*path(m - k, start + k, end), mth(start, start + k)]

    return path(m, 0, n)


def consistency_proof(m: int, n: int, mth: HashOf) -> list[bytes]:
    """PROOF(m, D[0:n]) of RFC 9162 2.1.4.1 (empty when m == n; 0 < m <= n)."""
    if not 0 < m <= n:
        raise ValueError("tree sizes out of range")

    def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [mth(start, end)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, start, start + k, whole), mth(start + k, end)]
        return [*subproof(m - k, start + k, end, False), mth(start, start + k)]

    return subproof(m, 0, n, True)


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes) -> bool:
    """RFC 9162 2.1.4.2."""
    if first == second:
        return not proof and first_root == second_root
    if not 0 < first < second or not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is the start of the path
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
