"""The transparency log's tree in SQL: the sealer that appends new events to it, and the reads
proofs and roots are made of.

The sealer follows the event log like the projections do (after commands in the web process,
in a loop in the worker): under a lock on its position row it reads the next events, hashes each
entry, and stores the leaf and every subtree the leaf completes, in the same transaction that
moves its position. Two processes sealing at once take turns; a stale one rolls back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from adapters import tables as t
from adapters.follower import read_log
from adapters.many_rows import ManyRows
from adapters.storage import EVENTS_TABLE
from adapters.transparency_leaves import leaf_hashes
from adapters.transparency_tables import tlog_leaves, tlog_nodes
from domain.transparency import merkle
from domain.transparency.entries import entry_of

log = logging.getLogger(__name__)

POSITION = "transparency-log"
BATCH = 2000
_LEAVES = ManyRows(tlog_leaves.insert())
_NODES = ManyRows(tlog_nodes.insert())


class Unsealed(Exception):
    """A position or tree size the tree does not hold (yet)."""


class BeyondLog(Unsealed):
    def __init__(self, held: int, size: int):
        super().__init__(f"the tree holds {held} leaves, not {size}")
        self.held = held


class UnknownPosition(Unsealed):
    pass


class AfterTreeSize(Unsealed):
    def __init__(self, position: int, index: int, size: int):
        super().__init__(f"the event at position {position} is leaf {index}, not in a tree of "
                         f"{size} leaves")
        self.index = index


class PositionMoved(Exception):
    pass


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]


def read_nodes(conn: sa.Connection, keys: Iterable[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """The stored hashes of these subtrees, in one query: leaves from tlog_leaves, the rest from
    tlog_nodes."""
    keys = set(keys)
    if not keys:
        return {}
    by_level: dict[int, list[int]] = {}
    for level, index in sorted(keys):
        by_level.setdefault(level, []).append(index)
    parts = []
    if 0 in by_level:
        parts.append(sa.select(sa.literal(0).label("level"), tlog_leaves.c.leaf_index,
                               tlog_leaves.c.leaf_hash)
                     .where(tlog_leaves.c.leaf_index.in_(by_level.pop(0))))
    if by_level:
        # One index range per level: SQLite does not use the primary key for a row-value IN.
        parts.append(sa.select(tlog_nodes.c.level, tlog_nodes.c.node_index,
                               tlog_nodes.c.node_hash)
                     .where(sa.or_(*(sa.and_(tlog_nodes.c.level == level,
                                             tlog_nodes.c.node_index.in_(indexes))
                                     for level, indexes in by_level.items()))))
    query = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    found = {(int(level), int(index)): bytes(hashed)
             for level, index, hashed in conn.execute(query)}
    missing = keys - found.keys()
    if missing:
        raise Unsealed(f"the tree lacks {len(missing)} of the subtrees asked for")
    return found


def _read_nodes_raw(conn: sa.Connection, keys: set[merkle.NodeKey]
                    ) -> dict[merkle.NodeKey, bytes]:
    """read_nodes in one plain SQL statement through the driver (no query to compile: a proof
    is mostly this read)."""
    by_level: dict[int, list[int]] = {}
    for level, index in keys:
        by_level.setdefault(level, []).append(index)
    parts = []
    leaves = by_level.pop(0, None)
    if leaves:
        listed = ",".join(str(int(i)) for i in leaves)  # integers only: nothing to inject
        parts.append(f"SELECT 0, leaf_index, leaf_hash FROM tlog_leaves "  # noqa: S608
                     f"WHERE leaf_index IN ({listed})")
    if by_level:
        # One index range per level: SQLite does not use the primary key for a row-value IN.
        wanted = " OR ".join(
            f"(level = {int(level)} AND node_index IN ({','.join(str(int(i)) for i in indexes)}))"
            for level, indexes in by_level.items())
        parts.append(f"SELECT level, node_index, node_hash FROM tlog_nodes "  # noqa: S608
                     f"WHERE {wanted}")
    cursor = conn.connection.cursor()
    try:
        cursor.execute(" UNION ALL ".join(parts))
        found = {(int(level), int(index)): bytes(hashed)
                 for level, index, hashed in cursor.fetchall()}
    finally:
        cursor.close()
    missing = keys - found.keys()
    if missing:
        raise Unsealed(f"the tree lacks {len(missing)} of the subtrees asked for")
    return found


# The leaf at a position (level -1, with the tree's last leaf index), and the stored siblings of
# its path: x ^ 1 is written (x | 1) - (x & 1), SQLite having no XOR.
_PATH_QUERY = """
WITH RECURSIVE levels(level) AS (SELECT 1 UNION ALL SELECT level + 1 FROM levels
                                 WHERE level < %s),
     leaf AS (SELECT leaf_index FROM tlog_leaves WHERE position = %s)
