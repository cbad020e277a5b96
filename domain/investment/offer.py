"""An investment offer on a pilot, the commitments investors make to it, and the appropriateness
check an account passes once before it may invest.

An offer belongs to one pilot and is raised in the pilot's currency. Its kind is
`community_bond` (terms: `BondConditions`) or `benefit_share` (terms: `AgreementTerms` plus the
community fund's matching fund). It states a target, a minimum to proceed, a maximum and a
minimum ticket, and a window (opens_at, closes_at) in which investors commit.

The offer is the consistency boundary of its commitments: every commitment, withdrawal, release
and call to pay in is an event in the offer's own sequence, so two commitments decided on the
same version cannot both be recorded and the offer is never over-subscribed past its maximum
(the use cases decide again on the newer version).

A commitment is `committed` (conditional: on the offer reaching its minimum and the pilot being
funded), then `to_pay_in` (both happened: the investor owes the amount) or `released` (either did
not) or `withdrawn` (by the investor, before the offer closed). A called commitment is charged
through the payments port with its payment method: `paid_in` when the charge succeeds; a failed
charge is recorded (with the processor's plain message for the investor) and tried again a day
later, and after `MAX_PAY_IN_ATTEMPTS` failures the commitment is `unpaid` (the investor owes
nothing more and holds nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.investment.bonds import BondConditions
from domain.investment.errors import InvalidTerms
from domain.investment.projection import parse_projection
from domain.investment.waterfall import AgreementTerms
from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import (
    CurrencyMismatch,
    DomainError,
    InvalidAmount,
    InvalidTransition,
)
from domain.kernel.money import Money

COMMUNITY_BOND, BENEFIT_SHARE = "community_bond", "benefit_share"
KINDS = (COMMUNITY_BOND, BENEFIT_SHARE)
COMMITTED, TO_PAY_IN, RELEASED, WITHDRAWN = "committed", "to_pay_in", "released", "withdrawn"
PAID_IN, UNPAID = "paid_in", "unpaid"
HELD = (COMMITTED, TO_PAY_IN, PAID_IN)  # states in which a commitment takes room under the maximum
CALLED = (TO_PAY_IN, PAID_IN)  # the pilot was funded and the offer reached its minimum
PAY_IN_RETRY = timedelta(days=1)
MAX_PAY_IN_ATTEMPTS = 4
MAX_OFFER_MAJOR = 1_000_000_000  # far above any civic offer, far below an overflow

RISK_WARNING = (
    "Investing puts your capital at risk: you may lose some or all of the money you invest, and "
    "any return is not guaranteed. An investment is not a deposit and is not covered by a deposit "
    "guarantee scheme. You may not be able to sell or withdraw it once the offer has closed. "
    "Invest only money you can afford to lose."
)

# The appropriateness quiz: question id -> (question, choices, correct answer).
QUIZ: dict[str, tuple[str, tuple[str, ...], str]] = {
    "capital_at_risk": (
        "Can you lose some or all of the money you invest?",
        ("yes", "no"), "yes"),
    "deposit_guarantee": (
        "Is an investment in a pilot covered by a deposit guarantee scheme?",
        ("yes", "no"), "no"),
    "unfunded_pilot": (
        "If the pilot is not funded, what happens to your commitment?",
        ("released", "paid_in"), "released"),
}


class InvalidOffer(DomainError):
    code = "invalid_offer"


class OverSubscribed(DomainError):
    """A ticket larger than what the offer has left under its maximum."""

    code = "over_subscribed"
    field = "amount"


class TicketTooSmall(DomainError):
    code = "ticket_too_small"
    field = "amount"


class NotAppropriate(DomainError):
    """Investing without having passed the appropriateness check, or failing it."""

    code = "appropriateness_required"
    field = "answers"


class WrongAnswers(NotAppropriate):
    code = "wrong_answers"


def check_answers(answers: object, risk_warning_accepted: object) -> dict[str, str]:
    """The quiz answers if all are right and the risk warning was acknowledged; else refused
    naming the first wrong answer (its question, not the right answer)."""
    if risk_warning_accepted is not True:
        raise NotAppropriate("Acknowledge the risk warning before investing",
                             field="risk_warning_accepted")
    if not isinstance(answers, Mapping):
        raise WrongAnswers("Answer each question of the quiz", field="answers")
    unknown = sorted(set(map(str, answers)) - set(QUIZ))
    if unknown:
        raise WrongAnswers(f"No such question: {', '.join(unknown)}", field="answers")
    for key, (question, _choices, right) in QUIZ.items():
        if key not in answers:
            raise WrongAnswers(f"Answer the question: {question}", field=f"answers.{key}")
        if answers[key] != right:
            raise WrongAnswers(f"That answer is not right: {question} Read the risk warning "
                               "again and retry.", field=f"answers.{key}")
    return {key: str(answers[key]) for key in QUIZ}


APPROPRIATENESS_NAMESPACE = UUID("6f1d2a0e-8c5b-4e36-9a7d-0c2e1b7f4a15")


class Appropriateness(CivicAggregate):
    """One account's passed appropriateness check (keyed by the account; no personal data)."""

    @staticmethod
    def create_id(account_id: UUID) -> UUID:
        return uuid.uuid5(APPROPRIATENESS_NAMESPACE, str(account_id))

    @event("Passed")
    def __init__(self, account_id: UUID, answers: dict[str, str], risk_warning_accepted: bool):
        self.account_id = account_id
        self.answers = dict(answers)
        self.risk_warning_accepted = risk_warning_accepted

    @classmethod
    def pass_check(cls, account_id: UUID, answers: object,
                   risk_warning_accepted: object) -> Appropriateness:
        return cls(account_id=account_id,
                   answers=check_answers(answers, risk_warning_accepted),
                   risk_warning_accepted=True)


