"""A procurement harness on the in-memory application: Porto (EUR), its officer, two evaluators,
two proposers, and helpers to draft a call, write proposals, score and award."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.crowdfunding.project import BudgetLine
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.procurement.cost_benefit import CostBenefitAnalysis, YearFlows
from tests.unit.conftest import START, Pilot

CRITERIA = [
    {"name": "Impact", "description": "What changes for residents", "weight": 50},
    {"name": "Cost", "description": "Value for money", "weight": 30},
    {"name": "Team", "description": "Can they deliver", "weight": 20},
]
STACK = {"city": 30, "matching": 20, "crowd": 20, "investors": 30}
PCP_PHASES = [
    {"name": "Solution design", "budget_percent": 20, "max_suppliers": 3},
    {"name": "Prototype", "budget_percent": 30, "max_suppliers": 2},
    {"name": "Field test", "budget_percent": 50, "max_suppliers": 1},
]


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def analysis(rate: str = "0.05", *, cost: int = 1000_00, benefit: int = 600_00,
             years: int = 3) -> CostBenefitAnalysis:
    """A year-0 cost, then the same benefit each later year (EUR, minor units)."""
    return CostBenefitAnalysis("EUR", Decimal(rate), tuple(
        YearFlows(0, {"capital": cost}, {})
        if year == 0 else YearFlows(year, {}, {"savings": benefit}) for year in range(years)))


def content(title: str = "Smart bins", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": title, "summary": "Bins that say when they are full.", "area": "Ribeira",
        "theme": "Environment", "organisation": "Bin Co",
        "budget_lines": [BudgetLine("Sensors", eur("8000"), True),
                         BudgetLine("Dashboard", eur("2000"), False)],
        "milestones": [{"title": "Sensors installed",
                        "due": START + timedelta(days=60)}],
        "capital_stack": STACK,
        "cba": None,
    }
    data.update(changes)
    return data


class Procure(Pilot):
    def __init__(self) -> None:
        super().__init__()
        with acting_as(SYSTEM, "seed"):
            self.evaluators = [self.app.register_account("evaluator") for _ in range(2)]
            self.proposers = [self.app.register_account("proposer") for _ in range(2)]
            self.lisbon = self.app.add_city("Lisbon", currency="EUR", country="PT",
                                            timezone="Europe/Lisbon")
            self.lisbon_officer = self.app.register_account("city", self.lisbon)

    def as_officer(self, officer_id: UUID | None = None):
        return acting_as(self.officer(officer_id), "officer")

    def as_proposer(self, n: int = 0):
        return acting_as(Actor(str(self.proposers[n]), "proposer"), "proposer")

    def as_evaluator(self, n: int = 0):
        return acting_as(Actor(str(self.evaluators[n]), "evaluator"), "evaluator")

    def draft_call(self, **changes: Any) -> UUID:
        fields: dict[str, Any] = dict(
            city_id=self.city_id, title="Cleaner streets", challenge="Bins overflow.",
            route="ppi", budget=eur("100000"), capital_stack=STACK,
            opens_at=self.clock.now(), closes_at=self.clock.now() + timedelta(days=30),
            areas=[], themes=[], criteria=CRITERIA, phases=[],
        )
        fields.update(changes)
        with self.as_officer():
            return self.app.draft_call(**fields)

    def open_call(self, **changes: Any) -> UUID:
        call_id = self.draft_call(**changes)
        with self.as_officer():
            self.app.open_call(call_id)
            for evaluator in self.evaluators:
                self.app.appoint_evaluator(call_id, evaluator)
        return call_id

    def propose(self, call_id: UUID, n: int = 0, submit: bool = True, **changes: Any) -> UUID:
        with self.as_proposer(n):
            proposal_id = self.app.draft_proposal(call_id, content(**changes))
            if submit:
                self.app.submit_proposal(proposal_id)
        return proposal_id

    def after_window(self) -> None:
        self.clock.advance(days=31)

    def score(self, proposal_id: UUID, marks: tuple[int, int, int], n: int = 0) -> None:
        sheet = [{"criterion": c["name"], "score": m, "justification": "Seen the plan."}
                 for c, m in zip(CRITERIA, marks, strict=True)]
        with self.as_evaluator(n):
            self.app.score_proposal(proposal_id, conflict_of_interest=False, scores=sheet)

    def conflict(self, proposal_id: UUID, n: int = 0) -> None:
        with self.as_evaluator(n):
            self.app.score_proposal(proposal_id, conflict_of_interest=True, scores=[])

    def award(self, call_id: UUID, proposal_id: UUID, amount: str, reason: str = "Best value"):
        with self.as_officer():
            return self.app.award(call_id, proposal_id, amount=eur(amount), reason=reason)
