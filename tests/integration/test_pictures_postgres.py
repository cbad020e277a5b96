"""On PostgreSQL: gallery pictures added to one pilot at the same moment are decided one after
the other (six fit, the rest are refused), and the pilot's pictures read back with their alt
text, in the order they were added, from the files the store keeps."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.picture_images import prepare
from domain.kernel.context import Actor, acting_as
from domain.pictures.pictures import TooManyPictures
from tests.conftest import World, make_platform
from tests.e2e.test_delivery_owner import Pilot
from tests.pictures import png


@pytest.fixture
def pg_pictures(postgres_url, clock, tmp_path):
    platform = make_platform(postgres_url, clock, picture_dir=str(tmp_path / "pictures"))
    yield platform
    platform.close()


@pytest.mark.postgres
def test_simultaneous_gallery_uploads_keep_the_limit(pg_pictures, clock):
    platform = pg_pictures
    pilot = Pilot(World(platform, clock), platform, clock)
    officer = Actor(str(pilot.officer), "city")
    uploads = [prepare(png((400, 300), (n * 25, 40, 90, 255)), "gallery") for n in range(8)]

    def add(number: int) -> bool:
        prepared = uploads[number]
        for rendition in prepared.renditions:
            platform.pictures.put(rendition.key(prepared.content_hash), rendition.data)
        try:
            with acting_as(officer, f"test-{number}"):
                picture_id, _ = platform.app.add_picture(
                    "project", pilot.id, kind="gallery", content_hash=prepared.content_hash,
                    sizes=prepared.sizes)
        except TooManyPictures:
            return False
        platform.read.keep_alt(picture_id, f"Picture {number}")
        return True

    with ThreadPoolExecutor(max_workers=4) as pool:
        added = list(pool.map(add, range(8)))
    platform.projections.catch_up()

    assert added.count(True) == 6
    gallery = platform.read.pictures_of("project", pilot.id).gallery
    assert sorted(p.alt for p in gallery) == sorted(
        f"Picture {n}" for n, ok in enumerate(added) if ok)
    assert all(platform.pictures.get(p.keys[0]) for p in gallery)

    # The pilot's page reads them with its own statement: the same pictures, no query of their own.
    page = platform.read.project_page(pilot.id)
    assert page.pictures == platform.read.pictures_of("project", pilot.id)
    assert [p.alt for p in page.pictures.gallery] == [p.alt for p in gallery]