OFFER_BOOK_NAMESPACE = UUID("0b8f5c1e-3d7a-4f2b-8e6c-9a1d2e3f4b5c")


class OfferBook(CivicAggregate):
    """The offers of one pilot (keyed by the pilot): lets the use cases find them."""

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return uuid.uuid5(OFFER_BOOK_NAMESPACE, str(project_id))

    @event("Started")
    def __init__(self, project_id: UUID):
        self.project_id = project_id
        self.offers: list[UUID] = []

    def add(self, offer_id: UUID) -> None:
        self._added(offer_id=offer_id)

    @event("OfferAdded")
    def _added(self, offer_id: UUID) -> None:
        self.offers.append(offer_id)


@dataclass
class Commitment:
    id: UUID
    investor_id: UUID
    amount: int
    payment_method: str
    state: str = COMMITTED
    attempts: int = 0  # failed pay-in attempts
    retry_at: datetime | None = None
    failure: str = ""  # the processor's plain words for the last failed attempt
    reference: str | None = None  # the payment that paid it in
    paid_on: str | None = None  # ISO date, by the application's clock

    def pay_in_due(self, now: datetime) -> bool:
        return self.state == TO_PAY_IN and (self.retry_at is None or now >= self.retry_at)


def parse_terms(kind: object, terms: object, currency: str) -> dict[str, Any]:
    """The offer's terms as plain data, checked by the investment rules."""
    if kind not in KINDS:
        raise InvalidOffer("An offer's kind is community_bond or benefit_share", field="kind")
    if not isinstance(terms, Mapping):
        raise InvalidTerms("Give the offer's terms as an object", field="terms")
    if kind == COMMUNITY_BOND:
        return BondConditions.parse(terms).as_data()
    unknown = sorted(set(map(str, terms)) - {"agreement"})
    if unknown or not isinstance(terms.get("agreement"), Mapping):
        raise InvalidTerms("A benefit share's terms are {\"agreement\": {\"preferred_rate\", "
                           "\"residual\", \"community_fund_id\", \"projected_benefits\"}}",
                           field="terms.agreement")
    agreement = terms["agreement"]
    data = AgreementTerms.parse(
        {k: v for k, v in agreement.items() if k not in ("community_fund_id",
                                                          "projected_benefits")}
    ).as_data()
    projection = parse_projection(agreement.get("projected_benefits"), currency)
    if projection is not None:
        data["projected_benefits"] = projection
    fund = agreement.get("community_fund_id")
    if fund is not None:
        try:
            fund = str(UUID(str(fund)))
        except ValueError:
            raise InvalidTerms("The community fund is a matching fund's id",
                               field="community_fund_id") from None
    data["community_fund_id"] = fund
    return {"agreement": data}


