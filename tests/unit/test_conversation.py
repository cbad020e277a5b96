"""Conversation on a pilot in the domain: who may ask, answer, report and hide; the words stay
out of the log; following and preferences are events naming only ids."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.conversation.comment import FROM_CITY, FROM_PROPOSER, MAX_TEXT, InvalidComment
from domain.conversation.following import InvalidPreference
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import InvalidTransition, NotFound, NotPermitted
from tests.unit.conftest import Campaign

SECRET_WORDS = "Will the counters <b>log</b> my face? Maria Dias"


class Talk(Campaign):
    def account(self, role: str, city_id: UUID | None = None) -> UUID:
        with acting_as(SYSTEM, "seed"):
            return self.app.register_account(role, city_id)

    def as_(self, account_id: UUID, role: str):
        return acting_as(Actor(str(account_id), role), "talk")

    def ask(self, citizen: UUID, text: str = SECRET_WORDS, kind: str = "question") -> UUID:
        with self.as_(citizen, "citizen"):
            return self.app.post_comment(self.project, kind=kind, text=text)

    def log_text(self) -> str:
        stored = self.app.recorder.select_notifications(start=1, limit=10_000)
        return "\n".join(n.topic + n.state.decode("utf-8", "replace") for n in stored)


@pytest.fixture
def talk() -> Talk:
    return Talk()


def test_a_question_is_kept_outside_the_log_which_names_only_ids(talk):
    citizen = talk.citizen()
    question = talk.ask(citizen)
    assert talk.app.conversation_texts.texts[question] == SECRET_WORDS
    comment = talk.app.get_comment(question)
    assert (comment.project_id, comment.author_id, comment.kind) == (talk.project, citizen,
                                                                     "question")
    assert "Maria" not in talk.log_text() and "counters <b>" not in talk.log_text()


def test_bad_text_is_refused_and_nothing_is_kept(talk):
    citizen = talk.citizen()
    before = talk.app.recorder.max_notification_id()
    for text, says in (("   ", "empty"), ("x" * (MAX_TEXT + 1), "keep it to"),
                       ("bell\x07", "control characters"), (None, "must be text")):
        with pytest.raises(InvalidComment, match=says):
            talk.ask(citizen, text=text)
    with pytest.raises(InvalidComment, match="Kind"):
        talk.ask(citizen, kind="shout")
    assert talk.app.recorder.max_notification_id() == before
    assert talk.app.conversation_texts.texts == {}


def test_nobody_signed_out_takes_part(talk):
    with acting_as(Actor("anonymous", "anonymous")), pytest.raises(NotPermitted):
        talk.app.post_comment(talk.project, kind="comment", text="hello")


def test_the_city_and_the_delivery_owner_answer_marked_as_such_and_nobody_else(talk):
    question = talk.ask(talk.citizen())
    with talk.as_(talk.officer, "city"):
        from_city = talk.app.answer_comment(question, text="No faces, only counts.")
    assert talk.app.get_comment(from_city).answered_as == FROM_CITY
    proposer = talk.account("proposer")
    with talk.as_(proposer, "proposer"), pytest.raises(NotPermitted):
        talk.app.answer_comment(question, text="I am not the owner")
    with talk.as_(talk.officer, "city"):
        talk.app.assign_delivery_owner(talk.project, proposer)
    with talk.as_(proposer, "proposer"):
        from_proposer = talk.app.answer_comment(question, text="Counts only.")
    answer = talk.app.get_comment(from_proposer)
    assert (answer.answered_as, answer.answer_to) == (FROM_PROPOSER, question)
    with talk.as_(talk.citizen(), "citizen"), pytest.raises(NotPermitted):
        talk.app.answer_comment(question, text="me too")
    other_city = None
    with acting_as(SYSTEM, "seed"):
        other_city = talk.app.add_city("Zagreb", currency="EUR", country="HR",
                                       timezone="Europe/Zagreb")
    stranger = talk.account("city", other_city)
    with talk.as_(stranger, "city"), pytest.raises(NotPermitted):
        talk.app.answer_comment(question, text="Not my city")


def test_reports_count_once_per_person_and_officers_hide_with_a_reason(talk):
    author, reporter = talk.citizen(), talk.citizen()
    item = talk.ask(author, kind="comment")
    with talk.as_(reporter, "citizen"):
        assert talk.app.report_comment(item) is True
        assert talk.app.report_comment(item) is False
    with talk.as_(reporter, "citizen"), pytest.raises(NotPermitted):
        talk.app.hide_comment(item, reason="spam")
    with talk.as_(talk.officer, "city"), pytest.raises(InvalidComment, match="reason"):
        talk.app.hide_comment(item, reason="  ")
    assert not talk.app.get_comment(item).hidden
    with talk.as_(talk.officer, "city"):
        talk.app.hide_comment(item, reason="Names a private person")
        with pytest.raises(InvalidTransition):
            talk.app.hide_comment(item, reason="again")
    assert talk.app.get_comment(item).hidden
    assert talk.app.conversation_texts.reasons[item] == "Names a private person"
    assert "private person" not in talk.log_text()
    with talk.as_(talk.officer, "city"), pytest.raises(InvalidTransition):
        talk.app.answer_comment(item, text="too late")


def test_following_choices_and_preferences_are_recorded_by_id(talk):
    citizen = talk.citizen()
    with talk.as_(citizen, "citizen"):
        assert talk.app.follow_project(talk.project) is True
        assert talk.app.follow_project(talk.project) is False
        assert talk.app.follow_project(talk.project, False) is True
        talk.app.set_conversation_preferences(digest="weekly", on_backer_wall=True)
        with pytest.raises(InvalidPreference):
            talk.app.set_conversation_preferences(digest="hourly")
        talk.app.set_conversation_preferences(on_backer_wall=False)
    preferences = talk.app.conversation_preferences(citizen)
    assert (preferences.digest, preferences.on_backer_wall) == ("weekly", False)
    with talk.as_(citizen, "citizen"), pytest.raises(NotFound):
        talk.app.follow_project(talk.citizen())
