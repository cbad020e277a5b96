"""The payment port: what the domain needs from a card processor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from domain.money import Money

HOLD, SAVED_CARD = "hold", "saved_card"


@dataclass(frozen=True)
class Authorisation:
    reference: str
    kind: str  # HOLD (manual-capture intent) or SAVED_CARD (set-up for an off-session charge)


class PaymentGateway(Protocol):
    def authorise(
        self,
        *,
        pledge_id: UUID,
        amount: Money,
        payment_method: str,
        hold: bool,
        idempotency_key: str,
    ) -> Authorisation:
        """Place a hold (hold=True) or save the card. Raises PaymentDeclined."""
        ...

    def release(self, *, reference: str, idempotency_key: str) -> None:
        """Cancel a hold or forget a saved card; never charges."""
        ...


def idempotency_key(pledge_id: UUID, step: str) -> str:
    """Deterministic, so a retried call cannot act twice."""
    return f"civicfund-pledge-{pledge_id}-{step}"
