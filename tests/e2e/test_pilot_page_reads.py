"""A pilot's page reads its backer wall and whether it has a conversation and impact indicators
in the page's own statement on PostgreSQL (each read separately on SQLite): on both databases a
visitor sees the same wall, questions and indicators, and a pilot with none of them says so."""

from __future__ import annotations

import pytest

from domain.kernel.context import Actor, acting_as
from tests.conftest import World, csrf_from, login
from tests.e2e.test_delivery_owner import Pilot as DeliveredPilot
from tests.e2e.test_settlement_pages import text_of

CITIZEN = "zsofi@miskolc.example.org"
NEIGHBOUR = "bence@miskolc.example.org"


@pytest.fixture
def web(any_platform):
    from web.app import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=any_platform)


def signed_in(web, email):
    client = web.test_client()
    login(client, email)
    return client


def test_the_wall_and_the_questions_show_to_a_visitor_on_either_database(any_platform, clock,
                                                                          web):
    world = World(any_platform, clock)
    city = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    officer = world.officer(city)
    citizen = world.account("citizen", CITIZEN, name="  Zsófia Kiss ")
    neighbour = world.account("citizen", NEIGHBOUR, name="Bence Tóth")
    pilot = world.project(city, officer, title="Air sensors",
                          lines=(("Sensors", "100000.00", True),))
    quiet = world.project(city, officer, title="Quiet pilot", lines=(("Kit", "100000.00", True),))
    page = f"/projects/{pilot}"
    visitor = web.test_client()

    first = visitor.get(page)
    assert first.status_code == 200
    assert "No backers yet." in text_of(first.text, "backer-wall")

    world.pledge(pilot, citizen, "5000.00")
    world.pledge(pilot, neighbour, "7000.00")
    zsofia = signed_in(web, CITIZEN)
    token = csrf_from(zsofia.get("/account/conversation").text)
    zsofia.post("/account/conversation",
                data={"csrf_token": token, "digest": "each", "on_backer_wall": "yes"})
    asked = zsofia.post(f"{page}/comments", data={
        "csrf_token": csrf_from(zsofia.get(page).text), "kind": "question",
        "text": "When are the sensors installed?"})
    assert asked.status_code == 303, asked.text
    any_platform.projections.catch_up()

    shown = visitor.get(page).text
    wall = text_of(shown, "backer-wall")
    assert "Zsófia Kiss" in wall and "1 neighbour" in wall and "Bence" not in wall
    assert "When are the sensors installed?" in text_of(shown, "conversation")

    other = visitor.get(f"/projects/{quiet}").text
    assert "No backers yet." in text_of(other, "backer-wall")
    assert "When are the sensors installed?" not in other


@pytest.mark.postgres
def test_an_indicator_shows_on_the_page_read_in_one_statement(pg_platform, clock):
    from web.app import create_app

    pilot = DeliveredPilot(World(pg_platform, clock), pg_platform, clock)
    pilot.assign()
    pilot.fund_and_deliver()
    web = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=pg_platform)
    page = f"/projects/{pilot.id}"
    assert "Sensors online" not in web.test_client().get(page).text
    with acting_as(Actor(str(pilot.officer), "city"), "test"):
        pg_platform.app.define_indicator(pilot.id, name="Sensors online", unit="sensors",
                                         target="20", direction="higher")
    pg_platform.projections.catch_up()
    impact = text_of(web.test_client().get(page).text, "impact")
    assert "Sensors online" in impact
