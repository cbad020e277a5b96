"""`civicfund audit import DIR`: an export (adapters/transparency_export.py) written back into an
empty database, event by event at the same positions with the same stored bytes, then the read
models and the Merkle tree rebuilt from them: the same figures and the same root as the source.

Nothing is written unless the export verifies first: the checkpoint's signature by the export's
key, every entry canonical and rebuilt exactly from its stored event, and the entries' root equal
to the signed root. People's accounts (names, emails, passwords) are not events and are not in an
export: the imported platform has the log and what is derived from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from adapters import tables as t
from adapters.storage import EVENTS_TABLE
from adapters.transparency_export import ENTRIES, MANIFEST, STORED, figures
from adapters.transparency_keys import open_note
from adapters.transparency_tables import tlog_checkpoints, tlog_leaves
from domain.transparency import merkle
from domain.transparency.entries import entry_of, leaf_bytes
from domain.transparency.notes import NoteError, parse_verifier_key

BATCH = 1000


class ImportRefused(Exception):
    pass


@dataclass(frozen=True)
class Imported:
    events: int
    tree_size: int
    root_matches: bool
    figure_differences: list[str]


@dataclass(frozen=True)
class _Event:
    position: int
    aggregate_id: str
    version: int
    topic: str
    state: bytes


def _manifest(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImportRefused(f"cannot read the export's manifest: {error}") from None


def _events(directory: Path) -> Iterator[_Event]:
    """The export's events, each checked to be its entry, byte for byte."""
    try:
        entries = (directory / ENTRIES).open("rb")
        stored = (directory / STORED).open("rb")
    except OSError as error:
        raise ImportRefused(f"the export is incomplete: {error}") from None
    previous = 0
    with entries, stored:
        for number, line in enumerate(entries, start=1):
            data, kept = line.rstrip(b"\n"), stored.readline()
            try:
                entry, raw = json.loads(data), json.loads(kept)
                position, state = entry["position"], raw["state"].encode("utf-8")
                event = _Event(position, entry["aggregate_id"], entry["aggregate_version"],
                               entry["topic"], state)
                rebuilt = leaf_bytes(entry_of(position, event.aggregate_id, event.version,
                                              event.topic, state))
            except (ValueError, KeyError, TypeError, AttributeError):
                raise ImportRefused(f"line {number} of the export is not an entry and its "
                                    f"stored event") from None
            if raw.get("position") != position or rebuilt != data:
                raise ImportRefused(f"the stored event at line {number} (position {position}) "
                                    f"is not its entry")
            if not isinstance(position, int) or position <= previous:
                raise ImportRefused(f"line {number}: position {position} is out of order")
            previous = position
            yield event
        if stored.readline():
            raise ImportRefused("the export holds more stored events than entries")


def verify_export(directory: Path) -> tuple[dict[str, Any], int, bytes]:
    """The manifest, the signed tree size and root, once every event is checked against them."""
    manifest = _manifest(directory)
    try:
        key = parse_verifier_key(str(manifest.get("verifier_key", "")))
        checkpoint = open_note(str(manifest.get("checkpoint", "")), key)
    except NoteError as error:
        raise ImportRefused(f"the export's checkpoint does not verify: {error}") from None
    stack: list[tuple[int, bytes]] = []
    count = 0
    for event in _events(directory):
        count += 1
        size, current = 1, merkle.leaf_hash(leaf_bytes(entry_of(
            event.position, event.aggregate_id, event.version, event.topic, event.state)))
        while stack and stack[-1][0] == size:
            current = merkle.node_hash(stack.pop()[1], current)
            size *= 2
        stack.append((size, current))
    if count != checkpoint.tree_size:
        raise ImportRefused(f"the export holds {count} events; its checkpoint signs "
                            f"{checkpoint.tree_size}")
    if not stack or merkle.root_of_stack(stack) != checkpoint.root_hash:
        raise ImportRefused("the export's entries are not the signed root: an event was "
                            "changed, added, removed or moved")
    return manifest, checkpoint.tree_size, checkpoint.root_hash


def _require_empty(platform) -> None:
    held = platform.app.recorder.max_notification_id() or 0
    with platform.engine.connect() as conn:
        leaves = conn.execute(sa.select(sa.func.count()).select_from(tlog_leaves)).scalar()
        signed = conn.execute(sa.select(sa.func.count()).select_from(tlog_checkpoints)).scalar()
        projected = conn.execute(sa.select(sa.func.count()).select_from(t.projects)).scalar()
    if held or leaves or signed or projected:
        raise ImportRefused(f"the database is not empty (it holds {held} events): import only "
                            "into a new, migrated database")


def _write(conn: sa.Connection, batch: list[_Event]) -> None:
    if conn.dialect.name == "sqlite":
        statement = sa.text(f"INSERT INTO {EVENTS_TABLE['sqlite']} "  # noqa: S608
                            "(rowid, originator_id, originator_version, topic, state) "
                            "VALUES (:position, :aggregate, :version, :topic, :state)")
        aggregate = [e.aggregate_id.replace("-", "") for e in batch]
    else:
        statement = sa.text(f"INSERT INTO {EVENTS_TABLE['postgresql']} "  # noqa: S608
                            "(notification_id, originator_id, originator_version, topic, state) "
                            "VALUES (:position, CAST(:aggregate AS uuid), :version, :topic, "
                            ":state)")
        aggregate = [e.aggregate_id for e in batch]
    conn.execute(statement, [
        {"position": e.position, "aggregate": a, "version": e.version, "topic": e.topic,
         "state": e.state} for e, a in zip(batch, aggregate, strict=True)
    ])


def import_export(platform, directory: Path) -> Imported:
    _require_empty(platform)
    manifest, size, root = verify_export(directory)
    with platform.engine.begin() as conn:
        batch: list[_Event] = []
        for event in _events(directory):
            batch.append(event)
            if len(batch) == BATCH:
                _write(conn, batch)
                batch = []
        if batch:
            _write(conn, batch)
        if conn.dialect.name == "postgresql":
            table = EVENTS_TABLE["postgresql"]
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), "  # noqa: S608
                f"(SELECT max(notification_id) FROM {table}))"))
    platform.projections.rebuild()
    platform.transparency.seal()
    matches = platform.transparency.root(size) == root
    if matches:
        platform.checkpoints.sign()
    if manifest.get("figures_as_of_position") != size:
        return Imported(size, size, matches, [])  # the figures stood at another position
    shown = figures(platform)
    expected = manifest.get("figures") or {}
    differences = [f"{kind[:-1]} {ident}: the export says {expected.get(kind, {}).get(ident)}, "
                   f"the imported read models {shown[kind].get(ident)}"
                   for kind in ("projects", "funds")
                   for ident in sorted(set(shown[kind]) | set(expected.get(kind, {})))
                   if shown[kind].get(ident) != expected.get(kind, {}).get(ident)]
    return Imported(size, size, matches, differences)
