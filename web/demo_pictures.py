"""The demo's pictures, drawn in code with Pillow: each pilot gets a cover in the style of what it
does (solar, street lighting, flood sensors, air sensors, cycling, greenery), the pilots with a
delivery owner a small gallery and their proposer's logo, and each matching fund its sponsor's
logo. One drawing per style, resized once: the same files serve every pilot of that style."""

from __future__ import annotations

import io
from collections.abc import Callable
from uuid import UUID

from PIL import Image, ImageDraw

from adapters.bootstrap import Platform
from adapters.picture_images import Prepared, prepare
from domain.kernel.context import SYSTEM, Actor, acting_as, new_correlation_id
from domain.pictures.pictures import COVER, FUND, GALLERY, LOGO, PROJECT

W, H = 1280, 720
Draw = Callable[[ImageDraw.ImageDraw], None]


def _sky(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    sky = Image.linear_gradient("L").resize((W, H))
    return Image.composite(Image.new("RGB", (W, H), bottom), Image.new("RGB", (W, H), top), sky)


def _ground(d: ImageDraw.ImageDraw, colour: tuple[int, int, int], at: int = 520) -> None:
    d.rectangle((0, at, W, H), fill=colour)


def _solar(d: ImageDraw.ImageDraw) -> None:
    d.ellipse((980, 70, 1160, 250), fill=(255, 205, 60))
    _ground(d, (92, 150, 80))
    for x in (160, 480, 800):
        d.polygon([(x, 470), (x + 260, 470), (x + 300, 390), (x + 40, 390)], fill=(35, 60, 120),
                  outline=(220, 230, 240), width=4)
        d.rectangle((x + 130, 470, x + 150, 560), fill=(90, 90, 90))


def _lighting(d: ImageDraw.ImageDraw) -> None:
    _ground(d, (60, 60, 70), 560)
    for x in (180, 560, 940):
        d.rectangle((x, 200, x + 16, 560), fill=(40, 40, 45))
        d.polygon([(x - 40, 200), (x + 56, 200), (x + 30, 180), (x - 14, 180)], fill=(40, 40, 45))
        d.polygon([(x - 30, 205), (x + 46, 205), (x + 140, 560), (x - 124, 560)],
                  fill=(250, 220, 120))


def _flood(d: ImageDraw.ImageDraw) -> None:
    _ground(d, (70, 120, 70), 430)
    for row, y in enumerate(range(470, H, 50)):
        for x in range(-80 + (row % 2) * 60, W, 120):
            d.arc((x, y, x + 120, y + 50), 200, 340, fill=(230, 240, 255), width=6)
    d.rectangle((0, 460, W, H), outline=None)
    d.rectangle((600, 300, 630, 520), fill=(80, 80, 80))
    d.rectangle((570, 260, 660, 310), fill=(250, 180, 40))


def _air(d: ImageDraw.ImageDraw) -> None:
    _ground(d, (120, 120, 125), 600)
    for x, y in ((200, 160), (520, 120), (860, 190)):
        d.ellipse((x, y, x + 260, y + 110), fill=(245, 245, 250))
    for x in (300, 700, 1050):
        d.rectangle((x, 300, x + 14, 600), fill=(50, 50, 55))
        d.rounded_rectangle((x - 30, 360, x + 44, 420), 10, fill=(20, 140, 120))


def _cycling(d: ImageDraw.ImageDraw) -> None:
    _ground(d, (70, 70, 75), 480)
    d.rectangle((0, 560, W, 600), fill=(30, 150, 90))
    for x in range(0, W, 160):
        d.rectangle((x, 520, x + 80, 530), fill=(250, 250, 250))
    for cx in (520, 760):
        d.ellipse((cx - 90, 400, cx + 90, 580), outline=(20, 20, 20), width=12)
    d.line([(520, 490), (620, 420), (760, 490), (650, 490), (520, 490)], fill=(200, 40, 40),
           width=12)


def _greenery(d: ImageDraw.ImageDraw) -> None:
    _ground(d, (90, 160, 90), 500)
    for x in (150, 420, 700, 980):
        d.rectangle((x + 50, 380, x + 80, 520), fill=(110, 80, 50))
        d.ellipse((x, 230, x + 130, 400), fill=(40, 120, 60))


STYLES: dict[str, tuple[Draw, tuple[int, int, int], tuple[int, int, int], str]] = {
    "solar": (_solar, (120, 180, 240), (220, 235, 250), "Solar panels on a sunny day"),
    "lighting": (_lighting, (20, 30, 70), (60, 70, 120), "Street lights shining on a street at "
                 "night"),
    "flood": (_flood, (150, 170, 190), (60, 110, 170), "A river with a flood sensor on a post"),
    "air": (_air, (170, 190, 210), (220, 225, 230), "Air-quality sensors on lamp columns under "
            "a cloudy sky"),
    "cycling": (_cycling, (130, 190, 240), (230, 240, 250), "A bicycle on a green cycle lane"),
    "greenery": (_greenery, (140, 200, 240), (235, 245, 250), "Trees in a neighbourhood park"),
}


def style_of(title: str, theme: str) -> str:
    words = f"{title} {theme}".lower()
    for style, keys in (("flood", ("flood", "river")), ("lighting", ("light", "lamp")),
                        ("air", ("air", "sensor")), ("solar", ("solar", "energy", "heat")),
                        ("cycling", ("cycl", "bike", "mobility", "bus", "ev "))):
        if any(k in words for k in keys):
            return style
    return "greenery"


def drawing(style: str, variant: int = 0) -> bytes:
    """The style's picture: a cover (variant 0), or the same scene at dusk, smaller, for a
    gallery (variant 1)."""
    draw, top, bottom, _ = STYLES[style]
    image = _sky(top, bottom) if variant == 0 else _sky(bottom, top)
    draw(ImageDraw.Draw(image))
    if variant:
        image = image.resize((640, 360), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    return out.getvalue()


def logo(name: str) -> bytes:
    """A round badge with the name's initials."""
    initials = "".join(w[0] for w in name.replace("—", " ").split() if w[:1].isupper())[:3]
    hue = sum(map(ord, name)) % 5
    colour = ((30, 100, 160), (150, 60, 40), (40, 120, 70), (110, 60, 140), (160, 110, 20))[hue]
    image = Image.new("RGBA", (320, 320), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    d.ellipse((8, 8, 312, 312), fill=colour)
    d.text((160, 160), initials or "C", fill=(255, 255, 255), anchor="mm", font_size=120)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=0)
    return out.getvalue()


class _Prepared:
    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], Prepared] = {}

    def get(self, key: tuple[str, str], kind: str, make: Callable[[], bytes]) -> Prepared:
        if key not in self.kept:
            self.kept[key] = prepare(make(), kind)
        return self.kept[key]


