"""Closing and settling campaigns: who pays what, once, whatever happens on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.crowdfunding.project import KEEP_WHAT_YOU_RAISE
from domain.kernel.context import Actor, acting_as
from domain.kernel.errors import CampaignNotOpen, InvalidTransition, NotPermitted
from domain.kernel.payments import AUTHENTICATION_REQUIRED
from tests.unit.conftest import Campaign, eur


def test_nothing_happens_before_the_deadline():
    campaign = Campaign()
    campaign.pledge("120.00")
    report = campaign.settle()
    assert not report.acted
    assert campaign.project_state.status == "open"
    assert campaign.gateway.charges() == []


def test_an_all_or_nothing_campaign_that_reaches_its_minimum_charges_every_pledge_once():
    campaign = Campaign()
    pledges = [campaign.pledge("60.00"), campaign.pledge("45.50")]
    campaign.after_deadline()

    report = campaign.settle()

    assert report.outcome == "funded" and report.charged == 2
    assert [campaign.status(p) for p in pledges] == ["charged", "charged"]
    assert campaign.charged_total() == eur("105.50")
    project = campaign.project_state
    assert project.settled and project.payout == eur("105.50")
    campaign.settle()
    assert len(campaign.gateway.charges()) == 2, "settling again charged someone twice"


def test_an_all_or_nothing_campaign_below_its_minimum_charges_nobody():
    campaign = Campaign()
    pledges = [campaign.pledge("60.00"), campaign.pledge("39.99")]
    campaign.after_deadline()

    report = campaign.settle()

    assert report.outcome == "unfunded" and report.released == 2
    assert [campaign.status(p) for p in pledges] == ["released", "released"]
    assert campaign.gateway.charges() == []
    assert {i.status for i in campaign.gateway.intents.values()} == {"detached"}


def test_keep_what_you_raise_charges_whatever_was_raised():
    campaign = Campaign(KEEP_WHAT_YOU_RAISE)
    pledge = campaign.pledge("20.00")
    campaign.after_deadline()

    assert campaign.settle().outcome == "funded"
    assert campaign.status(pledge) == "charged"
    assert campaign.charged_total() == eur("20.00")


def test_short_campaigns_hold_the_card_and_capture_the_hold_at_close():
    campaign = Campaign(closes_in=timedelta(days=3))
    pledge = campaign.pledge("150.00")
    assert campaign.app.get_pledge(pledge).payment_kind == "hold"
    campaign.clock.advance(days=4)

    campaign.settle()

    assert campaign.status(pledge) == "charged"
    assert [i.status for i in campaign.gateway.intents.values()] == ["captured"]


def test_no_pledge_is_taken_once_closing_has_started():
    campaign = Campaign()
    campaign.pledge("150.00")
    with acting_as(Actor(str(campaign.officer), "city"), "close"):
        campaign.app.close_campaign_early(campaign.project)
    with pytest.raises(CampaignNotOpen):
        campaign.pledge("10.00")


def test_an_officer_closes_early_only_once_the_optimum_is_reached():
    campaign = Campaign()
    campaign.pledge("149.99")
    with acting_as(Actor(str(campaign.officer), "city"), "close"), pytest.raises(
        InvalidTransition, match="optimum"
    ):
        campaign.app.close_campaign_early(campaign.project)
    assert campaign.project_state.status == "open"

    campaign.pledge("0.01")
    with acting_as(Actor(str(campaign.officer), "city"), "close"):
        report = campaign.app.close_campaign_early(campaign.project)
    assert report.outcome == "funded" and report.charged == 2


def test_a_citizen_cannot_close_or_cancel_a_campaign():
    campaign = Campaign()
    citizen = campaign.citizen()
    with acting_as(Actor(str(citizen), "citizen"), "x"):
        with pytest.raises(NotPermitted):
            campaign.app.close_campaign_early(campaign.project)
        with pytest.raises(NotPermitted):
            campaign.app.cancel_project(campaign.project, reason="no")


def test_cancelling_before_close_releases_every_pledge_and_charges_nobody():
    campaign = Campaign()
    pledges = [campaign.pledge("100.00"), campaign.pledge("5.00")]
    with acting_as(Actor(str(campaign.officer), "city"), "cancel"):
        report = campaign.app.cancel_project(campaign.project, reason="Site unavailable")
    assert report.released == 2
    assert [campaign.status(p) for p in pledges] == ["released", "released"]
    assert campaign.project_state.status == "cancelled"
    assert campaign.gateway.charges() == []


def test_cancelling_a_funded_project_refunds_what_was_charged():
    campaign = Campaign()
    pledges = [campaign.pledge("100.00"), campaign.pledge("5.00")]
    campaign.after_deadline()
    campaign.settle()
    with acting_as(Actor(str(campaign.officer), "city"), "cancel"):
        report = campaign.app.cancel_project(campaign.project, reason="Supplier failed")
    assert report.refunded == 2
    assert [campaign.status(p) for p in pledges] == ["refunded", "refunded"]
    project = campaign.project_state
    assert project.status == "cancelled" and project.settled


def test_a_card_declined_at_close_gets_seven_days_and_can_be_fixed():
    campaign = Campaign()
    citizen = campaign.citizen()
    good = campaign.pledge("100.00")
    bad = campaign.pledge("20.00", "pm_card_chargeCustomerFail", citizen)
    campaign.after_deadline()

    report = campaign.settle()

    assert report.charged == 1 and report.failed == 1
    failed = campaign.app.get_pledge(bad)
    assert failed.status == "payment_failed"
    assert failed.fix_by == campaign.clock.now() + timedelta(days=7)
    assert campaign.project_state.status == "funded", "a failed card does not unfund"

    campaign.clock.advance(days=6)
    with acting_as(Actor(str(citizen), "citizen"), "fix"):
        assert campaign.app.change_pledge_card(bad, citizen_id=citizen,
                                               payment_method="pm_card_visa")
    assert campaign.status(bad) == "charged" and campaign.status(good) == "charged"
    assert campaign.charged_total() == eur("120.00")


def test_a_card_not_fixed_in_time_is_dropped_and_cannot_be_fixed_after():
    campaign = Campaign()
    citizen = campaign.citizen()
    campaign.pledge("100.00")
    bad = campaign.pledge("20.00", "pm_card_chargeCustomerFail", citizen)
    campaign.after_deadline()
    campaign.settle()

    campaign.clock.advance(days=6, hours=23)
    assert not campaign.app.drop_unpaid(bad)
    campaign.clock.advance(hours=1)
    assert campaign.app.drop_unpaid(bad)
    assert campaign.status(bad) == "dropped"
    with acting_as(Actor(str(citizen), "citizen"), "fix"), pytest.raises(InvalidTransition):
        campaign.app.change_pledge_card(bad, citizen_id=citizen, payment_method="pm_card_visa")
    assert campaign.project_state.status == "funded"


def test_a_bank_asking_for_authentication_leaves_the_pledge_to_fix():
    campaign = Campaign()
    campaign.pledge("100.00")
    shy = campaign.pledge("10.00", "pm_card_authenticationRequired")
    campaign.after_deadline()
    campaign.settle()
    assert campaign.status(shy) == "payment_failed"
    failed = [e for e in campaign.app.events.get(shy) if type(e).__name__ == "ChargeFailed"]
    assert failed[0].outcome == AUTHENTICATION_REQUIRED


def test_a_settlement_interrupted_after_charging_resumes_without_charging_twice():
    campaign = Campaign()
    pledges = [campaign.pledge("50.00") for _ in range(4)]
    campaign.after_deadline()

    # The process dies after the gateway charged the second pledge but before it was recorded.
    real_save = campaign.app.save
    saves = {"charged": 0}

    def dying_save(*objects, **kwargs):
        for obj in objects:
            pending = getattr(obj, "pending_events", [obj])  # an aggregate, or an event
            if any(type(e).__name__ == "Charged" for e in pending):
                saves["charged"] += 1
                if saves["charged"] == 2:
                    raise SystemExit("killed")
        return real_save(*objects, **kwargs)

    campaign.app.save = dying_save
    with pytest.raises(SystemExit):
        campaign.settle()
    campaign.app.save = real_save
    assert len(campaign.gateway.charges()) == 2  # the second charge happened, unrecorded

    campaign.settle()

    assert [campaign.status(p) for p in pledges] == ["charged"] * 4
    charged = [c["pledge_id"] for c in campaign.gateway.charges()]
    assert sorted(charged) == sorted(str(p) for p in pledges), "someone was charged twice"
    assert campaign.project_state.settled


def test_every_settlement_event_names_the_system_actor_and_its_run():
    campaign = Campaign()
    campaign.pledge("150.00")
    campaign.after_deadline()
    campaign.settle()
    settlement = [
        campaign.app.mapper.to_domain_event(n)
        for n in campaign.app.recorder.select_notifications(1, 1000)
    ][-5:]
    assert {(e.actor_role, e.correlation_id) for e in settlement} == {("system", "settle")}


def test_a_pledge_of_another_citizen_cannot_have_its_card_changed():
    campaign = Campaign()
    owner, other = campaign.citizen(), campaign.citizen()
    campaign.pledge("100.00")
    bad = campaign.pledge("20.00", "pm_card_chargeCustomerFail", owner)
    campaign.after_deadline()
    campaign.settle()
    with acting_as(Actor(str(other), "citizen"), "x"), pytest.raises(NotPermitted):
        campaign.app.change_pledge_card(bad, citizen_id=owner, payment_method="pm_card_visa")
    assert campaign.status(bad) == "payment_failed"


def test_a_failed_card_is_tried_again_after_one_three_and_five_days_then_dropped():
    campaign = Campaign()
    campaign.pledge("100.00")
    bad = campaign.pledge("20.00", "pm_card_chargeCustomerFail")
    campaign.after_deadline()
    campaign.settle()

    tried_on = []
    for hour in range(1, 7 * 24 + 1):
        campaign.clock.advance(hours=1)
        if campaign.app.retry_charge(bad) is not None:
            tried_on.append(hour / 24)
        campaign.app.drop_unpaid(bad)

    assert tried_on == [1.0, 3.0, 5.0]
    assert campaign.app.get_pledge(bad).failed_attempts == 4
    assert campaign.status(bad) == "dropped"


def test_a_retry_that_goes_through_charges_the_pledge_once():
    campaign = Campaign()
    campaign.pledge("100.00")
    flaky = campaign.pledge("20.00", "pm_card_chargeCustomerFail")
    campaign.after_deadline()
    campaign.settle()
    # The bank now accepts the card on file (as a sandbox intent of a good card would).
    reference = campaign.app.get_pledge(flaky).payment_reference
    campaign.gateway.store.intents[reference]["payment_method"] = "pm_card_visa"

    campaign.clock.advance(days=1)
    assert campaign.app.retry_charge(flaky) is True
    assert campaign.app.retry_charge(flaky) is None
    assert campaign.status(flaky) == "charged"
    assert campaign.charged_total() == eur("120.00")


def test_a_card_fixed_after_settlement_adds_its_charge_to_what_is_owed():
    campaign = Campaign()
    citizen = campaign.citizen()
    campaign.pledge("100.00")
    late = campaign.pledge("20.00", "pm_card_chargeCustomerFail", citizen)
    campaign.after_deadline()
    campaign.settle()
    assert campaign.project_state.payout == eur("100.00")

    with acting_as(Actor(str(citizen), "citizen"), "fix"):
        campaign.app.change_pledge_card(late, citizen_id=citizen, payment_method="pm_card_visa")

    assert campaign.project_state.payout == eur("120.00") == campaign.charged_total()
