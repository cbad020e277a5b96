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

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha256
from multiprocessing import get_context
from typing import Any

import sqlalchemy as sa

from adapters import tables as t
from adapters.storage import EVENTS_TABLE
from adapters.transparency_checkpoints import Checkpoints
from adapters.transparency_keys import open_note
from adapters.transparency_leaves import leaf_hashes
from adapters.transparency_log import POSITION, ranges_hashes, root_at
from adapters.transparency_tables import tlog_checkpoints
from domain.transparency import merkle
from domain.transparency.notes import NoteError

PAGE = 20_000
# Below this many events a pool of processes costs more than it saves.
PARALLEL_FROM = 60_000
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


Row = tuple[int, Any, int, str, bytes]  # position, aggregate id, version, topic, state
Hashed = tuple[list[int], bytes]  # positions, and their leaf hashes joined


def _rows_query(dialect: str, where: str) -> str:
    """The log's rows as stored, read through the driver's own cursor (verify only hashes: no
    domain objects, no SQLAlchemy rows)."""
    table = EVENTS_TABLE[dialect]
    sqlite = dialect == "sqlite"
    position = "rowid" if sqlite else "notification_id"
    # PostgreSQL's ids as 32 hex digits, as SQLite keeps them: the entry writes them as text.
    aggregate = "originator_id" if sqlite else "replace(originator_id::text, '-', '')"
    return (f"SELECT {position}, {aggregate}, originator_version, topic, state "  # noqa: S608
            f"FROM {table} WHERE {where.format(position=position)} ORDER BY {position}")


def _rows_between(conn: sa.Connection, low: int, high: int) -> list[Row]:
    """The events at positions low < p <= high."""
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    return _raw(conn, _rows_query(conn.dialect.name, f"{{position}} > {mark} "
                                  f"AND {{position}} <= {mark}"), (low, high))


def _rows_at(conn: sa.Connection, positions: list[int]) -> list[Row]:
    rows: list[Row] = []
    for start in range(0, len(positions), 500):
        chunk = ",".join(str(int(p)) for p in positions[start:start + 500])
        rows += _raw(conn, _rows_query(conn.dialect.name, f"{{position}} IN ({chunk})"))
    return rows


def _hash_between(conn: sa.Connection, low: int, high: int) -> Hashed:
    rows = _rows_between(conn, low, high)
    return [row[0] for row in rows], b"".join(leaf_hashes(rows))


_WORKER_ENGINES: dict[str, sa.Engine] = {}


def _hash_between_in_worker(url: str, low: int, high: int) -> Hashed:
    """In a worker process: reads its own stretch of the log on a connection of its own, so
    the rows never pass through the parent."""
    engine = _WORKER_ENGINES.get(url)
    if engine is None:
        engine = _WORKER_ENGINES[url] = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        return _hash_between(conn, low, high)


def _stretches(low: int, high: int) -> list[tuple[int, int]]:
    return [(start, min(start + PAGE, high)) for start in range(low, high, PAGE)]


@contextmanager
def _hashing(conn: sa.Connection, engine: sa.Engine, parallel: bool
             ) -> Iterator[Callable[[], Hashed]]:
    """Every position of the log and its leaf hash, in log order, when the yielded function is
    called; on a large log one process per core reads and hashes a stretch of positions at a
    time, starting at once, so this process can check the tree meanwhile."""
    dialect = conn.dialect.name
    position = "rowid" if dialect == "sqlite" else "notification_id"
    [(low, high)] = _raw(conn, f"SELECT min({position}), max({position}) "  # noqa: S608
                               f"FROM {EVENTS_TABLE[dialect]}")
    stretches = [] if low is None else _stretches(int(low) - 1, int(high))
    if not parallel:
        yield lambda: _joined([_hash_between(conn, a, b) for a, b in stretches])
        return
    url = engine.url.render_as_string(hide_password=False)
    workers = max(2, os.cpu_count() or 1)
    # Forked, so the workers need not import the main module again (a script without a main
    # guard would run twice); they exit without cleanup.
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        parts = [pool.submit(_hash_between_in_worker, url, a, b) for a, b in stretches]
        yield lambda: _joined([part.result() for part in parts])


def _joined(parts: list[Hashed]) -> Hashed:
    positions: list[int] = []
    for part_positions, _ in parts:
        positions += part_positions
    return positions, b"".join(joined for _, joined in parts)


def _raw(conn: sa.Connection, query: str, parameters: tuple = ()) -> list[tuple]:
    cursor = conn.connection.cursor()
    try:
        cursor.execute(query, parameters)
        return cursor.fetchall()
    finally:
        cursor.close()


def verify(engine: sa.Engine, checkpoints: Checkpoints) -> Verification:
    started = time.perf_counter()
    report = Verification()
    with engine.connect() as conn:
        signed = [(int(r.tree_size), bytes(r.root_hash), r.note) for r in conn.execute(
            sa.select(tlog_checkpoints).order_by(tlog_checkpoints.c.tree_size))]
        sealed_to = conn.execute(sa.select(t.projection_positions.c.position).where(
            t.projection_positions.c.name == POSITION)).scalar() or 0
        leaves = _raw(conn, "SELECT leaf_index, position, leaf_hash FROM tlog_leaves "
                            "ORDER BY leaf_index")
        report.sealed = len(leaves)
        stored = [bytes(hashed) for _, _, hashed in leaves]
        with _hashing(conn, engine, _parallel(engine, len(leaves))) as hashed:
            levels = _check_nodes(conn, stored, report)
            positions, joined = hashed()
        log_hashes = _compare_leaves(conn, leaves, stored, positions, joined, int(sealed_to),
                                     report)
        _check_checkpoints(conn, signed, log_hashes, levels, checkpoints, report)
    report.seconds = time.perf_counter() - started
    return report


