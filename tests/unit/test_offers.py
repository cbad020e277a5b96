"""Investment offers on the in-memory application: an officer's offer on a pilot, the
appropriateness check, investors' commitments (never over the maximum), the funding decision
counting them once the offer reached its minimum, and what settlement does with them."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.crowdfunding.project import CANCELLED, FUNDED, UNFUNDED
from domain.investment.errors import InvalidTerms
from domain.investment.offer import (
    COMMITTED,
    RELEASED,
    TO_PAY_IN,
    WITHDRAWN,
    InvalidOffer,
    NotAppropriate,
    OverSubscribed,
    TicketTooSmall,
    WrongAnswers,
)
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import InvalidTransition, NotPermitted
from domain.ledger.bookkeeping import Bookkeeper, MemoryFacts
from tests.unit.conftest import START, Campaign, eur

RIGHT = {"capital_at_risk": "yes", "deposit_guarantee": "no", "unfunded_pilot": "released"}
BOND = {"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "amortising"}
SHARE = {"agreement": {"preferred_rate": "0.05", "residual": {
    "city": "40", "investors": "30", "community_fund": "20", "proposer": "10"}}}


class Offered(Campaign):
    """The Porto campaign (minimum EUR 100, optimum EUR 150) with a community bond offer:
    target 80, minimum 50, maximum 100, tickets from 5."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.offer = self.add_offer()

    def as_officer(self, officer=None):
        return acting_as(Actor(str(officer or self.officer), "city"), "officer")

    def add_offer(self, *, kind="community_bond", terms=None, minimum="50.00", maximum="100.00",
                  target="80.00", min_ticket="5.00", currency="EUR", officer=None, **changes):
        with self.as_officer(officer):
            return self.app.add_offer(
                self.project, kind=kind, currency=currency, target=eur(target),
                minimum=eur(minimum), maximum=eur(maximum), min_ticket=eur(min_ticket),
                opens_at=changes.get("opens_at", START - timedelta(minutes=1)),
                closes_at=changes.get("closes_at", START + timedelta(days=9)),
                terms=BOND if terms is None else terms,
            )

    def investor(self, role="citizen", *, checked=True):
        with acting_as(SYSTEM, "seed"):
            account = self.app.register_account(role)
        if checked:
            with acting_as(Actor(str(account), role), "check"):
                self.app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
        return account

    def invest(self, amount: str, investor=None, *, role="citizen", offer=None):
        investor = investor or self.investor(role)
        with acting_as(Actor(str(investor), role), "invest"):
            return self.app.commit_to_offer(offer or self.offer, amount=eur(amount),
                                            payment_method="pm_card_visa")

    def state(self, commitment_id, offer=None) -> str:
        return self.app.get_offer(offer or self.offer).commitments[commitment_id].state

    def event_count(self) -> int:
        return len(self.app.recorder.select_notifications(1, 100_000))

    def books(self) -> Counter:
        keeper = Bookkeeper(MemoryFacts())
        totals: Counter = Counter()
        for notification in self.app.recorder.select_notifications(1, 100_000):
            postings = keeper.record(self.app.mapper.to_domain_event(notification))
            assert sum(p.amount for p in postings) == 0
            for posting in postings:
                totals[posting.account.name] += posting.amount
        return totals


def test_an_offer_that_reached_its_minimum_counts_in_the_decision_and_is_called_to_pay_in():
    pilot = Offered()
    first, second = pilot.invest("40.00"), pilot.invest("20.00", role="investor")
    pilot.pledge("40.00")  # 40 from the crowd + 60 invested = the campaign's minimum of 100
    pilot.after_deadline()
    assert pilot.settle().outcome == FUNDED
    assert pilot.state(first) == TO_PAY_IN and pilot.state(second) == TO_PAY_IN
    assert pilot.project_state.decided_total == eur("100.00")
    # Investors pay in later (through the payments port): not part of the payout yet.
    assert pilot.project_state.payout == eur("40.00")


