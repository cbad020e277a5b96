"""The profile and settings page: a display name shown publicly instead of the account name
(kept in SQL, never in the log, refused when it is empty, markup or too long), where update
mail and the security settings stand, read-only for auditors; erased with the account and in
the person's download."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters import tables as t
from tests.conftest import PASSWORD, World, bearer, csrf_from, login
from tests.e2e.test_settlement_pages import recorded, text_of, words


@pytest.fixture
def backer(world, platform):
    """Zsófia backs the air sensors in Miskolc."""
    city = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    project = world.project(city, world.officer(city), title="Air sensors",
                            lines=(("Sensors", "100000.00", True),))
    account = world.account("citizen", "zsofi@example.org", name="Zsófia Kiss")
    world.pledge(project, account, "5000.00")
    return {"id": account, "project": project}


def save(client, name: str):
    page = client.get("/account/settings")
    return client.post("/account/settings/display-name",
                       data={"csrf_token": csrf_from(page.text), "display_name": name})


def opt_in(client) -> None:
    token = csrf_from(client.get("/account/conversation").text)
    assert client.post("/account/conversation", data={
        "csrf_token": token, "digest": "weekly", "on_backer_wall": "yes"}).status_code == 303


def test_the_settings_page_is_linked_and_says_where_everything_stands(backer, client, world):
    login(client, "zsofi@example.org")
    assert 'href="/account/settings"' in client.get("/").text
    assert 'href="/account/settings"' in client.get("/account").text
    world.token(backer["id"])

    page = client.get("/account/settings")
    assert page.status_code == 200
    assert text_of(page.text, "shown-name") == "Zsófia Kiss"
    assert text_of(page.text, "digest-now") == "A mail for each update"
    assert text_of(page.text, "backer-wall-now") == "You are listed as “a neighbour”"
    assert text_of(page.text, "sessions-now") == "1 session, this one included"
    assert text_of(page.text, "tokens-now") == "1 active token"
    assert 'href="/security"' in page.text and 'href="/account/conversation"' in page.text
    assert 'id="language"' in page.text  # the spot the language setting moves to

    opt_in(client)
    again = client.get("/account/settings")
    assert text_of(again.text, "digest-now") == "One weekly digest"
    assert text_of(again.text, "backer-wall-now") == "Your display name is shown"


def test_a_display_name_shows_on_backer_walls_and_questions_never_in_the_log(
    backer, client, app, platform,
):
    login(client, "zsofi@example.org")
    opt_in(client)
    before = recorded(platform)
    done = save(client, "  Zsófi   from Avas ")
    assert done.status_code == 303
    page = client.get(done.headers["Location"])
    assert "Your display name is now “Zsófi from Avas”" in words(page.text)
    assert text_of(page.text, "shown-name") == "Zsófi from Avas"
    assert recorded(platform) == before  # a setting kept beside the account: no event

    pilot = f"/projects/{backer['project']}"
    wall = text_of(app.test_client().get(pilot).text, "backer-wall")
    assert "Zsófi from Avas" in wall and "Kiss" not in wall
    token = csrf_from(client.get(pilot).text)
    assert client.post(f"{pilot}/comments", data={
        "csrf_token": token, "text": "When are they installed?", "kind": "question",
    }).status_code == 303
    [question] = platform.read.comments(backer["project"])
    assert question.author == "Zsófi from Avas"
    assert "Show my display name (Zsófi from Avas)" in words(
        client.get("/account/conversation").text)
    state = b"".join(n.state for n in platform.app.recorder.select_notifications(1, 100_000))
    assert "Zsófi from Avas".encode() not in state


@pytest.mark.parametrize(("typed", "said"), [
    ("", "Enter a display name"),
    ("   ", "Enter a display name"),
    ("<b></b>", "cannot contain < or >"),
    ('<script>alert("x")</script>', "cannot contain < or >"),
    ("!!! ???", "at least one letter or digit"),
    ("x" * 61, "at most 60 characters; this one has 61"),
    ("Zs\x07fi", "control characters"),
])
def test_a_bad_display_name_is_refused_clearly_and_nothing_changes(backer, client, platform,
                                                                  typed, said):
    login(client, "zsofi@example.org")
    assert save(client, "Zsófi").status_code == 303
    refused = save(client, typed)
    assert refused.status_code == 422
    assert said in words(refused.text)
    assert 'id="display_name-error"' in refused.text and 'role="alert"' in refused.text
    assert "<script>alert" not in refused.text
    assert platform.profiles.display_name_of(backer["id"]) == "Zsófi"


def test_a_display_name_without_the_forms_token_is_refused(backer, client, platform):
    login(client, "zsofi@example.org")
    answer = client.post("/account/settings/display-name", data={"display_name": "Zsófi"})
    assert answer.status_code == 400
    assert platform.profiles.display_name_of(backer["id"]) is None


def test_the_page_needs_a_signed_in_person(client):
    assert client.get("/account/settings").status_code == 302


def test_an_auditor_reads_the_page_and_changes_nothing(world, client, platform):
    auditor = world.account("auditor", "audit@example.org", name="Ana Auditor")
    login(client, "audit@example.org")
    page = client.get("/account/settings")
    assert page.status_code == 200
    assert '<fieldset disabled class="read-only">' in page.text
    refused = client.post("/account/settings/display-name",
                          data={"csrf_token": csrf_from(page.text), "display_name": "Ana"})
    assert refused.status_code == 403
    assert "Read-only for auditors" in refused.text
    assert platform.profiles.display_name_of(auditor) is None


def test_the_display_name_is_in_the_download_and_erased_with_the_account(
    backer, client, world, platform,
):
    login(client, "zsofi@example.org")
    assert save(client, "Zsófi").status_code == 303
    export = client.get("/api/v1/me/export", headers=bearer(world.token(backer["id"])))
    assert export.get_json()["account"]["display_name"] == "Zsófi"

    erase = client.get("/account/erase")
    done = client.post("/account/erase", data={
        "csrf_token": csrf_from(erase.text), "password": PASSWORD, "understood": "y"})
    assert done.status_code == 303
    with platform.engine.connect() as conn:
        assert conn.execute(sa.select(t.profiles)
                            .where(t.profiles.c.account_id == backer["id"])).all() == []


def test_the_pilot_page_shows_display_names_on_either_database(any_platform, clock):
    """On PostgreSQL the pilot's page reads its wall in its own statement; on SQLite apart."""
    from web.app import create_app

    web = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=any_platform)
    world = World(any_platform, clock)
    city = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    pilot = world.project(city, world.officer(city), title="Air sensors",
                          lines=(("Sensors", "100000.00", True),))
    zsofia = world.account("citizen", "zsofi@example.org", name="Zsófia Kiss")
    world.pledge(pilot, zsofia, "5000.00")
    browser = web.test_client()
    login(browser, "zsofi@example.org")
    opt_in(browser)
    assert save(browser, "Zsófi from Avas").status_code == 303
    page = f"/projects/{pilot}"
    assert browser.post(f"{page}/comments", data={
        "csrf_token": csrf_from(browser.get(page).text), "kind": "question",
        "text": "When are the sensors installed?"}).status_code == 303
    any_platform.projections.catch_up()

    shown = web.test_client().get(page).text
    assert "Zsófi from Avas" in text_of(shown, "backer-wall")
    assert "Zsófia Kiss" not in shown
    assert "Zsófi from Avas" in text_of(shown, "conversation")
