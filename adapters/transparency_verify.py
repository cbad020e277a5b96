"""`civicfund audit verify`: the log checked against its tree and its signed checkpoints.

Every stored event's leaf is recomputed from the event and compared with the tree's leaf at the
same position; the stored subtrees are recomputed from the leaves, level by level; every
checkpoint's signature is checked, and its root against the root of the log as it stands now,
cut at the checkpoint's size (so a rewrite anywhere before it shows), and each checkpoint's
consistency proof from the one before. A difference is reported with its position:
modified (the event's content changed), reordered (an event now stands at another position),
deleted (the tree holds a leaf for a position the log no longer has), inserted (the log has an
event the tree skipped).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from adapters import tables as t
from adapters.storage import EVENTS_TABLE
from adapters.transparency_checkpoints import Checkpoints
from adapters.transparency_keys import open_note
from adapters.transparency_log import POSITION, ranges_hashes, root_at
from adapters.transparency_tables import tlog_checkpoints, tlog_leaves, tlog_nodes
from domain.transparency import merkle
from domain.transparency.entries import entry_of, leaf_bytes
from domain.transparency.notes import NoteError

BATCH = 5000
MOST_PROBLEMS = 1000


@dataclass
class Problem:
    kind: str
    message: str
    position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "position": self.position, "message": self.message}


@dataclass
class Verification:
    events: int = 0
    sealed: int = 0
    unsealed: int = 0
    checkpoints: int = 0
    latest_checkpoint: int | None = None
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, message: str, position: int | None = None) -> None:
        if len(self.problems) < MOST_PROBLEMS:
            self.problems.append(Problem(kind, message, position))

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "sealed": self.sealed,
                "unsealed": self.unsealed, "checkpoints": self.checkpoints,
                "latest_checkpoint": self.latest_checkpoint,
                "seconds": round(self.seconds, 3),
                "problems": [p.as_dict() for p in self.problems]}


def _leaf(row, position: int | None = None) -> bytes:
    return merkle.leaf_hash(leaf_bytes(entry_of(
        row.id if position is None else position, row.originator_id,
        row.originator_version, row.topic, row.state)))


def _stored_rows(conn: sa.Connection, after: int) -> list[Any]:
    """The log's rows after a position, as stored (no domain objects: verify only hashes)."""
    table = EVENTS_TABLE[conn.dialect.name]
    position = "rowid" if conn.dialect.name == "sqlite" else "notification_id"
    return list(conn.execute(sa.text(
        f"SELECT {position} AS id, originator_id, originator_version, topic, state "  # noqa: S608
        f"FROM {table} WHERE {position} > :after ORDER BY {position} LIMIT :limit"),
        {"after": after, "limit": BATCH}))


def verify(engine: sa.Engine, checkpoints: Checkpoints) -> Verification:
    started = time.perf_counter()
    report = Verification()
    with engine.connect() as conn:
        signed = [(int(r.tree_size), bytes(r.root_hash), r.note) for r in conn.execute(
            sa.select(tlog_checkpoints).order_by(tlog_checkpoints.c.tree_size))]
        sealed_to = conn.execute(sa.select(t.projection_positions.c.position).where(
            t.projection_positions.c.name == POSITION)).scalar() or 0
        leaves = [(int(i), int(p), bytes(h)) for i, p, h in conn.execute(
            sa.select(tlog_leaves.c.leaf_index, tlog_leaves.c.position, tlog_leaves.c.leaf_hash)
            .order_by(tlog_leaves.c.leaf_index))]
        report.sealed = len(leaves)
        stored_at = {position: hashed for _, position, hashed in leaves}
        log_hashes = _compare_leaves(conn, leaves, stored_at, int(sealed_to), report)
        _check_nodes(conn, [hashed for _, _, hashed in leaves], report)
        _check_checkpoints(conn, signed, log_hashes, len(leaves), checkpoints, report)
    report.seconds = time.perf_counter() - started
    return report


