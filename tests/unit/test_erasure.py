"""Erasing an account in the domain: live pledges are cancelled through the real use case (holds
and matches released), pledges being settled make it wait, charged pledges stay, and the log
records Account.Erased with who did it and a reason category, and nothing personal."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import timedelta
from uuid import UUID

import pytest

from domain.accounts.account import Account, InvalidErasure, InvalidRole
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import NotPermitted
from tests.unit.conftest import RATIO, Campaign, Matched

ADMIN = Actor("00000000-0000-0000-0000-0000000000ad", "admin")


def erase(campaign: Campaign, account: UUID, *, by: Actor | None = None,
          reason: str = "own_request", requested_by: str | None = None):
    actor = by or Actor(str(account), "citizen")
    with acting_as(actor, "erase"):
        return campaign.app.erase_account(
            account, reason=reason, requested_by=requested_by or actor.account_id
        )


def erased_events(campaign: Campaign, account: UUID) -> list:
    return [e for e in campaign.app.repository.event_store.get(account)
            if isinstance(e, Account.Erased)]


def test_a_live_pledge_is_cancelled_its_hold_released_and_the_account_erased():
    campaign = Campaign(closes_in=timedelta(days=3))  # closes soon: a card hold
    citizen = campaign.citizen()
    pledge = campaign.pledge("40.00", citizen=citizen)
    hold = campaign.app.get_pledge(pledge).payment_reference

    erasure = erase(campaign, citizen)

    assert erasure.erased and erasure.cancelled == [pledge] and erasure.waiting_for == []
    assert campaign.status(pledge) == "cancelled"
    assert campaign.gateway.intents[hold].status == "canceled"
    assert campaign.app.get_account(citizen).erased


def test_the_erased_event_carries_the_actor_and_a_reason_and_nothing_personal():
    campaign = Campaign()
    citizen = campaign.citizen()

    erase(campaign, citizen)

    [event] = erased_events(campaign, citizen)
    assert (event.actor_id, event.actor_role) == (str(citizen), "citizen")
    assert (event.reason, event.requested_by) == ("own_request", str(citizen))
    recorded = {f.name for f in fields(event)} | set(vars(event))
    assert recorded <= {"originator_id", "originator_version", "timestamp", "actor_id",
                        "actor_role", "correlation_id", "reason", "requested_by"}


def test_a_match_on_a_cancelled_pledge_goes_back_to_the_pool():
    campaign = Matched()
    fund = campaign.fund(RATIO)
    citizen = campaign.citizen()
    pledge = campaign.pledge("10.00", citizen=citizen)
    assert campaign.matched(fund, pledge) == 1000

    erase(campaign, citizen)

    assert campaign.match(fund, pledge).state == "released"
    assert campaign.balances(fund) == (100000, 0, 0, 100000)


def test_a_pledge_being_settled_makes_the_erasure_wait_until_it_is_settled():
    campaign = Campaign()
    citizen = campaign.citizen()
    campaign.pledge("100.00")
    counted = campaign.pledge("30.00", citizen=citizen)
    campaign.after_deadline()  # closed, not settled yet: the pledge can no longer be cancelled

    waiting = erase(campaign, citizen)

    assert not waiting.erased and [p.id for p in waiting.waiting_for] == [counted]
    assert not campaign.app.get_account(citizen).erased
    assert erased_events(campaign, citizen) == []

    campaign.settle()
    assert campaign.status(counted) == "charged"
    done = erase(campaign, citizen)
    assert done.erased and done.waiting_for == []
    assert campaign.status(counted) == "charged", "the money moved: the pledge stays charged"


def test_a_failed_card_still_fixable_makes_it_wait_until_it_is_dropped():
    campaign = Campaign()
    citizen = campaign.citizen()
    campaign.pledge("100.00")
    failed = campaign.pledge("20.00", "pm_card_chargeCustomerFail", citizen)
    campaign.after_deadline()
    campaign.settle()
    assert campaign.status(failed) == "payment_failed"

    assert not erase(campaign, citizen).erased

    campaign.clock.advance(days=7)
    with acting_as(SYSTEM, "drop"):
        assert campaign.app.drop_unpaid(failed)
    assert erase(campaign, citizen).erased


def test_an_administrator_erases_on_request_with_a_reason_category():
    campaign = Campaign()
    citizen = campaign.citizen()
    campaign.pledge("25.00", citizen=citizen)

    erasure = erase(campaign, citizen, by=ADMIN, reason="person_asked")

    assert erasure.erased
    [event] = erased_events(campaign, citizen)
    assert (event.actor_id, event.actor_role, event.reason, event.requested_by) == (
        ADMIN.account_id, "admin", "person_asked", ADMIN.account_id)


@pytest.mark.parametrize(("who", "reason", "refused"), [
    ("another citizen", "own_request", NotPermitted),
    ("admin claiming the person asked themselves", "own_request", NotPermitted),
    ("admin with an unknown reason", "spring cleaning", InvalidErasure),
    ("the person giving an admin's reason", "legal_obligation", NotPermitted),
])
def test_who_may_erase_and_with_which_reason(who, reason, refused):
    campaign = Campaign()
    citizen = campaign.citizen()
    pledge = campaign.pledge("25.00", citizen=citizen)
    actor = {
        "another citizen": Actor(str(campaign.citizen()), "citizen"),
        "the person giving an admin's reason": Actor(str(citizen), "citizen"),
    }.get(who, ADMIN)

    with pytest.raises(refused):
        erase(campaign, citizen, by=actor, reason=reason)

    assert not campaign.app.get_account(citizen).erased
    assert campaign.status(pledge) == "authorised"


def test_an_administrator_does_not_erase_their_own_account():
    campaign = Campaign()
    with acting_as(SYSTEM, "seed"):
        admin = campaign.app.register_account("admin")
    with pytest.raises(NotPermitted, match="another administrator"):
        erase(campaign, admin, by=Actor(str(admin), "admin"))


def test_erasing_again_records_nothing_more_and_an_erased_account_has_no_role_to_change():
    campaign = Campaign()
    citizen = campaign.citizen()
    erase(campaign, citizen)

    assert erase(campaign, citizen).erased
    assert len(erased_events(campaign, citizen)) == 1
    with acting_as(SYSTEM, "role"), pytest.raises(InvalidRole, match="erased"):
        campaign.app.change_account_role(citizen, "proposer", None)


def test_the_erasure_report_is_plain_data():
    campaign = Campaign()
    citizen = campaign.citizen()
    assert asdict(erase(campaign, citizen)) == {
        "account_id": citizen, "erased": True, "cancelled": [], "waiting_for": [],
    }
