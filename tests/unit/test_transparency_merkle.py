"""The tree, its proofs and the signed-note text, against RFC 9162's and C2SP's definitions."""

from __future__ import annotations

import hashlib

import pytest

from domain.transparency import merkle
from domain.transparency.notes import (
    Checkpoint,
    NoteError,
    Signature,
    parse_checkpoint,
    parse_signed_note,
    parse_verifier_key,
    signed_note,
    verifier_key,
)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, written as the RFC states it."""
    n = len(leaves)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 section 2.1.3.1."""
    n = len(leaves)
    if n == 1:
        return []
    k = merkle.split(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """RFC 9162 section 2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if whole else [mth(leaves)]
    k = merkle.split(n)
    if m <= k:
        return [*subproof(m, leaves[:k], whole), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


LEAVES = [f"leaf {i}".encode() for i in range(37)]


def stored_nodes(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every perfect subtree's hash, as the sealer stores them."""
    nodes = {(0, i): merkle.leaf_hash(leaf) for i, leaf in enumerate(leaves)}
    for i in range(len(leaves)):
        for level, index in merkle.completed_nodes(i):
            nodes[level, index] = merkle.node_hash(nodes[level - 1, 2 * index],
                                                   nodes[level - 1, 2 * index + 1])
    return nodes


NODES = stored_nodes(LEAVES)


def test_roots_match_the_rfc_definition_for_every_size() -> None:
    assert merkle.root_of([]) == sha(b"")
    for n in range(1, len(LEAVES) + 1):
        expected = mth(LEAVES[:n])
        assert merkle.root_of(merkle.leaf_hash(x) for x in LEAVES[:n]) == expected
        assert merkle.range_hash(0, n, NODES.__getitem__) == expected


def test_inclusion_proofs_match_the_rfc_and_verify() -> None:
    for n in range(1, len(LEAVES) + 1):
        root = mth(LEAVES[:n])
        for m in range(n):
            proof = [merkle.range_hash(s, e, NODES.__getitem__)
                     for s, e in merkle.inclusion_ranges(m, n)]
            assert proof == path(m, LEAVES[:n])
            leaf = merkle.leaf_hash(LEAVES[m])
            assert merkle.verify_inclusion(m, n, leaf, proof, root)
            assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(b"forged"), proof, root)
            if proof:
                bent = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
                assert not merkle.verify_inclusion(m, n, leaf, bent, root)


def test_consistency_proofs_match_the_rfc_and_verify() -> None:
    for n in range(1, len(LEAVES) + 1):
        new_root = mth(LEAVES[:n])
        for m in range(1, n + 1):
            proof = [merkle.range_hash(s, e, NODES.__getitem__)
                     for s, e in merkle.consistency_ranges(m, n)]
            assert proof == (subproof(m, LEAVES[:n], True) if m < n else [])
            old_root = mth(LEAVES[:m])
            assert merkle.verify_consistency(m, n, old_root, new_root, proof)
            forked = mth([b"other", *LEAVES[1:m]])
            assert not merkle.verify_consistency(m, n, forked, new_root, proof)


def test_proofs_read_few_stored_nodes() -> None:
    size = 1_000_003
    for m in (0, 1, 524_287, 999_999, size - 1):
        keys = merkle.nodes_for(merkle.inclusion_ranges(m, size))
        assert len(keys) <= 2 * size.bit_length()
    assert len(merkle.nodes_for(merkle.consistency_ranges(700_001, size))) <= 2 * 21


def test_impossible_proofs_are_refused() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_ranges(6, 5)


def test_signed_note_round_trip_and_key_text() -> None:
    key = verifier_key("civicfund.example.org/log", bytes(range(32)))
    assert parse_verifier_key(key.text()) == key
    assert key.text().startswith("civicfund.example.org/log+")
    checkpoint = Checkpoint("civicfund.example.org/log", 12, sha(b"x"))
    note = signed_note(checkpoint.body(), [Signature(key.name, key.key_id, b"s" * 64)])
    assert note.splitlines()[:4] == ["civicfund.example.org/log", "12",
                                     checkpoint.body().split("\n")[2], ""]
    assert note.splitlines()[4].startswith("\u2014 civicfund.example.org/log ")
    body, signatures = parse_signed_note(note)
    assert parse_checkpoint(body) == checkpoint
    assert signatures == [Signature(key.name, key.key_id, b"s" * 64)]


@pytest.mark.parametrize("text", [
    "origin\n12\nnot base64!\n\n\u2014 k AAAAAAA=\n",
    "origin\n012\n" + "A" * 44 + "\n\n\u2014 k AAAAAAA=\n",
    "origin\n12\n" + "A" * 44 + "\n\u2014 k AAAAAAA=\n",
    "origin\n12\n" + "A" * 44 + "\n\n- k AAAAAAA=\n",
])
def test_malformed_notes_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(NoteError):
        body, _ = parse_signed_note(text)
        parse_checkpoint(body)