def _add(platform: Platform, actor: Actor, owner_kind: str, owner_id: UUID, kind: str,
         prepared: Prepared, alt: str) -> None:
    store = platform.pictures
    assert store is not None
    for rendition in prepared.renditions:
        store.put(rendition.key(prepared.content_hash), rendition.data)
    with acting_as(actor, new_correlation_id("demo")):
        picture_id, _ = platform.app.add_picture(owner_kind, owner_id, kind=kind,
                                                 content_hash=prepared.content_hash,
                                                 sizes=prepared.sizes)
    platform.read.keep_alt(picture_id, alt)


def add_demo_pictures(platform: Platform, officers: dict[tuple[str, str], UUID],
                      fund_officers: dict[str, UUID]) -> None:
    """Covers for every pilot (galleries and logos for those with a delivery owner) and logos
    for every fund; pilots and funds that already have pictures are left as they are.
    `officers` maps (city, title) to the officer who posted the pilot, `fund_officers` a fund's
    name to its officer."""
    made = _Prepared()
    for p in platform.read.projects(include_drafts=True, limit=10_000):
        if platform.read.pictures_of(PROJECT, p.id).pictures:
            continue
        officer = officers.get((p.city_name, p.title))
        actor = Actor(str(officer), "city") if officer else SYSTEM
        style = style_of(p.title, p.theme)
        alt = STYLES[style][3]
        _add(platform, actor, PROJECT, p.id, COVER,
             made.get((style, COVER), COVER, lambda s=style: drawing(s)), alt)
        if p.delivery_owner_id:
            _add(platform, actor, PROJECT, p.id, GALLERY,
                 made.get((style, GALLERY), GALLERY, lambda s=style: drawing(s, 1)),
                 f"{alt}, in the evening")
            _add(platform, actor, PROJECT, p.id, LOGO,
                 made.get((p.proposer, LOGO), LOGO, lambda n=p.proposer: logo(n)),
                 f"{p.proposer} logo")
    for f in platform.read.matching_funds():
        if platform.read.pictures_of(FUND, f.id).pictures:
            continue
        officer = fund_officers.get(f.name)
        actor = Actor(str(officer), "city") if officer else SYSTEM
        _add(platform, actor, FUND, f.id, LOGO,
             made.get((f.sponsor, LOGO), LOGO, lambda n=f.sponsor: logo(n)),
             f"{f.sponsor} logo")
    platform.projections.catch_up()
