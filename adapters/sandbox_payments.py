"""An offline payment gateway that behaves like Stripe for Stripe's test payment methods."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from uuid import UUID, uuid5

from domain.errors import PaymentDeclined
from domain.money import Money
from domain.payments import HOLD, SAVED_CARD, Authorisation

_NAMESPACE = UUID("6c3b8f0e-5a0c-4d0e-9b8c-2f6d1f7e4a11")

# Stripe's test payment methods and what each does in the sandbox.
DECLINED_AT_PLEDGE = {
    "pm_card_chargeDeclined": "Your card was declined.",
    "pm_card_chargeDeclinedInsufficientFunds": "Your card has insufficient funds.",
    "pm_card_chargeDeclinedExpiredCard": "Your card has expired.",
    "pm_card_chargeDeclinedIncorrectCvc": "Your card's security code is incorrect.",
}
ACCEPTED = {
    "pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_visa_debit",
    "pm_card_chargeCustomerFail", "pm_card_authenticationRequired",
}
TEST_CARDS = [
    ("pm_card_visa", "Visa — succeeds"),
    ("pm_card_mastercard", "Mastercard — succeeds"),
    ("pm_card_chargeDeclined", "Declined when you pledge"),
    ("pm_card_chargeCustomerFail", "Saved fine, declined when charged at close"),
    ("pm_card_authenticationRequired", "Needs authentication when charged at close"),
]


@dataclass
class _Intent:
    reference: str
    kind: str
    amount: Money
    payment_method: str
    status: str


@dataclass
class SandboxGateway:
    """Thread-safe, in-process; idempotency keys return the first result, as Stripe's do."""

    intents: dict[str, _Intent] = field(default_factory=dict)
    _by_key: dict[str, object] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def authorise(
        self,
        *,
        pledge_id: UUID,
        amount: Money,
        payment_method: str,
        hold: bool,
        idempotency_key: str,
    ) -> Authorisation:
        with self._lock:
            earlier = self._by_key.get(idempotency_key)
            if isinstance(earlier, PaymentDeclined):
                raise earlier
            if isinstance(earlier, Authorisation):
                return earlier
            if payment_method in DECLINED_AT_PLEDGE:
                error = PaymentDeclined(DECLINED_AT_PLEDGE[payment_method])
                self._by_key[idempotency_key] = error
                raise error
            if payment_method not in ACCEPTED:
                raise PaymentDeclined(
                    f"{payment_method!r} is not a sandbox test card; try pm_card_visa"
                )
            kind = HOLD if hold else SAVED_CARD
            prefix = "pi" if hold else "seti"
            reference = f"{prefix}_sandbox_{uuid5(_NAMESPACE, idempotency_key).hex[:24]}"
            status = "requires_capture" if hold else "succeeded"
            self.intents[reference] = _Intent(reference, kind, amount, payment_method, status)
            authorisation = Authorisation(reference=reference, kind=kind)
            self._by_key[idempotency_key] = authorisation
            return authorisation

    def release(self, *, reference: str, idempotency_key: str) -> None:
        with self._lock:
            if idempotency_key in self._by_key:
                return
            intent = self.intents.get(reference)
            if intent is not None:
                intent.status = "canceled"
            self._by_key[idempotency_key] = None
