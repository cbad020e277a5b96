"""Pledging when the database fails part-way: a pledge the citizen was told failed is never
recorded later, a pledge that was recorded is never reported as failed, and no card hold is left
behind a pledge that was not recorded."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from eventsourcing.persistence import OperationalError

from domain.crowdfunding.pledge import pledge_id_for_request
from domain.kernel.context import Actor, acting_as
from domain.kernel.errors import OutcomeUnknown
from tests.unit.conftest import RATIO, Campaign, Matched, eur


def pledges_in_log(campaign: Campaign, citizen: UUID) -> list[UUID]:
    found = []
    for notification in campaign.app.notification_log.recorder.select_notifications(
        start=1, limit=100_000
    ):
        if notification.topic.endswith("Pledge.Made"):
            pledge = campaign.app.get_pledge(notification.originator_id)
            if pledge.citizen_id == citizen:
                found.append(pledge.id)
    return found


def open_holds(campaign: Campaign) -> list[str]:
    return [ref for ref, intent in campaign.gateway.intents.items()
            if intent.status in ("requires_capture", "succeeded")]


class Outage:
    """Make obj.name raise a database error whenever `when` holds, until the outage ends."""

    def __init__(self, obj, name: str, *, when=lambda *a, **k: True):
        self.obj, self.name, self.original = obj, name, getattr(obj, name)
        self.failures = 0

        def failing(*args, **kwargs):
            if when(*args, **kwargs):
                self.failures += 1
                raise OperationalError("server closed the connection unexpectedly")
            return self.original(*args, **kwargs)

        setattr(obj, name, failing)

    def end(self) -> None:
        setattr(self.obj, self.name, self.original)


def test_a_pledge_whose_fund_catch_up_failed_is_not_recorded_by_the_next_pledge():
    """The zombie: the pledge was queued for its fund before the catch-up failed, stayed in the
    queue, and went into the next citizen's save."""
    campaign = Matched()
    fund = campaign.fund(RATIO)
    a, b = campaign.citizen(), campaign.citizen()
    campaign.pledge("1.00", citizen=a)
    campaign.pledge("1.00", citizen=b)
    outage = Outage(campaign.app.recorder, "select_events",
                    when=lambda *a, **kw: (a[0] if a else kw.get("originator_id")) == fund)

    with pytest.raises(OperationalError):
        campaign.pledge("1.00", citizen=a)
    outage.end()
    campaign.pledge("1.00", citizen=b)

    assert len(pledges_in_log(campaign, a)) == 1, "A's failed pledge was recorded anyway"
    assert len(pledges_in_log(campaign, b)) == 2


def test_a_pledge_that_could_not_be_saved_releases_its_hold():
    campaign = Campaign(closes_in=timedelta(days=3))  # a card hold, not a saved card
    citizen = campaign.citizen()
    Outage(campaign.app.recorder, "insert_events")

    with pytest.raises(OperationalError):
        campaign.pledge("5.00", citizen=citizen)

    assert pledges_in_log(campaign, citizen) == []
    assert open_holds(campaign) == [], "the card hold outlived the pledge that was not recorded"


def test_a_pledge_is_tried_again_at_once_when_one_connection_died_before_it_was_recorded():
    campaign = Campaign(closes_in=timedelta(days=3))
    citizen = campaign.citizen()
    outage = Outage(campaign.app.recorder, "insert_events")
    outage_ends_after_one = outage.obj.insert_events

    def once(*args, **kwargs):
        outage.end()
        return outage_ends_after_one(*args, **kwargs)

    campaign.app.recorder.insert_events = once
    pledge_id = campaign.pledge("5.00", citizen=citizen)

    assert pledges_in_log(campaign, citizen) == [pledge_id]
    assert open_holds(campaign) == [campaign.app.get_pledge(pledge_id).payment_reference]


def test_a_pledge_recorded_though_its_save_reported_an_error_is_answered_as_made():
    """The commit went through but its answer was lost: the citizen is told it is made."""
    campaign = Campaign()
    citizen = campaign.citizen()
    insert = campaign.app.recorder.insert_events

    def commit_then_lose_the_answer(stored_events, **kwargs):
        insert(stored_events, **kwargs)
        raise OperationalError("connection lost after COMMIT was sent")

    campaign.app.recorder.insert_events = commit_then_lose_the_answer
    pledge_id = campaign.pledge("5.00", citizen=citizen)
    campaign.app.recorder.insert_events = insert

    assert pledges_in_log(campaign, citizen) == [pledge_id]
    assert campaign.status(pledge_id) == "authorised"
    assert campaign.app.get_pledge(pledge_id).payment_reference in open_holds(campaign)


def test_when_the_outcome_cannot_be_known_the_hold_is_kept_and_the_answer_says_so():
    campaign = Campaign()
    citizen = campaign.citizen()
    recorder = campaign.app.recorder

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    def lost_while_saving(*args, **kwargs):
        recorder.select_events = down  # and the database stays out of reach
        raise OperationalError("server closed the connection unexpectedly")

    recorder.insert_events = lost_while_saving
    with pytest.raises(OutcomeUnknown):
        campaign.pledge("5.00", citizen=citizen)
    # Kept: a retry with the same key (or the sweeper, if none comes) settles it.
    assert len(open_holds(campaign)) == 1


def test_a_retried_request_with_the_same_key_pledges_once():
    campaign = Campaign()
    citizen = campaign.citizen()
    pledge_id = pledge_id_for_request(citizen, "key-1")
    with acting_as(Actor(str(citizen), "citizen"), "retry"):
        first = campaign.app.make_pledge(
            project_id=campaign.project, citizen_id=citizen, amount=eur("5.00"),
            payment_method="pm_card_visa", pledge_id=pledge_id,
        )
        again = campaign.app.make_pledge(
            project_id=campaign.project, citizen_id=citizen, amount=eur("5.00"),
            payment_method="pm_card_visa", pledge_id=pledge_id,
        )
    assert first == again == pledge_id
    assert pledges_in_log(campaign, citizen) == [pledge_id]
    assert len(open_holds(campaign)) == 1
