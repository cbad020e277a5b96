"""Home, the pilot list with its filters, and a pilot's page, through the Flask test client."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import csrf_from, login

# Pages must not lean on deprecated library behaviour (e.g. wtforms choices given as tuples).
pytestmark = pytest.mark.filterwarnings("error::DeprecationWarning")


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element with id {element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def seeded(world):
    """Two cities, a few pilots in different states, pledges on one of them."""
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    miskolc = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    porto_officer = world.officer(porto)
    miskolc_officer = world.officer(miskolc)
    lanes = world.project(porto, porto_officer, title="Smart bike lanes", theme="Mobility")
    lights = world.project(
        miskolc, miskolc_officer, title="Adaptive street lights", theme="Energy",
        lines=(("Lamps", "3000000.00", True), ("Dashboard", "500000.00", False)),
    )
    draft = world.project(
        porto, porto_officer, title="Secret draft pilot", theme="Energy", open_campaign=False,
    )
    alice, bob = world.citizen(), world.citizen()
    world.pledge(lanes, alice, "25.00")
    world.pledge(lanes, bob, "75.50")
    return {
        "porto": porto, "miskolc": miskolc, "lanes": lanes, "lights": lights, "draft": draft,
        "porto_officer": porto_officer, "miskolc_officer": miskolc_officer,
    }


def test_home_explains_civicfund_and_shows_live_figures_and_open_pilots(client, seeded, platform):
    page = client.get("/")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert "charged only if" in page.text
    totals = platform.read.totals()
    assert f"<strong>{totals['open_projects']}</strong><span>pilots taking pledges" in page.text
    assert f"<strong>{totals['live_pledges']}</strong><span>live pledges" in page.text
    assert "Smart bike lanes" in page.text and "Adaptive street lights" in page.text
    assert "Secret draft pilot" not in page.text
    assert "/projects?city=Miskolc" in page.text and "/projects?city=Porto" in page.text


def test_list_shows_each_pilot_as_a_card_with_its_figures(client, seeded):
    page = client.get("/projects")
    assert page.status_code == 200
    assert "Smart bike lanes" in page.text and "Adaptive street lights" in page.text
    assert "EUR 100.50" in page.text  # raised on the bike lanes: 25.00 + 75.50
    visible = re.sub(r"<[^>]+>", "", page.text)
    assert "raised of EUR 8,000.00 minimum" in visible
    assert "HUF 3,000,000.00 minimum" in visible
    assert "30 days left" in page.text
    assert 'role="progressbar"' in page.text


def test_list_never_shows_drafts_even_when_asked(client, seeded):
    assert "Secret draft pilot" not in client.get("/projects").text
    page = client.get("/projects?status=draft")
    assert page.status_code == 200
    assert "Secret draft pilot" not in page.text
    assert "not a status" in page.text


def test_filter_by_city_shows_only_that_citys_pilots(client, seeded):
    page = client.get("/projects?city=Miskolc")
    assert "Adaptive street lights" in page.text
    assert "Smart bike lanes" not in page.text


def test_filter_by_theme_shows_only_that_theme(client, seeded):
    page = client.get("/projects?theme=Mobility")
    assert "Smart bike lanes" in page.text
    assert "Adaptive street lights" not in page.text


def test_filter_by_status_shows_only_that_status(client, seeded):
    open_only = client.get("/projects?status=open")
    assert "Smart bike lanes" in open_only.text and "Adaptive street lights" in open_only.text
    funded_only = client.get("/projects?status=funded")
    assert funded_only.status_code == 200
    assert "Smart bike lanes" not in funded_only.text
    assert "No pilot matches these filters" in funded_only.text


def test_filters_combine(client, seeded):
    page = client.get("/projects?city=Porto&theme=Energy&status=open")
    assert "No pilot matches these filters" in page.text  # Porto's energy pilot is a draft
    page = client.get("/projects?city=porto&theme=Mobility&status=open")
    assert "Smart bike lanes" in page.text
    assert "Adaptive street lights" not in page.text


def test_unknown_city_filter_is_explained_not_an_error(client, seeded):
    page = client.get("/projects?city=Atlantis")
    assert page.status_code == 200
    assert "There is no city called" in page.text
    assert "Smart bike lanes" not in page.text


def test_empty_platform_shows_an_empty_state(client):
    page = client.get("/projects")
    assert page.status_code == 200
    assert "No pilots have been published yet" in page.text
    assert client.get("/").status_code == 200


def test_project_page_shows_progress_backers_days_left_and_budget(client, seeded):
    page = client.get(f"/projects/{seeded['lanes']}")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert text_of(page.text, "raised") == "EUR 100.50"
    assert text_of(page.text, "backers") == "2"
    assert text_of(page.text, "timing") == "30 days left"
    assert text_of(page.text, "minimum-total") == "EUR 8,000.00"
    assert text_of(page.text, "optimum-total") == "EUR 10,000.00"
    assert text_of(page.text, "percent-minimum") == "1%"
    assert "Sensors" in page.text and "Signage" in page.text
    assert "Required" in page.text and "Optional" in page.text
    assert "Friends of the Park" in page.text
    assert "nobody is charged" in page.text  # all-or-nothing, in plain words
    assert "progress-marker" in page.text  # where the minimum lies on the optimum bar
    assert f'href="/projects/{seeded["lanes"]}/pledge"' in page.text


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_keep_what_you_raise_page_says_pledges_are_charged_at_the_close(client, world, seeded):
    kept = world.project(
        seeded["porto"], seeded["porto_officer"], title="Noise monitors",
        funding_model="keep_what_you_raise",
    )
    page = visible_text(client.get(f"/projects/{kept}").text)
    assert "Keep what you raise" in page
    assert "only if funded" not in page and "charged only if" not in page
    assert "You are charged when the campaign closes, whatever the total raised." in page


def test_all_or_nothing_page_says_pledges_are_charged_only_if_the_minimum_is_reached(
    client, seeded,
):
    page = visible_text(client.get(f"/projects/{seeded['lanes']}").text)
    assert "You are charged only if the pilot reaches its minimum by the close" in page
    assert "only if funded" not in page


@pytest.mark.parametrize("city, currency, country, zone, shown", [
    ("Porto", "EUR", "PT", "Europe/Lisbon", "10 Dec 2026, 10:30 WET"),
    ("Miskolc", "HUF", "HU", "Europe/Budapest", "10 Dec 2026, 11:30 CET"),
    ("Manchester", "GBP", "GB", "Europe/London", "10 Dec 2026, 10:30 GMT"),
])
def test_campaign_times_show_in_the_citys_own_time_zone(
    client, world, clock, city, currency, country, zone, shown,
):
    city_id = world.city(city, currency, country, zone)
    closes = datetime(2026, 12, 10, 10, 30, tzinfo=UTC)
    project = world.project(
        city_id, world.officer(city_id), closes_in=closes - clock.now(),
        lines=(("Sensors", "800000.00", True),),
    )
    page = visible_text(client.get(f"/projects/{project}").text)
    assert f"Closes {shown}." in page
    assert "UTC" not in page


def test_progress_key_names_the_minimum_and_the_optimum(client, seeded):
    page = client.get(f"/projects/{seeded['lanes']}").text
    key = re.search(r'<ul class="progress-key".*?</ul>', page, re.S)
    assert key, "the bar has a key"
    assert "minimum" in key.group(0) and "optimum" in key.group(0)


def test_closed_campaign_shows_closed_and_no_pledge_button(client, world, seeded):
    soon = world.project(
        seeded["porto"], seeded["porto_officer"], title="Short campaign",
        closes_in=timedelta(hours=2),
    )
    world.clock.set(world.clock.now() + timedelta(hours=3))
    page = client.get(f"/projects/{soon}")
    assert page.status_code == 200
    assert "Closed on" in text_of(page.text, "timing")
    assert f"/projects/{soon}/pledge" not in page.text


def test_drafts_are_404_to_visitors_citizens_and_other_cities(client, world, seeded):
    draft = f"/projects/{seeded['draft']}"
    assert client.get(draft).status_code == 404
    login(client, world.emails[world.citizen()])
    assert client.get(draft).status_code == 404
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, world.emails[seeded["miskolc_officer"]])
    assert client.get(draft).status_code == 404


def test_drafts_are_visible_to_their_citys_officers_and_admins(client, world, seeded):
    draft = f"/projects/{seeded['draft']}"
    login(client, world.emails[seeded["porto_officer"]])
    page = client.get(draft)
    assert page.status_code == 200
    assert "Secret draft pilot" in page.text and "This pilot is a draft" in page.text
    assert f"{draft}/pledge" not in page.text
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, world.emails[world.account("admin")])
    assert client.get(draft).status_code == 200


@pytest.mark.parametrize("path", [
    f"/projects/{uuid.uuid4()}", "/projects/not-a-uuid", "/projects/123", "/projects/%00",
    "/nowhere",
])
def test_unknown_and_malformed_ids_are_a_404_page(client, path):
    page = client.get(path)
    assert page.status_code == 404
    assert "<h1" in page.text


def test_garbage_query_parameters_never_break_the_list(client, seeded):
    for query in ("page=abc", "page=-1", "page=99999999999", "theme=%00", "city=" + "x" * 500,
                  "status=open&page=2"):
        assert client.get(f"/projects?{query}").status_code == 200


def _token(client) -> str:
    return csrf_from(client.get("/").text)


@pytest.fixture
def pg_client(pg_platform):
    from web.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=pg_platform)
    return app.test_client()


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["city=%00", "theme=Mob%00ility", "status=open%00"])
def test_control_characters_in_filters_are_refused_on_postgresql(pg_client, query):
    page = pg_client.get(f"/projects?{query}")
    assert page.status_code == 200
    assert "remove the control characters" in page.text


def test_pilots_still_taking_pledges_are_listed_before_finished_ones(client, world, clock):
    from adapters.settlement_rounds import settle_due

    city = world.city("Porto")
    officer = world.officer(city)
    finished = world.project(city, officer, title="Finished early pilot",
                             closes_in=timedelta(days=2), lines=(("Kit", "10.00", True),))
    world.pledge(finished, world.citizen(), "10.00")
    world.project(city, officer, title="Open later pilot", closes_in=timedelta(days=20))
    clock.advance(days=3)
    platform = world.platform
    settle_due(platform.app, platform.engine, platform.projections)

    page = client.get("/projects").text
    assert page.index("Open later pilot") < page.index("Finished early pilot")
    listed = client.get("/api/v1/projects").json["projects"]
    assert [p["title"] for p in listed] == ["Open later pilot", "Finished early pilot"]
    assert [p["status"] for p in listed] == ["open", "funded"]


@pytest.mark.parametrize(("ahead", "said"), [
    (timedelta(days=30), "30 days left"),
    (timedelta(days=1, hours=7, minutes=10), "1 day 7 hours left"),
    (timedelta(hours=23, minutes=59), "23 hours 59 minutes left"),
    (timedelta(hours=5), "5 hours left"),
    (timedelta(hours=1, minutes=1), "1 hour 1 minute left"),
    (timedelta(minutes=12, seconds=30), "12 minutes left"),
    (timedelta(seconds=40), "less than a minute left"),
])
def test_the_last_day_is_counted_in_hours_and_minutes(client, world, clock, ahead, said):
    """Minutes before the close the page said "1 day left"; the last day counts down."""
    porto = world.city()
    lanes = world.project(porto, world.officer(porto), title="Smart bike lanes")
    clock.set(platform_close(world, lanes) - ahead)

    page = client.get(f"/projects/{lanes}")

    assert text_of(page.text, "timing") == said
    assert said in client.get("/projects").text


def platform_close(world, project_id):
    return world.platform.read.project(project_id).closes_at