SELECT -1, leaf_index, leaf_hash, (SELECT max(leaf_index) FROM tlog_leaves)
  FROM tlog_leaves WHERE position = %s
UNION ALL
SELECT 0, s.leaf_index, s.leaf_hash, NULL FROM leaf
  JOIN tlog_leaves s ON s.leaf_index = (leaf.leaf_index | 1) - (leaf.leaf_index & 1)
UNION ALL
SELECT n.level, n.node_index, n.node_hash, NULL FROM leaf CROSS JOIN levels
  JOIN tlog_nodes n ON n.level = levels.level
   AND n.node_index = ((leaf.leaf_index >> levels.level) | 1)
                      - ((leaf.leaf_index >> levels.level) & 1)
"""


class NodeCache:
    """The hashes of stored subtrees, most recently used kept: a stored subtree is complete and
    never changes, so proofs need not read the ones near the root again."""

    def __init__(self, most: int = 65_536):
        self.most = most
        self._hashes: OrderedDict[merkle.NodeKey, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def read(self, conn: sa.Connection, keys: set[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
        found: dict[merkle.NodeKey, bytes] = {}
        with self._lock:
            for key in keys:
                hashed = self._hashes.get(key)
                if hashed is not None:
                    self._hashes.move_to_end(key)
                    found[key] = hashed
        missing = keys - found.keys()
        if missing:
            read = _read_nodes_raw(conn, missing)
            found.update(read)
            self.remember(read)
        return found

    def remember(self, hashes: dict[merkle.NodeKey, bytes]) -> None:
        with self._lock:
            self._hashes.update(hashes)
            while len(self._hashes) > self.most:
                self._hashes.popitem(last=False)


def tree_size(conn: sa.Connection) -> int:
    last = conn.execute(sa.select(sa.func.max(tlog_leaves.c.leaf_index))).scalar()
    return 0 if last is None else int(last) + 1


def ranges_hashes(conn: sa.Connection, ranges: list[merkle.Range]) -> list[bytes]:
    nodes = read_nodes(conn, merkle.nodes_for(ranges))
    return [merkle.range_hash(start, end, nodes.__getitem__) for start, end in ranges]


def root_at(conn: sa.Connection, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return ranges_hashes(conn, [(0, size)])[0]


class TransparencyLog:
    def __init__(self, engine: sa.Engine, reads: sa.Engine | None = None,
                 log_head: Callable[[], int | None] | None = None):
        self.engine = engine
        self.reads = reads or engine
        self._local = threading.Lock()
        self.nodes = NodeCache()
        # The tree only grows: a size once seen needs no reading again.
        self._held = 0
        # As the projection follower's: ask the log's head first (`log_head`, the event store's
        # last position), and do nothing if the tree already holds it.
        self.log_head = log_head
        self.looks_first = False
        self._sealed_to = 0  # the furthest log position this process has seen in the tree

    # -- sealing -----------------------------------------------------------------------------

    def seal(self, attempts: int = 20) -> int:
        """Append every event not yet in the tree. Returns how many were appended here."""
        sealed = 0
        if (self.looks_first and self.log_head is not None
                and (self.log_head() or 0) <= self._sealed_to):
            return sealed
        with self._local:
            failures = 0
            while True:
                try:
                    self._moved_to = 0
                    with self.engine.begin() as conn:
                        count = self._seal_batch(conn)
                    self._sealed_to = max(self._sealed_to, self._moved_to)
                except (PositionMoved, OperationalError, IntegrityError) as error:
                    failures += 1
                    if failures >= attempts:
                        log.warning("the transparency log's sealer gave way: %s", error)
                        return sealed
                    time.sleep(0.02 * failures)
                    continue
                sealed += count
                if count < BATCH:
                    return sealed

    def _seal_batch(self, conn: sa.Connection) -> int:
        start = self._locked_position(conn)
        notifications = read_log(conn, after=start, limit=BATCH)
        if not notifications:
            self._moved_to = start
            return 0
        size = tree_size(conn)
        # The right edge of the tree so far: the subtrees new leaves complete pairs with.
        nodes = read_nodes(conn, merkle.nodes_of(0, size)) if size else {}
        leaves, inner = [], []
        hashes = leaf_hashes([(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                              for n in notifications])
        for offset, (notification, hashed) in enumerate(zip(notifications, hashes, strict=True)):
            index = size + offset
            nodes[0, index] = hashed
            leaves.append({"leaf_index": index, "position": notification.id,
                           "leaf_hash": hashed})
            for level, node_index in merkle.completed_nodes(index):
                combined = merkle.node_hash(nodes[level - 1, 2 * node_index],
                                            nodes[level - 1, 2 * node_index + 1])
                nodes[level, node_index] = combined
                inner.append({"level": level, "node_index": node_index, "node_hash": combined})
        _LEAVES.run(conn, leaves)
        _NODES.run(conn, inner)
        moved = conn.execute(
            t.projection_positions.update()
            .where(t.projection_positions.c.name == POSITION)
            .where(t.projection_positions.c.position == start)
            .values(position=notifications[-1].id)
        )
        if moved.rowcount != 1:
            raise PositionMoved
        self._moved_to = notifications[-1].id
        return len(notifications)

    def _locked_position(self, conn: sa.Connection) -> int:
        row = t.projection_positions.c
        if conn.dialect.name == "sqlite":
            # A no-op write takes SQLite's write lock first, so a second sealer waits here.
            conn.execute(t.projection_positions.update().where(row.name == POSITION)
                         .values(position=row.position))
        query = sa.select(row.position).where(row.name == POSITION)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        position = conn.execute(query).scalar()
        if position is None:
            conn.execute(t.projection_positions.insert().values(name=POSITION, position=0))
            return 0
        return int(position)

    # -- reading -----------------------------------------------------------------------------

    def size(self) -> int:
        with self.reads.connect() as conn:
            return tree_size(conn)

    def root(self, size: int) -> bytes:
        with self.reads.connect() as conn:
            self._require_size(conn, size)
            return self._ranges_hashes(conn, [(0, size)])[0] if size else merkle.EMPTY_ROOT

    def _ranges_hashes(self, conn: sa.Connection, ranges: list[merkle.Range]) -> list[bytes]:
        nodes = self.nodes.read(conn, merkle.nodes_for(ranges))
        return [merkle.range_hash(start, end, nodes.__getitem__) for start, end in ranges]

    def positions(self, positions: Iterable[int]) -> dict[int, int]:
        """Leaf index by position, for the positions sealed so far."""
        wanted = sorted(set(positions))
        if not wanted:
            return {}
        with self.reads.connect() as conn:
            rows = conn.execute(sa.select(tlog_leaves.c.position, tlog_leaves.c.leaf_index)
                                .where(tlog_leaves.c.position.in_(wanted)))
            return {int(position): int(index) for position, index in rows}

    def inclusion(self, position: int, size: int) -> InclusionProof:
        """One query: the leaf, the tree's size and every stored sibling on the leaf's path (a
        perfect subtree beside the path is always the node (level, (index >> level) ^ 1)); the
        right edge of a tree of `size` leaves is read once and then remembered."""
        if size < 0:
            raise Unsealed("a tree size is zero or more")
        sqlite = self.reads.dialect.name == "sqlite"
        with self.reads.connect() as conn:
            cursor = conn.connection.cursor()
            try:
                # The levels a tree of this size has (at least as many as the tree held).
                height = max(size, self._held, 2).bit_length()
                cursor.execute(_PATH_QUERY.replace("%s", "?") if sqlite else _PATH_QUERY,
                               (height, position, position))
                rows = cursor.fetchall()
            finally:
                cursor.close()
            leaf = next((row for row in rows if row[0] == -1), None)
            if leaf is None:
                self._require_size(conn, size)
                raise UnknownPosition(f"no event at position {position} is in the tree")
            index, leaf_hash, last = int(leaf[1]), bytes(leaf[2]), int(leaf[3])
            self._held = max(self._held, last + 1)
            if size > last + 1:
                raise BeyondLog(last + 1, size)
            if index >= size:
                raise AfterTreeSize(position, index, size)
            self.nodes.remember({(int(level), int(node)): bytes(hashed)
                                 for level, node, hashed, _ in rows if level != -1})
            hashes = self._ranges_hashes(conn, merkle.inclusion_ranges(index, size))
            return InclusionProof(index, size, leaf_hash, hashes)

    def consistency(self, first: int, second: int) -> list[bytes]:
        if first > second:
            raise Unsealed(f"from ({first}) must not be larger than to ({second})")
        with self.reads.connect() as conn:
            self._require_size(conn, second)
            return self._ranges_hashes(conn, merkle.consistency_ranges(first, second))

    def _require_size(self, conn: sa.Connection, size: int) -> None:
        if size < 0:
            raise Unsealed("a tree size is zero or more")
        if size <= self._held:
            return
        held = self._held = max(self._held, tree_size(conn))
        if size > held:
            raise BeyondLog(held, size)


def entries_of(conn: sa.Connection, aggregate_id: UUID) -> list[dict]:
    """The log entries of one aggregate, in log order."""
    table = EVENTS_TABLE[conn.dialect.name]
    sqlite = conn.dialect.name == "sqlite"
    position = "rowid" if sqlite else "notification_id"
    rows = conn.execute(
        sa.text(f"SELECT {position} AS id, originator_id, originator_version, topic, state "  # noqa: S608
                f"FROM {table} WHERE originator_id = :id ORDER BY {position}"),
        {"id": aggregate_id.hex if sqlite else aggregate_id},
    )
    return [entry_of(row.id, row.originator_id, row.originator_version, row.topic,
                     bytes(row.state)) for row in rows]
