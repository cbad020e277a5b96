"""Receipt bundles: an aggregate's log entries (a pledge's, say), each with its inclusion proof
in the tree of a signed checkpoint, that checkpoint and the key that verifies it. Anyone can
check a bundle offline with tools/verify_receipt.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.follower import read_log
from adapters.transparency_checkpoints import Checkpoints
from adapters.transparency_log import TransparencyLog, entries_of
from domain.transparency.entries import entry_of
from domain.transparency.notes import b64

FORMAT = "civicfund-receipt/1"


Naming = dict[str, str] | None


def _named(entries: list[dict], naming: Naming) -> list[dict]:
    """With `naming` ({"commitment_id": id}), only the entries whose payload says so: one
    investor's commitment among an offer's events."""
    if not naming:
        return entries
    return [e for e in entries
            if all(e["payload"].get(field) == value for field, value in naming.items())]


def positions_of(tlog: TransparencyLog, aggregate_id: UUID, naming: Naming = None) -> list[int]:
    with tlog.reads.connect() as conn:
        return [entry["position"] for entry in _named(entries_of(conn, aggregate_id), naming)]


def receipt_bundle(tlog: TransparencyLog, checkpoints: Checkpoints,
                   aggregate_ids: list[UUID], naming: Naming = None) -> dict[str, Any]:
    """Seals what is not sealed yet and signs a checkpoint if the latest does not cover the
    entries, so every receipt verifies at once."""
    with tlog.reads.connect() as conn:
        entries = sorted((e for a in aggregate_ids for e in _named(entries_of(conn, a), naming)),
                         key=lambda e: e["position"])
    return _bundle(tlog, checkpoints, entries)


def event_bundle(tlog: TransparencyLog, checkpoints: Checkpoints, position: int
                 ) -> dict[str, Any] | None:
    """The receipt of the one event at a position (a line of an explained figure); None if the
    log has none there."""
    with tlog.reads.connect() as conn:
        found = read_log(conn, after=position - 1, limit=1) if position > 0 else []
    if not found or found[0].id != position:
        return None
    n = found[0]
    return _bundle(tlog, checkpoints, [entry_of(n.id, n.originator_id, n.originator_version,
                                                n.topic, n.state)])


def covering_checkpoint(tlog: TransparencyLog, checkpoints: Checkpoints,
                        positions: list[int]) -> tuple[Any, dict[int, int]]:
    """A signed checkpoint whose tree holds every one of the positions (sealing and signing
    one if the latest does not), and each position's leaf index."""
    tlog.seal()
    leaves = tlog.positions(positions)
    checkpoint = checkpoints.latest()
    needed = max(leaves.values(), default=-1) + 1
    if checkpoint is None or checkpoint.tree_size < needed:
        checkpoint = checkpoints.sign()
    return checkpoint, leaves


def _bundle(tlog: TransparencyLog, checkpoints: Checkpoints, entries: list[dict]
            ) -> dict[str, Any]:
    checkpoint, _ = covering_checkpoint(tlog, checkpoints, [e["position"] for e in entries])
    proofs = []
    for entry in entries:
        proof = tlog.inclusion(entry["position"], checkpoint.tree_size)
        proofs.append({"position": entry["position"], "leaf_index": proof.leaf_index,
                       "tree_size": proof.tree_size, "leaf_hash": b64(proof.leaf_hash),
                       "hashes": [b64(h) for h in proof.hashes]})
    return {"format": FORMAT, "entries": entries, "proofs": proofs,
            "checkpoint": checkpoint.note, "verifier_key": checkpoints.verifier.text()}
