"""Adding and removing a picture, for the pages and the API alike. Nothing is kept when any step
refuses: the alt text and the file are checked first, the files are written only then, and
taken back when the use case refuses (the log is the last word on what a pilot shows)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from adapters.picture_images import prepare, rendition_key
from adapters.picture_queries import PictureView
from domain.kernel.context import Actor
from domain.kernel.errors import DomainError
from domain.pictures.pictures import MAX_BYTES, WIDTHS, check_kind, clean_alt
from web.services import command, platform

TOO_LARGE = (f"The picture is larger than {MAX_BYTES // (1024 * 1024)} MB: make it smaller "
             "(a photo 2000 pixels wide is plenty) and upload it again.")


def _forget_files(content_hashes: Iterable[str]) -> None:
    """Deletes the files of hashes no picture shows any longer (the same upload may show on
    two pilots: its files stay while one shows it)."""
    store = platform().pictures
    for content_hash in set(content_hashes):
        if store is None or platform().read.hash_in_use(content_hash):
            continue
        for widths in WIDTHS.values():
            for width in widths:
                store.delete(rendition_key(content_hash, width))


def add_picture(owner_kind: str, owner_id: UUID, *, kind: object, data: bytes,
                alt: object, actor: Actor | None = None) -> PictureView:
    alt_text = clean_alt(alt)
    prepared = prepare(data, check_kind(owner_kind, kind))
    store = platform().pictures
    assert store is not None
    # Whatever it replaces, gone from the read model once the command has caught up.
    before = platform().read.pictures_of(owner_kind, owner_id).pictures
    for rendition in prepared.renditions:
        store.put(rendition.key(prepared.content_hash), rendition.data)
    try:
        picture_id, replaced = command(lambda: platform().app.add_picture(
            owner_kind, owner_id, kind=kind, content_hash=prepared.content_hash,
            sizes=prepared.sizes), actor=actor)
    except DomainError:
        _forget_files([prepared.content_hash])
        raise
    platform().read.keep_alt(picture_id, alt_text)
    _let_go(before, replaced)
    found = platform().read.picture(picture_id)
    assert found is not None
    return found


def remove_picture(owner_kind: str, owner_id: UUID, picture_id: UUID,
                   actor: Actor | None = None) -> None:
    before = platform().read.pictures_of(owner_kind, owner_id).pictures
    command(lambda: platform().app.remove_picture(owner_kind, owner_id, picture_id),
            actor=actor)
    _let_go(before, [picture_id])


def _let_go(before: list[PictureView], removed: list[UUID]) -> None:
    gone = [p for p in before if p.picture_id in removed]
    platform().read.forget_alt(p.picture_id for p in gone)
    _forget_files(p.content_hash for p in gone)
