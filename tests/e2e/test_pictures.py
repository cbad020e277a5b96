"""Pilots' pictures: the city's officers (console) and the delivery owner (/delivery) upload a
cover, gallery pictures and the proposer's logo; the card and the pilot page show them with alt
text and srcset, the files are served resized, without metadata, with long cache lifetimes, and
the page carries Open Graph tags. Bad files, missing alt text, too-large uploads and people who
may not upload are refused, with nothing recorded or stored."""

from __future__ import annotations

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from adapters.settings import picture_directory
from domain.pictures.pictures import MAX_BYTES
from tests.conftest import csrf_from
from tests.e2e.test_delivery_owner import (
    CITIZEN,
    OFFICER,
    OTHER_PROPOSER,
    PROPOSER,
    Pilot,
    signed_in,
)
from tests.e2e.test_settlement_pages import recorded, words
from tests.pictures import SVG, jpeg_with_gps, png, png_bomb


class _Tags(HTMLParser):
    def __init__(self, tag: str):
        super().__init__()
        self.tag, self.found = tag, []

    def handle_starttag(self, tag, attrs):
        if tag == self.tag:
            self.found.append(dict(attrs))


def tags(html: str, tag: str) -> list[dict[str, str]]:
    parser = _Tags(tag)
    parser.feed(html)
    return parser.found


def images(html: str, css: str) -> list[dict[str, str]]:
    return [i for i in tags(html, "img") if css in i.get("class", "").split()]


def meta(html: str) -> dict[str, str]:
    return {m.get("property") or m.get("name"): m.get("content", "") for m in tags(html, "meta")}


@pytest.fixture
def pilot(world, platform, clock) -> Pilot:
    return Pilot(world, platform, clock)


def upload(client, page: str, data: bytes, *, kind: str = "cover", alt: str = "A bench in the "
           "park", filename: str = "picture.jpg", content_type: str = "image/jpeg"):
    token = csrf_from(client.get(page).text)
    return client.post(f"{page}/pictures", data={
        "csrf_token": token, "kind": kind, "alt": alt,
        "picture": (io.BytesIO(data), filename, content_type),
    }, content_type="multipart/form-data")


def stored_files(platform) -> list[Path]:
    directory = picture_directory(platform.settings)
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


