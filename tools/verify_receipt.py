#!/usr/bin/env python3
"""Check a civicfund receipt bundle offline, without civicfund's code.

    python3 tools/verify_receipt.py RECEIPT.json [--key KEY]

A bundle holds log entries (a pledge's events), an inclusion proof for each, the signed
checkpoint the proofs lead to, and the key that signed it. This script recomputes each entry's
leaf hash from the entry itself (canonical JSON, RFC 9162 leaf hash), follows its proof up to
the checkpoint's root, and checks the checkpoint's Ed25519 signature (C2SP signed note).

--key pins the verifier key (the text of https://DEPLOYMENT/transparency/key, or a file holding
it): without it the bundle's own key is used, which proves the entries are in *a* log signed by
that key; with it, that they are in the log of the deployment you trust.

Standard library only, plus `cryptography` for Ed25519. Exit 0: it verifies; exit 1: it does
not, and the reason is printed.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Refused(Exception):
    pass


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise Refused(f"{what} is not base64") from None


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def canonical(entry: dict) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.3.2: the root the audit path leads to."""
    if not 0 <= index < size:
        raise Refused(f"leaf {index} cannot be in a tree of {size} entries")
    fn, sn, current = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise Refused("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            current = node_hash(sibling, current)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            current = node_hash(current, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Refused("the proof is shorter than the tree is deep")
    return current


def parse_key(text: str) -> tuple[str, bytes, bytes]:
    """A signed-note verifier key: name+keyid+base64(0x01 || Ed25519 public key)."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise Refused("the verifier key does not read name+keyid+key")
    name, hex_id, encoded = parts
    raw = unb64(encoded, "the verifier key")
    if len(raw) != 33 or raw[0] != 1:
        raise Refused("the verifier key is not an Ed25519 key")
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != hex_id.lower():
        raise Refused("the verifier key's id does not match its name and key")
    return name, key_id, raw[1:]


def open_checkpoint(note: str, key: tuple[str, bytes, bytes]) -> tuple[str, int, bytes]:
    """The checkpoint (origin, size, root) of a signed note, if the key signed it."""
    name, key_id, public = key
    if not note.endswith("\n") or "\n\n" not in note:
        raise Refused("the checkpoint is not a signed note")
    body, _, signatures = note[:-1].rpartition("\n\n")
    body += "\n"
    for line in signatures.split("\n"):
        signer, _, encoded = line.removeprefix("\u2014 ").partition(" ")
        raw = unb64(encoded, "a signature") if line.startswith("\u2014 ") else b""
        if signer == name and raw[:4] == key_id:
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], body.encode())
            except InvalidSignature:
                raise Refused(f"the checkpoint's signature by {name} does not verify") from None
            lines = body.split("\n")
            if len(lines) < 4 or not lines[1].isdigit():
                raise Refused("the checkpoint does not read origin, tree size, root hash")
            return lines[0], int(lines[1]), unb64(lines[2], "the root hash")
    raise Refused(f"the checkpoint is not signed by the key {name}")


def verify(bundle: dict, pinned: str | None) -> str:
    key_text = bundle.get("verifier_key", "")
    if pinned is not None and pinned.strip() != str(key_text).strip():
        raise Refused("the bundle's checkpoint key is not the key you gave (--key)")
    origin, size, root = open_checkpoint(str(bundle.get("checkpoint", "")), parse_key(key_text))
    entries, proofs = bundle.get("entries") or [], bundle.get("proofs") or []
    if not entries or len(entries) != len(proofs):
        raise Refused("the bundle needs one proof per entry")
    for entry, proof in zip(entries, proofs, strict=True):
        position = entry.get("position")
        if proof.get("position") != position:
            raise Refused(f"the proofs are not in the entries' order (position {position})")
        hashed = leaf_hash(canonical(entry))
        if unb64(proof.get("leaf_hash", ""), "a leaf hash") != hashed:
            raise Refused(f"the entry at position {position} is not the one the proof is for")
        if proof.get("tree_size") != size:
            raise Refused(f"the proof for position {position} is for another tree size")
        path = [unb64(h, "a proof hash") for h in proof.get("hashes", [])]
        if root_from_inclusion(int(proof.get("leaf_index", -1)), size, hashed, path) != root:
            raise Refused(f"the entry at position {position} is not in the signed tree")
    positions = ", ".join(str(e["position"]) for e in entries)
    return (f"OK: {len(entries)} entries (positions {positions}) are in the log {origin} of "
            f"{size} entries, signed by {key_text.split('+')[0]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--key", help="the verifier key to trust (its text or a file)")
    args = parser.parse_args(argv)
    pinned = args.key
    if pinned is not None and Path(pinned).is_file():
        pinned = Path(pinned).read_text()
    try:
        try:
            bundle = json.loads(args.bundle.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise Refused(f"cannot read the bundle: {error}") from None
        if not isinstance(bundle, dict):
            raise Refused("the bundle is not a JSON object")
        print(verify(bundle, pinned))
    except (Refused, KeyError, TypeError, AttributeError, ValueError) as error:
        print(f"DOES NOT VERIFY: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
