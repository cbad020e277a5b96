#!/usr/bin/env python3
"""Check a civicfund export (`civicfund audit export DIR`) offline, without civicfund's code.

    python3 tools/verify_export.py DIR [--key KEY]
    python3 tools/verify_export.py FILE.jsonl [--key KEY]

Reads DIR/entries.jsonl (one entry a line, in log order) and DIR/manifest.json, or the one file
GET /api/v1/audit/export streams (the entries, then a last line {"manifest": ...}). Checks that
every line is its entry's canonical JSON and that positions only grow, recomputes the Merkle tree's
root over all the entries (RFC 9162) and compares it with the manifest's checkpoint, whose
Ed25519 signature it checks (with --key: against the key you trust, the text of
https://DEPLOYMENT/transparency/key or a file holding it), and compares the counts of entries
and of each topic with the manifest's. Exit 0: it verifies; exit 1: the differences are printed.

Then it recomputes every project's and fund's figures (raised, matched, committed, invested,
total; pool, committed, reserved, returned, available) from the entries alone, replaying their
payloads as the platform's bookkeeping does (export_figures.py beside it), and compares them with
the figures in the manifest, which are what the platform showed at the export.

Standard library only, plus `cryptography` for Ed25519 (through verify_receipt.py beside it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from export_figures import Books
from export_figures import differences as figure_differences
from verify_receipt import Refused, canonical, leaf_hash, node_hash, open_checkpoint, parse_key


def root_of(stack: list[tuple[int, bytes]]) -> bytes:
    current = stack[-1][1]
    for _, hashed in reversed(stack[:-1]):
        current = node_hash(hashed, current)
    return current


def last_line(path: Path) -> bytes:
    """The file's last line, read from its end (the entries before it may be many)."""
    with path.open("rb") as file:
        end = file.seek(0, 2)
        data, at = b"", end
        while at > 0 and b"\n" not in data.rstrip(b"\n"):
            step = min(1 << 16, at)
            at -= step
            file.seek(at)
            data = file.read(step) + data
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1]


def read_manifest(path: Path) -> dict:
    try:
        if path.is_dir():
            return json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        last = json.loads(last_line(path))
    except (OSError, ValueError) as error:
        raise Refused(f"cannot read the manifest: {error}") from None
    if not isinstance(last, dict) or not isinstance(last.get("manifest"), dict):
        reason = last.get("error") if isinstance(last, dict) else None
        raise Refused(f"the stream ends without its manifest{f': {reason}' if reason else ''}")
    return last["manifest"]


def entry_lines(path: Path):
    """The entries' lines: the directory's entries.jsonl, or the stream's lines but the last."""
    if path.is_dir():
        with (path / "entries.jsonl").open("rb") as lines:
            yield from lines
        return
    with path.open("rb") as lines:
        held = None
        for line in lines:
            if held is not None:
                yield held
            held = line


def verify(directory: Path, pinned: str | None) -> tuple[list[str], str]:
    manifest = read_manifest(directory)
    key_text = str(manifest.get("verifier_key", ""))
    if pinned is not None and pinned.strip() != key_text.strip():
        raise Refused("the export's checkpoint key is not the key you gave (--key)")
    origin, size, root = open_checkpoint(str(manifest.get("checkpoint", "")),
                                         parse_key(key_text))
    differences: list[str] = []
    stack: list[tuple[int, bytes]] = []
    topics: Counter[str] = Counter()
    previous, count = 0, 0
    books, figures_at = Books(), manifest.get("figures_as_of_position")
    try:
        for number, line in enumerate(entry_lines(directory), start=1):
            data = line.rstrip(b"\n")
            try:
                entry = json.loads(data)
                position = entry["position"]
                topics[entry["topic"]] += 1
            except (ValueError, KeyError, TypeError):
                differences.append(f"line {number} is not an entry")
                continue
            if canonical(entry) != data:
                differences.append(f"line {number} (position {position}) is not canonical JSON")
            if not isinstance(position, int) or position <= previous:
                differences.append(f"line {number}: position {position} is out of order")
            else:
                previous = position
            count += 1
            if isinstance(figures_at, int) and isinstance(position, int) \
                    and position <= figures_at:
                try:
                    books.record(entry)
                except (KeyError, TypeError, ValueError, ArithmeticError) as error:
                    differences.append(f"line {number} (position {position}): its payload "
                                       f"cannot be booked ({type(error).__name__}: {error})")
            level, current = 1, leaf_hash(data)
            while stack and stack[-1][0] == level:
                current = node_hash(stack.pop()[1], current)
                level *= 2
            stack.append((level, current))
    except OSError as error:
        raise Refused(f"cannot read the entries: {error}") from None
    if count != size:
        differences.append(f"the export holds {count} entries; the checkpoint signs {size}")
    elif not stack or root_of(stack) != root:
        differences.append("the entries' root is not the signed root: an entry was changed, "
                           "added, removed or moved")
    if manifest.get("entries") != count:
        differences.append(f"the manifest counts {manifest.get('entries')} entries, not {count}")
    if manifest.get("topics") != dict(sorted(topics.items())):
        differences.append("the manifest's counts by topic differ from the entries'")
    if not isinstance(figures_at, int):
        differences.append("the manifest does not say at which position its figures stand")
    else:
        differences += figure_differences(books.figures(), manifest.get("figures") or {})
    return differences, (f"OK: {count} entries of the log {origin}, root signed by "
                         f"{key_text.split('+')[0]}; the figures of "
                         f"{len(books.projects)} projects and {len(books.funds)} funds "
                         f"recomputed from the entries match the manifest")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--key", help="the verifier key to trust (its text or a file)")
    args = parser.parse_args(argv)
    pinned = args.key
    if pinned is not None and Path(pinned).is_file():
        pinned = Path(pinned).read_text()
    try:
        differences, verdict = verify(args.directory, pinned)
    except Refused as error:
        print(f"DOES NOT VERIFY: {error}")
        return 1
    if differences:
        for difference in differences:
            print(f"DIFFERENCE: {difference}")
        print(f"DOES NOT VERIFY: {len(differences)} difference(s)")
        return 1
    print(verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
