"""The pictures of a pilot (a cover, a small gallery, its proposer's logo) or of a matching fund
(its sponsor's logo), and the rules an upload must meet before it is shown.

The image bytes and the alt text stay outside the log: an event names the picture's id, the
content hash of the upload and the sizes it was resized into. Checking the bytes themselves is
an adapter's job (adapters/picture_images.py), against the limits set here."""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import DomainError
from domain.kernel.text import has_control_characters

PROJECT, FUND = "project", "fund"
COVER, GALLERY, LOGO = "cover", "gallery", "logo"
# What each owner may have, and how many of each.
KINDS = {PROJECT: {COVER: 1, GALLERY: 6, LOGO: 1}, FUND: {LOGO: 1}}
# The widths each kind is resized into (never wider than the upload itself).
WIDTHS = {COVER: (320, 640, 1280), GALLERY: (320, 640, 1280), LOGO: (160, 320)}

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
MAX_ALT = 250
_HASH = re.compile(r"[0-9a-f]{64}")


class InvalidPicture(DomainError):
    code = "invalid_picture"
    field = "picture"


class NotAnImage(InvalidPicture):
    code = "not_an_image"


class UnsupportedImageType(InvalidPicture):
    code = "unsupported_image_type"


class PictureTooLarge(InvalidPicture):
    code = "too_large"


class TooManyPixels(InvalidPicture):
    code = "too_many_pixels"


class AltTextRequired(InvalidPicture):
    code = "alt_text_required"
    field = "alt"


class TooManyPictures(InvalidPicture):
    code = "too_many_pictures"
    field = "kind"


def clean_alt(text: object) -> str:
    """The alt text a picture needs: what it shows, in plain words."""
    if not isinstance(text, str) or has_control_characters(text):
        raise AltTextRequired("Describe the picture in plain text (its alt text)")
    text = " ".join(text.split())
    if not text:
        raise AltTextRequired("Describe what the picture shows (its alt text): people who "
                              "cannot see it read this instead")
    if len(text) > MAX_ALT:
        raise AltTextRequired(f"The alt text is at most {MAX_ALT} characters")
    return text


def check_kind(owner_kind: str, kind: object) -> str:
    allowed = KINDS.get(owner_kind, {})
    if kind not in allowed:
        names = ", ".join(allowed)
        raise InvalidPicture(f"Choose what the picture is for: {names}", field="kind")
    return str(kind)


def widths_for(kind: str, width: int) -> list[int]:
    """The widths to resize an upload `width` pixels wide into: the kind's widths it reaches,
    or its own width when it is narrower than all of them."""
    return [w for w in WIDTHS[kind] if w <= width] or [width]


class PictureSet(CivicAggregate):
    """The pictures one pilot or fund shows."""

    @staticmethod
    def create_id(owner_kind: str, owner_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"civicfund:pictures:{owner_kind}:{owner_id}")

    @event("Started")
    def __init__(self, owner_kind: str, owner_id: UUID):
        self.owner_kind = owner_kind
        self.owner_id = owner_id
        self.pictures: dict[UUID, str] = {}  # picture id -> kind, in the order added

    def add(self, *, picture_id: UUID, kind: object, content_hash: str,
            sizes: list[tuple[int, int]]) -> list[UUID]:
        """Adds the picture; a cover or logo replaces the one before. Returns the ids of the
        pictures it replaced."""
        kind = check_kind(self.owner_kind, kind)
        if not _HASH.fullmatch(content_hash) or not sizes or any(
                not (isinstance(w, int) and isinstance(h, int) and w > 0 and h > 0)
                for w, h in sizes):
            raise InvalidPicture("The picture's content hash and sizes are malformed")
        same = [p for p, k in self.pictures.items() if k == kind]
        limit = KINDS[self.owner_kind][kind]
        replaced = same if limit == 1 else []
        if len(same) >= limit and not replaced:
            raise TooManyPictures(f"The gallery holds at most {limit} pictures: remove one "
                                  "before adding another")
        for old in replaced:
            self.remove(old)
        self._added(owner_kind=self.owner_kind, owner_id=self.owner_id,
                    picture_id=str(picture_id), kind=kind, content_hash=content_hash,
                    sizes=[[w, h] for w, h in sizes])
        return replaced

    @event("Added")
    def _added(self, owner_kind: str, owner_id: UUID, picture_id: str, kind: str,
               content_hash: str, sizes: list[list[int]]) -> None:
        self.pictures[UUID(picture_id)] = kind

    def remove(self, picture_id: UUID) -> None:
        if picture_id not in self.pictures:
            raise InvalidPicture("There is no such picture here", field="picture_id")
        self._removed(owner_kind=self.owner_kind, owner_id=self.owner_id,
                      picture_id=str(picture_id))

    @event("Removed")
    def _removed(self, owner_kind: str, owner_id: UUID, picture_id: str) -> None:
        del self.pictures[UUID(picture_id)]
