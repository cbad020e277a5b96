"""The transparency log's Ed25519 key: CIVICFUND_LOG_SIGNING_KEY, or one generated once into
instance/ (like the session secret). Written in the signed-note private key format:
PRIVATE+KEY+<name>+<key id hex>+<base64 of 0x01 and the 32-byte seed>."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from adapters.settings import DEFAULT_INSTANCE, Settings
from adapters.storage import make_private_directory
from domain.transparency.notes import (
    ED25519,
    Checkpoint,
    NoteError,
    Signature,
    VerifierKey,
    b64,
    check_key_name,
    parse_checkpoint,
    parse_signed_note,
    signed_note,
    unb64,
    verifier_key,
)

PRIVATE_PREFIX = "PRIVATE+KEY+"
KEY_FILE = "log_signing_key"


class LogKey:
    def __init__(self, name: str, seed: bytes):
        self.name = check_key_name(name)
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = verifier_key(name, public)

    @classmethod
    def generate(cls, name: str) -> LogKey:
        return cls(name, secrets.token_bytes(32))

    @classmethod
    def parse(cls, text: str) -> LogKey:
        text = text.strip()
        parts = text[len(PRIVATE_PREFIX):].split("+", 2) if text.startswith(PRIVATE_PREFIX) else []
        if len(parts) != 3:
            raise NoteError("CIVICFUND_LOG_SIGNING_KEY reads PRIVATE+KEY+name+keyid+base64key")
        name, hex_id, encoded = parts
        raw = unb64(encoded, "the signing key")
        if len(raw) != 33 or raw[:1] != ED25519:
            raise NoteError("the signing key is not an Ed25519 key")
        key = cls(name, raw[1:])
        if key.verifier.key_id.hex() != hex_id.lower():
            raise NoteError("the signing key's id does not match its name and key")
        return key

    def text(self) -> str:
        seed = self._private.private_bytes_raw()
        return f"{PRIVATE_PREFIX}{self.name}+{self.verifier.key_id.hex()}+{b64(ED25519 + seed)}"

    def sign(self, checkpoint: Checkpoint) -> str:
        body = checkpoint.body()
        signature = self._private.sign(body.encode("utf-8"))
        return signed_note(body, [Signature(self.name, self.verifier.key_id, signature)])


def open_note(note: str, key: VerifierKey) -> Checkpoint:
    """The checkpoint a signed note carries, if `key` signed it; NoteError says why not."""
    body, signatures = parse_signed_note(note)
    mine = [s for s in signatures if s.name == key.name and s.key_id == key.key_id]
    if not mine:
        raise NoteError(f"the note carries no signature by {key.name}")
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(
            mine[0].signature, body.encode("utf-8"))
    except InvalidSignature:
        raise NoteError(f"the signature by {key.name} does not verify") from None
    return parse_checkpoint(body)


def default_origin(settings: Settings) -> str:
    if settings.log_origin:
        return settings.log_origin
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        return f"{parts.netloc}{parts.path.rstrip('/')}/log"
    return "civicfund.localhost/log"


def load_log_key(settings: Settings, instance: Path = DEFAULT_INSTANCE) -> LogKey:
    if settings.log_signing_key:
        return LogKey.parse(settings.log_signing_key)
    path = instance / KEY_FILE
    if path.exists():
        return LogKey.parse(path.read_text())
    make_private_directory(path.parent)
    key = LogKey.generate(default_origin(settings))
    # As the session secret: written whole, readable by this user only, linked into place so
    # of two processes starting at once the first one's key wins.
    draft = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(key.text() + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.link(draft, path)
    except FileExistsError:
        key = LogKey.parse(path.read_text())
    finally:
        draft.unlink(missing_ok=True)
    return key
