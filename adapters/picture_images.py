"""Checking an uploaded picture and resizing it, with Pillow: its type is decided by its content
(JPEG, PNG or WebP; never by its name or the Content-Type the browser sent), it is refused when
too large, when its header claims more pixels than the limit (a decompression bomb) or when it
is truncated or malformed, and it comes out as WebP in a few widths, turned upright by its EXIF
orientation and with every piece of metadata (EXIF, GPS, XMP, comments, ICC) left behind."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from domain.pictures.pictures import (
    FORMATS,
    MAX_BYTES,
    MAX_PIXELS,
    NotAnImage,
    PictureTooLarge,
    TooManyPixels,
    UnsupportedImageType,
    widths_for,
)

CONTENT_TYPE = "image/webp"
EXTENSION = "webp"
QUALITY = 80
# libwebp effort 0-6: 2 is about three times faster than the default 4 for files a few
# percent larger.
METHOD = 2


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes

    def key(self, content_hash: str) -> str:
        return rendition_key(content_hash, self.width)


@dataclass(frozen=True)
class Prepared:
    content_hash: str  # sha256 of the upload as sent
    renditions: list[Rendition]  # narrowest first

    @property
    def sizes(self) -> list[tuple[int, int]]:
        return [(r.width, r.height) for r in self.renditions]


def rendition_key(content_hash: str, width: int) -> str:
    return f"{content_hash}-{width}w.{EXTENSION}"


def _open(data: bytes) -> Image.Image:
    """The image, its header read and its pixels not yet decoded."""
    try:
        image = Image.open(io.BytesIO(data), formats=None)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError) as error:
        if isinstance(error, Image.DecompressionBombError | Image.DecompressionBombWarning):
            raise TooManyPixels(_too_many_pixels()) from None
        raise NotAnImage("This file is not a picture we can read: upload a JPEG, PNG or WebP "
                         "image") from None
    if image.format not in FORMATS:
        raise UnsupportedImageType(f"{image.format or 'This'} pictures are not taken: upload a "
                                   "JPEG, PNG or WebP image")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise TooManyPixels(_too_many_pixels())
    return image


def _too_many_pixels() -> str:
    return (f"This picture has more than {MAX_PIXELS // 1_000_000} megapixels: make it smaller "
            "and upload it again")


def prepare(data: bytes, kind: str) -> Prepared:
    """The upload checked and resized for `kind` (cover, gallery or logo), or a refusal."""
    if len(data) > MAX_BYTES:
        raise PictureTooLarge(f"The picture is larger than {MAX_BYTES // (1024 * 1024)} MB: "
                              "make it smaller and upload it again")
    if not data:
        raise NotAnImage("The file is empty: choose a JPEG, PNG or WebP picture")
    with warnings.catch_warnings():
        # Pillow's own bomb check warns above its limit: a refusal here, never a warning.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            _open(data).verify()
            image = _open(data)
            image.load()
            upright = ImageOps.exif_transpose(image)
        except (TooManyPixels, UnsupportedImageType, NotAnImage):
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise TooManyPixels(_too_many_pixels()) from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise NotAnImage("This picture is damaged or incomplete: export it again and "
                             "upload the new file") from None
    mode = "RGBA" if upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info) else "RGB"
    upright = upright.convert(mode)
    renditions = []
    for width in widths_for(kind, upright.width):
        height = max(1, round(upright.height * width / upright.width))
        resized = upright.resize((width, height), Image.Resampling.LANCZOS,
                                 reducing_gap=2.0)
        # A new image from the pixels alone: nothing of the upload's metadata travels with it.
        clean = Image.frombytes(mode, resized.size, resized.tobytes())
        out = io.BytesIO()
        clean.save(out, "WEBP", quality=QUALITY, method=METHOD)
        renditions.append(Rendition(width, height, out.getvalue()))
    return Prepared(hashlib.sha256(data).hexdigest(), renditions)

