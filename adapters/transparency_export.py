"""`civicfund audit export DIR`: the log's entries as JSON Lines (each line an entry's canonical
leaf bytes, in log order) up to a signed checkpoint, and a manifest with that checkpoint, the
verifier key, the counts, and every project's and fund's figures as the platform shows them.
tools/verify_export.py checks the entries against the signed root without civicfund's code.

Beside them, stored.jsonl holds each event exactly as the event store keeps it (its state as
text), so that `civicfund audit import` writes back the same bytes and so the same leaves: an
entry is a lossless view for reading, not for rebuilding the stored event."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.follower import read_log
from domain.transparency import merkle
from domain.transparency.entries import entry_of, leaf_bytes

FORMAT = "civicfund-export/1"
ENTRIES = "entries.jsonl"
MANIFEST = "manifest.json"
STORED = "stored.jsonl"


class ExportRefused(Exception):
    pass


def _money(value: Any) -> str | None:
    return None if value is None else value.to_decimal_string()


def figures(platform) -> dict[str, Any]:
    read = platform.read
    projects = {}
    offset = 0
    while True:
        page = read.projects(include_drafts=True, limit=500, offset=offset)
        for p in page:
            projects[str(p.id)] = {
                "title": p.title, "currency": p.currency, "status": p.status,
                "raised": _money(p.raised), "matched": _money(p.matched),
                "committed": _money(p.committed), "invested": _money(p.invested),
                "total": _money(p.total), "backers": p.backers,
            }
        if len(page) < 500:
            break
        offset += 500
    funds = {str(f.id): {"name": f.name, "currency": f.currency, "pool": _money(f.pool),
                         "committed": _money(f.committed), "reserved": _money(f.reserved),
                         "returned": _money(f.returned), "available": _money(f.available)}
             for f in read.matching_funds()}
    return {"projects": projects, "funds": funds}


def stored_line(position: int, state: bytes) -> bytes:
    try:
        text = state.decode("utf-8")
    except UnicodeDecodeError:
        raise ExportRefused(f"the event at position {position} is not stored as text") from None
    return json.dumps({"position": position, "state": text}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


@dataclass
class Stream:
    """The log's entries up to a new signed checkpoint, read in batches on one connection
    (constant memory); the manifest is complete once `lines()` is exhausted."""

    platform: Any
    checkpoint: Any = None
    projected_to: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.platform.projections.catch_up()
        self.platform.transparency.seal()
        self.checkpoint = self.platform.checkpoints.sign()
        self.projected_to = self.platform.projections.position()

    def lines(self) -> Iterator[tuple[bytes, int, bytes]]:
        """Each entry's leaf bytes, with its position and stored state, in log order."""
        checkpoint = self.checkpoint
        topics: Counter[str] = Counter()
        stack: list[tuple[int, bytes]] = []
        written, after = 0, 0
        with self.platform.engine.connect() as conn:
            while written < checkpoint.tree_size:
                batch = read_log(conn, after=after,
                                 limit=min(5000, checkpoint.tree_size - written))
                if not batch:
                    break
                for n in batch:
                    data = leaf_bytes(entry_of(n.id, n.originator_id, n.originator_version,
                                               n.topic, n.state))
                    yield data, n.id, n.state
                    topics[n.topic] += 1
                    size, current = 1, merkle.leaf_hash(data)
                    while stack and stack[-1][0] == size:
                        current = merkle.node_hash(stack.pop()[1], current)
                        size *= 2
                    stack.append((size, current))
                written += len(batch)
                after = batch[-1].id
        if written != checkpoint.tree_size or merkle.root_of_stack(stack) != checkpoint.root_hash:
            raise ExportRefused("the log does not match its signed checkpoint: run "
                                "`civicfund audit verify`")
        self.manifest = {
            "format": FORMAT,
            "exported_at": datetime.now(UTC).isoformat(),
            "tree_size": checkpoint.tree_size,
            "checkpoint": checkpoint.note,
            "verifier_key": self.platform.checkpoints.verifier.text(),
            "entries": written,
            "topics": dict(sorted(topics.items())),
            # The read models' figures, as of the log position they had reached at the export.
            "figures_as_of_position": self.projected_to,
            "figures": figures(self.platform),
        }


def export(platform, directory: Path) -> dict[str, Any]:
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / MANIFEST).exists():
        raise ExportRefused(f"{directory} already holds an export")
    stream = Stream(platform)
    with (directory / ENTRIES).open("wb") as out, (directory / STORED).open("wb") as stored:
        for data, position, state in stream.lines():
            out.write(data + b"\n")
            stored.write(stored_line(position, state) + b"\n")
    manifest = {**stream.manifest, "stored": STORED}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return manifest
