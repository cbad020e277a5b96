"""The unit layer's harnesses: the application on in-memory storage, with a fixed clock and the
offline sandbox, and helpers that act as its people.

- `Pilot`: a city, an officer and a citizen, and helpers to draft, open and pledge.
- `Campaign`: one open project in Porto (minimum EUR 100, optimum EUR 150).
- `Matched`: a Campaign whose city sets up matching funds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from adapters.sandbox_payments import SandboxGateway
from domain.application import Civicfund
from domain.crowdfunding.project import ALL_OR_NOTHING, BudgetLine
from domain.kernel.clock import FixedClock
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules

START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


class Campaign:
    """One project in Porto (minimum EUR 100, optimum EUR 150) with a fixed clock."""

    def __init__(self, funding_model: str = ALL_OR_NOTHING, closes_in=timedelta(days=10)):
        self.clock = FixedClock(START)
        self.gateway = SandboxGateway()
        self.app = Civicfund(
            env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, payments=self.gateway,
            clock=self.clock,
        )
        with acting_as(SYSTEM, "seed"):
            self.city = self.app.add_city("Porto", currency="EUR", country="PT",
                                          timezone="Europe/Lisbon")
            self.officer = self.app.register_account("city", self.city)
        with acting_as(Actor(str(self.officer), "city"), "seed"):
            self.project = self.app.draft_project(
                city_id=self.city, area="Baixa", theme="Mobility", title="Bike counters",
                summary="Count the bikes.", proposer="Porto Cycles",
                budget_lines=[BudgetLine("Counters", eur("100.00"), True),
                              BudgetLine("Display", eur("50.00"), False)],
                funding_model=funding_model, opens_at=START - timedelta(hours=1),
                closes_at=START + closes_in,
            )
            self.app.open_campaign(self.project)

    def citizen(self) -> UUID:
        with acting_as(SYSTEM, "seed"):
            return self.app.register_account("citizen")

    def pledge(self, amount: str, card: str = "pm_card_visa", citizen: UUID | None = None):
        citizen = citizen or self.citizen()
        with acting_as(Actor(str(citizen), "citizen"), "pledge"):
            return self.app.make_pledge(project_id=self.project, citizen_id=citizen,
                                        amount=eur(amount), payment_method=card)

    def after_deadline(self) -> None:
        self.clock.advance(days=11)

    def settle(self):
        with acting_as(SYSTEM, "settle"):
            return self.app.settle(self.project)

    def status(self, pledge_id: UUID) -> str:
        return self.app.get_pledge(pledge_id).status

    @property
    def project_state(self):
        return self.app.get_project(self.project)

    def charged_total(self) -> Money:
        return Money(sum(c["amount"] for c in self.gateway.charges()), "EUR")


class Pilot:
    """An in-memory Civicfund with a city, an officer, a citizen and helpers to act as them."""

    def __init__(self) -> None:
        from domain.application import Civicfund

        self.clock = FixedClock(START)
        self.payments = SandboxGateway()
        self.app = Civicfund(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                             payments=self.payments, clock=self.clock)
        with acting_as(SYSTEM, "seed"):
            self.city_id = self.app.add_city("Porto", currency="EUR", country="PT",
                                             timezone="Europe/Lisbon")
            self.officer_id = self.app.register_account("city", self.city_id)
            self.citizen_id = self.app.register_account("citizen")

    def officer(self, officer_id: UUID | None = None) -> Actor:
        return Actor(str(officer_id or self.officer_id), "city")

    def citizen(self, citizen_id: UUID | None = None) -> Actor:
        return Actor(str(citizen_id or self.citizen_id), "citizen")

    def draft(self, *, city_id: UUID | None = None, closes_in: timedelta = timedelta(days=30),
              **changes) -> UUID:
        fields = dict(
            city_id=city_id or self.city_id, area="Ribeira", theme="Mobility",
            title="Smart bike lanes", summary="Counters on every lane.",
            proposer="Friends of the Park",
            budget_lines=[BudgetLine("Sensors", Money.parse("8000", "EUR"), True),
                          BudgetLine("Signage", Money.parse("2000", "EUR"), False)],
            funding_model="all_or_nothing", opens_at=self.clock.now() - timedelta(hours=1),
            closes_at=self.clock.now() + closes_in,
        )
        fields.update(changes)
        return self.app.draft_project(**fields)

    def open_project(self, **changes) -> UUID:
        with acting_as(self.officer(), "officer-request"):
            project_id = self.draft(**changes)
            self.app.open_campaign(project_id)
        return project_id

    def pledge(self, project_id: UUID, amount: str = "25.00", *, citizen_id: UUID | None = None,
               payment_method: str = "pm_card_visa") -> UUID:
        citizen_id = citizen_id or self.citizen_id
        with acting_as(self.citizen(citizen_id), "citizen-request"):
            return self.app.make_pledge(project_id=project_id, citizen_id=citizen_id,
                                        amount=Money.parse(amount, "EUR"),
                                        payment_method=payment_method)

    def events(self) -> list:
        notifications = self.app.recorder.select_notifications(1, 1000)
        return [self.app.mapper.to_domain_event(n) for n in notifications]


@pytest.fixture
def pilot() -> Pilot:
    return Pilot()


class Matched(Campaign):
    """The Porto bike-counter campaign (minimum EUR 100, optimum EUR 150) and its city's funds."""

    def fund(self, rules: dict, *, pool: str = "1000.00", themes=(), areas=(), officer=None,
             opens_at=None, closes_in=timedelta(days=20), name: str = "Porto Match") -> UUID:
        with acting_as(Actor(str(officer or self.officer), "city"), "fund"):
            return self.app.create_matching_fund(
                city_id=self.city, name=name, sponsor="Porto City Council", currency="EUR",
                pool=eur(pool), opens_at=opens_at or START - timedelta(hours=1),
                closes_at=START + closes_in, themes=list(themes), areas=list(areas),
                rules=parse_rules(rules, "EUR"),
            )

    def as_officer(self, correlation: str = "officer"):
        return acting_as(Actor(str(self.officer), "city"), correlation)

    def match(self, fund_id: UUID, pledge_id: UUID):
        return self.app.get_matching_fund(fund_id).matches.get(pledge_id)

    def matched(self, fund_id: UUID, pledge_id: UUID) -> int:
        match = self.match(fund_id, pledge_id)
        return match.amount if match else 0

    def cancel(self, pledge_id: UUID) -> None:
        citizen = self.app.get_pledge(pledge_id).citizen_id
        with acting_as(Actor(str(citizen), "citizen"), "cancel"):
            self.app.cancel_pledge(pledge_id, citizen_id=citizen)

    def balances(self, fund_id: UUID) -> tuple[int, int, int, int]:
        fund = self.app.get_matching_fund(fund_id)
        return fund.pool, fund.reserved, fund.committed, fund.available


RATIO = {"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00"}
