"""Pictures made in the tests: real JPEG/PNG files (one with EXIF and GPS), and bad ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def jpeg_with_gps(size: tuple[int, int] = (1600, 900), orientation: int = 1) -> bytes:
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (41.0, 9.0, 0.0)
    gps[3], gps[4] = "W", (8.0, 37.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=85)
    return out.getvalue()


def png(size: tuple[int, int] = (800, 600), colour=(200, 60, 40, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, "PNG")
    return out.getvalue()


def gif(size: tuple[int, int] = (40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size).save(out, "GIF")
    return out.getvalue()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script><rect width="10" height="10"/></svg>')


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small PNG whose header claims width x height pixels (ten gigapixels by default)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + (
        _chunk(b"IEND", b""))
