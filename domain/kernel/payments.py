"""The payment port: what the domain needs from a card processor.

Two ways to secure a pledge, chosen by how far away the campaign's close is:
- HOLD: a manual-capture payment intent placed at pledge time, captured at close (card holds last
  about 7 days, so only for campaigns closing soon);
- SAVED_CARD: the card is saved for off-session use at pledge time and charged at close.
Every call carries a deterministic idempotency key, so a retried call can never act twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.kernel.money import Money

HOLD, SAVED_CARD = "hold", "saved_card"

# Outcomes of a charge at close.
SUCCEEDED = "succeeded"
DECLINED = "declined"  # e.g. card_declined, insufficient funds, expired
AUTHENTICATION_REQUIRED = "authentication_required"  # the customer must confirm it themselves


@dataclass(frozen=True)
class Authorisation:
    reference: str  # the hold (payment intent id) or the saved card (setup intent id)
    kind: str  # HOLD or SAVED_CARD
    # What the gateway left for the pledge's save to write (see `PaymentGateway.authorise`):
    # the save passes it to the event store as `along=[...]`. None: nothing left.
    with_pledge: Any = None


@dataclass(frozen=True)
class OpenAuthorisation:
    """A hold or saved card the processor still keeps for a pledge."""

    pledge_id: UUID
    reference: str


@dataclass(frozen=True)
class ChargeResult:
    outcome: str  # SUCCEEDED, DECLINED or AUTHENTICATION_REQUIRED
    reference: str | None = None  # the payment that moved the money, when it succeeded
    message: str = ""  # plain words for the citizen when it did not

    @property
    def succeeded(self) -> bool:
        return self.outcome == SUCCEEDED


class PaymentGateway(Protocol):
    def authorise(
        self,
        *,
        pledge_id: UUID,
        amount: Money,
        payment_method: str,
        hold: bool,
        idempotency_key: str,
        saved_with_pledge: bool = False,
    ) -> Authorisation:
        """Place a hold (hold=True) or save the card. Raises PaymentDeclined.

        `saved_with_pledge`: the caller saves the pledge right after and passes the answer's
        `with_pledge`, if any, to that save. A gateway whose ledger is in the platform's own
        database may then leave its record of the hold to the save's transaction (one commit,
        not two); a processor elsewhere places it as always and leaves nothing."""
        ...

    def release(self, *, reference: str, idempotency_key: str) -> None:
        """Cancel a hold or forget a saved card; never charges."""
        ...

    def charge(
        self, *, pledge_id: UUID, reference: str, amount: Money, idempotency_key: str
    ) -> ChargeResult:
        """Capture the hold or charge the saved card off-session. Never raises for a decline:
        the outcome says what happened."""
        ...

    def refund(self, *, charge_reference: str, amount: Money, idempotency_key: str) -> str:
        """Give back a charge (whole or part); returns the refund's reference."""
        ...

    def open_authorisations(
        self, created_from: datetime, created_to: datetime
    ) -> list[OpenAuthorisation]:
        """Holds and saved cards placed in [created_from, created_to) that are neither
        released nor used up, whatever the platform recorded about them."""
        ...

    def collect(
        self, *, payer_id: UUID, amount: Money, payment_method: str, idempotency_key: str
    ) -> ChargeResult:
        """Charge a payment method once, off-session (an investor paying in a called
        commitment). Never raises for a decline: the outcome says what happened."""
        ...

    def pay_out(
        self, *, payee_id: UUID, paid_in_reference: str, amount: Money, idempotency_key: str
    ) -> ChargeResult:
        """Send money to a payee (a bond holder's interest or capital), to where their paid-in
        money came from. Never raises for a refusal: the outcome (SUCCEEDED or DECLINED)
        says what happened, and the reference names the payout when it succeeded."""
        ...


def idempotency_key(pledge_id: UUID, step: str) -> str:
    """Deterministic, so a retried call cannot act twice."""
    return f"civicfund-pledge-{pledge_id}-{step}"


def authorisation_key(pledge_id: UUID, execution: int = 0) -> str:
    """The key a pledge's authorisation is placed under. A request run again after an earlier
    run was lost authorises afresh (the earlier run's hold may since have been released)."""
    return idempotency_key(pledge_id, "authorise" if execution == 0 else f"authorise-{execution}")


def investment_key(subject: UUID, step: str) -> str:
    """Deterministic keys for investment money (a commitment's pay-in, a bond payment), so a
    retried call cannot act twice."""
    return f"civicfund-investment-{subject}-{step}"