def _parallel(engine: sa.Engine, sealed: int) -> bool:
    """Worth a pool, and its workers can open the same database (not an in-memory one)."""
    return sealed >= PARALLEL_FROM and (engine.dialect.name != "sqlite"
                                        or engine.url.database not in (None, "", ":memory:"))


def _compare_leaves(conn: sa.Connection, leaves: list[tuple], stored: list[bytes],
                    positions: list[int], joined: bytes, sealed_to: int,
                    report: Verification) -> list[bytes]:
    """Walk the log beside the tree's leaves; returns the log's leaf hashes as it stands now."""
    previous = 0
    for expected, (index, position, _) in enumerate(leaves):
        if index != expected or position <= previous:
            report.add("tree", f"the tree's leaf {index} is out of order", position)
            break
        previous = position
    log_hashes = [joined[i:i + 32] for i in range(0, len(joined), 32)]
    report.events = len(positions)
    sealed = len(leaves)
    if (positions[:sealed] == [position for _, position, _ in leaves]
            and log_hashes[:sealed] == stored):
        # The usual case, compared in bulk: the log's first events are the tree's leaves.
        for position in positions[sealed:]:
            _not_in_tree(position, sealed_to, report)
        report.problems.sort(key=lambda p: (p.position is None, p.position or 0))
        return log_hashes
    stored_at = {position: hashed for (_, position, _), hashed in zip(leaves, stored,
                                                                     strict=True)}
    changed: list[int] = []
    seen: set[int] = set()
    for position, hashed in zip(positions, log_hashes, strict=True):
        was = stored_at.get(position)
        if was is None:
            _not_in_tree(position, sealed_to, report)
        else:
            seen.add(position)
            if was != hashed:
                changed.append(position)
    for position in stored_at.keys() - seen:
        report.add("deleted", f"the event at position {position} is in the tree but no longer "
                   "in the log", position)
    rows = {row[0]: row for row in _rows_at(conn, changed)}
    for position in changed:
        row = rows[position]
        moved_from = next((other for other in changed if other != position
                           and leaf_hashes([(other, *row[1:])])[0] == stored_at[other]), None)
        if moved_from is not None:
            report.add("reordered", f"the event at position {position} was sealed at position "
                       f"{moved_from}", position)
        else:
            report.add("modified", f"the event at position {position} differs from the one "
                       "sealed there", position)
    report.problems.sort(key=lambda p: (p.position is None, p.position or 0))
    return log_hashes


def _not_in_tree(position: int, sealed_to: int, report: Verification) -> None:
    if position <= sealed_to:
        report.add("inserted", f"the event at position {position} is not in the tree: it was "
                   "inserted after its place was sealed", position)
    else:
        report.unsealed += 1


def _check_nodes(conn: sa.Connection, leaves: list[bytes],
                 report: Verification) -> list[list[bytes]]:
    """Every stored subtree, recomputed from the level below it, up to the first that differs.
    Returns the tree's levels as recomputed from the stored leaves (level 0)."""
    levels = [leaves]
    intact = True
    while len(levels[-1]) >= 2:
        level, below = len(levels), levels[-1]
        # merkle.node_hash, inlined: a million calls cost more than the hashing.
        expected = [sha256(b"\x01" + left + right).digest()
                    for left, right in zip(below[0::2], below[1::2], strict=False)]
        levels.append(expected)
        if intact:
            intact = _check_level(conn, level, expected, report)
    return levels


def _check_level(conn: sa.Connection, level: int, expected: list[bytes],
                 report: Verification) -> bool:
    stored = _raw(conn, "SELECT node_index, node_hash FROM tlog_nodes "  # noqa: S608
                        f"WHERE level = {level} ORDER BY node_index")
    if ([index for index, _ in stored] == list(range(len(stored)))
            and [bytes(hashed) for _, hashed in stored] == expected):
        return True
    for index, hashed in enumerate(expected):
        if index >= len(stored) or stored[index][0] != index or bytes(stored[index][1]) != hashed:
            report.add("tree", f"the tree's node {index} at level {level} does not match the "
                       "leaves below it")
            return False
    if len(stored) != len(expected):
        report.add("tree", f"the tree holds nodes at level {level} no leaves support")
        return False
    return True


def _log_roots(log_hashes: list[bytes], levels: list[list[bytes]],
               sizes: set[int]) -> dict[int, bytes]:
    """The root of the log as it stands, cut at each size."""
    if log_hashes == levels[0]:
        # The log hashes to the stored leaves: the levels above them are its subtrees too.
        def node(key: merkle.NodeKey) -> bytes:
            return levels[key[0]][key[1]]
        return {size: merkle.range_hash(0, size, node) for size in sizes
                if 0 < size <= len(log_hashes)} | {0: merkle.EMPTY_ROOT}
    roots: dict[int, bytes] = {}
    stack: list[tuple[int, bytes]] = []
    for count, hashed in enumerate(log_hashes, start=1):
        size, current = 1, hashed
        while stack and stack[-1][0] == size:
            current = merkle.node_hash(stack.pop()[1], current)
            size *= 2
        stack.append((size, current))
        if count in sizes:
            roots[count] = merkle.root_of_stack(stack)
    roots[0] = merkle.EMPTY_ROOT
    return roots


def _check_checkpoints(conn: sa.Connection, signed: list[tuple[int, bytes, str]],
                       log_hashes: list[bytes], levels: list[list[bytes]],
                       checkpoints: Checkpoints, report: Verification) -> None:
    report.checkpoints = len(signed)
    report.latest_checkpoint = signed[-1][0] if signed else None
    tree_size = len(levels[0])
    roots = _log_roots(log_hashes, levels, {size for size, _, _ in signed})
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
