"""On PostgreSQL a pilot's page for a visitor who is not signed in is kept while the database is
unchanged (its snapshot says so): the kept page is the page a fresh render gives, and any write
(a pledge, a backer's new display name, a comment) or the next minute makes it render anew.
People signed in, and visitors picking a language, always get a page rendered for them."""

from __future__ import annotations

import pytest

from tests.conftest import World, csrf_from, login
from tests.e2e.test_settlement_pages import text_of

CITIZEN = "ines@porto.example.org"
pytestmark = pytest.mark.postgres


@pytest.fixture
def web(pg_platform):
    from web.app import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=pg_platform)


@pytest.fixture
def pilot(pg_platform, clock):
    world = World(pg_platform, clock)
    city = world.city()
    officer = world.officer(city)
    citizen = world.account("citizen", CITIZEN, name="Inês Costa")
    project = world.project(city, officer, title="Solar benches")
    return world, project, citizen


def kept(web) -> int:
    return web.extensions["civicfund_kept_pages"].hits


def test_a_second_visit_gets_the_kept_page_and_any_write_renders_it_anew(web, pilot,
                                                                          pg_platform):
    world, project, citizen = pilot
    page = f"/projects/{project}"
    visitor = web.test_client()
    first, second, third = (visitor.get(page).text for _ in range(3))
    assert kept(web) == 1 and third == second
    assert text_of(first, "raised") == text_of(third, "raised")

    world.pledge(project, citizen, "40.00")  # then the read models catch up, as after a command
    after_pledge = visitor.get(page).text
    assert "40.00" in text_of(after_pledge, "raised") and kept(web) == 1
    assert text_of(visitor.get(page).text, "raised") == text_of(after_pledge, "raised")
    assert kept(web) == 2

    # A write outside the log's read models: the backer's name on the wall, in SQL only.
    ines = web.test_client()
    login(ines, CITIZEN)
    ines.post("/account/conversation", data={
        "csrf_token": csrf_from(ines.get("/account/conversation").text), "digest": "each",
        "on_backer_wall": "yes"})
    assert "Inês Costa" in text_of(visitor.get(page).text, "backer-wall")
    pg_platform.profiles.set_display_name(citizen, "Inês C.", world.clock.now())
    wall = text_of(visitor.get(page).text, "backer-wall")
    assert "Inês C." in wall and "Costa" not in wall


def test_the_next_minute_renders_it_anew(web, pilot, clock):
    _world, project, _citizen = pilot
    visitor = web.test_client()
    page = f"/projects/{project}"
    before = text_of(visitor.get(page).text, "timing")
    visitor.get(page)
    assert text_of(visitor.get(page).text, "timing") == before and kept(web) == 1
    clock.advance(days=2)
    later = text_of(visitor.get(page).text, "timing")
    assert later != before and kept(web) == 1


def test_signed_in_people_and_language_picks_get_their_own_page(web, pilot):
    _world, project, _citizen = pilot
    page = f"/projects/{project}"
    for _ in range(3):
        web.test_client().get(page)
    assert kept(web) == 1

    ines = web.test_client()
    login(ines, CITIZEN)
    mine = ines.get(page).text
    assert "Log out" in mine and kept(web) == 1

    picked = web.test_client().get(f"{page}?lang=en")
    again = web.test_client().get(f"{page}?lang=en")
    assert kept(web) == 1 and "civicfund_lang=en" in again.headers["Set-Cookie"]
    assert picked.status_code == again.status_code == 200


def test_the_apis_project_read_is_kept_for_callers_without_credentials(web, pilot, pg_platform):
    world, project, citizen = pilot
    address = f"/api/v1/projects/{project}"
    anonymous = web.test_client()
    answers = [anonymous.get(address) for _ in range(3)]
    assert kept(web) == 1 and answers[2].json == answers[0].json
    assert answers[2].mimetype == "application/json" and answers[2].json["raised"] == "0.00"

    world.pledge(project, citizen, "12.50")
    assert anonymous.get(address).json["raised"] == "12.50" and kept(web) == 1

    token = world.token(citizen)
    for _ in range(3):
        mine = anonymous.get(address, headers={"Authorization": f"Bearer {token}"})
        assert mine.json["raised"] == "12.50"
    assert kept(web) == 1
    assert anonymous.get("/api/v1/projects/00000000-0000-4000-8000-000000000000"
                         ).status_code == 404