def test_an_offer_under_its_minimum_does_not_count_and_is_released():
    pilot = Offered()
    commitment = pilot.invest("45.00")  # the offer's minimum is 50
    pilot.pledge("60.00")
    pilot.after_deadline()
    assert pilot.settle().outcome == UNFUNDED  # 60 from the crowd only
    assert pilot.state(commitment) == RELEASED


def test_an_unfunded_pilot_releases_its_investors():
    pilot = Offered()
    commitment = pilot.invest("60.00")
    pilot.after_deadline()
    assert pilot.settle().outcome == UNFUNDED  # 60 invested, minimum 100
    assert pilot.state(commitment) == RELEASED


def test_cancelling_the_pilot_releases_every_commitment():
    pilot = Offered()
    commitment = pilot.invest("60.00")
    with pilot.as_officer():
        pilot.app.cancel_project(pilot.project, reason="The site was sold")
    assert pilot.project_state.status == CANCELLED
    assert pilot.state(commitment) == RELEASED


def test_a_commitment_is_withdrawn_until_the_offer_closes_but_not_after():
    pilot = Offered()
    investor = pilot.investor()
    first = pilot.invest("30.00", investor)
    with acting_as(Actor(str(investor), "citizen"), "withdraw"):
        pilot.app.withdraw_investment(pilot.offer, first)
    assert pilot.state(first) == WITHDRAWN
    assert pilot.app.get_offer(pilot.offer).left == 10000
    second = pilot.invest("30.00", investor)
    other = pilot.investor()
    with acting_as(Actor(str(other), "citizen"), "withdraw"), pytest.raises(NotPermitted):
        pilot.app.withdraw_investment(pilot.offer, second)
    pilot.clock.advance(days=9)  # the offer closed (the campaign is still open a day)
    before = pilot.event_count()
    with acting_as(Actor(str(investor), "citizen"), "withdraw"), pytest.raises(
            InvalidTransition):
        pilot.app.withdraw_investment(pilot.offer, second)
    with pytest.raises(InvalidTransition):
        pilot.invest("10.00", investor)
    assert pilot.event_count() == before
    assert pilot.state(second) == COMMITTED


def test_tickets_under_the_minimum_or_over_what_is_left_are_refused_with_nothing_recorded():
    pilot = Offered()
    investor = pilot.investor()
    pilot.invest("90.00", investor)
    before = pilot.event_count()
    with pytest.raises(TicketTooSmall):
        pilot.invest("4.99", investor)
    with pytest.raises(OverSubscribed, match=r"10\.00 left"):
        pilot.invest("10.01", investor)
    assert pilot.event_count() == before
    pilot.invest("10.00", investor)
    assert pilot.app.get_offer(pilot.offer).left == 0


def test_investing_needs_the_appropriateness_check_and_wrong_answers_are_refused():
    pilot = Offered()
    investor = pilot.investor(checked=False)
    before = pilot.event_count()
    with pytest.raises(NotAppropriate):
        pilot.invest("10.00", investor)
    with acting_as(Actor(str(investor), "citizen"), "check"):
        with pytest.raises(WrongAnswers, match="deposit guarantee"):
            pilot.app.pass_appropriateness(answers={**RIGHT, "deposit_guarantee": "yes"},
                                           risk_warning_accepted=True)
        with pytest.raises(NotAppropriate, match="risk warning"):
            pilot.app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=False)
        assert pilot.event_count() == before
        assert pilot.app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
        assert not pilot.app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
    assert pilot.event_count() == before + 1  # recorded once
    pilot.invest("10.00", investor)


def test_officers_cannot_invest_and_only_their_city_adds_offers():
    pilot = Offered()
    with pilot.as_officer(), pytest.raises(NotPermitted):
        pilot.app.commit_to_offer(pilot.offer, amount=eur("10.00"), payment_method="pm_x")
    with acting_as(SYSTEM, "seed"):
        lisbon = pilot.app.add_city("Lisbon", currency="EUR", country="PT",
                                    timezone="Europe/Lisbon")
        stranger = pilot.app.register_account("city", lisbon)
    with pytest.raises(NotPermitted):
        pilot.add_offer(officer=stranger)


