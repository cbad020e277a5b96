"""Discovery through the pages and the API: searching, sorting and paging the pilots, area
pages, and the amounts a city suggests on a pilot's pledge form."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from tests.conftest import bearer, csrf_from, login
from web.app import create_app


@pytest.fixture
def seeded(world):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto, "officer@porto.example.org")
    pilots = {
        "lanes": world.project(porto, officer, title="Smart bike lanes", area="Bonfim"),
        "air": world.project(porto, officer, title="Air quality sensors", area="Bonfim",
                             theme="Environment"),
        "lights": world.project(porto, officer, title="Street lights that dim",
                                area="Cedofeita", theme="Energy"),
        "draft": world.project(porto, officer, title="Secret bike draft", area="Bonfim",
                               open_campaign=False),
    }
    world.pledge(pilots["lanes"], world.citizen(), "25.00")
    world.pledge(pilots["air"], world.citizen(), "10.50")
    world.pledge(pilots["lights"], world.citizen(), "99.00")
    return {"porto": porto, "officer": officer, **pilots}


def titles(page_text: str) -> list[str]:
    return re.findall(r'<h3><a href="/projects/[^"]+">([^<]+)</a></h3>', page_text)


def test_search_on_the_list_finds_pilots_by_their_words(client, seeded):
    page = client.get("/projects?q=bike")
    assert page.status_code == 200
    assert titles(page.text) == ["Smart bike lanes"]  # never the draft
    assert 'value="bike"' in page.text


def test_search_sort_and_filters_combine_and_the_pager_keeps_them(client, seeded, monkeypatch):
    monkeypatch.setattr("web.crowdfunding.public.PER_PAGE", 1)
    page = client.get("/projects?q=bonfim&city=Porto&sort=most_backed")
    assert len(titles(page.text)) == 1
    following = re.search(r'rel="next" href="([^"]+)"', page.text)
    assert following
    link = html.unescape(following.group(1))
    for kept in ("q=bonfim", "city=Porto", "sort=most_backed", "page=2"):
        assert kept in link
    second = client.get(link)
    assert len(titles(second.text)) == 1
    assert set(titles(page.text) + titles(second.text)) == {"Smart bike lanes",
                                                            "Air quality sensors"}
    assert 'rel="next"' not in second.text
    assert '<option value="most_backed" selected>' in second.text


@pytest.mark.parametrize("text", ["' OR 1=1 --", '"bike', "bike*", "NEAR(bike", "a:* & !b",
                                  "x" * 200])
def test_search_strings_with_operators_or_sql_are_plain_words(client, seeded, text):
    page = client.get("/projects", query_string={"q": text})
    assert page.status_code == 200
    assert "Secret bike draft" not in page.text


def test_too_long_searches_and_unknown_sorts_are_explained(client, seeded):
    page = client.get("/projects", query_string={"q": "x" * 201})
    assert page.status_code == 200 and "A search is at most 200 characters" in page.text
    page = client.get("/projects?sort=cheapest")
    assert page.status_code == 200 and "is not a way to sort pilots" in page.text


def test_a_search_that_finds_nothing_says_so(client, seeded):
    page = client.get("/projects?q=submarine")
    assert "No pilot matches “submarine”" in page.text


def test_the_sorts_order_the_list(client, seeded, world):
    world.pledge(seeded["lights"], world.citizen(), "5.00")
    page = client.get("/projects?sort=most_backed")
    assert titles(page.text)[0] == "Street lights that dim"


@pytest.fixture
def pg_client(pg_platform):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=pg_platform)
    return app.test_client()


@pytest.mark.postgres
@pytest.mark.parametrize("text", ["' OR 1=1 --", "sensors & !bike", "bike:*", "(((", "zz\\qq"])
def test_search_strings_are_plain_words_on_postgresql(pg_client, pg_platform, clock, text):
    from tests.conftest import World

    world = World(pg_platform, clock)
    porto = world.city("Porto")
    world.project(porto, world.officer(porto), title="Smart bike lanes")
    page = pg_client.get("/projects", query_string={"q": text})
    assert page.status_code == 200
    bike = "bike" in text and "!bike" not in text
    no_words = text == "((("
    assert ("Smart bike lanes" in titles(page.text)) == (bike or no_words)


# -- area pages --------------------------------------------------------------------------------

def test_an_area_page_lists_its_pilots_and_what_they_raised_together(client, seeded):
    pilot = client.get(f"/projects/{seeded['lanes']}")
    assert 'href="/cities/Porto/areas/Bonfim"' in pilot.text
    page = client.get("/cities/porto/areas/bonfim")
    assert page.status_code == 200
    assert "<h1>Pilots in Bonfim</h1>" in page.text
    assert set(titles(page.text)) == {"Smart bike lanes", "Air quality sensors"}
    totals = re.sub(r"<[^>]+>", " ", page.text.split('id="area-totals"')[1].split("</dl>")[0])
    assert "35.50" in totals  # 25.00 + 10.50, the crowd's pledges in Bonfim
    assert "Secret bike draft" not in page.text


def test_areas_with_accents_spaces_and_slashes_have_their_page(client, seeded, world):
    pilot = world.project(seeded["porto"], seeded["officer"], title="E-bike docks",
                          area="Campanhã / Norte")
    link = re.search(r'href="(/cities/Porto/areas/[^"]+)"', client.get(f"/projects/{pilot}").text)
    page = client.get(html.unescape(link.group(1)))
    assert page.status_code == 200
    assert "<h1>Pilots in Campanhã / Norte</h1>" in page.text
    assert titles(page.text) == ["E-bike docks"]


@pytest.mark.parametrize("path", ["/cities/Porto/areas/Nowhere", "/cities/Atlantis/areas/Bonfim",
                                  "/cities/Porto/areas/%00"])
def test_unknown_areas_are_a_404_page(client, seeded, path):
    page = client.get(path)
    assert page.status_code == 404 and "<h1" in page.text


# -- the project page stays a few statements ---------------------------------------------------

@contextmanager
def counting(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_pages_stay_a_few_statements(client, seeded, platform):
    client.get(f"/projects/{seeded['lanes']}")  # warm up
    with counting(platform.read.engine) as statements:
        client.get(f"/projects/{seeded['lanes']}")
    project_page = len(statements)
    with counting(platform.read.engine) as statements:
        assert client.get("/projects?q=bonfim&sort=closest_to_minimum").status_code == 200
    # cities, themes, the pilots (search inside), city lookup, the pilots' covers (all at once)
    assert len(statements) <= 5
    with counting(platform.read.engine) as statements:
        assert client.get("/cities/Porto/areas/Bonfim").status_code == 200
    assert len(statements) <= 5  # the city, the area, its pilots, their totals, their covers
    assert project_page <= 12


# -- suggested amounts -------------------------------------------------------------------------

def test_an_officer_sets_suggested_amounts_and_citizens_pick_one(client, seeded, world):
    login(client, "officer@porto.example.org")
    console = client.get(f"/console/projects/{seeded['lanes']}")
    assert "Suggested amounts" in console.text
    sent = client.post(f"/console/projects/{seeded['lanes']}/suggested-amounts",
                       data={"suggested_amounts": "50, 10.00 25",
                             "csrf_token": csrf_from(console.text)}, follow_redirects=True)
    assert sent.status_code == 200
    assert "now suggests 10.00, 25.00, 50.00" in sent.text
    assert [a.to_decimal_string() for a in world.platform.read.project(seeded["lanes"]).suggested
            ] == ["10.00", "25.00", "50.00"]

    client.get("/logout")
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/logout").text)})
    citizen = world.citizen("ana@example.org")
    assert citizen
    login(client, "ana@example.org")
    form = client.get(f"/projects/{seeded['lanes']}/pledge")
    links = re.findall(r'href="(/projects/[^"]+/pledge\?amount=[^"#]+)#amount"', form.text)
    assert [link.split("=")[-1] for link in links] == ["10.00", "25.00", "50.00"]
    chosen = client.get(links[1])
    assert re.search(r'id="amount"[^>]*value="25.00"', chosen.text)
    assert 'aria-current="true"' in chosen.text


@pytest.mark.parametrize(("typed", "said"), [
    ("1, 2, 3, 4, 5, 6, 7", "At most 6 suggested amounts"),
    ("-5", "not"), ("abc", "“abc”"), ("0", "more than zero"),
    ("20000.00", "more than the pilot's optimum"),
    ("10, 10.00", "Each suggested amount appears once"),
])
def test_bad_suggested_amounts_are_explained_and_nothing_is_recorded(client, seeded, platform,
                                                                     typed, said):
    login(client, "officer@porto.example.org")
    console = client.get(f"/console/projects/{seeded['lanes']}")
    before = platform.app.recorder.max_notification_id()
    sent = client.post(f"/console/projects/{seeded['lanes']}/suggested-amounts",
                       data={"suggested_amounts": typed, "csrf_token": csrf_from(console.text)})
    assert sent.status_code == 422
    assert said in html.unescape(sent.text)
    assert platform.app.recorder.max_notification_id() == before


# -- the API -----------------------------------------------------------------------------------

def test_the_api_searches_sorts_and_filters_projects(client, seeded):
    found = client.get("/api/v1/projects?q=bonfim&sort=most_backed&area=BONFIM")
    assert found.status_code == 200
    assert {p["title"] for p in found.json["projects"]} == {"Smart bike lanes",
                                                           "Air quality sensors"}
    assert client.get("/api/v1/projects?q=' OR 1=1 --").json == {"projects": []}
    refused = client.get("/api/v1/projects?sort=cheapest")
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "invalid"
    assert "sort" in refused.json["error"]["fields"]


def test_the_api_sets_suggested_amounts_for_the_citys_officers_only(client, seeded, world,
                                                                    platform):
    url = f"/api/v1/projects/{seeded['lanes']}/suggested-amounts"
    officer = world.token(seeded["officer"])
    done = client.put(url, json={"suggested_amounts": ["25.00", "5.00"]},
                      headers=bearer(officer))
    assert done.status_code == 200
    assert done.json["suggested_amounts"] == ["5.00", "25.00"]
    assert client.get(f"/api/v1/projects/{seeded['lanes']}").json["suggested_amounts"] == [
        "5.00", "25.00"]

    citizen = world.token(world.citizen())
    before = platform.app.recorder.max_notification_id()
    for body in ({"suggested_amounts": ["1.00"] * 7}, {"suggested_amounts": ["0.00"]},
                 {"suggested_amounts": [5]}, {"suggested_amounts": ["99999.00"]},
                 {"suggested_amounts": ["1.001"]}):
        refused = client.put(url, json=body, headers=bearer(officer))
        assert refused.status_code == 422, body
        assert refused.json["error"]["code"] in ("invalid", "invalid_project", "invalid_amount")
    assert client.put(url, json={"suggested_amounts": []}, headers=bearer(citizen)
                      ).status_code == 403
    assert platform.app.recorder.max_notification_id() == before

    cleared = client.put(url, json={"suggested_amounts": []}, headers=bearer(officer))
    assert cleared.json["suggested_amounts"] == []


def test_a_project_drafted_through_the_api_can_carry_suggested_amounts(client, seeded, world,
                                                                       clock):
    from datetime import timedelta

    officer = world.token(seeded["officer"])
    body = {
        "title": "Bike racks", "summary": "Racks.", "city": "Porto", "area": "Bonfim",
        "theme": "Mobility", "currency": "EUR", "funding_model": "all_or_nothing",
        "budget_lines": [{"label": "Racks", "amount": "100.00", "required": True}],
        "opens_at": (clock.now() + timedelta(hours=1)).isoformat(),
        "closes_at": (clock.now() + timedelta(days=20)).isoformat(),
    }
    made = client.post("/api/v1/projects", json={**body, "suggested_amounts": ["20.00"]},
                       headers=bearer(officer))
    assert made.status_code == 201 and made.json["suggested_amounts"] == ["20.00"]
    before = world.platform.app.recorder.max_notification_id()
    refused = client.post("/api/v1/projects", json={**body, "suggested_amounts": ["200.00"]},
                          headers=bearer(officer))
    assert refused.status_code == 422
    assert world.platform.app.recorder.max_notification_id() == before