def test_an_officer_adds_a_cover_that_the_card_and_the_page_show_resized(pilot, app, platform):
    officer = signed_in(app, OFFICER)
    console = f"/console/projects/{pilot.id}"
    answer = upload(officer, console, jpeg_with_gps((1600, 900)),
                    alt="Two solar benches on Zrinjevac")
    assert answer.status_code == 303
    assert "Two solar benches on Zrinjevac" in words(officer.get(console).text)

    visitor = app.test_client()
    page = visitor.get(f"/projects/{pilot.id}").text
    [cover] = images(page, "pilot-cover-img")
    assert cover["alt"] == "Two solar benches on Zrinjevac"
    widths = [entry.split()[1] for entry in cover["srcset"].split(", ")]
    assert widths == ["320w", "640w", "1280w"] and cover["sizes"]
    [card] = images(visitor.get("/projects").text, "card-cover")
    assert card["alt"] == "Two solar benches on Zrinjevac" and card["srcset"] == cover["srcset"]

    widest = cover["srcset"].split(", ")[-1].split()[0]
    served = visitor.get(widest)
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert "immutable" in served.headers["Cache-Control"]
    assert "max-age=31536000" in served.headers["Cache-Control"]
    picture = Image.open(io.BytesIO(served.data))
    assert picture.size == (1280, 720)
    assert not picture.getexif() and b"PhoneMaker" not in served.data
    again = visitor.get(widest, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_the_delivery_owner_adds_gallery_pictures_and_the_proposers_logo(pilot, app):
    pilot.assign()
    owner = signed_in(app, PROPOSER)
    page = f"/delivery/projects/{pilot.id}"
    assert upload(owner, page, png((1000, 750)), kind="gallery",
                  alt="Volunteers bolting the bench down").status_code == 303
    assert upload(owner, page, png((400, 400), (0, 90, 40, 255)), kind="logo",
                  alt="Zrinjevac Neighbourhood Council logo",
                  filename="logo.png", content_type="image/png").status_code == 303

    public = app.test_client().get(f"/projects/{pilot.id}").text
    [picture] = images(public, "gallery-img")
    assert picture["alt"] == "Volunteers bolting the bench down"
    assert [e.split()[1] for e in picture["srcset"].split(", ")] == ["320w", "640w"]
    [logo] = images(public, "proposer-logo")
    assert logo["alt"] == "Zrinjevac Neighbourhood Council logo"
    assert not images(public, "pilot-cover-img")  # no cover yet: none shown, none broken


def test_a_second_cover_replaces_the_first_and_a_removed_picture_is_gone(pilot, app, platform):
    officer = signed_in(app, OFFICER)
    console = f"/console/projects/{pilot.id}"
    upload(officer, console, png((800, 450)), alt="The first cover")
    first_files = set(stored_files(platform))
    upload(officer, console, png((800, 450), (10, 20, 200, 255)), alt="The second cover")
    page = app.test_client().get(f"/projects/{pilot.id}").text
    assert [i["alt"] for i in images(page, "pilot-cover-img")] == ["The second cover"]
    assert not first_files & set(stored_files(platform))  # the first cover's files are deleted

    [picture] = platform.read.pictures_of("project", pilot.id).pictures
    token = csrf_from(officer.get(console).text)
    removed = officer.post(f"{console}/pictures/{picture.picture_id}/remove",
                           data={"csrf_token": token})
    assert removed.status_code == 303
    assert not images(app.test_client().get(f"/projects/{pilot.id}").text, "pilot-cover-img")
    assert stored_files(platform) == []


@pytest.mark.parametrize(("data", "filename", "alt", "message"), [
    (b"This is a letter, not a picture.", "letter.png", "A bench",
     "not a picture we can read"),
    (SVG, "drawing.svg", "A bench", "not a picture we can read"),
    (png()[:300], "cut.png", "A bench", "damaged or incomplete"),
    (png_bomb(), "bomb.png", "A bench", "more than 40 megapixels"),
    (png(), "bench.png", "   ", "alt text"),
], ids=["text-named-png", "svg", "truncated", "decompression-bomb", "no-alt-text"])
def test_a_bad_upload_is_refused_with_a_clear_message_and_nothing_kept(
        pilot, app, platform, data, filename, alt, message):
    officer = signed_in(app, OFFICER)
    console = f"/console/projects/{pilot.id}"
    before = recorded(platform)
    answer = upload(officer, console, data, alt=alt, filename=filename,
                    content_type="image/png")
    assert answer.status_code == 422
    assert message in words(answer.text)
    assert recorded(platform) == before
    assert stored_files(platform) == []
    assert not images(app.test_client().get(f"/projects/{pilot.id}").text, "pilot-cover-img")


def test_a_too_large_upload_gets_a_413_page_that_says_so(pilot, app, platform):
    officer = signed_in(app, OFFICER)
    console = f"/console/projects/{pilot.id}"
    before = recorded(platform)
    for size in (MAX_BYTES + 10, 3 * MAX_BYTES):  # within the form's slack, and far past it
        answer = upload(officer, console, png() + b"\0" * size)
        assert answer.status_code == 413
        assert "larger than 5 MB" in words(answer.text)
    assert recorded(platform) == before and stored_files(platform) == []


def test_a_citizen_another_proposer_and_an_auditor_cannot_upload(pilot, app, platform, world):
    pilot.assign()
    world.account("auditor", "auditor@zagreb.example.org")
    before = recorded(platform)
    citizen = signed_in(app, CITIZEN)
    token = csrf_from(citizen.get("/").text)  # the sign-out form's
    answer = citizen.post(f"/console/projects/{pilot.id}/pictures", data={
        "csrf_token": token, "alt": "x", "kind": "cover",
        "picture": (io.BytesIO(png()), "a.png")}, content_type="multipart/form-data")
    assert answer.status_code == 403
    rival = signed_in(app, OTHER_PROPOSER)
    # Another proposer's pilot looks to them as if it did not exist.
    assert upload(rival, f"/delivery/projects/{pilot.id}", png()).status_code == 404
    assert signed_in(app, CITIZEN).get(f"/delivery/projects/{pilot.id}").status_code == 403
    auditor = signed_in(app, "auditor@zagreb.example.org")
    refused = auditor.post(f"/console/projects/{pilot.id}/pictures", data={
        "alt": "x", "kind": "cover", "picture": (io.BytesIO(png()), "a.png")},
        content_type="multipart/form-data")
    assert refused.status_code == 403 and "Read-only for auditors" in refused.text
    assert recorded(platform) == before and stored_files(platform) == []


def test_the_pilot_page_has_open_graph_tags_and_reads_its_pictures_in_one_query(
        pilot, app, platform):
    pilot.assign()
    officer = signed_in(app, OFFICER)
    console = f"/console/projects/{pilot.id}"
    upload(officer, console, png((1280, 720)), alt="The bench at noon")
    for number in range(3):
        upload(officer, console, png((640, 480), (number * 60, 90, 40, 255)), kind="gallery",
               alt=f"Gallery picture {number + 1}")
    upload(officer, console, png((300, 300)), kind="logo", alt="The council's logo")

    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(platform.read.engine, "before_cursor_execute", seen)
    try:
        page = app.test_client().get(f"/projects/{pilot.id}", base_url="https://civic.example")
    finally:
        sa.event.remove(platform.read.engine, "before_cursor_execute", seen)
    assert len(images(page.text, "gallery-img")) == 3
    assert [s for s in statements if "rm_pictures" in s].__len__() == 1

    tagged = meta(page.text)
    assert tagged["og:title"].startswith(platform.read.project(pilot.id).title)
    assert tagged["og:description"] and tagged["twitter:card"] == "summary_large_image"
    assert tagged["og:url"] == f"https://civic.example/projects/{pilot.id}"
    assert tagged["og:image"].startswith("https://civic.example/pictures/")
    assert tagged["og:image:alt"] == "The bench at noon"
    assert app.test_client().get(tagged["og:image"]).status_code == 200


def test_a_page_without_pictures_has_no_images_and_a_plain_card(pilot, app):
    page = app.test_client().get(f"/projects/{pilot.id}").text
    assert not [i for i in tags(page, "img")]
    assert meta(page)["twitter:card"] == "summary" and "og:image" not in meta(page)
    assert app.test_client().get("/pictures/" + "0" * 64 + "-320w.webp").status_code == 404
    assert app.test_client().get("/pictures/..%2Fsecret_key").status_code == 404


def test_alt_text_with_markup_is_shown_as_text_and_only_the_cover_loads_at_once(pilot, app):
    officer = signed_in(app, OFFICER)
    console = f"/console/projects/{pilot.id}"
    alt = 'The "north" bench <b>before</b> & after'
    assert upload(officer, console, png((800, 450)), alt=alt).status_code == 303
    assert upload(officer, console, png((800, 450)), kind="gallery",
                  alt="<script>alert(1)</script>").status_code == 303

    page = app.test_client().get(f"/projects/{pilot.id}").text
    [cover] = images(page, "pilot-cover-img")
    [picture] = images(page, "gallery-img")
    assert cover["alt"] == alt and picture["alt"] == "<script>alert(1)</script>"
    assert "<b>before</b>" not in page and "<script>alert(1)" not in page
    # The cover is the first thing seen: fetched at once; the gallery below waits for scrolling.
    assert "loading" not in cover and picture["loading"] == "lazy"
    assert cover["src"] == cover["srcset"].split(", ")[0].split()[0]
    assert (cover["width"], cover["height"]) == ("640", "360")
