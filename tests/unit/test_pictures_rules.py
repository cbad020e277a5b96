"""The rules of a pilot's or fund's pictures: what each may have and how many, a new cover or
logo replacing the old, and events that carry ids, the content hash and sizes, never alt text."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.pictures.pictures import (
    FUND,
    PROJECT,
    InvalidPicture,
    PictureSet,
    TooManyPictures,
    widths_for,
)

HASH = "ab" * 32


def add(pictures: PictureSet, kind: str, content_hash: str = HASH):
    return pictures.add(picture_id=uuid4(), kind=kind, content_hash=content_hash,
                        sizes=[(320, 180), (640, 360)])


def test_a_new_cover_replaces_the_old_and_the_gallery_holds_six():
    pictures = PictureSet(owner_kind=PROJECT, owner_id=uuid4())
    add(pictures, "cover")
    [first] = list(pictures.pictures)
    assert add(pictures, "cover") == [first]
    for _ in range(6):
        assert add(pictures, "gallery") == []
    with pytest.raises(TooManyPictures):
        add(pictures, "gallery")
    assert sorted(pictures.pictures.values()) == ["cover"] + ["gallery"] * 6


def test_a_fund_has_a_logo_only_and_bad_hashes_or_sizes_are_refused():
    fund = PictureSet(owner_kind=FUND, owner_id=uuid4())
    with pytest.raises(InvalidPicture):
        add(fund, "cover")
    with pytest.raises(InvalidPicture):
        add(fund, "logo", content_hash="not-a-hash")
    with pytest.raises(InvalidPicture):
        fund.add(picture_id=uuid4(), kind="logo", content_hash=HASH, sizes=[(0, 10)])
    add(fund, "logo")
    with pytest.raises(InvalidPicture):
        fund.remove(uuid4())


def test_events_carry_ids_hash_and_sizes_and_nothing_people_wrote():
    pictures = PictureSet(owner_kind=PROJECT, owner_id=uuid4())
    add(pictures, "logo")
    added = pictures.collect_events()[-1]
    assert set(vars(added)) - {"originator_id", "originator_version", "timestamp", "actor_id",
                               "actor_role", "correlation_id"} == {
        "owner_kind", "owner_id", "picture_id", "kind", "content_hash", "sizes"}


def test_small_uploads_are_never_enlarged():
    assert widths_for("cover", 2000) == [320, 640, 1280]
    assert widths_for("cover", 500) == [320]
    assert widths_for("logo", 90) == [90]
