"""A city's departments, their budget lines and what they commit to pilots.

A department (Transport, Environment, ...) belongs to one city and holds budget lines (a name, a
fiscal year and an amount in the city's currency). It commits money from a line to a pilot,
firm or conditional on the pilot being funded. The department is the consistency boundary: every
commitment, withdrawal, draw and release is an event in its own sequence, so two commitments
decided on the same version of the department cannot both be recorded and a line is never
over-committed (the use cases decide again on the newer version).

A commitment is `committed` (held for the pilot), then `drawn` (the pilot was funded: it pays)
or `released` / `withdrawn` (back to the line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import CurrencyMismatch, DomainError, InvalidAmount, InvalidTransition
from domain.kernel.money import Money, currency_exponent
from domain.kernel.text import has_control_characters

COMMITTED, DRAWN, RELEASED, WITHDRAWN = "committed", "drawn", "released", "withdrawn"
HELD = (COMMITTED, DRAWN)  # states in which a commitment takes money from its line
MAX_LINES = 200
MAX_LINE_MAJOR = 10_000_000_000  # far above any budget line, far below an overflow
FIRST_YEAR, LAST_YEAR = 2000, 2100


class InvalidDepartment(DomainError):
    code = "invalid_department"


class OverCommitted(DomainError):
    """A commitment larger than what its budget line has left."""

    code = "over_committed"
    field = "amount"


@dataclass(frozen=True)
class BudgetLine:
    id: UUID
    name: str
    fiscal_year: int
    amount: int  # minor units of the department's currency


@dataclass
class Commitment:
    id: UUID
    line_id: UUID
    project_id: UUID
    amount: int
    conditional: bool
    state: str = COMMITTED


def clean_name(value: Any, field: str, *, limit: int = 140) -> str:
    if not isinstance(value, str) or has_control_characters(value):
        raise InvalidDepartment(f"Give the {field.replace('_', ' ')} as plain text", field=field)
    value = " ".join(value.split())
    if not value or len(value) > limit:
        raise InvalidDepartment(
            f"The {field.replace('_', ' ')} needs 1 to {limit} characters", field=field
        )
    return value


class Department(CivicAggregate):
    @event("Created")
    def __init__(self, city_id: UUID, name: str, currency: str):
        self.city_id = city_id
        self.name = name
        self.currency = currency
        self.lines: dict[UUID, BudgetLine] = {}
        self.commitments: dict[UUID, Commitment] = {}

    @classmethod
    def create(cls, *, city_id: UUID, city_currency: str, name: Any) -> Department:
        currency_exponent(city_currency)
        return cls(city_id=city_id, name=clean_name(name, "name", limit=80),
                   currency=city_currency)

    # -- figures ---------------------------------------------------------------------------

    def line(self, line_id: UUID) -> BudgetLine:
        found = self.lines.get(line_id)
        if found is None:
            raise InvalidDepartment("This department has no such budget line",
                                    field="budget_line_id")
        return found

    def held_on(self, line_id: UUID) -> int:
        """What the line's commitments hold (committed or drawn), minor units."""
        return sum(c.amount for c in self.commitments.values()
                   if c.line_id == line_id and c.state in HELD)

    def available_on(self, line_id: UUID) -> int:
        return self.line(line_id).amount - self.held_on(line_id)

    def held_for(self, project_id: UUID, *states: str) -> int:
        states = states or HELD
        return sum(c.amount for c in self.commitments.values()
                   if c.project_id == project_id and c.state in states)

    def commitments_to(self, project_id: UUID) -> list[Commitment]:
        return [c for c in self.commitments.values() if c.project_id == project_id]

    # -- budget lines ----------------------------------------------------------------------

    def add_budget_line(self, *, name: Any, fiscal_year: Any, amount: Money) -> UUID:
        name = clean_name(name, "name")
        if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int) or not (
            FIRST_YEAR <= fiscal_year <= LAST_YEAR
        ):
            raise InvalidDepartment(
                f"The fiscal year is a year from {FIRST_YEAR} to {LAST_YEAR}", field="fiscal_year"
            )
        self._check_amount(amount)
        if amount.minor > MAX_LINE_MAJOR * 10 ** amount.exponent:
            raise InvalidAmount("That budget line is larger than any the platform takes")
        if len(self.lines) >= MAX_LINES:
            raise InvalidDepartment(f"A department has at most {MAX_LINES} budget lines",
                                    field="name")
        if any(line.name == name and line.fiscal_year == fiscal_year
               for line in self.lines.values()):
            raise InvalidDepartment(
                f"This department already has a line called {name} in {fiscal_year}", field="name"
            )
        line_id = uuid4()
        self._budget_line_added(line_id=line_id, name=name, fiscal_year=fiscal_year,
                                amount=amount.minor)
        return line_id

    @event("BudgetLineAdded")
    def _budget_line_added(self, line_id: UUID, name: str, fiscal_year: int, amount: int) -> None:
        self.lines[line_id] = BudgetLine(line_id, name, fiscal_year, amount)

    def _check_amount(self, amount: Money) -> None:
        if not isinstance(amount, Money):
            raise InvalidAmount("Give the amount as a decimal string")
        if amount.currency != self.currency:
            raise CurrencyMismatch(
                f"This department's budget is in {self.currency}, not {amount.currency}"
            )
        if not amount.is_positive():
            raise InvalidAmount("The amount must be more than zero")

    # -- commitments -----------------------------------------------------------------------

    def commit(self, *, line_id: UUID, project_id: UUID, amount: Money,
               conditional: bool) -> UUID:
        """Commit money from a line to a pilot; refused beyond what the line has left."""
        self.line(line_id)
        self._check_amount(amount)
        left = self.available_on(line_id)
        if amount.minor > left:
            raise OverCommitted(
                f"This budget line has {Money(left, self.currency).display()} left to commit"
            )
        commitment_id = uuid4()
        self._committed(commitment_id=commitment_id, line_id=line_id, project_id=project_id,
                        amount=amount.minor, conditional=bool(conditional))
        return commitment_id

    @event("Committed")
    def _committed(self, commitment_id: UUID, line_id: UUID, project_id: UUID, amount: int,
                   conditional: bool) -> None:
        self.commitments[commitment_id] = Commitment(
            commitment_id, line_id, project_id, amount, conditional
        )

    def commitment(self, commitment_id: UUID) -> Commitment:
        found = self.commitments.get(commitment_id)
        if found is None:
            raise InvalidDepartment("This department made no such commitment", field="id")
        return found

    def withdraw(self, commitment_id: UUID) -> None:
        """The department takes a commitment back (its pilot's campaign has not closed)."""
        if self.commitment(commitment_id).state != COMMITTED:
            raise InvalidTransition("Only a commitment still held for its pilot can be withdrawn")
        self._withdrawn(commitment_id=commitment_id)

    @event("Withdrawn")
    def _withdrawn(self, commitment_id: UUID) -> None:
        self.commitments[commitment_id].state = WITHDRAWN

    def draw(self, commitment_id: UUID) -> bool:
        """The pilot was funded: the commitment pays. Returns whether anything changed."""
        if self.commitment(commitment_id).state != COMMITTED:
            return False
        self._drawn(commitment_id=commitment_id)
        return True

    @event("Drawn")
    def _drawn(self, commitment_id: UUID) -> None:
        self.commitments[commitment_id].state = DRAWN

    def release(self, commitment_id: UUID, *, why: str) -> bool:
        """The money goes back to its line (the pilot was unfunded or cancelled)."""
        if self.commitment(commitment_id).state not in HELD:
            return False
        self._released(commitment_id=commitment_id, why=why[:200])
        return True

    @event("Released")
    def _released(self, commitment_id: UUID, why: str) -> None:
        self.commitments[commitment_id].state = RELEASED
