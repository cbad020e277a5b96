"""RFC 9162's Merkle tree: hashes, inclusion and consistency proofs, and their verification.

Proofs are computed as the list of leaf ranges [start, end) whose tree hashes make them up, so a
store that keeps every complete (perfect, aligned) subtree's hash answers a proof with O(log n)
node reads: every range in the tree of RFC 9162 is a perfect subtree or splits into a few.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Range = tuple[int, int]
NodeKey = tuple[int, int]  # (level, index): leaves [index * 2**level, (index + 1) * 2**level)

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof asked for something the tree cannot answer (say, a size beyond it)."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(size: int) -> int:
    """The largest power of two smaller than `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def is_perfect(start: int, end: int) -> bool:
    size = end - start
    return size > 0 and size & (size - 1) == 0 and start % size == 0


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes, in one pass with O(log n) memory."""
    stack: list[tuple[int, bytes]] = []  # (size, hash) of the complete subtrees so far
    for hashed in leaf_hashes:
        size, current = 1, hashed
        while stack and stack[-1][0] == size:
            current = node_hash(stack.pop()[1], current)
            size *= 2
        stack.append((size, current))
    return root_of_stack(stack)


def root_of_stack(stack: Sequence[tuple[int, bytes]]) -> bytes:
    """The root over complete subtrees (size, hash), largest first, as `root_of` keeps them."""
    if not stack:
        return EMPTY_ROOT
    current = stack[-1][1]
    for _, hashed in reversed(stack[:-1]):
        current = node_hash(hashed, current)
    return current


def completed_nodes(index: int) -> list[NodeKey]:
    """The subtrees that leaf `index` completes, bottom up, above the leaf itself: appending it
    makes node (level, index >> level) whole for every level whose span it ends."""
    keys = []
    level = 1
    while (index + 1) % (1 << level) == 0:
        keys.append((level, index >> level))
        level += 1
    return keys


def nodes_of(start: int, end: int) -> list[NodeKey]:
    """The stored subtrees MTH(D[start:end]) is made of (a range of RFC 9162's tree)."""
    keys: list[NodeKey] = []
    while not is_perfect(start, end):
        k = split(end - start)
        keys.append(_key(start, start + k))
        start += k
    keys.append(_key(start, end))
    return keys


def _key(start: int, end: int) -> NodeKey:
    level = (end - start).bit_length() - 1
    return level, start >> level


def range_hash(start: int, end: int, node: Callable[[NodeKey], bytes]) -> bytes:
    keys = nodes_of(start, end)
    current = node(keys[-1])
    for key in reversed(keys[:-1]):
        current = node_hash(node(key), current)
    return current


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[size]) of RFC 9162 section 2.1.3.1, as ranges, leaf to root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(first, D[second]) of RFC 9162 section 2.1.4.1, as ranges."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from {first} to {second} leaves")
    if first == 0 or first == second:
        return []
    ranges: list[Range] = []
    start, end, m, whole = 0, second, first, True
    while end - start != m:
        k = split(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            m -= k
            whole = False
    if not whole:
        ranges.append((start, end))
    return ranges[::-1]


def nodes_for(ranges: Sequence[Range]) -> set[NodeKey]:
    return {key for start, end in ranges for key in nodes_of(start, end)}


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes],
                     root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2, `leaf` being the leaf's hash."""
    if not 0 <= index < size:
        return False
    fn, sn, current = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            current = node_hash(sibling, current)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            current = node_hash(current, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and current == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path
    proof = list(path)
    if first & (first - 1) == 0:
        proof.insert(0, first_root)
    if not proof:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for sibling in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(sibling, fr)
            sr = node_hash(sibling, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, sibling)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