@pytest.mark.parametrize("changes, error", [
    ({"terms": {**BOND, "rate": "0.30"}}, InvalidTerms),
    ({"terms": {**BOND, "rate": "-0.01"}}, InvalidTerms),
    ({"kind": "benefit_share", "terms": {"agreement": {**SHARE["agreement"], "residual": {
        "city": "40", "investors": "30", "community_fund": "20", "proposer": "5"}}}},
     InvalidTerms),
    ({"minimum": "90.00"}, InvalidOffer),  # over the target
    ({"min_ticket": "60.00"}, InvalidOffer),
    ({"currency": "USD"}, InvalidOffer),
    ({"kind": "loan"}, InvalidOffer),
    ({"closes_at": START + timedelta(days=30)}, InvalidOffer),  # after the campaign
])
def test_bad_offers_are_refused_with_nothing_recorded(changes, error):
    pilot = Offered()
    before = pilot.event_count()
    with pytest.raises(error):
        pilot.add_offer(**changes)
    assert pilot.event_count() == before


def test_a_benefit_share_offer_keeps_its_agreement_terms():
    pilot = Offered()
    offer = pilot.app.get_offer(pilot.add_offer(kind="benefit_share", terms=SHARE))
    assert offer.terms["agreement"]["residual"]["city"] == "40"
    assert offer.terms["agreement"]["preferred_rate"] == "0.05"
    assert [o.id for o in pilot.app.offers_of(pilot.project)] == [pilot.offer, offer.id]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=500, max_value=6000), min_size=1, max_size=12))
def test_an_offer_is_never_over_subscribed(tickets):
    pilot = Offered()
    investor = pilot.investor()
    accepted = 0
    for minor in tickets:
        try:
            pilot.invest(f"{minor // 100}.{minor % 100:02d}", investor)
            accepted += minor
        except OverSubscribed:
            assert accepted + minor > 10000
    offer = pilot.app.get_offer(pilot.offer)
    assert offer.held() == accepted <= offer.maximum


def test_the_ledger_follows_commitments_and_every_event_balances():
    pilot = Offered()
    investor = pilot.investor("investor")
    kept = pilot.invest("40.00", investor, role="investor")
    gone = pilot.invest("15.00", investor, role="investor")
    with acting_as(Actor(str(investor), "investor"), "withdraw"):
        pilot.app.withdraw_investment(pilot.offer, gone)
    other = pilot.invest("20.00")
    books = pilot.books()
    offer_committed = f"offer/{pilot.offer}/committed/{pilot.project}"
    assert books[offer_committed] == 6000
    assert books[f"investor/{investor}/committed/EUR"] == -4000
    pilot.pledge("40.00")
    pilot.after_deadline()
    assert pilot.settle().outcome == FUNDED
    books = pilot.books()
    assert pilot.state(kept) == TO_PAY_IN and pilot.state(other) == TO_PAY_IN
    assert books[offer_committed] == 0
    assert books[f"offer/{pilot.offer}/due/{pilot.project}"] == 6000
    assert books[f"investor/{investor}/due/EUR"] == -4000
    assert books[f"investor/{investor}/committed/EUR"] == 0
    assert sum(books.values()) == 0


def test_released_commitments_leave_nothing_in_the_books():
    pilot = Offered()
    investor = pilot.investor()
    pilot.invest("60.00", investor)
    pilot.after_deadline()
    assert pilot.settle().outcome == UNFUNDED
    books = pilot.books()
    assert books[f"offer/{pilot.offer}/committed/{pilot.project}"] == 0
    assert books[f"investor/{investor}/committed/EUR"] == 0
    assert books[f"offer/{pilot.offer}/due/{pilot.project}"] == 0
