"""Uploaded pictures are checked by their content and come out resized and without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from adapters.picture_images import prepare
from domain.pictures.pictures import (
    MAX_BYTES,
    AltTextRequired,
    NotAnImage,
    PictureTooLarge,
    TooManyPixels,
    UnsupportedImageType,
    clean_alt,
)
from tests.pictures import SVG, gif, jpeg_with_gps, png, png_bomb


def test_a_jpeg_is_resized_into_webp_widths_without_exif_or_gps():
    upload = jpeg_with_gps((1600, 900))
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(0x8825)  # the upload has GPS

    prepared = prepare(upload, "cover")

    assert [r.width for r in prepared.renditions] == [320, 640, 1280]
    assert [r.height for r in prepared.renditions] == [180, 360, 720]
    for rendition in prepared.renditions:
        out = Image.open(io.BytesIO(rendition.data))
        assert out.format == "WEBP" and out.size == (rendition.width, rendition.height)
        assert not out.getexif() and "exif" not in out.info and "xmp" not in out.info
        assert b"PhoneMaker" not in rendition.data and b"Exif" not in rendition.data
    assert len(prepared.content_hash) == 64


def test_the_exif_orientation_is_applied_before_the_metadata_goes():
    # Orientation 6: the camera was turned; the picture is shown 900 wide and 1600 tall.
    prepared = prepare(jpeg_with_gps((1600, 900), orientation=6), "gallery")
    widest = Image.open(io.BytesIO(prepared.renditions[-1].data))
    assert widest.size[1] > widest.size[0]
    assert [r.width for r in prepared.renditions] == [320, 640]


def test_a_png_keeps_its_transparency_and_a_small_one_is_not_enlarged():
    prepared = prepare(png((200, 100), (0, 0, 0, 0)), "logo")
    assert [(r.width, r.height) for r in prepared.renditions] == [(160, 80)]
    assert Image.open(io.BytesIO(prepared.renditions[0].data)).mode == "RGBA"
    assert [r.width for r in prepare(png((120, 60)), "logo").renditions] == [120]


@pytest.mark.parametrize("data", [b"just some text, named picture.png", b"", SVG,
                                  png()[:200]], ids=["text", "empty", "svg", "truncated"])
def test_what_is_not_a_readable_picture_is_refused(data):
    with pytest.raises(NotAnImage) as refused:
        prepare(data, "cover")
    assert refused.value.code == "not_an_image"


def test_other_picture_types_are_refused_by_their_content():
    with pytest.raises(UnsupportedImageType) as refused:
        prepare(gif(), "cover")
    assert "JPEG, PNG or WebP" in refused.value.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(PictureTooLarge) as refused:
        prepare(png() + b"\0" * MAX_BYTES, "cover")
    assert refused.value.code == "too_large"


@pytest.mark.parametrize("size", [(100_000, 100_000), (8000, 6000)], ids=["10GP", "48MP"])
def test_a_decompression_bomb_is_refused_by_its_pixel_count(size):
    with pytest.raises(TooManyPixels) as refused:
        prepare(png_bomb(*size), "cover")
    assert "40 megapixels" in refused.value.message


def test_alt_text_is_required_and_plain():
    assert clean_alt("  Two  sensors on a lamp post ") == "Two sensors on a lamp post"
    for bad in ("", "   ", None, "a\x00b", "x" * 251):
        with pytest.raises(AltTextRequired):
            clean_alt(bad)
