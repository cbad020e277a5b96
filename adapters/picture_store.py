"""Where picture files are kept: the PictureStore port (put, get, delete by key) and its
filesystem adapter, a directory under instance/ by default. A deployment can replace it with
an object store (S3-compatible) that implements the same three methods. Keys are content-hashed
(`<sha256>-<width>w.webp`), so a stored file never changes."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

KEY = re.compile(r"[0-9a-f]{64}-[0-9]{1,5}w\.webp")


class PictureStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


def valid_key(key: str) -> bool:
    return bool(KEY.fullmatch(key))


class FilePictureStore:
    """Files in one directory, written whole then renamed into place."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        if not valid_key(key):
            raise ValueError(f"not a picture key: {key[:80]!r}")
        return self.directory / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{key}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_bytes(data)
        draft.replace(path)

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