class Offer(CivicAggregate):
    @event("Added")
    def __init__(self, project_id: UUID, city_id: UUID, kind: str, currency: str,
                 target: int, minimum: int, maximum: int, min_ticket: int,
                 opens_at: datetime, closes_at: datetime, terms: dict[str, Any]):
        self.project_id = project_id
        self.city_id = city_id
        self.kind = kind
        self.currency = currency
        self.target = target
        self.minimum = minimum
        self.maximum = maximum
        self.min_ticket = min_ticket
        self.opens_at = opens_at
        self.closes_at = closes_at
        self.terms = terms
        self.commitments: dict[UUID, Commitment] = {}

    @classmethod
    def add(cls, *, project_id: UUID, city_id: UUID, currency: str, kind: object,
            target: Money, minimum: Money, maximum: Money, min_ticket: Money,
            opens_at: datetime, closes_at: datetime, terms: object) -> Offer:
        data = parse_terms(kind, terms, currency)
        figures = {"target": target, "minimum": minimum, "maximum": maximum,
                   "min_ticket": min_ticket}
        for name, amount in figures.items():
            if not isinstance(amount, Money):
                raise InvalidAmount(f"Give the {name.replace('_', ' ')} as a decimal string",
                                    field=name)
            if amount.currency != currency:
                raise CurrencyMismatch(f"This pilot raises {currency}, not {amount.currency}",
                                       field="currency")
            if not amount.is_positive():
                raise InvalidAmount(f"The {name.replace('_', ' ')} must be more than zero",
                                    field=name)
            if amount.minor > MAX_OFFER_MAJOR * 10 ** amount.exponent:
                raise InvalidAmount(f"The {name.replace('_', ' ')} is larger than any offer "
                                    "the platform takes", field=name)
        if not minimum <= target <= maximum:
            raise InvalidOffer("The minimum to proceed is at most the target, and the target at "
                               "most the maximum", field="minimum")
        if min_ticket > minimum:
            raise InvalidOffer("The minimum ticket is at most the minimum to proceed",
                               field="min_ticket")
        if not isinstance(opens_at, datetime) or not isinstance(closes_at, datetime) or (
                opens_at.tzinfo is None or closes_at.tzinfo is None):
            raise InvalidOffer("Give the window as ISO timestamps with a time zone",
                               field="opens_at")
        if closes_at <= opens_at:
            raise InvalidOffer("The offer closes after it opens", field="closes_at")
        return cls(project_id=project_id, city_id=city_id, kind=kind, currency=currency,
                   target=target.minor, minimum=minimum.minor, maximum=maximum.minor,
                   min_ticket=min_ticket.minor, opens_at=opens_at, closes_at=closes_at,
                   terms=data)

    # -- figures ---------------------------------------------------------------------------

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    def held(self, *states: str) -> int:
        states = states or HELD
        return sum(c.amount for c in self.commitments.values() if c.state in states)

    @property
    def left(self) -> int:
        """What can still be committed under the maximum, minor units."""
        return self.maximum - self.held()

    @property
    def reached_minimum(self) -> bool:
        return self.held() >= self.minimum

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def commitment(self, commitment_id: UUID) -> Commitment:
        found = self.commitments.get(commitment_id)
        if found is None:
            raise InvalidOffer("This offer has no such commitment", field="id")
        return found

    # -- commitments -----------------------------------------------------------------------

    def commit(self, *, investor_id: UUID, amount: Money, payment_method: str,
               now: datetime) -> UUID:
        """An investor commits; refused under the minimum ticket or beyond what is left."""
        if not self.is_open(now):
            raise InvalidTransition("This offer is not open for commitments"
                                    + (" yet" if now < self.opens_at else " any more"))
        if not isinstance(amount, Money):
            raise InvalidAmount("Give the amount as a decimal string")
        if amount.currency != self.currency:
            raise CurrencyMismatch(f"This offer raises {self.currency}, not {amount.currency}")
        if amount.minor < self.min_ticket:
            raise TicketTooSmall(f"The minimum ticket is {self.money(self.min_ticket).display()}")
        if amount.minor > self.left:
            raise OverSubscribed(
                f"This offer has {self.money(max(self.left, 0)).display()} left under its maximum"
            )
        commitment_id = uuid4()
        self._committed(commitment_id=commitment_id, investor_id=investor_id,
                        amount=amount.minor, payment_method=payment_method)
        return commitment_id

    @event("Committed")
    def _committed(self, commitment_id: UUID, investor_id: UUID, amount: int,
                   payment_method: str) -> None:
        self.commitments[commitment_id] = Commitment(commitment_id, investor_id, amount,
                                                     payment_method)

    def withdraw(self, commitment_id: UUID, *, now: datetime) -> None:
        if self.commitment(commitment_id).state != COMMITTED:
            raise InvalidTransition("Only a commitment still held can be withdrawn")
        if now >= self.closes_at:
            raise InvalidTransition("This offer has closed: its commitments cannot be withdrawn")
        self._withdrawn(commitment_id=commitment_id)

    @event("Withdrawn")
    def _withdrawn(self, commitment_id: UUID) -> None:
        self.commitments[commitment_id].state = WITHDRAWN

    def call_to_pay_in(self, commitment_id: UUID) -> bool:
        """The pilot was funded and the offer reached its minimum: the investor owes it."""
        if self.commitment(commitment_id).state != COMMITTED:
            return False
        self._called(commitment_id=commitment_id)
        return True

    @event("CalledToPayIn")
    def _called(self, commitment_id: UUID) -> None:
        self.commitments[commitment_id].state = TO_PAY_IN

    def release(self, commitment_id: UUID, *, why: str) -> bool:
        if self.commitment(commitment_id).state not in (COMMITTED, TO_PAY_IN):
            return False
        self._released(commitment_id=commitment_id, why=why[:200])
        return True

    @event("Released")
    def _released(self, commitment_id: UUID, why: str) -> None:
        self.commitments[commitment_id].state = RELEASED

    # -- paying in -------------------------------------------------------------------------

    def paid_in(self, commitment_id: UUID, *, reference: str, today: date) -> bool:
        if self.commitment(commitment_id).state != TO_PAY_IN:
            return False
        self._paid_in(commitment_id=commitment_id, amount=self.commitments[commitment_id].amount,
                      reference=reference, paid_on=today.isoformat())
        return True

    @event("PaidIn")
    def _paid_in(self, commitment_id: UUID, amount: int, reference: str, paid_on: str) -> None:
        c = self.commitments[commitment_id]
        c.state, c.reference, c.paid_on, c.retry_at, c.failure = (
            PAID_IN, reference, paid_on, None, "")

    def pay_in_failed(self, commitment_id: UUID, *, outcome: str, message: str,
                      now: datetime) -> None:
        """A failed charge: tried again after PAY_IN_RETRY, given up after the last attempt."""
        c = self.commitment(commitment_id)
        if c.state != TO_PAY_IN:
            return
        attempt = c.attempts + 1
        self._pay_in_failed(commitment_id=commitment_id, attempt=attempt, outcome=outcome,
                            message=message[:300], retry_at=now + PAY_IN_RETRY)
        if attempt >= MAX_PAY_IN_ATTEMPTS:
            self._unpaid(commitment_id=commitment_id, amount=c.amount)

    @event("PayInFailed")
    def _pay_in_failed(self, commitment_id: UUID, attempt: int, outcome: str, message: str,
                       retry_at: datetime) -> None:
        c = self.commitments[commitment_id]
        c.attempts, c.failure, c.retry_at = attempt, message, retry_at

    def change_payment_method(self, commitment_id: UUID, *, payment_method: str) -> None:
        """After a failed pay-in the investor gives another card; it is tried at once."""
        c = self.commitment(commitment_id)
        if c.state != TO_PAY_IN or not c.attempts:
            raise InvalidTransition("Only a commitment whose pay-in failed takes another card")
        self._method_changed(commitment_id=commitment_id, payment_method=payment_method)

    @event("PaymentMethodChanged")
    def _method_changed(self, commitment_id: UUID, payment_method: str) -> None:
        c = self.commitments[commitment_id]
        c.payment_method, c.retry_at = payment_method, None

    @event("PayInAbandoned")
    def _unpaid(self, commitment_id: UUID, amount: int) -> None:
        self.commitments[commitment_id].state = UNPAID

    def paid_in_by(self) -> dict[UUID, int]:
        """Paid-in capital per investor, in the order they first committed."""
        holdings: dict[UUID, int] = {}
        for c in self.commitments.values():
            if c.state == PAID_IN:
                holdings[c.investor_id] = holdings.get(c.investor_id, 0) + c.amount
        return holdings
