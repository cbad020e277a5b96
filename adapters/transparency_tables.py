"""The transparency log's tables (migration 0016): the Merkle tree's leaves in log order, every
complete subtree's hash above them (so proofs read O(log n) rows), and the signed checkpoints.
Append-only: on PostgreSQL triggers refuse UPDATE and DELETE."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.tables import metadata

tlog_leaves = sa.Table(
    "tlog_leaves",
    metadata,
    sa.Column("leaf_index", sa.BigInteger, primary_key=True, autoincrement=False),
    # The event's notification id: leaves are numbered 0..n-1, positions may have gaps.
    sa.Column("position", sa.BigInteger, nullable=False, unique=True),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
)

# Level >= 1: node (level, node_index) covers leaves [node_index * 2**level, ... + 2**level).
tlog_nodes = sa.Table(
    "tlog_nodes",
    metadata,
    sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("node_index", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("node_hash", sa.LargeBinary(32), nullable=False),
)

tlog_checkpoints = sa.Table(
    "tlog_checkpoints",
    metadata,
    sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
)
