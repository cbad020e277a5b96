"""The read model of pictures: rm_pictures, from the log's PictureSet events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from adapters import tables as t
from domain.pictures.pictures import PictureSet

Handler = Callable[[Connection, Any], None]


class PictureModels:
    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            PictureSet.Added: self.added,
            PictureSet.Removed: self.removed,
        }

    def added(self, conn: Connection, e: PictureSet.Added) -> None:
        conn.execute(t.pictures.insert().values(
            picture_id=UUID(e.picture_id), owner_kind=e.owner_kind, owner_id=e.owner_id,
            kind=e.kind, content_hash=e.content_hash, sizes=e.sizes,
            uploaded_by=e.actor_id, added_at=e.timestamp,
        ))

    def removed(self, conn: Connection, e: PictureSet.Removed) -> None:
        conn.execute(t.pictures.delete().where(t.pictures.c.picture_id == UUID(e.picture_id)))
