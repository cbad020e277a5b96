"""Departmental co-funding on the in-memory application: departments, budget lines and their
commitments to pilots; the funding decision counting them; the ledger's postings; permissions
and bad input refused with nothing recorded."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.crowdfunding.project import CANCELLED, FUNDED, UNFUNDED
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import CurrencyMismatch, InvalidAmount, InvalidTransition, NotPermitted
from domain.kernel.money import Money
from domain.ledger.bookkeeping import Bookkeeper, MemoryFacts
from domain.procurement.departments import (
    COMMITTED,
    DRAWN,
    RELEASED,
    WITHDRAWN,
    InvalidDepartment,
    OverCommitted,
)
from tests.unit.conftest import Campaign, eur


class CoFunded(Campaign):
    """The Porto campaign (minimum EUR 100, optimum EUR 150) and a Transport department with a
    EUR 100 line for 2026."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.as_officer():
            self.department = self.app.create_department(city_id=self.city, name="Transport")
            self.line = self.app.add_budget_line(self.department, name="Cycling 2026",
                                                 fiscal_year=2026, amount=eur("100.00"))

    def as_officer(self, officer=None):
        return acting_as(Actor(str(officer or self.officer), "city"), "officer")

    def commit(self, amount: str, *, conditional: bool = True, line=None, project=None,
               officer=None):
        with self.as_officer(officer):
            return self.app.commit_to_project(
                project or self.project, budget_line_id=line or self.line, amount=eur(amount),
                conditional=conditional,
            )

    def state(self, commitment_id) -> str:
        return self.app.get_department(self.department).commitments[commitment_id].state

    def available(self) -> int:
        return self.app.get_department(self.department).available_on(self.line)

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


def test_a_commitment_counts_in_the_decision_and_is_drawn_when_the_pilot_is_funded():
    pilot = CoFunded()
    commitment = pilot.commit("60.00")
    pilot.pledge("40.00")  # 40 from the crowd + 60 from Transport = the minimum of 100
    pilot.after_deadline()
    assert pilot.settle().outcome == FUNDED
    assert pilot.state(commitment) == DRAWN
    project = pilot.project_state
    assert project.payout == eur("100.00")  # the charge and the drawn commitment
    books = pilot.books()
    assert books[f"budget-line/{pilot.line}/drawn/{pilot.project}"] == 6000
    assert books[f"budget-line/{pilot.line}/available"] == 4000
    assert books[f"budget-line/{pilot.line}/budget"] == -10000
    assert books[f"project/{pilot.project}/payout"] == 10000
    assert sum(books.values()) == 0


def test_without_the_commitment_the_same_crowd_leaves_the_pilot_unfunded_and_releases_it():
    pilot = CoFunded()
    commitment = pilot.commit("50.00")
    pilot.pledge("40.00")
    pilot.after_deadline()
    assert pilot.settle().outcome == UNFUNDED
    assert pilot.state(commitment) == RELEASED
    assert pilot.available() == 10000
    assert pilot.books()[f"budget-line/{pilot.line}/available"] == 10000


def test_firm_money_of_an_unfunded_pilot_is_drawn_all_the_same():
    pilot = CoFunded()
    firm = pilot.commit("20.00", conditional=False)
    conditional = pilot.commit("30.00")
    pilot.after_deadline()
    assert pilot.settle().outcome == UNFUNDED
    assert pilot.state(firm) == DRAWN
    assert pilot.state(conditional) == RELEASED
    assert pilot.available() == 8000


def test_cancelling_the_pilot_gives_every_commitment_back_to_its_line():
    pilot = CoFunded()
    firm = pilot.commit("20.00", conditional=False)
    conditional = pilot.commit("30.00")
    with pilot.as_officer():
        pilot.app.cancel_project(pilot.project, reason="The site was sold")
    assert pilot.project_state.status == CANCELLED
    assert pilot.state(firm) == RELEASED and pilot.state(conditional) == RELEASED
    assert pilot.available() == 10000
    books = pilot.books()
    assert books[f"budget-line/{pilot.line}/committed/{pilot.project}"] == 0


def test_a_commitment_is_withdrawn_before_the_campaign_closes_but_not_after():
    pilot = CoFunded()
    first = pilot.commit("30.00")
    with pilot.as_officer():
        pilot.app.withdraw_commitment(pilot.department, first)
    assert pilot.state(first) == WITHDRAWN
    assert pilot.available() == 10000
    second = pilot.commit("30.00")
    pilot.after_deadline()
    before = pilot.event_count()
    with pilot.as_officer(), pytest.raises(InvalidTransition):
        pilot.app.withdraw_commitment(pilot.department, second)
    with pytest.raises(InvalidTransition):
        pilot.commit("10.00")
    assert pilot.event_count() == before
    assert pilot.state(second) == COMMITTED


