"""Matching funds never over-commit their pool and follow their pledges exactly, whatever citizens,
card processors, officers and deadlines do in whatever order (hypothesis, in memory).

After every step the funds are checked twice: as the application holds them, and recomputed
independently from the whole event log (nothing of the aggregate's own bookkeeping is reused).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from adapters.sandbox_payments import SandboxGateway
from domain.application import Civicfund
from domain.crowdfunding.project import ALL_OR_NOTHING, KEEP_WHAT_YOU_RAISE, BudgetLine
from domain.kernel.clock import FixedClock
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.matching_ledger import check_funds

START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CARDS = ["pm_card_visa"] * 5 + ["pm_card_chargeDeclined", "pm_card_chargeCustomerFail"] * 2

# Each kind once as published and once as amended, so amendments really change something.
RULES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "ratio 1:1, capped, one per backer": (
        {"kind": "ratio", "factor": "1", "cap_per_pledge": "10.00", "cap_per_project": "30.00",
         "one_per_backer": True},
        {"kind": "ratio", "factor": "0.5", "cap_per_pledge": "4.00", "cap_per_project": "20.00"},
    ),
    "ratio 2:1, % cap": (
        {"kind": "ratio", "factor": "2", "cap_per_pledge": "15.00",
         "cap_per_project_percent": 40},
        {"kind": "ratio", "factor": "3", "cap_per_project_percent": 60, "one_per_backer": True},
    ),
    "threshold, earlier matched": (
        {"kind": "threshold", "factor": "1", "min_backers": 2, "min_percent": 20,
         "match_earlier": True, "cap_per_project": "40.00"},
        {"kind": "threshold", "factor": "1.5", "min_backers": 3, "match_earlier": True,
         "cap_per_pledge": "12.00"},
    ),
    "threshold, earlier not matched": (
        {"kind": "threshold", "factor": "0.5", "min_backers": 3, "match_earlier": False,
         "cap_per_pledge": "8.00", "one_per_backer": True},
        {"kind": "threshold", "factor": "1", "min_percent": 30, "cap_per_project": "25.00"},
    ),
    "fixed grant": (
        {"kind": "fixed_grant", "grant": "25.00", "min_backers": 2, "min_percent": 30},
        {"kind": "fixed_grant", "grant": "35.00", "min_backers": 1, "cap_per_project": "30.00"},
    ),
    "quadratic": (
        {"kind": "quadratic", "min_contribution": "2.00", "cap_per_project": "30.00"},
        {"kind": "quadratic", "cap_per_project_percent": 50},
    ),
}


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


class MatchingMachine(RuleBasedStateMachine):
    """Two projects in Porto, one or two funds, a handful of citizens and a clock."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(START)
        self.app = Civicfund(
            env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, payments=SandboxGateway(),
            clock=self.clock,
        )
        with acting_as(SYSTEM, "seed"):
            self.city = self.app.add_city("Porto", currency="EUR", country="PT",
                                          timezone="Europe/Lisbon")
            self.officer = self.app.register_account("city", self.city)
            self.citizens = [self.app.register_account("citizen") for _ in range(4)]
        self.projects: list[UUID] = []
        with self.as_officer():
            for title, model, days, lines in (
                ("Bike counters", ALL_OR_NOTHING, 10, ("100.00", "50.00")),
                ("Rain gardens", KEEP_WHAT_YOU_RAISE, 12, ("60.00", "20.00")),
            ):
                project = self.app.draft_project(
                    city_id=self.city, area="Baixa", theme="Mobility", title=title,
                    summary="A pilot.", proposer="Porto Cycles",
                    budget_lines=[BudgetLine("Core", Money.parse(lines[0], "EUR"), True),
                                  BudgetLine("Extra", Money.parse(lines[1], "EUR"), False)],
                    funding_model=model, opens_at=START - timedelta(hours=1),
                    closes_at=START + timedelta(days=days),
                )
                self.app.open_campaign(project)
                self.projects.append(project)
        self.minimum = {p: self.app.get_project(p).minimum for p in self.projects}
        self.funds: list[tuple[UUID, str]] = []
        self.pledges: list[UUID] = []

    def as_officer(self):
        return acting_as(Actor(str(self.officer), "city"), "officer")

    def log_length(self) -> int:
        return len(self.app.recorder.select_notifications(start=1, limit=1_000_000))

    def attempt(self, command, *args, **kwargs):
        """Run a command; a refusal must leave the log as it was."""
        before = self.log_length()
        try:
            return command(*args, **kwargs)
        except DomainError:
            assert self.log_length() == before, f"{command.__name__} refused but recorded events"
            return None

    def pick(self, index: int) -> UUID:
        return self.pledges[index % len(self.pledges)]

    # -- setting up --------------------------------------------------------------------------

    @initialize(
        kinds=st.lists(st.sampled_from(sorted(RULES)), min_size=1, max_size=2, unique=True),
        pools=st.lists(st.integers(2_000, 8_000), min_size=2, max_size=2),
    )
    def create_funds(self, kinds, pools):
        with self.as_officer():
            for number, (kind, pool) in enumerate(zip(kinds, pools, strict=False)):
                fund = self.app.create_matching_fund(
                    city_id=self.city, name=f"Fund {number}", sponsor="Porto Foundation",
                    currency="EUR", pool=eur(pool), opens_at=START - timedelta(hours=1),
                    closes_at=START + timedelta(days=25), themes=[], areas=[],
                    rules=parse_rules(RULES[kind][0], "EUR"),
                )
                self.funds.append((fund, kind))

    @initialize(first=st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 3), st.integers(100, 6_000),
                  st.sampled_from(CARDS)), max_size=8))
    def first_pledges(self, first):
        for project, citizen, amount, card in first:
            self.pledge(project, citizen, amount, card)

    # -- citizens ----------------------------------------------------------------------------

    @rule(project=st.integers(0, 1), citizen=st.integers(0, 3),
          amount=st.integers(100, 6_000), card=st.sampled_from(CARDS))
    def pledge(self, project, citizen, amount, card):
        citizen_id = self.citizens[citizen]
        with acting_as(Actor(str(citizen_id), "citizen"), "pledge"):
            pledge_id = self.attempt(
                self.app.make_pledge, project_id=self.projects[project], citizen_id=citizen_id,
                amount=eur(amount), payment_method=card,
            )
        if pledge_id is not None:
            assert card != "pm_card_chargeDeclined"
            self.pledges.append(pledge_id)

    # Pledges are most of what happens: twice as likely as any other step, often larger.
    @rule(project=st.integers(0, 1), citizen=st.integers(0, 3),
          amount=st.integers(2_000, 6_000), card=st.sampled_from(CARDS))
    def pledge_more(self, project, citizen, amount, card):
        self.pledge(project, citizen, amount, card)

    @precondition(lambda self: self.pledges)
    @rule(index=st.integers(0, 200))
    def cancel(self, index):
        pledge = self.app.get_pledge(self.pick(index))
        with acting_as(Actor(str(pledge.citizen_id), "citizen"), "cancel"):
            self.attempt(self.app.cancel_pledge, pledge.id, citizen_id=pledge.citizen_id)

    @precondition(lambda self: self.pledges)
    @rule(index=st.integers(0, 200))
    def fix_card(self, index):
        pledge = self.app.get_pledge(self.pick(index))
        if pledge.status != "payment_failed":
            return
        with acting_as(Actor(str(pledge.citizen_id), "citizen"), "fix"):
            self.attempt(self.app.change_pledge_card, pledge.id, citizen_id=pledge.citizen_id,
                         payment_method="pm_card_visa")

    # -- officers ----------------------------------------------------------------------------

    @rule(project=st.integers(0, 1))
    def close_early(self, project):
        with self.as_officer():
            self.attempt(self.app.close_campaign_early, self.projects[project])

    @rule(project=st.integers(0, 1), now=st.integers(0, 2))
    def cancel_project(self, project, now):
        if now:  # rarely: it ends everything for that project
            return
        with self.as_officer():
            self.attempt(self.app.cancel_project, self.projects[project], reason="Budget cut")

    @rule(fund=st.integers(0, 1), amount=st.integers(1, 3_000))
    def top_up(self, fund, amount):
        fund_id, _ = self.funds[fund % len(self.funds)]
        with self.as_officer():
            self.attempt(self.app.top_up_matching_fund, fund_id, eur(amount))

    @rule(fund=st.integers(0, 1), which=st.integers(0, 1))
    def amend_rules(self, fund, which):
        fund_id, kind = self.funds[fund % len(self.funds)]
        with self.as_officer():
            self.attempt(self.app.amend_matching_rules, fund_id,
                         parse_rules(RULES[kind][which], "EUR"))

    @rule(fund=st.integers(0, 1), now=st.integers(0, 2))
    def close_fund(self, fund, now):
        if now:  # rarely: nothing is matched afterwards
            return
        fund_id, _ = self.funds[fund % len(self.funds)]
        with self.as_officer():
            self.attempt(self.app.close_matching_fund, fund_id)

    # -- time and the worker -----------------------------------------------------------------

    @rule(days=st.integers(1, 5))
    def time_passes(self, days):
        self.clock.advance(days=days)

    @rule(days=st.integers(1, 9))
    def time_passes_and_the_worker_runs(self, days):
        self.clock.advance(days=days)
        self.worker_round()

    @rule()
    def worker_round(self):
        """What the worker does each round: settle due campaigns, retry and drop failed charges,
        close funds whose window has passed."""
        with acting_as(SYSTEM, "worker"):
            for project in self.projects:
                self.attempt(self.app.settle, project)
            for pledge_id in self.pledges:
                self.attempt(self.app.retry_charge, pledge_id)
                self.attempt(self.app.drop_unpaid, pledge_id)
            self.attempt(self.app.close_due_matching_funds)

    def teardown(self):
        # Shown by --hypothesis-show-statistics: which movements the runs reached.
        topics = {n.topic.rsplit(".", 1)[-1] for n in
                  self.app.recorder.select_notifications(start=1, limit=1_000_000)
                  if "MatchingFund" in n.topic or "Pledge." in n.topic}
        for name in sorted(topics):
            event(f"reached {name}")

    # -- what must always hold ---------------------------------------------------------------

    @invariant()
    def pools_and_matches_hold(self):
        if self.funds:
            check_funds(self.app, [fund_id for fund_id, _ in self.funds], self.minimum)


# As many runs as the profile says (tests/conftest.py: 200 in CI, 20 locally).
MatchingMachine.TestCase.settings = settings(
    stateful_step_count=50,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestMatchingInvariants = MatchingMachine.TestCase
