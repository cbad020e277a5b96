"""What templates call to show pictures: a pilot's or fund's pictures (one query per page, kept
for the request), the covers on cards and the sponsors' logos in a capital stack (each one
query for the whole page, however many cards or funds it shows), and their addresses."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from uuid import UUID

from flask import Flask, g, request, url_for
from markupsafe import Markup

from adapters.picture_images import rendition_key
from adapters.picture_queries import OwnerPictures, PictureView
from domain.pictures.pictures import FUND, PROJECT
from web.services import platform


def _kept(name: str, load: Any) -> Any:
    cache = g.setdefault("pictures_cache", {})
    if name not in cache:
        cache[name] = load()
    return cache[name]


def pilot_pictures(project_id: UUID) -> OwnerPictures:
    return _kept(f"{PROJECT}:{project_id}",
                 lambda: platform().read.pictures_of(PROJECT, project_id))


def already_read(project_id: UUID, pictures: OwnerPictures | None) -> None:
    """A pilot's pictures its page's own statement read: no query of their own."""
    if pictures is not None:
        g.setdefault("pictures_cache", {})[f"{PROJECT}:{project_id}"] = pictures


def fund_pictures(fund_id: UUID) -> OwnerPictures:
    return _kept(f"{FUND}:{fund_id}", lambda: platform().read.pictures_of(FUND, fund_id))


def show_cards(projects: list[Any]) -> list[Any]:
    """Name the pilots a page shows as cards, so their covers come in one query for just them."""
    g.card_ids = [p.id for p in projects]
    return projects


def card_cover(project_id: UUID) -> PictureView | None:
    ids = g.get("card_ids")
    read = platform().read
    if ids is None or project_id not in ids:
        return _kept("covers", read.all_covers).get(project_id)
    return _kept("card_covers", lambda: read.covers_of(ids)).get(project_id)


def sponsor_logo(href: str | None) -> PictureView | None:
    """The logo of the fund a capital stack's part links to (…/funds/<id>), if it has one."""
    parts = (href or "").rstrip("/").rsplit("/", 2)
    if len(parts) != 3 or parts[1] != "funds":
        return None
    try:
        fund_id = UUID(parts[2])
    except ValueError:
        return None
    return _kept("fund_logos", platform().read.all_fund_logos).get(fund_id)


def _files_path() -> str:
    """/pictures/ as the app is mounted: built once a request, not once per image."""
    found = g.get("picture_files_path")
    if found is None:
        found = g.picture_files_path = url_for("pictures.file", key="-")[:-1]
    return found


def picture_url(picture: PictureView, width: int | None = None, external: bool = False) -> str:
    path = _files_path() + picture.key(width or picture.widest[0])
    if external:
        return (platform().settings.public_url or request.host_url.rstrip("/")) + path
    return path


def picture(pic: PictureView, sizes: str, css: str, lazy: bool = True) -> Markup:
    """One picture as a responsive image: `sizes` says how wide it shows on the page, so the
    browser picks the narrowest file that is sharp enough. A page shows a dozen of these: the
    tag is kept, keyed by everything it is made of."""
    return _img(_files_path(), pic.content_hash, tuple(map(tuple, pic.sizes)), pic.alt, sizes,
                css, lazy)


@lru_cache(maxsize=4096)
def _img(files_path: str, content_hash: str, dimensions: tuple[tuple[int, int], ...], alt: str,
         sizes: str, css: str, lazy: bool) -> Markup:
    narrowest, (width, height) = dimensions[0][0], dimensions[-1]
    srcset = ", ".join(f"{files_path}{rendition_key(content_hash, w)} {w}w" for w, _ in dimensions)
    return Markup('<img class="{}" src="{}" srcset="{}" sizes="{}" width="{}" height="{}" '
                  'alt="{}"{} decoding="async">').format(
        css, files_path + rendition_key(content_hash, narrowest), srcset, sizes, width, height,
        alt, Markup(' loading="lazy"') if lazy else "")


def page_url() -> str:
    base = platform().settings.public_url or request.host_url.rstrip("/")
    return base + request.path


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        pilot_pictures=pilot_pictures, fund_pictures=fund_pictures, card_cover=card_cover,
        sponsor_logo=sponsor_logo, picture_url=picture_url, page_url=page_url,
        picture=picture)
