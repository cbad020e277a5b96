"""Watching a deployment's transparency log from outside (`civicfund audit watch URL`).

Each run fetches the latest signed checkpoint, checks its signature with the key first seen
(kept with the last checkpoint in a local file), and asks the deployment for a consistency
proof from the last checkpoint seen to the new one. A log that was rewritten, rolled back or
forked, or a checkpoint signed by another key, raises Alarm with the reason.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from adapters.transparency_keys import open_note
from domain.transparency import merkle
from domain.transparency.notes import NoteError, parse_verifier_key, unb64

TIMEOUT = 20


class Alarm(Exception):
    """The log does not verify; the message says why."""


def fetch_url(url: str) -> bytes:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise Alarm(f"{url} is not an http(s) address")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:  # noqa: S310 - checked above
            return answer.read()
    except (urllib.error.URLError, OSError) as error:
        raise Alarm(f"could not fetch {url}: {error}") from None


def watch(base_url: str, state_path: Path, *, pinned_key: str | None = None,
          fetch: Callable[[str], bytes] = fetch_url) -> str:
    base = base_url.rstrip("/")
    state = json.loads(state_path.read_text()) if state_path.exists() else None
    served_key = fetch(f"{base}/transparency/key").decode("utf-8", "replace").strip()
    trusted = (pinned_key or "").strip() or (state["key"] if state else served_key)
    if served_key != trusted:
        raise Alarm("the deployment now publishes another key than the one trusted: "
                    f"{served_key!r} instead of {trusted!r}")
    try:
        key = parse_verifier_key(trusted)
        note = fetch(f"{base}/transparency/checkpoint").decode("utf-8", "replace")
        new = open_note(note, key)
        old = open_note(state["checkpoint"], key) if state else None
    except NoteError as error:
        raise Alarm(f"the checkpoint does not verify: {error}") from None
    message = f"checkpoint of {new.tree_size} entries verified"
    if old is not None:
        if new.origin != old.origin:
            raise Alarm(f"the log's origin changed from {old.origin} to {new.origin}")
        if new.tree_size < old.tree_size:
            raise Alarm(f"the log shrank from {old.tree_size} to {new.tree_size} entries: "
                        "it was rolled back")
        if new.tree_size == old.tree_size and new.root_hash != old.root_hash:
            raise Alarm(f"two different roots were signed for {new.tree_size} entries: "
                        "the log was forked")
        if new.tree_size > old.tree_size:
            hashes = _consistency(base, old.tree_size, new.tree_size, fetch)
            if not merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash,
                                             new.root_hash, hashes):
                raise Alarm(f"the log of {new.tree_size} entries does not extend the one of "
                            f"{old.tree_size} seen before: it was rewritten or forked")
        message += f", consistent with the {old.tree_size} seen before"
    _save(state_path, {"url": base, "key": trusted, "checkpoint": note})
    return message


def _consistency(base: str, first: int, second: int,
                 fetch: Callable[[str], bytes]) -> list[bytes]:
    query = urllib.parse.urlencode({"from": first, "to": second})
    try:
        answer = json.loads(fetch(f"{base}/api/v1/transparency/proofs/consistency?{query}"))
        return [unb64(h, "a proof hash") for h in answer["hashes"]]
    except (ValueError, KeyError, TypeError, NoteError) as error:
        raise Alarm(f"the deployment gave no usable consistency proof: {error}") from None


def _save(path: Path, state: dict) -> None:
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(json.dumps(state, indent=2) + "\n")
    draft.replace(path)