def _compare_leaves(conn: sa.Connection, leaves: list[tuple[int, int, bytes]],
                    stored_at: dict[int, bytes], sealed_to: int,
                    report: Verification) -> list[bytes]:
    """Walk the log beside the tree's leaves; returns the log's leaf hashes as it stands now."""
    previous = 0
    for expected, (index, position, _) in enumerate(leaves):
        if index != expected or position <= previous:
            report.add("tree", f"the tree's leaf {index} is out of order", position)
            break
        previous = position
    log_hashes: list[bytes] = []
    changed: dict[int, Any] = {}
    seen: set[int] = set()
    after = 0
    while True:
        batch = _stored_rows(conn, after)
        for notification in batch:
            hashed = _leaf(notification)
            log_hashes.append(hashed)
            position = notification.id
            stored = stored_at.get(position)
            if stored is None:
                if position <= sealed_to:
                    report.add("inserted", f"the event at position {position} is not in the "
                               "tree: it was inserted after its place was sealed", position)
                else:
                    report.unsealed += 1
            else:
                seen.add(position)
                if stored != hashed:
                    changed[position] = notification
        report.events += len(batch)
        if len(batch) < BATCH:
            break
        after = batch[-1].id
    for position in stored_at.keys() - seen:
        report.add("deleted", f"the event at position {position} is in the tree but no longer "
                   "in the log", position)
    for position, notification in sorted(changed.items()):
        moved_from = next((other for other in changed if other != position
                           and _leaf(notification, other) == stored_at[other]), None)
        if moved_from is not None:
            report.add("reordered", f"the event at position {position} was sealed at position "
                       f"{moved_from}", position)
        else:
            report.add("modified", f"the event at position {position} differs from the one "
                       "sealed there", position)
    report.problems.sort(key=lambda p: (p.position is None, p.position or 0))
    return log_hashes


def _check_nodes(conn: sa.Connection, level_below: list[bytes], report: Verification) -> None:
    """Every stored subtree, recomputed from the level below it."""
    level = 1
    while len(level_below) >= 2:
        expected = [merkle.node_hash(level_below[i], level_below[i + 1])
                    for i in range(0, len(level_below) - 1, 2)]
        stored = {int(i): bytes(h) for i, h in conn.execute(
            sa.select(tlog_nodes.c.node_index, tlog_nodes.c.node_hash)
            .where(tlog_nodes.c.level == level))}
        for index, hashed in enumerate(expected):
            if stored.get(index) != hashed:
                report.add("tree", f"the tree's node {index} at level {level} does not match "
                           "the leaves below it")
                return
        if len(stored) != len(expected):
            report.add("tree", f"the tree holds nodes at level {level} no leaves support")
            return
        level_below = expected
        level += 1


def _check_checkpoints(conn: sa.Connection, signed: list[tuple[int, bytes, str]],
                       log_hashes: list[bytes], tree_size: int, checkpoints: Checkpoints,
                       report: Verification) -> None:
    report.checkpoints = len(signed)
    report.latest_checkpoint = signed[-1][0] if signed else None
    wanted = {size for size, _, _ in signed}
    roots: dict[int, bytes] = {}
    stack: list[tuple[int, bytes]] = []
    for count, hashed in enumerate(log_hashes, start=1):
        size, current = 1, hashed
        while stack and stack[-1][0] == size:
            current = merkle.node_hash(stack.pop()[1], current)
            size *= 2
        stack.append((size, current))
        if count in wanted:
            roots[count] = merkle.root_of_stack(stack)
    roots[0] = merkle.EMPTY_ROOT
    previous: tuple[int, bytes] | None = None
    for size, root, note in signed:
        try:
            checkpoint = open_note(note, checkpoints.verifier)
        except NoteError as error:
            report.add("checkpoint", f"the checkpoint of {size} entries: {error}")
            continue
        if (checkpoint.tree_size, checkpoint.root_hash) != (size, root):
            report.add("checkpoint", f"the checkpoint of {size} entries says otherwise than "
                       "its signed note")
        if size > tree_size:
            report.add("checkpoint", f"the checkpoint of {size} entries is larger than the "
                       f"tree ({tree_size})")
            continue
        if roots.get(size) != checkpoint.root_hash:
            report.add("checkpoint", f"the log as it stands does not have the root signed "
                       f"for its first {size} entries: it was rewritten")
        if root_at(conn, size) != checkpoint.root_hash:
            report.add("checkpoint", f"the tree's root at {size} entries is not the signed one")
        elif previous is not None:
            proof = ranges_hashes(conn, merkle.consistency_ranges(previous[0], size))
            if not merkle.verify_consistency(previous[0], size, previous[1], root, proof):
                report.add("checkpoint", f"the checkpoint of {size} entries is not consistent "
                           f"with the one of {previous[0]}")
        previous = (size, checkpoint.root_hash)
