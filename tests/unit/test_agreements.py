"""Benefit-sharing agreements on the in-memory application: who signs for which party, when an
agreement takes effect, amendments, benefit reports under four eyes, and distributions that
are exactly the waterfall's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.investment.agreement import (
    APPROVED,
    REJECTED,
    FourEyes,
    InvalidAgreement,
    NotAParty,
    OverlappingPeriod,
)
from domain.investment.waterfall import AgreementTerms, distribute, replay
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import CurrencyMismatch, InvalidTransition, NotPermitted
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.unit.conftest import START, eur
from tests.unit.test_offers import SHARE, Offered

MATCH = {"kind": "ratio", "factor": "1"}


class Shared(Offered):
    """A funded Porto pilot whose benefit-share offer (5 % preferred, residual 40/30/20/10)
    has two investors called to pay in EUR 60 and EUR 40, a delivery owner, a second officer,
    and (optionally) a community fund."""

    def __init__(self, *, with_fund=True):
        super().__init__()
        self.fund_id = self.make_fund() if with_fund else None
        terms = {"agreement": dict(SHARE["agreement"])}
        if self.fund_id:
            terms["agreement"]["community_fund_id"] = str(self.fund_id)
        self.offer = self.add_offer(kind="benefit_share", terms=terms)
        self.alice = self.invest("60.00")
        self.bob = self.invest("40.00", role="investor")
        self.alice_id = self.app.get_offer(self.offer).commitments[self.alice].investor_id
        self.bob_id = self.app.get_offer(self.offer).commitments[self.bob].investor_id
        self.pledge("20.00")
        self.after_deadline()
        self.settle()
        with acting_as(SYSTEM, "seed"):
            self.owner = self.app.register_account("proposer")
            self.second = self.app.register_account("city", self.city)
            self.other_city = self.app.add_city("Oslo", currency="NOK", country="NO",
                                                timezone="Europe/Oslo")
            self.stranger = self.app.register_account("city", self.other_city)
            self.admin = self.app.register_account("admin")
        with self.as_officer():
            self.app.assign_delivery_owner(self.project, self.owner)

    def make_fund(self):
        with self.as_officer():
            return self.app.create_matching_fund(
                city_id=self.city, name="Porto Next", sponsor="Porto Foundation",
                currency="EUR", pool=eur("500.00"), opens_at=START - timedelta(hours=1),
                closes_at=START + timedelta(days=60), themes=[], areas=[],
                rules=parse_rules(MATCH, "EUR"))

    def actor(self, who):
        roles = {self.owner: "proposer", self.admin: "admin", self.officer: "city",
                 self.second: "city", self.stranger: "city"}
        return acting_as(Actor(str(who), roles.get(who, "citizen")), "sharing")

    def sign(self, who, party, version=1):
        with self.actor(who):
            return self.app.sign_agreement(self.project, party=party, version=version)

    def sign_all(self, version=1):
        self.sign(self.officer, "city", version)
        took = self.sign(self.owner, "proposer", version)
        if self.fund_id:
            took = self.sign(self.admin, "community_fund", version)
        return took

    def report(self, start="2027-01-01", end="2027-06-30", amount="200.00", who=None,
               currency="EUR", **changes):
        with self.actor(who or self.owner):
            return self.app.report_benefit(
                self.project, period_start=date.fromisoformat(start),
                period_end=date.fromisoformat(end), amount=Money.parse(amount, currency),
                category=changes.get("category", "energy savings"),
                evidence=changes.get("evidence", "Metered consumption fell by 12 %."),
                links=changes.get("links", ["https://example.org/meter.csv"]))

    def approve(self, report_id, who=None):
        with self.actor(who or self.second):
            return self.app.approve_benefit_report(report_id)

    def event_count(self) -> int:
        return len(self.app.recorder.select_notifications(1, 100_000))


def test_the_agreement_names_its_parties_and_takes_effect_when_all_have_signed():
    pilot = Shared()
    assert pilot.sign(pilot.officer, "city") is False
    assert pilot.sign(pilot.owner, "proposer") is False
    agreement = pilot.app.get_agreement(pilot.project)
    assert agreement.parties == ("city", "proposer", "community_fund")
    assert agreement.in_effect is None
    assert pilot.sign(pilot.admin, "community_fund") is True
    agreement = pilot.app.get_agreement(pilot.project)
    assert agreement.in_effect["number"] == 1
    assert agreement.in_effect["signatures"] == {
        "city": str(pilot.officer), "proposer": str(pilot.owner),
        "community_fund": str(pilot.admin)}
    assert agreement.paid_in == [[str(pilot.alice_id), 6000], [str(pilot.bob_id), 4000]]


def test_without_a_community_fund_the_city_and_proposer_sign():
    pilot = Shared(with_fund=False)
    assert pilot.sign_all() is True
    assert pilot.app.get_agreement(pilot.project).parties == ("city", "proposer")


@pytest.mark.parametrize("who, party", [
    ("stranger", "city"),          # an officer of another city
    ("owner", "city"),             # the proposer cannot sign for the city
    ("officer", "proposer"),       # an officer is not the delivery owner
    ("stranger", "community_fund"),  # not an officer of the fund's city
    ("owner", "community_fund"),
    ("officer", "investors"),      # investors accept by committing; no one signs for them
])
def test_signing_for_a_party_one_does_not_represent_is_refused_and_nothing_recorded(who, party):
    pilot = Shared()
    before = pilot.event_count()
    with pytest.raises(NotAParty):
        pilot.sign(getattr(pilot, who), party)
    assert pilot.event_count() == before


def test_an_officer_of_the_funds_city_signs_for_the_community_fund():
    pilot = Shared()
    pilot.sign(pilot.second, "community_fund")
    assert pilot.app.get_agreement(pilot.project).latest["signatures"]["community_fund"] == str(
        pilot.second)


def test_signing_twice_or_an_old_version_is_refused():
    pilot = Shared()
    pilot.sign(pilot.officer, "city")
    with pytest.raises(InvalidTransition):
        pilot.sign(pilot.second, "city")
    with pytest.raises(InvalidAgreement):
        pilot.sign(pilot.owner, "proposer", version=2)


def test_an_amendment_needs_every_signature_again_and_the_signed_version_stays_in_effect():
    pilot = Shared()
    pilot.sign_all()
    amended = {"preferred_rate": "0.06", "residual": {
        "city": "50", "investors": "30", "community_fund": "10", "proposer": "10"}}
    with pilot.as_officer():
        assert pilot.app.amend_agreement(pilot.project, terms=amended) == 2
    agreement = pilot.app.get_agreement(pilot.project)
    assert agreement.in_effect["number"] == 1 and agreement.latest["signatures"] == {}
    with pytest.raises(InvalidAgreement):  # the old version cannot be signed any more
        pilot.sign(pilot.officer, "city", version=1)
    pilot.sign(pilot.officer, "city", version=2)
    pilot.sign(pilot.owner, "proposer", version=2)
    assert pilot.app.get_agreement(pilot.project).in_effect["number"] == 1
    pilot.sign(pilot.admin, "community_fund", version=2)
    assert pilot.app.get_agreement(pilot.project).in_effect["number"] == 2


def test_amending_is_for_the_citys_officers_with_terms_that_add_up():
    pilot = Shared()
    pilot.sign_all()
    with pilot.actor(pilot.owner), pytest.raises(NotPermitted):
        pilot.app.amend_agreement(pilot.project, terms=SHARE["agreement"])
    bad = {"preferred_rate": "0.05", "residual": {
        "city": "50", "investors": "30", "community_fund": "20", "proposer": "10"}}
    with pilot.as_officer(), pytest.raises(Exception, match="not 100"):
        pilot.app.amend_agreement(pilot.project, terms=bad)
    assert len(pilot.app.get_agreement(pilot.project).versions) == 1


def test_an_approved_report_is_distributed_exactly_as_the_waterfall_says():
    pilot = Shared()
    pilot.sign_all()
    report = pilot.report(amount="200.00")
    payments = pilot.approve(report)
    assert pilot.app.get_benefit_report(report).status == APPROVED
    agreement = pilot.app.get_agreement(pilot.project)
    expected, _ = distribute(
        AgreementTerms.parse(SHARE["agreement"]),
        agreement.start_state(START.date() + timedelta(days=11)),
        eur("200.00"), date(2027, 1, 1), date(2027, 6, 30))
    assert [(p["tier"], p["party"], p["amount"], p["investor"]) for p in payments] == [
        (p.tier, p.party, p.amount.minor, p.investor if p.party == "investors" else None)
        for p in expected.payments]
    assert sum(p["amount"] for p in payments) == 20000
    # Tier 1 gives back exactly the capital: 60 and 40.
    tier1 = {p["investor"]: p["amount"] for p in payments if p["tier"] == 1}
    assert tier1 == {str(pilot.alice_id): 6000, str(pilot.bob_id): 4000}
    assert agreement.distributions[str(report)]["version"] == 1


def test_four_eyes_the_reporting_officer_cannot_approve_their_own_report():
    pilot = Shared()
    pilot.sign_all()
    report = pilot.report(who=pilot.officer)
    before = pilot.event_count()
    with pytest.raises(FourEyes):
        pilot.approve(report, who=pilot.officer)
    assert pilot.event_count() == before
    with pytest.raises(NotPermitted):  # nor the delivery owner, nor another city's officer
        pilot.approve(report, who=pilot.owner)
    with pytest.raises(NotPermitted):
        pilot.approve(report, who=pilot.stranger)
    pilot.approve(report, who=pilot.second)


def test_overlapping_periods_and_another_currency_are_refused_and_nothing_recorded():
    pilot = Shared()
    pilot.sign_all()
    pilot.report("2027-01-01", "2027-06-30")
    before = pilot.event_count()
    with pytest.raises(OverlappingPeriod):
        pilot.report("2027-06-30", "2027-12-31")
    with pytest.raises(CurrencyMismatch):
        pilot.report("2027-07-01", "2027-12-31", currency="NOK")
    with pytest.raises(NotPermitted):
        pilot.report("2027-07-01", "2027-12-31", who=pilot.stranger)
    assert pilot.event_count() == before
    pilot.report("2027-07-01", "2027-12-31")


def test_a_rejected_reports_period_can_be_reported_again():
    pilot = Shared()
    pilot.sign_all()
    report = pilot.report()
    with pilot.actor(pilot.second):
        pilot.app.reject_benefit_report(report, reason="The meter readings are missing")
    assert pilot.app.get_benefit_report(report).status == REJECTED
    assert pilot.app.get_agreement(pilot.project).distributions == {}
    pilot.report()
    assert len(pilot.app.benefit_reports_of(pilot.project)) == 2


def test_no_distribution_before_the_agreement_takes_effect():
    pilot = Shared()
    pilot.sign(pilot.officer, "city")
    report = pilot.report()
    with pytest.raises(InvalidTransition):
        pilot.approve(report)
    assert pilot.app.get_benefit_report(report).status == "pending"


amounts = st.lists(st.integers(min_value=1, max_value=50_000_00), min_size=1, max_size=5)


@settings(max_examples=15, deadline=None)
@given(amounts)
def test_distributions_sum_to_the_approved_amounts_and_replay_the_same(benefits):
    pilot = Shared(with_fund=False)
    pilot.sign_all()
    start, paid = date(2027, 1, 1), []
    for i, minor in enumerate(benefits):
        first, last = start + timedelta(days=90 * i), start + timedelta(days=90 * i + 89)
        report = pilot.report(first.isoformat(), last.isoformat(),
                              amount=Money(minor, "EUR").to_decimal_string())
        payments = pilot.approve(report)
        assert sum(p["amount"] for p in payments) == minor
        paid.append(payments)
    # Replaying the log gives the same aggregate: the same payments and carried state.
    agreement = pilot.app.get_agreement(pilot.project)
    assert [d["payments"] for d in agreement.distributions.values()] == paid
    replayed = pilot.app.repository.get(agreement.id)
    assert replayed.carried == agreement.carried
    # And the pure waterfall, replayed from the start over the same reports, pays the same.
    reports = [pilot.app.get_benefit_report(r) for r in agreement.reports]
    expected, carried = replay(
        AgreementTerms.parse(SHARE["agreement"]),
        agreement.start_state(date.fromisoformat(agreement.in_effect["effective_on"])),
        [(Money(r.amount, "EUR"), r.period_start, r.period_end) for r in reports])
    assert [[(p.tier, p.party, p.amount.minor) for p in d.payments] for d in expected] == [
        [(p["tier"], p["party"], p["amount"]) for p in payments] for payments in paid]
    assert carried.as_data() == agreement.carried


def test_distributions_post_from_the_pilots_benefits_to_each_party_and_investor():
    pilot = Shared()
    pilot.sign_all()
    payments = pilot.approve(pilot.report(amount="200.00"))
    books = pilot.books()  # asserts every event's postings sum to zero
    project = pilot.project
    assert books[f"project/{project}/benefits"] == -20000
    for party, bucket in (("city", "city"), ("proposer", "proposer")):
        assert books[f"project/{project}/{bucket}"] == sum(
            p["amount"] for p in payments if p["party"] == party)
    # The community fund's share passes on into the named matching fund's pool.
    share = sum(p["amount"] for p in payments if p["party"] == "community_fund")
    assert share > 0 and books[f"project/{project}/communityfund"] == 0
    pool = pilot.app.get_matching_fund(pilot.fund_id)
    assert books[f"fund/{pilot.fund_id}/available"] == pool.available
    assert pool.pool == -books[f"fund/{pilot.fund_id}/sponsor"] + share
    # What investors get is owed to them until the worker pays it out.
    alice = books[f"investor/{pilot.alice_id}/receivable/EUR"]
    bob = books[f"investor/{pilot.bob_id}/receivable/EUR"]
    assert books[f"investor/{pilot.alice_id}/received/EUR"] == 0
    assert alice == sum(p["amount"] for p in payments if p["investor"] == str(pilot.alice_id))
    assert alice > 6000 and bob > 4000  # capital back plus their preferred and residual shares
    assert alice + bob + books[f"project/{project}/city"] + share + books[
        f"project/{project}/proposer"] == 20000


@pytest.mark.parametrize("changes, error", [
    ({"evidence": "Meter\x00 data"}, "control characters"),
    ({"category": "savings\x07"}, "category"),
    ({"links": ["https://example.org/\x00"]}, "http"),
    ({"links": ["javascript:alert(1)"]}, "http"),
    ({"evidence": "   "}, "evidence"),
    ({"amount": "1000000000.01"}, "larger than any benefit"),
])
def test_reports_with_bad_text_or_too_large_an_amount_are_refused(changes, error):
    pilot = Shared()
    pilot.sign_all()
    before = pilot.event_count()
    with pytest.raises(Exception, match=error):
        pilot.report(**changes)
    assert pilot.event_count() == before
