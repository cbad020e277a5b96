"""A pilot's pictures through the API: multipart uploads by its officers or delivery owner,
stable error codes for bad files, too-large uploads and people who may not upload."""

from __future__ import annotations

import io

import pytest

from domain.pictures.pictures import MAX_BYTES
from tests.conftest import bearer
from tests.e2e.test_delivery_owner import Pilot
from tests.e2e.test_pictures import stored_files
from tests.e2e.test_settlement_pages import recorded
from tests.pictures import gif, jpeg_with_gps, png, png_bomb


@pytest.fixture
def pilot(world, platform, clock) -> Pilot:
    return Pilot(world, platform, clock)


def send(client, pilot, token, data: bytes, *, kind="cover", alt="A bench in the park"):
    return client.post(f"/api/v1/projects/{pilot.id}/pictures", headers=bearer(token), data={
        "kind": kind, "alt": alt, "picture": (io.BytesIO(data), "upload.jpg", "image/jpeg")},
        content_type="multipart/form-data")


def test_the_officer_uploads_lists_and_removes_a_picture(pilot, world, client):
    token = world.token(pilot.officer)
    added = send(client, pilot, token, jpeg_with_gps((1600, 900)), alt="The bench at noon")
    assert added.status_code == 201
    body = added.get_json()
    assert body["kind"] == "cover" and body["alt"] == "The bench at noon"
    assert body["added_at"].endswith("+00:00")
    assert [(s["width"], s["height"]) for s in body["sizes"]] == [(320, 180), (640, 360),
                                                                   (1280, 720)]
    assert client.get(body["sizes"][0]["url"]).mimetype == "image/webp"
    listed = client.get(f"/api/v1/projects/{pilot.id}/pictures").get_json()["pictures"]
    assert [p["id"] for p in listed] == [body["id"]]

    removed = client.delete(f"/api/v1/projects/{pilot.id}/pictures/{body['id']}",
                            headers=bearer(token))
    assert removed.status_code == 200 and removed.get_json() == {"pictures": []}
    assert client.get(body["sizes"][0]["url"]).status_code == 404


@pytest.mark.parametrize(("data", "alt", "status", "code"), [
    (b"plain text pretending to be a JPEG", "A bench", 422, "not_an_image"),
    (gif(), "A bench", 422, "unsupported_image_type"),
    (png_bomb(), "A bench", 422, "too_many_pixels"),
    (png(), "", 422, "alt_text_required"),
    (png() + b"\0" * MAX_BYTES, "A bench", 413, "too_large"),
    (png() + b"\0" * (2 * MAX_BYTES), "A bench", 413, "too_large"),
], ids=["text", "gif", "bomb", "no-alt", "just-too-large", "far-too-large"])
def test_bad_uploads_get_stable_codes_and_nothing_is_kept(pilot, world, client, platform,
                                                          data, alt, status, code):
    before = recorded(platform)
    answer = send(client, pilot, world.token(pilot.officer), data, alt=alt)
    assert answer.status_code == status
    assert answer.get_json()["error"]["code"] == code
    assert recorded(platform) == before and stored_files(platform) == []


def test_a_seventh_gallery_picture_is_refused(pilot, world, client):
    token = world.token(pilot.officer)
    for number in range(6):
        assert send(client, pilot, token, png((400, 300), (number * 40, 0, 0, 255)),
                    kind="gallery").status_code == 201
    seventh = send(client, pilot, token, png((400, 300)), kind="gallery")
    assert seventh.status_code == 422
    assert seventh.get_json()["error"]["code"] == "too_many_pictures"


def test_citizens_auditors_and_json_bodies_are_refused(pilot, world, client, platform):
    citizen_token, auditor_token = world.token(world.citizen()), world.token(
        world.account("auditor"))
    before = recorded(platform)
    citizen = send(client, pilot, citizen_token, png())
    assert citizen.status_code == 403 and citizen.get_json()["error"]["code"] == "forbidden"
    auditor = send(client, pilot, auditor_token, png())
    assert auditor.status_code == 403 and auditor.get_json()["error"]["code"] == "read_only"
    as_json = client.post(f"/api/v1/projects/{pilot.id}/pictures",
                          headers=bearer(world.token(pilot.officer)), json={"kind": "cover"})
    assert as_json.status_code == 415
    assert as_json.get_json()["error"]["code"] == "unsupported_media_type"
    assert recorded(platform) == before
