"""What pages read about pictures: one owner's pictures with their alt text (one query), the
covers of many pilots or the logos of many funds at once, and keeping a picture's alt text
(outside the log) under the id its event names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters import tables as t
from adapters.picture_images import rendition_key
from adapters.storage import Prepared
from domain.pictures.pictures import COVER, FUND, GALLERY, LOGO, PROJECT


@dataclass(frozen=True)
class PictureView:
    picture_id: UUID
    owner_kind: str
    owner_id: UUID
    kind: str
    content_hash: str
    sizes: list[tuple[int, int]]  # (width, height), narrowest first
    alt: str
    added_at: datetime

    def key(self, width: int) -> str:
        return rendition_key(self.content_hash, width)

    @property
    def keys(self) -> list[str]:
        return [self.key(w) for w, _ in self.sizes]

    @property
    def widest(self) -> tuple[int, int]:
        return self.sizes[-1]

    @property
    def narrowest(self) -> tuple[int, int]:
        return self.sizes[0]


@dataclass(frozen=True)
class OwnerPictures:
    """One pilot's or fund's pictures, sorted by kind."""

    pictures: list[PictureView]

    def _of(self, kind: str) -> list[PictureView]:
        return [p for p in self.pictures if p.kind == kind]

    @property
    def cover(self) -> PictureView | None:
        return next(iter(self._of(COVER)), None)

    @property
    def gallery(self) -> list[PictureView]:
        return self._of(GALLERY)

    @property
    def logo(self) -> PictureView | None:
        return next(iter(self._of(LOGO)), None)


def pictures_column(project_id: Any) -> Any:
    """A pilot's pictures with their alt text as one JSON column (PostgreSQL), so the pilot's
    page reads them in its own statement; `pictures_of_json` turns it back into views."""
    p, x = t.pictures.c, t.picture_texts.c
    pairs: list[Any] = []
    for name, value in (("picture_id", p.picture_id), ("owner_kind", p.owner_kind),
                        ("owner_id", p.owner_id), ("kind", p.kind),
                        ("content_hash", p.content_hash), ("sizes", p.sizes), ("alt", x.alt),
                        ("added_at", p.added_at)):
        pairs += [sa.literal_column(f"'{name}'"), value]
    rows = sa.func.json_agg(aggregate_order_by(sa.func.json_build_object(*pairs),
                                               p.added_at, p.picture_id))
    return (sa.select(rows)
            .select_from(t.pictures.outerjoin(t.picture_texts, x.picture_id == p.picture_id))
            .where(p.owner_kind == PROJECT, p.owner_id == project_id)
            .correlate_except(t.pictures, t.picture_texts)
            .scalar_subquery().label("pictures_json"))


def pictures_of_json(found: list[dict[str, Any]] | None) -> OwnerPictures:
    return OwnerPictures([
        PictureView(UUID(j["picture_id"]), j["owner_kind"], UUID(j["owner_id"]), j["kind"],
                    j["content_hash"], [(int(w), int(h)) for w, h in j["sizes"]],
                    j["alt"] or "", datetime.fromisoformat(j["added_at"]))
        for j in found or []])


def _view(row: Any) -> PictureView:
    added = row.added_at  # SQLite gives it back without its zone, which is UTC
    return PictureView(row.picture_id, row.owner_kind, row.owner_id, row.kind, row.content_hash,
                       [(int(w), int(h)) for w, h in row.sizes], row.alt or "",
                       added if added.tzinfo else added.replace(tzinfo=UTC))


def _pictures_select() -> Any:
    p, x = t.pictures.c, t.picture_texts.c
    return (sa.select(t.pictures, x.alt)
            .select_from(t.pictures.outerjoin(t.picture_texts, x.picture_id == p.picture_id)))


# One owner's pictures: every pilot and fund page runs it, so it is prepared once.
_OWNER_PICTURES = Prepared(
    _pictures_select()
    .where(t.pictures.c.owner_kind == sa.bindparam("owner_kind"),
           t.pictures.c.owner_id == sa.bindparam("owner_id"))
    .order_by(t.pictures.c.added_at, t.pictures.c.picture_id))


class PictureQueries:
    """Mixed into ReadModelQueries."""

    engine: sa.Engine
    _all: Callable[..., list[Any]]  # ReadModelQueries's: run a statement on the read engine

    def _pictures_where(self, *conditions: Any) -> list[PictureView]:
        p = t.pictures.c
        rows = self._all(_pictures_select().where(*conditions).order_by(p.added_at, p.picture_id))
        return [_view(r) for r in rows]

    def pictures_of(self, owner_kind: str, owner_id: UUID) -> OwnerPictures:
        rows = _OWNER_PICTURES.rows(self.engine, {"owner_kind": owner_kind, "owner_id": owner_id})
        return OwnerPictures([_view(r) for r in rows])

    def picture(self, picture_id: UUID) -> PictureView | None:
        found = self._pictures_where(t.pictures.c.picture_id == picture_id)
        return found[0] if found else None

    def hash_in_use(self, content_hash: str) -> bool:
        p = t.pictures.c
        return bool(self._all(sa.select(p.picture_id).where(p.content_hash == content_hash)
                              .limit(1)))

    def keep_alt(self, picture_id: UUID, alt: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.picture_texts.insert().values(picture_id=picture_id, alt=alt))

    def forget_alt(self, picture_ids: Iterable[UUID]) -> None:
        ids = set(picture_ids)
        if ids:
            with self.engine.begin() as conn:
                conn.execute(t.picture_texts.delete().where(
                    t.picture_texts.c.picture_id.in_(ids)))

    def all_covers(self) -> dict[UUID, PictureView]:
        """Every pilot's cover, for pages of cards (one small row per pilot that has one)."""
        p = t.pictures.c
        return {v.owner_id: v for v in self._pictures_where(p.owner_kind == PROJECT,
                                                            p.kind == COVER)}

    def covers_of(self, project_ids: list[UUID]) -> dict[UUID, PictureView]:
        """The covers of the pilots a page of cards shows, in one query."""
        if not project_ids:
            return {}
        p = t.pictures.c
        return {v.owner_id: v for v in self._pictures_where(
            p.owner_kind == PROJECT, p.kind == COVER, p.owner_id.in_(project_ids))}

    def all_fund_logos(self) -> dict[UUID, PictureView]:
        p = t.pictures.c
        return {v.owner_id: v for v in self._pictures_where(p.owner_kind == FUND, p.kind == LOGO)}
