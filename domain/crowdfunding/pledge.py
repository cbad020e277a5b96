"""A citizen's pledge: an amount promised to a project, charged only if it is funded."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import event

from domain.crowdfunding.project import Project
from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import (
    N_,
    CurrencyMismatch,
    InvalidAmount,
    InvalidTransition,
    NotPermitted,
)
from domain.kernel.money import Money

REQUESTED, AUTHORISED, CHARGED = "requested", "authorised", "charged"
CANCELLED, RELEASED, PAYMENT_FAILED = "cancelled", "released", "payment_failed"
DROPPED, REFUNDED = "dropped", "refunded"
STATUSES = (REQUESTED, AUTHORISED, CHARGED, CANCELLED, RELEASED, PAYMENT_FAILED, DROPPED, REFUNDED)
ACTIVE = (AUTHORISED, CHARGED, PAYMENT_FAILED)
SETTLED = (CHARGED, PAYMENT_FAILED, RELEASED, CANCELLED, DROPPED, REFUNDED)
FIX_WINDOW = timedelta(days=7)
# After a failed charge the same card is tried again this long after the first failure.
RETRIES_AFTER = (timedelta(days=1), timedelta(days=3), timedelta(days=5))

# Largest single pledge, in major units: about 1,000,000.00 EUR in each currency.
DEFAULT_PLEDGE_LIMIT = 1_000_000
PLEDGE_LIMITS = {
    "HUF": 400_000_000, "NOK": 12_000_000, "SEK": 12_000_000, "DKK": 7_500_000,
    "CZK": 25_000_000, "PLN": 4_500_000, "RON": 5_000_000, "ISK": 150_000_000,
    "JPY": 160_000_000, "KRW": 1_500_000_000, "CLP": 1_000_000_000, "VND": 25_000_000_000,
    "INR": 90_000_000, "ZAR": 20_000_000, "TRY": 35_000_000, "MXN": 20_000_000,
    "BRL": 6_000_000, "HKD": 8_500_000, "BGN": 2_000_000,
}


def pledge_limit(currency: str) -> Money:
    major = PLEDGE_LIMITS.get(currency, DEFAULT_PLEDGE_LIMIT)
    return Money(major * 10 ** Money.zero(currency).exponent, currency)


def check_pledge_amount(amount: Money, project_currency: str) -> None:
    if amount.currency != project_currency:
        raise CurrencyMismatch(f"This project takes {project_currency}, not {amount.currency}")
    if not amount.is_positive():
        raise InvalidAmount(N_("A pledge must be more than zero"))
    limit = pledge_limit(amount.currency)
    if amount > limit:
        raise InvalidAmount(N_("A single pledge is at most %(limit)s"), limit=limit)


_REQUESTS = UUID("0b6d5f8e-93a4-4c57-8f0e-2a9e5c1d7b30")


def new_pledge_id() -> UUID:
    return uuid4()


def can_cancel(status: str, *, campaign_taking_pledges: bool) -> bool:
    """A citizen cancels an authorised pledge while its campaign takes pledges."""
    return status == AUTHORISED and campaign_taking_pledges


def can_fix(status: str, fix_by: datetime | None, now: datetime) -> bool:
    """A failed payment takes another card until its fix window ends."""
    return status == PAYMENT_FAILED and fix_by is not None and now < fix_by


def pledge_id_for_request(citizen_id: UUID, idempotency_key: str) -> UUID:
    """The pledge a citizen's request with this idempotency key makes: the same on every retry,
    in any process, so a retried request finds the pledge instead of making a second one."""
    return uuid5(_REQUESTS, f"{citizen_id}:{idempotency_key}")


class Pledge(CivicAggregate):
    @event("Made")
    def __init__(
        self, project_id: UUID, citizen_id: UUID, amount: Money, payment_method: str
    ):
        self.project_id = project_id
        self.citizen_id = citizen_id
        self.amount = amount
        self.payment_method = payment_method
        self.payment_reference: str | None = None
        self.status = REQUESTED

    @classmethod
    def make(
        cls,
        *,
        pledge_id: UUID,
        project: Project,
        citizen_id: UUID,
        amount: Money,
        payment_method: str,
        now: datetime,
    ) -> Pledge:
        project.check_taking_pledges(now)
        check_pledge_amount(amount, project.currency)
        return cls._create(
            cls.Made,
            id=pledge_id,
            project_id=project.id,
            citizen_id=citizen_id,
            amount=amount,
            payment_method=payment_method,
        )

    @event("Authorised")
    def authorised(self, payment_reference: str, kind: str) -> None:
        """The gateway placed a hold or saved the card (`kind` is "hold" or "saved_card")."""
        self.payment_reference = payment_reference
        self.payment_kind = kind
        self.status = AUTHORISED

    def cancel(self, *, by: UUID, project: Project, now: datetime) -> None:
        if by != self.citizen_id:
            raise NotPermitted("Only the citizen who made a pledge can cancel it")
        if not can_cancel(self.status, campaign_taking_pledges=True):
            raise InvalidTransition(N_("This pledge is %(status)s and can no longer be cancelled"),
                                    status=self.status)
        if not can_cancel(self.status, campaign_taking_pledges=project.is_taking_pledges(now)):
            raise InvalidTransition(
                N_("The campaign has closed: pledges can no longer be cancelled"))
        self._cancelled()

    @event("Cancelled")
    def _cancelled(self) -> None:
        self.status = CANCELLED

    # -- settlement ------------------------------------------------------------------------

    def charge_succeeded(self, *, reference: str) -> None:
        if self.status not in (AUTHORISED, PAYMENT_FAILED):
            raise InvalidTransition(f"A pledge that is {self.status} cannot be charged")
        self._charged(reference=reference)

    @event("Charged")
    def _charged(self, reference: str) -> None:
        self.status = CHARGED
        self.charge_reference = reference

    def charge_failed(self, *, outcome: str, message: str, now: datetime) -> None:
        """The citizen gets a window to fix their card; the first failure starts it."""
        if self.status not in (AUTHORISED, PAYMENT_FAILED):
            raise InvalidTransition(f"A pledge that is {self.status} cannot fail a charge")
        fix_by = self.fix_by if self.status == PAYMENT_FAILED else now + FIX_WINDOW
        self._charge_failed(outcome=outcome, message=message[:300], fix_by=fix_by)

    @event("ChargeFailed")
    def _charge_failed(self, outcome: str, message: str, fix_by: datetime) -> None:
        self.status = PAYMENT_FAILED
        self.fix_by = fix_by
        self.failure = message
        self.failed_attempts = getattr(self, "failed_attempts", 0) + 1

    def can_be_fixed(self, now: datetime) -> bool:
        return can_fix(self.status, getattr(self, "fix_by", None), now)

    def is_due_for_retry(self, now: datetime) -> bool:
        """Whether the card on file should be tried again now (a few times in the window)."""
        if not self.can_be_fixed(now):
            return False
        attempts = getattr(self, "failed_attempts", 1)
        if attempts > len(RETRIES_AFTER):
            return False
        first_failure = self.fix_by - FIX_WINDOW
        return now >= first_failure + RETRIES_AFTER[attempts - 1]

    def change_payment_method(
        self, *, by: UUID, payment_method: str, reference: str, kind: str, now: datetime
    ) -> None:
        if by != self.citizen_id:
            raise NotPermitted("Only the citizen who made a pledge can change its card")
        if not self.can_be_fixed(now):
            raise InvalidTransition("This pledge's card can no longer be changed")
        self._payment_method_changed(payment_method=payment_method, reference=reference, kind=kind)

    @event("PaymentMethodChanged")
    def _payment_method_changed(self, payment_method: str, reference: str, kind: str) -> None:
        self.payment_method = payment_method
        self.payment_reference = reference
        self.payment_kind = kind

    def release(self) -> None:
        """The project was not funded or was cancelled: nothing is charged."""
        if self.status not in (AUTHORISED, PAYMENT_FAILED):
            raise InvalidTransition(f"A pledge that is {self.status} cannot be released")
        self._released()

    @event("Released")
    def _released(self) -> None:
        self.status = RELEASED

    def drop(self, now: datetime) -> None:
        if self.status != PAYMENT_FAILED or now < self.fix_by:
            raise InvalidTransition("Only a failed payment past its fix window is dropped")
        self._dropped()

    @event("Dropped")
    def _dropped(self) -> None:
        self.status = DROPPED

    def refunded(self, *, reference: str) -> None:
        if self.status != CHARGED:
            raise InvalidTransition(f"A pledge that is {self.status} has nothing to refund")
        self._refunded(reference=reference)

    @event("Refunded")
    def _refunded(self, reference: str) -> None:
        self.status = REFUNDED
        self.refund_reference = reference
