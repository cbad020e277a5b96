"""Update mail to a pilot's followers on SQLite and PostgreSQL: followers by choice and backers
who did not stop it, each once per update even when the read models are rebuilt; a weekly digest
once; and what an erased person wrote on pilots is emptied while the thread keeps its place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.conversation_mail import send_digests
from domain.kernel.context import Actor, acting_as
from tests.conftest import World


def _as(account, role="citizen"):
    return acting_as(Actor(str(account), role), "test")


def update_mail(platform, account):
    return [m for m in platform.outbox.messages(account_id=account) if m.kind == "pilot_update"]


def test_followers_and_backers_get_each_update_once_even_after_a_rebuild(any_platform, clock):
    world = World(any_platform, clock)
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    pilot = world.project(porto, officer, title="Bike counters")
    follower, backer, quitter, weekly, bystander = (world.citizen() for _ in range(5))
    world.pledge(pilot, backer, "20.00")
    world.pledge(pilot, quitter, "20.00")
    world.pledge(pilot, weekly, "20.00")
    app = any_platform.app
    with _as(follower):
        app.follow_project(pilot)
    with _as(quitter):
        app.follow_project(pilot, False)
    with _as(weekly):
        app.set_conversation_preferences(digest="weekly")
    with _as(officer, "city"):
        app.post_update(pilot, title="Counters ordered", body="Ten of them.")
    any_platform.projections.catch_up()
    any_platform.projections.rebuild()
    any_platform.projections.catch_up()

    assert [len(update_mail(any_platform, a)) for a in (follower, backer, quitter, weekly,
                                                          bystander)] == [1, 1, 0, 0, 0]
    now = datetime.now(UTC) + timedelta(days=8)
    assert send_digests(any_platform.engine, now) == 1
    assert send_digests(any_platform.engine, now) == 0
    digest, = [m for m in any_platform.outbox.messages(account_id=weekly)
               if m.kind == "update_digest"]
    assert "Bike counters: Counters ordered" in digest.body


def test_erasing_empties_what_the_person_wrote_and_their_download_had_it(any_platform, clock):
    world = World(any_platform, clock)
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    pilot = world.project(porto, officer, title="Bike counters")
    leaving = world.account("citizen", name="Inês Leaving")
    with _as(leaving):
        question = any_platform.app.post_comment(pilot, kind="question", text="Where exactly?")
    with _as(officer, "city"):
        any_platform.app.answer_comment(question, text="Rua de Santa Catarina.")
    any_platform.projections.catch_up()
    assert [(c.id, c.text) for c in any_platform.read.comments_by(leaving)] == [
        (question, "Where exactly?")]

    with _as(leaving):
        assert any_platform.erasures.request(leaving, reason="own_request").erased
    any_platform.projections.catch_up()

    thread, = any_platform.read.comments(pilot)
    assert (thread.author, thread.text) == ("a former member", "")
    assert [a.text for a in thread.answers] == ["Rua de Santa Catarina."]
