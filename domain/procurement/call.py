"""A co-investment call: a city's challenge put to the market as PCP (in phases) or PPI (one
award round), with its envelope, intended capital stack, window, eligibility and criteria."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import DomainError, InvalidTransition
from domain.kernel.money import Money
from domain.kernel.text import has_control_characters
from domain.procurement.evaluation import room_in_share, shares

PCP, PPI = "pcp", "ppi"
ROUTES = (PCP, PPI)
DRAFT, OPEN, EVALUATING, AWARDED, CLOSED, CANCELLED = (
    "draft", "open", "evaluating", "awarded", "closed", "cancelled"
)
STACK = ("city", "matching", "crowd", "investors")
MAX_CRITERIA = 20
MAX_PHASES = 6
MAX_BUDGET_MAJOR = 10_000_000_000


class InvalidCall(DomainError):
    code = "invalid_call"


class OverEnvelope(DomainError):
    code = "over_envelope"
    field = "amount"


@dataclass(frozen=True)
class Criterion:
    name: str
    description: str
    weight: int


@dataclass(frozen=True)
class Phase:
    name: str
    budget_percent: int
    max_suppliers: int


def clean(value: Any, field: str, *, limit: int, required: bool = True,
          multiline: bool = False, error: type[DomainError] = InvalidCall) -> str:
    if not isinstance(value, str):
        if value is None and not required:
            return ""
        raise error(f"{field.replace('_', ' ').capitalize()} must be text", field=field)
    if has_control_characters(value):
        raise error(f"{field.capitalize()} contains characters that cannot be stored",
                    field=field)
    value = value.strip() if multiline else " ".join(value.split())
    if required and not value:
        raise error(f"{field.replace('_', ' ').capitalize()} is required", field=field)
    if len(value) > limit:
        raise error(f"{field.replace('_', ' ').capitalize()} is at most {limit} characters",
                    field=field)
    return value


def _whole(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidCall(f"{field.replace('_', ' ').capitalize()} is a whole number from "
                          f"{low} to {high}", field=field)
    return value


def check_stack(stack: Any, field: str = "capital_stack",
                error: type[DomainError] = InvalidCall) -> dict[str, int]:
    if not isinstance(stack, dict) or set(stack) - set(STACK):
        raise error(f"The capital stack names {', '.join(STACK)}", field=field)
    parts = {name: stack.get(name, 0) for name in STACK}
    for name, value in parts.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise error(f"The capital stack's {name} share is a whole percentage 0-100",
                        field=field)
    if sum(parts.values()) != 100:
        raise error(f"The capital stack's shares must sum to 100 (they sum to "
                    f"{sum(parts.values())})", field=field)
    return parts


def _labels(values: Any, field: str) -> list[str]:
    if not isinstance(values, list | tuple) or len(values) > 50:
        raise InvalidCall(f"{field.capitalize()} is a list of at most 50 names", field=field)
    return sorted({clean(v, field, limit=80) for v in values})


class Call(CivicAggregate):
    @event("Drafted")
    def __init__(
        self,
        city_id: UUID,
        title: str,
        challenge: str,
        route: str,
        budget: Money,
        capital_stack: dict[str, int],
        opens_at: datetime,
        closes_at: datetime,
        areas: list[str],
        themes: list[str],
        criteria: list[dict[str, Any]],
        phases: list[dict[str, Any]],
    ):
        self.city_id = city_id
        self.title = title
        self.challenge = challenge
        self.route = route
        self.budget = budget
        self.capital_stack = dict(capital_stack)
        self.opens_at = opens_at
        self.closes_at = closes_at
        self.areas = list(areas)
        self.themes = list(themes)
        self.criteria = [Criterion(**c) for c in criteria]
        self.phases = [Phase(**p) for p in phases]
        self.status = DRAFT
        self.evaluators: list[UUID] = []
        self.proposals: list[UUID] = []
        self.phase = 1
        self.evaluation_closed: set[int] = set()
        # (phase, proposal id, amount in minor units, reason, project id)
        self.awards: list[tuple[int, UUID, int, str, UUID]] = []
        self.advanced: dict[int, list[UUID]] = {}

    @classmethod
    def draft(
        cls, *, city_id: UUID, city_currency: str, title: Any, challenge: Any, route: Any,
        budget: Money, capital_stack: Any, opens_at: datetime, closes_at: datetime,
        areas: Any, themes: Any, criteria: Any, phases: Any,
    ) -> Call:
        if route not in ROUTES:
            raise InvalidCall("Route is pcp or ppi", field="route")
        if budget.currency != city_currency:
            raise InvalidCall(f"Calls in this city are in {city_currency}, not "
                              f"{budget.currency}", field="currency")
        if not budget.is_positive():
            raise InvalidCall("The budget envelope must be positive", field="budget")
        if budget.minor > MAX_BUDGET_MAJOR * 10**budget.exponent:
            raise InvalidCall("That budget envelope is too large", field="budget")
        stack = check_stack(capital_stack)
        if opens_at.tzinfo is None or closes_at.tzinfo is None:
            raise InvalidCall("The window's times need a time zone", field="closes_at")
        if closes_at <= opens_at:
            raise InvalidCall("The window must close after it opens", field="closes_at")
        if not isinstance(criteria, list | tuple) or not criteria:
            raise InvalidCall("Add at least one criterion", field="criteria")
        if len(criteria) > MAX_CRITERIA:
            raise InvalidCall(f"At most {MAX_CRITERIA} criteria", field="criteria")
        checked = []
        for c in criteria:
            if not isinstance(c, dict):
                raise InvalidCall("Each criterion has a name, description and weight",
                                  field="criteria")
            checked.append({
                "name": clean(c.get("name"), "criteria", limit=80),
                "description": clean(c.get("description", ""), "criteria", limit=1000,
                                     required=False, multiline=True),
                "weight": _whole(c.get("weight"), "criteria", 1, 100),
            })
        if len({c["name"].casefold() for c in checked}) != len(checked):
            raise InvalidCall("Each criterion needs its own name", field="criteria")
        weights = sum(c["weight"] for c in checked)
        if weights != 100:
            raise InvalidCall(f"The criteria's weights must sum to 100 (they sum to {weights})",
                              field="criteria")
        phase_list = list(phases or [])
        if route == PPI:
            if len(phase_list) > 1:
                raise InvalidCall("A PPI call has one award round, not phases", field="phases")
            if not phase_list:
                phase_list = [{"name": "Award", "budget_percent": 100,
                               "max_suppliers": 1000}]
        if not phase_list:
            raise InvalidCall("A PCP call runs in phases: add at least one", field="phases")
        if len(phase_list) > MAX_PHASES:
            raise InvalidCall(f"At most {MAX_PHASES} phases", field="phases")
        checked_phases = []
        for p in phase_list:
            if not isinstance(p, dict):
                raise InvalidCall("Each phase has a name, budget_percent and max_suppliers",
                                  field="phases")
            checked_phases.append({
                "name": clean(p.get("name"), "phases", limit=80),
                "budget_percent": _whole(p.get("budget_percent"), "phases", 1, 100),
                "max_suppliers": _whole(p.get("max_suppliers"), "phases", 1, 1000),
            })
        percent = sum(p["budget_percent"] for p in checked_phases)
        if percent != 100:
            raise InvalidCall(f"The phases' budget shares must sum to 100 (they sum to "
                              f"{percent})", field="phases")
        return cls(
            city_id=city_id,
            title=clean(title, "title", limit=140),
            challenge=clean(challenge, "challenge", limit=8000, multiline=True),
            route=route, budget=budget, capital_stack=stack, opens_at=opens_at,
            closes_at=closes_at, areas=_labels(areas or [], "areas"),
            themes=_labels(themes or [], "themes"), criteria=checked, phases=checked_phases,
        )

    # -- reading ---------------------------------------------------------------------------

    @property
    def currency(self) -> str:
        return self.budget.currency

    @property
    def weights(self) -> dict[str, int]:
        return {c.name: c.weight for c in self.criteria}

    def phase_shares(self) -> list[Money]:
        parts = shares(self.budget.minor, [p.budget_percent for p in self.phases])
        return [Money(part, self.currency) for part in parts]

    def awarded_in(self, phase: int) -> Money:
        return Money(sum(a[2] for a in self.awards if a[0] == phase), self.currency)

    def room_in(self, phase: int) -> Money:
        share = self.phase_shares()[phase - 1]
        return Money(room_in_share(share.minor, [a[2] for a in self.awards if a[0] == phase]),
                     self.currency)

    def award_of(self, proposal_id: UUID) -> tuple[int, UUID, int, str, UUID] | None:
        found = [a for a in self.awards if a[1] == proposal_id]
        return found[-1] if found else None

    def takes_proposals(self, now: datetime) -> bool:
        return self.status == OPEN and self.opens_at <= now < self.closes_at

    def is_public(self) -> bool:
        return self.status != DRAFT

    def in_phase(self, proposal_id: UUID, phase: int | None = None) -> bool:
        """Whether a proposal is still in the running in `phase` (phase 1: every one)."""
        phase = phase or self.phase
        return phase == 1 or proposal_id in self.advanced.get(phase - 1, [])

    # -- lifecycle -------------------------------------------------------------------------

    def open(self, now: datetime) -> None:
        if self.status != DRAFT:
            raise InvalidTransition(f"Only a draft call opens; this one is {self.status}")
        if now >= self.closes_at:
            raise InvalidTransition("The call's window has already passed: it cannot open")
        self._opened()

    @event("Opened")
    def _opened(self) -> None:
        self.status = OPEN

    def start_evaluation(self) -> None:
        """The window is over (or the officer ended it): proposals are frozen."""
        if self.status != OPEN:
            raise InvalidTransition(f"Only an open call starts evaluation; this one is "
                                    f"{self.status}")
        self._evaluation_started()

    @event("EvaluationStarted")
    def _evaluation_started(self) -> None:
        self.status = EVALUATING

    def close_evaluation(self) -> None:
        """The officer unseals the current phase's scores without waiting for every
        evaluator."""
        if self.status not in (EVALUATING, AWARDED):
            raise InvalidTransition(f"Evaluation closes while the call is evaluating; this one "
                                    f"is {self.status}")
        if self.phase in self.evaluation_closed:
            raise InvalidTransition("This phase's evaluation is already closed")
        self._evaluation_closed(phase=self.phase)

    @event("EvaluationClosed")
    def _evaluation_closed(self, phase: int) -> None:
        self.evaluation_closed.add(phase)

    def close(self) -> None:
        if self.status not in (EVALUATING, AWARDED):
            raise InvalidTransition(f"A call closes after evaluation; this one is {self.status}")
        self._closed()

    @event("Closed")
    def _closed(self) -> None:
        self.status = CLOSED

    def cancel(self, reason: str) -> None:
        if self.status in (CLOSED, CANCELLED) or self.awards:
            raise InvalidTransition(f"A call that is {self.status} or has awards cannot be "
                                    "cancelled")
        self._cancelled(reason=clean(reason or "Cancelled by the city", "reason", limit=500))

    @event("Cancelled")
    def _cancelled(self, reason: str) -> None:
        self.status = CANCELLED
        self.cancel_reason = reason

    # -- evaluators and proposals ----------------------------------------------------------

    def appoint_evaluator(self, account_id: UUID) -> None:
        if self.status in (CLOSED, CANCELLED):
            raise InvalidTransition(f"A call that is {self.status} takes no evaluators")
        if account_id in self.evaluators:
            return
        self._evaluator_appointed(account_id=account_id)

    @event("EvaluatorAppointed")
    def _evaluator_appointed(self, account_id: UUID) -> None:
        self.evaluators.append(account_id)

    def add_proposal(self, proposal_id: UUID, now: datetime) -> None:
        if not self.takes_proposals(now):
            raise InvalidTransition("This call is not taking proposals: its window is "
                                    f"{'over' if now >= self.closes_at else 'not open'}")
        self._proposal_added(proposal_id=proposal_id)

    @event("ProposalAdded")
    def _proposal_added(self, proposal_id: UUID) -> None:
        self.proposals.append(proposal_id)

    # -- awards and phases -----------------------------------------------------------------

    def award(self, *, proposal_id: UUID, amount: Money, reason: str, project_id: UUID) -> None:
        if self.status not in (EVALUATING, AWARDED):
            raise InvalidTransition(f"Awards are made after the window, while evaluating; this "
                                    f"call is {self.status}")
        if amount.currency != self.currency:
            raise InvalidCall(f"Awards are in {self.currency}", field="currency")
        if not amount.is_positive():
            raise InvalidCall("An award's amount must be positive", field="amount")
        if proposal_id not in self.proposals or not self.in_phase(proposal_id):
            raise InvalidCall("That proposal is not in this phase of the call",
                              field="proposal_id")
        if any(a[0] == self.phase and a[1] == proposal_id for a in self.awards):
            raise InvalidTransition("That proposal is already awarded in this phase")
        phase = self.phases[self.phase - 1]
        if sum(1 for a in self.awards if a[0] == self.phase) >= phase.max_suppliers:
            raise OverEnvelope(f"{phase.name} takes at most {phase.max_suppliers} suppliers",
                               field="proposal_id")
        room = self.room_in(self.phase)
        if amount > room:
            raise OverEnvelope(
                f"That award is over the envelope: {phase.name} has {room.display()} left of "
                f"its {self.phase_shares()[self.phase - 1].display()}"
            )
        self._awarded(phase=self.phase, proposal_id=proposal_id, amount=amount,
                      reason=clean(reason, "reason", limit=1000, multiline=True),
                      project_id=project_id)

    @event("Awarded")
    def _awarded(self, phase: int, proposal_id: UUID, amount: Money, reason: str,
                 project_id: UUID) -> None:
        self.awards.append((phase, proposal_id, amount.minor, reason, project_id))
        self.status = AWARDED

    def advance(self, phase: int, proposal_ids: list[UUID]) -> None:
        """PCP: the proposals kept after `phase` go on to the next one."""
        if self.route != PCP:
            raise InvalidTransition("Only PCP calls run in phases")
        if self.status not in (EVALUATING, AWARDED):
            raise InvalidTransition(f"Phases advance while evaluating; this call is "
                                    f"{self.status}")
        if phase != self.phase:
            raise InvalidCall(f"The call is in phase {self.phase}", field="phase")
        if phase >= len(self.phases):
            raise InvalidCall("This is the last phase: award it, then close the call",
                              field="phase")
        kept = list(dict.fromkeys(proposal_ids))
        if not kept:
            raise InvalidCall("Keep at least one proposal for the next phase",
                              field="proposal_ids")
        for proposal_id in kept:
            if proposal_id not in self.proposals or not self.in_phase(proposal_id):
                raise InvalidCall("Only proposals in this phase can go on to the next",
                                  field="proposal_ids")
        following = self.phases[phase]
        if len(kept) > following.max_suppliers:
            raise InvalidCall(f"{following.name} takes at most {following.max_suppliers} "
                              "suppliers", field="proposal_ids")
        self._advanced(phase=phase, proposal_ids=kept)

    @event("PhaseAdvanced")
    def _advanced(self, phase: int, proposal_ids: list[UUID]) -> None:
        self.advanced[phase] = list(proposal_ids)
        self.phase = phase + 1
