"""Checkpoints (C2SP tlog-checkpoint) and the signed notes that carry them (C2SP signed-note),
for Ed25519 keys. The signature itself is made and checked by an adapter.

A checkpoint body is three lines: origin, tree size, base64 root hash. A signed note is the body,
an empty line, then one line per signature: an em dash, a space, the key name, a space and the
base64 of the key id (4 bytes) followed by the signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "


class NoteError(ValueError):
    """Text that is not a well-formed checkpoint, signed note or key."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.tree_size}\n{b64(self.root_hash)}\n"


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public_key: bytes  # 32 bytes of Ed25519

    def text(self) -> str:
        return f"{self.name}+{self.key_id.hex()}+{b64(ED25519 + self.public_key)}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{what} is not base64") from None


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def check_key_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"{name!r} cannot name a key: no spaces or plus signs")
    return name


def verifier_key(name: str, public_key: bytes) -> VerifierKey:
    return VerifierKey(check_key_name(name), key_id(name, public_key), public_key)


def parse_verifier_key(text: str) -> VerifierKey:
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a verifier key reads name+keyid+base64key")
    name, hex_id, encoded = parts
    key = unb64(encoded, "the verifier key")
    if len(key) != 33 or key[:1] != ED25519:
        raise NoteError("the verifier key is not an Ed25519 key")
    found = verifier_key(name, key[1:])
    if found.key_id.hex() != hex_id.lower():
        raise NoteError("the verifier key's id does not match its name and key")
    return found


def signed_note(body: str, signatures: list[Signature]) -> str:
    return body + "\n" + "".join(
        f"{SIGNATURE_PREFIX}{s.name} {b64(s.key_id + s.signature)}\n" for s in signatures
    )


def parse_signed_note(text: str) -> tuple[str, list[Signature]]:
    if not text.endswith("\n"):
        raise NoteError("a signed note ends with a newline")
    body, separator, lines = text[:-1].rpartition("\n\n")
    if not separator:
        raise NoteError("a signed note has an empty line before its signatures")
    signatures = []
    for line in lines.split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line starts with an em dash and a space")
        name, space, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
        raw = unb64(encoded, "a signature") if space else b""
        if len(raw) < 5:
            raise NoteError("a signature line names a key and carries its signature")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return body + "\n", signatures


def parse_checkpoint(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[0]:
        raise NoteError("a checkpoint has an origin, a tree size and a root hash, one a line")
    size_text = lines[1]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"{size_text!r} is not a tree size")
    root = unb64(lines[2], "the root hash")
    if len(root) != 32:
        raise NoteError("the root hash is not 32 bytes")
    return Checkpoint(lines[0], int(size_text), root)
