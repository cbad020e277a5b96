"""The demo's pictures, and a fund's sponsor logo: every pilot card has a cover, the sponsor's
logo shows on the fund's page and beside the fund's part of a pilot's capital stack, and the
fund's city's officers replace it from the fund console (others are refused)."""

from __future__ import annotations

import io

import pytest

from tests.conftest import csrf_from, login
from tests.e2e.test_pictures import images, meta
from tests.e2e.test_settlement_pages import recorded, words
from tests.pictures import png
from web.demo import CITIZEN_PASSWORD, DOMAIN, OFFICER_PASSWORD, load_demo


@pytest.fixture
def demo(platform):
    assert load_demo(platform)
    return platform


def test_every_demo_card_has_a_cover_and_the_stack_shows_the_sponsors_logo(demo, client):
    cards = client.get("/projects?city=Porto").text
    covers = images(cards, "card-cover")
    assert covers and all(c["alt"] and c["srcset"] for c in covers)

    fund = next(f for f in demo.read.matching_funds() if f.city_name == "Porto")
    matched = next(p for p in demo.read.fund_projects(fund.id))
    page = client.get(f"/projects/{matched.project_id}").text
    assert [i["alt"] for i in images(page, "stack-logo")] == [f"{fund.sponsor} logo"]

    fund_page = client.get(f"/funds/{fund.id}").text
    [logo] = images(fund_page, "fund-logo")
    assert logo["alt"] == f"{fund.sponsor} logo"
    tagged = meta(fund_page)
    assert tagged["og:title"].startswith(fund.name) and tagged["og:image"].startswith("http")
    assert tagged["og:url"].endswith(f"/funds/{fund.id}") and tagged["twitter:card"]


def test_the_funds_officer_replaces_its_logo_and_others_are_refused(demo, app):
    fund = next(f for f in demo.read.matching_funds() if f.city_name == "Porto")
    console = f"/console/funds/{fund.id}"

    def send(client, alt="Porto environment department logo"):
        token = csrf_from(client.get(console).text)
        return client.post(f"{console}/logo", data={
            "csrf_token": token, "alt": alt,
            "picture": (io.BytesIO(png((400, 200))), "logo.png", "image/png")},
            content_type="multipart/form-data")

    before = recorded(demo)
    other = app.test_client()
    login(other, f"zagreb@{DOMAIN}", OFFICER_PASSWORD)
    assert send(other).status_code == 403
    citizen = app.test_client()
    login(citizen, f"citizen@{DOMAIN}", CITIZEN_PASSWORD)
    token = csrf_from(citizen.get("/").text)  # the sign-out form's
    assert citizen.post(f"{console}/logo", data={"csrf_token": token}).status_code == 403
    assert recorded(demo) == before

    officer = app.test_client()
    login(officer, f"porto@{DOMAIN}", OFFICER_PASSWORD)
    missing_alt = send(officer, alt="")
    assert missing_alt.status_code == 422 and "alt text" in words(missing_alt.text)
    assert send(officer).status_code == 303
    [logo] = images(app.test_client().get(f"/funds/{fund.id}").text, "fund-logo")
    assert logo["alt"] == "Porto environment department logo"
    assert len(demo.read.pictures_of("fund", fund.id).pictures) == 1  # it replaced the old one
