"""The conversation on a pilot's page: questions and comments by people signed in, answers from
the city and the proposer marked as such, reports and hiding (seen by the author with the
reason), markup shown as text, refusals that keep what was typed and record nothing; following,
one-click unsubscribe, update mail and digests; the backer wall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters import tables
from adapters.conversation_mail import send_digests
from domain.kernel.context import Actor, acting_as
from tests.conftest import csrf_from, login
from tests.e2e.test_settlement_pages import recorded, text_of, words

OFFICER = "officer@miskolc.example.org"
CITIZEN = "zsofi@miskolc.example.org"
NEIGHBOUR = "bence@miskolc.example.org"
PROPOSER = "zold@miskolc.example.org"
SCRIPT = '<script>alert("x")</script> & <b>bold</b>'


class Pilot:
    def __init__(self, world, platform):
        self.world, self.platform = world, platform
        self.city = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
        self.officer = world.officer(self.city, OFFICER)
        self.citizen = world.account("citizen", CITIZEN, name="Zsófia Kiss")
        self.neighbour = world.account("citizen", NEIGHBOUR, name="Bence Tóth")
        self.proposer = world.account("proposer", PROPOSER, name="Zöld Egyesület")
        self.id = world.project(self.city, self.officer, title="Air sensors",
                                lines=(("Sensors", "100000.00", True),))
        self.page = f"/projects/{self.id}"

    def client(self, app, email):
        client = app.test_client()
        login(client, email)
        return client

    def post(self, client, path, **fields):
        token = csrf_from(client.get(self.page).text)
        return client.post(path, data={"csrf_token": token, **fields})


@pytest.fixture
def pilot(world, platform):
    return Pilot(world, platform)


def ask(pilot, client, text="When are the sensors installed?", kind="question"):
    done = pilot.post(client, f"{pilot.page}/comments", text=text, kind=kind)
    assert done.status_code == 303, done.text
    return pilot.platform.read.comments(pilot.id, moderator=True)[0]


def test_a_question_answered_by_the_city_and_the_proposer_is_marked_as_such(pilot, app):
    citizen = pilot.client(app, CITIZEN)
    question = ask(pilot, citizen)
    officer = pilot.client(app, OFFICER)
    assert pilot.post(officer, f"/comments/{question.id}/answers",
                      text="In March.").status_code == 303
    with acting_as(Actor(str(pilot.officer), "city"), "test"):
        pilot.platform.app.assign_delivery_owner(pilot.id, pilot.proposer)
    pilot.platform.projections.catch_up()
    proposer = pilot.client(app, PROPOSER)
    assert pilot.post(proposer, f"/comments/{question.id}/answers",
                      text="We start in the north.").status_code == 303

    thread = text_of(app.test_client().get(pilot.page).text, f"comment-{question.id}")
    assert "Zsófia Kiss Question" in thread and "When are the sensors installed?" in thread
    assert "Answer from the city · Test City" in thread and "In March." in thread
    assert "Answer from the proposer · Zöld Egyesület" in thread and "north" in thread


def test_a_citizen_cannot_answer_and_a_visitor_cannot_post(pilot, app, platform):
    question = ask(pilot, pilot.client(app, CITIZEN))
    before = recorded(platform)
    refused = pilot.post(pilot.client(app, NEIGHBOUR), f"/comments/{question.id}/answers",
                         text="I know!")
    assert refused.status_code == 403
    assert "Only the pilot's proposer" in words(refused.text)
    visitor = app.test_client()
    assert "Sign in to ask a question" in words(visitor.get(pilot.page).text)
    anonymous = visitor.post(f"{pilot.page}/comments", data={"text": "hi"})
    assert anonymous.status_code in (302, 400)
    assert recorded(platform) == before


def test_markup_is_shown_as_text(pilot, app):
    ask(pilot, pilot.client(app, CITIZEN), text=SCRIPT, kind="comment")
    page = app.test_client().get(pilot.page).text
    assert SCRIPT not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


@pytest.mark.parametrize("text, says", [
    ("   ", "Your message is empty"),
    ("x" * 2001, "Your message is 2001 characters long: keep it to 2000"),
    ("ring\x07", "control characters"),
])
def test_bad_messages_are_refused_with_the_text_kept_and_nothing_stored(pilot, app, platform,
                                                                        text, says):
    citizen = pilot.client(app, CITIZEN)
    before = recorded(platform)
    refused = pilot.post(citizen, f"{pilot.page}/comments", text=text, kind="comment")
    assert refused.status_code == 422
    assert says in text_of(refused.text, "comment-text-error")
    if text.strip() and "\x07" not in text:
        assert text in refused.text  # kept in the textarea
    assert recorded(platform) == before
    with platform.engine.connect() as conn:
        assert conn.execute(sa.select(tables.conversation_texts)).all() == []


def test_a_form_without_its_csrf_token_records_nothing(pilot, app, platform):
    citizen = pilot.client(app, CITIZEN)
    before = recorded(platform)
    refused = citizen.post(f"{pilot.page}/comments", data={"text": "hello", "kind": "comment"})
    assert refused.status_code == 400
    assert recorded(platform) == before


def test_reports_then_hiding_leaves_the_item_to_its_author_with_the_reason(pilot, app):
    citizen = pilot.client(app, CITIZEN)
    item = ask(pilot, citizen, text="Call 06-30-123 for cheap sensors", kind="comment")
    neighbour = pilot.client(app, NEIGHBOUR)
    reported = pilot.post(neighbour, f"/comments/{item.id}/report")
    assert reported.status_code == 303
    assert "the city's officers will look at it" in words(neighbour.get(pilot.page).text)
    officer = pilot.client(app, OFFICER)
    assert "Reported 1 time" in text_of(officer.get(pilot.page).text, f"comment-{item.id}")

    refused = pilot.post(officer, f"/comments/{item.id}/hide", reason=" ")
    assert refused.status_code == 422
    assert "The reason is empty" in words(refused.text)
    assert pilot.post(neighbour, f"/comments/{item.id}/hide",
                      reason="spam").status_code == 403
    assert pilot.post(officer, f"/comments/{item.id}/hide",
                      reason="Advertising").status_code == 303

    assert "cheap sensors" not in app.test_client().get(pilot.page).text
    assert "cheap sensors" not in neighbour.get(pilot.page).text
    own = text_of(citizen.get(pilot.page).text, f"comment-{item.id}")
    assert "Hidden by the city: Advertising" in own and "cheap sensors" in own


def test_the_log_holds_neither_the_words_nor_the_names(pilot, app, platform):
    item = ask(pilot, pilot.client(app, CITIZEN), text="Zsófia asks: bus 7?")
    pilot.post(pilot.client(app, OFFICER), f"/comments/{item.id}/hide", reason="Wrong pilot")
    with platform.engine.connect() as conn:
        states = " ".join(bytes(row.state).decode("utf-8", "replace") for row in conn.execute(
            sa.text("SELECT state FROM stored_events")))
    assert "bus 7" not in states and "Wrong pilot" not in states
    assert "Zsófia" not in states and "Zs\\u00f3fia" not in states


def test_follow_then_update_mail_with_a_one_click_unsubscribe(pilot, app, platform):
    citizen = pilot.client(app, CITIZEN)
    assert pilot.post(citizen, f"{pilot.page}/follow", following="yes").status_code == 303
    assert "Stop following" in text_of(citizen.get(pilot.page).text, "follow")
    with acting_as(Actor(str(pilot.officer), "city"), "test"):
        platform.app.post_update(pilot.id, title="Sensors ordered", body="Fifty of them.")
    platform.projections.catch_up()
    platform.projections.rebuild()
    mail = [m for m in platform.outbox.messages(account_id=pilot.citizen)
            if m.kind == "pilot_update"]
    assert len(mail) == 1  # once, even after a rebuild
    assert mail[0].subject == "Update from Air sensors: Sensors ordered"
    assert "[unsubscribe:" in mail[0].body  # the signed link is filled in when sent
    body = platform.personalise_mail(mail[0])
    link = body.rsplit(" ", 1)[-1]
    path = link.split("localhost", 1)[-1].split(":5000", 1)[-1]
    assert path.startswith("/unsubscribe/")

    stranger = app.test_client()
    assert "Stop mail about Air sensors?" in words(stranger.get(path).text)
    done = stranger.post(path)
    assert done.status_code == 200 and "You are unsubscribed" in words(done.text)
    assert not platform.read.follows(pilot.id, pilot.citizen)
    assert stranger.get(path[:-3] + "xyz").status_code == 404


def test_backers_follow_and_weekly_digests_gather_updates(pilot, app, platform, world):
    world.pledge(pilot.id, pilot.neighbour, "5000.00")
    assert platform.read.follows(pilot.id, pilot.neighbour)
    neighbour = pilot.client(app, NEIGHBOUR)
    token = csrf_from(neighbour.get("/account/conversation").text)
    saved = neighbour.post("/account/conversation",
                           data={"csrf_token": token, "digest": "weekly"})
    assert saved.status_code == 303
    with acting_as(Actor(str(pilot.officer), "city"), "test"):
        platform.app.post_update(pilot.id, title="Poles up", body="All ten.")
        platform.app.post_update(pilot.id, title="First readings", body="Clean air.")
    platform.projections.catch_up()
    assert [m for m in platform.outbox.messages(account_id=pilot.neighbour)
            if m.kind == "pilot_update"] == []
    # Events carry the moment they were recorded, as the worker's clock does.
    now = datetime.now(UTC)
    assert send_digests(platform.engine, now) == 0  # not a week yet
    assert send_digests(platform.engine, now + timedelta(days=7)) == 1
    assert send_digests(platform.engine, now + timedelta(days=7, hours=1)) == 0
    digest, = [m for m in platform.outbox.messages(account_id=pilot.neighbour)
               if m.kind == "update_digest"]
    assert digest.subject == "Your weekly digest: 2 pilot updates"
    assert "Air sensors: Poles up" in digest.body and "Air sensors: First readings" in digest.body


def test_bad_settings_are_refused(pilot, app, platform):
    citizen = pilot.client(app, CITIZEN)
    before = recorded(platform)
    token = csrf_from(citizen.get("/account/conversation").text)
    refused = citizen.post("/account/conversation", data={"csrf_token": token, "digest": "hourly"})
    assert refused.status_code == 422
    assert "Digest must be one of each, weekly" in words(refused.text)
    assert recorded(platform) == before


def test_the_backer_wall_lists_only_those_who_opted_in(pilot, app, world, platform):
    world.pledge(pilot.id, pilot.citizen, "5000.00")
    world.pledge(pilot.id, pilot.neighbour, "7000.00")
    citizen = pilot.client(app, CITIZEN)
    token = csrf_from(citizen.get("/account/conversation").text)
    citizen.post("/account/conversation",
                 data={"csrf_token": token, "digest": "each", "on_backer_wall": "yes"})
    wall = text_of(app.test_client().get(pilot.page).text, "backer-wall")
    assert "Zsófia Kiss" in wall and "1 neighbour" in wall and "Bence" not in wall


def test_the_tick_on_the_pledge_form_puts_the_backer_on_the_wall(pilot, app, platform):
    citizen = pilot.client(app, CITIZEN)
    form = citizen.get(f"{pilot.page}/pledge")
    assert "Show my display name on this pilot's backer wall" in words(form.text)
    pledged = citizen.post(f"{pilot.page}/pledge", data={
        "csrf_token": csrf_from(form.text), "amount": "5000.00", "payment_method": "pm_card_visa",
        "on_backer_wall": "y", "action": "pledge"})
    assert pledged.status_code == 303, words(pledged.text)
    platform.projections.catch_up()
    assert platform.read.conversation_preferences_of(pilot.citizen).on_backer_wall
    wall = text_of(app.test_client().get(pilot.page).text, "backer-wall")
    assert "Zsófia Kiss" in wall and "1 neighbour" not in wall