def test_a_line_is_never_over_committed_across_pilots():
    pilot = CoFunded()
    with pilot.as_officer():
        other = pilot.app.draft_project(
            city_id=pilot.city, area="Baixa", theme="Mobility", title="Bike parking",
            summary="Racks.", proposer="Porto Cycles",
            budget_lines=pilot.project_state.budget_lines, funding_model="all_or_nothing",
            opens_at=pilot.clock.now(), closes_at=pilot.clock.now() + timedelta(days=5),
        )
    pilot.commit("70.00")
    before = pilot.event_count()
    with pytest.raises(OverCommitted, match=r"30\.00"):
        pilot.commit("40.00", project=other)
    assert pilot.event_count() == before
    pilot.commit("30.00", project=other)
    assert pilot.available() == 0


def test_bad_input_is_refused_and_nothing_recorded():
    pilot = CoFunded()
    before = pilot.event_count()
    with pytest.raises(CurrencyMismatch), pilot.as_officer():
        pilot.app.commit_to_project(pilot.project, budget_line_id=pilot.line,
                                    amount=Money.parse("10.00", "GBP"), conditional=True)
    with pytest.raises(InvalidAmount):
        pilot.commit("0.00")
    with pytest.raises(InvalidDepartment):
        pilot.commit("10.00", line=pilot.department)  # not a line
    with pilot.as_officer(), pytest.raises(InvalidDepartment):
        pilot.app.add_budget_line(pilot.department, name="", fiscal_year=2026,
                                  amount=eur("1.00"))
    with pilot.as_officer(), pytest.raises(InvalidDepartment):
        pilot.app.add_budget_line(pilot.department, name="Roads", fiscal_year="2026",
                                  amount=eur("1.00"))
    with pilot.as_officer(), pytest.raises(InvalidDepartment):
        pilot.app.create_department(city_id=pilot.city, name="transport")
    assert pilot.event_count() == before


def test_an_officer_of_another_city_cannot_touch_the_department_or_commit():
    pilot = CoFunded()
    with acting_as(SYSTEM, "seed"):
        lisbon = pilot.app.add_city("Lisbon", currency="EUR", country="PT",
                                    timezone="Europe/Lisbon")
        stranger = pilot.app.register_account("city", lisbon)
        citizen = pilot.app.register_account("citizen")
    before = pilot.event_count()
    with pytest.raises(NotPermitted):
        pilot.commit("10.00", officer=stranger)
    with pilot.as_officer(stranger), pytest.raises(NotPermitted):
        pilot.app.add_budget_line(pilot.department, name="Roads", fiscal_year=2026,
                                  amount=eur("1.00"))
    with pilot.as_officer(stranger), pytest.raises(NotPermitted):
        pilot.app.create_department(city_id=pilot.city, name="Lighting")
    with acting_as(Actor(str(citizen), "citizen"), "c"), pytest.raises(NotPermitted):
        pilot.app.create_department(city_id=pilot.city, name="Lighting")
    assert pilot.event_count() == before
    # Lisbon's own department cannot commit to a Porto pilot: its lines are not Porto's.
    with pilot.as_officer(stranger):
        lisbon_dept = pilot.app.create_department(city_id=lisbon, name="Transport")
        lisbon_line = pilot.app.add_budget_line(lisbon_dept, name="Bikes", fiscal_year=2026,
                                                amount=eur("50.00"))
    with pytest.raises(InvalidDepartment):
        pilot.commit("10.00", line=lisbon_line)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(1, 6000), st.booleans()),
                min_size=1, max_size=12))
def test_property_a_budget_line_is_never_over_committed(steps):
    """Whatever commitments, withdrawals and settlements happen across three pilots, what the
    line holds never exceeds its amount, and the ledger agrees with the department."""
    pilot = CoFunded()
    projects = [pilot.project]
    with pilot.as_officer():
        for title in ("Racks", "Lights"):
            projects.append(pilot.app.draft_project(
                city_id=pilot.city, area="Baixa", theme="Mobility", title=title, summary="S.",
                proposer="P", budget_lines=pilot.project_state.budget_lines,
                funding_model="all_or_nothing", opens_at=pilot.clock.now(),
                closes_at=pilot.clock.now() + timedelta(days=5),
            ))
    made = []
    for which, cents, withdraw in steps:
        try:
            made.append(pilot.commit(Money(cents, "EUR").to_decimal_string(),
                                     project=projects[which], conditional=cents % 2 == 0))
        except OverCommitted:
            assert cents > pilot.available()
        if withdraw and made:
            with pilot.as_officer(), contextlib.suppress(InvalidTransition):
                pilot.app.withdraw_commitment(pilot.department, made[0])
        department = pilot.app.get_department(pilot.department)
        assert 0 <= department.available_on(pilot.line) <= 10000
    books = pilot.books()
    assert books[f"budget-line/{pilot.line}/available"] == pilot.available()
    assert books[f"budget-line/{pilot.line}/available"] >= 0


def test_budget_line_accounts_are_named_and_read_back_by_the_chart():
    from uuid import uuid4

    from domain.ledger import chart

    line, project = uuid4(), uuid4()
    for account in (chart.line_budget(line), chart.line_available(line),
                    chart.line_committed(line, project), chart.line_drawn(line, project)):
        assert chart.parse(account.name) == account
    assert chart.line_budget(line).is_source and not chart.line_available(line).is_source
    with pytest.raises(chart.UnknownAccount):
        chart.parse(f"budget-line/{line}/committed")  # needs its pilot
