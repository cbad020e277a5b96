"""The payment port on Stripe (stripe-python 16, `StripeClient`).

A pledge is secured in one of two ways, chosen by the caller (`hold=`):
- a hold: a manual-capture PaymentIntent confirmed at pledge time, captured or cancelled at close;
- a saved card: a SetupIntent (usage off_session) for a Customer made for this pledge alone,
  charged off-session at close with a new PaymentIntent.

Every POST carries an idempotency key derived from the caller's key, so a retried call replays
Stripe's first answer instead of acting twice. Amounts go out as Money's minor units, which is
what Stripe's `amount` means for every currency (JPY/KRW minor units are already whole yen/won;
HUF is a two-decimal currency in Stripe's amounts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import stripe

from domain.kernel.errors import PaymentDeclined
from domain.kernel.money import Money
from domain.kernel.payments import (
    AUTHENTICATION_REQUIRED,
    DECLINED,
    HOLD,
    SAVED_CARD,
    SUCCEEDED,
    Authorisation,
    ChargeResult,
    OpenAuthorisation,
)

PLEDGE_METADATA = "civicfund_pledge_id"
INVESTOR_METADATA = "civicfund_investor_id"

DECLINED_MESSAGE = "Your card was declined."
NEEDS_AUTHENTICATION_MESSAGE = (
    "Your bank asks you to confirm this payment yourself, so it could not be taken without you."
)
CANNOT_CONFIRM_NOW_MESSAGE = (
    "Your bank asks you to confirm payments with this card, which civicfund cannot do yet. "
    "Please choose another card."
)
UNKNOWN_CARD_MESSAGE = "That card could not be used. Please check it or choose another card."
HOLD_GONE_MESSAGE = "The hold on the card had expired or been released, so nothing was taken."
CARD_GONE_MESSAGE = "The saved card is no longer available, so nothing was taken."

T = TypeVar("T")


class PaymentsUnavailable(Exception):
    """Stripe could not be reached or failed on its side. Nothing is known to have happened:
    try again later with the same idempotency key."""


class PaymentRequestRejected(Exception):
    """Stripe refused the request itself (wrong API key, unknown reference, an idempotency key
    reused with other parameters). Retrying will not help: someone must look."""


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        api_base: str | None = None,
        *,
        http_client: stripe.HTTPClient | None = None,
    ):
        if not secret_key:
            raise ValueError("The Stripe gateway needs a secret key (CIVICFUND_STRIPE_SECRET_KEY)")
        base_addresses: dict[str, str] = {"api": api_base.rstrip("/")} if api_base else {}
        # No SDK retries: a failed call surfaces as PaymentsUnavailable and the caller retries
        # later with the same key.
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses=base_addresses,
            max_network_retries=0,
            http_client=http_client,
        )

    # -- pledge time ------------------------------------------------------------------------

    def authorise(
        self,
        *,
        pledge_id: UUID,
        amount: Money,
        payment_method: str,
        hold: bool,
        idempotency_key: str,
        saved_with_pledge: bool = False,  # Stripe keeps its own ledger: placed at once
    ) -> Authorisation:
        if hold:
            return self._place_hold(pledge_id, amount, payment_method, idempotency_key)
        return self._save_card(pledge_id, payment_method, idempotency_key)

    def _place_hold(
        self, pledge_id: UUID, amount: Money, payment_method: str, key: str
    ) -> Authorisation:
        intent = _at_pledge_time(
            lambda: self.client.v1.payment_intents.create(
                {
                    **_amount(amount),
                    "payment_method": payment_method,
                    "payment_method_types": ["card"],
                    "capture_method": "manual",
                    "confirm": True,
                    "metadata": _metadata(pledge_id),
                },
                {"idempotency_key": key},
            )
        )
        if intent.status == "requires_capture":
            return Authorisation(reference=intent.id, kind=HOLD)
        if intent.status == "requires_action":
            # 3-D Secure at pledge time needs the citizen on a Stripe.js page we do not serve;
            # drop the half-made hold so nothing lingers on the card.
            _calling_stripe(
                lambda: self.client.v1.payment_intents.cancel(
                    intent.id, {}, {"idempotency_key": f"{key}:abandon"}
                )
            )
            raise PaymentDeclined(CANNOT_CONFIRM_NOW_MESSAGE)
        raise PaymentDeclined(_last_error_message(intent) or DECLINED_MESSAGE)

    def _save_card(self, pledge_id: UUID, payment_method: str, key: str) -> Authorisation:
        # One customer per pledge, with no personal data: it only holds the saved card.
        customer = _calling_stripe(
            lambda: self.client.v1.customers.create(
                {"metadata": _metadata(pledge_id)}, {"idempotency_key": f"{key}:customer"}
            )
        )
        setup = _calling_stripe(
            lambda: self.client.v1.setup_intents.create(
                {
                    "customer": customer.id,
                    "usage": "off_session",
                    "payment_method_types": ["card"],
                    "metadata": _metadata(pledge_id),
                },
                {"idempotency_key": key},
            )
        )
        setup = _at_pledge_time(
            lambda: self.client.v1.setup_intents.confirm(
                setup.id, {"payment_method": payment_method}, {"idempotency_key": f"{key}:confirm"}
            )
        )
        if setup.status == "succeeded":
            return Authorisation(reference=setup.id, kind=SAVED_CARD)
        if setup.status == "requires_action":
            _calling_stripe(
                lambda: self.client.v1.setup_intents.cancel(
                    setup.id, {}, {"idempotency_key": f"{key}:abandon"}
                )
            )
            raise PaymentDeclined(CANNOT_CONFIRM_NOW_MESSAGE)
        raise PaymentDeclined(DECLINED_MESSAGE)

    # -- release ----------------------------------------------------------------------------

    def release(self, *, reference: str, idempotency_key: str) -> None:
        if reference.startswith("pi_"):
            self._cancel_hold(reference, idempotency_key)
        elif reference.startswith("seti_"):
            self._forget_card(reference, idempotency_key)
        else:
            raise PaymentRequestRejected(f"{reference!r} is neither a hold nor a saved card")

    def _cancel_hold(self, reference: str, key: str) -> None:
        try:
            _calling_stripe(
                lambda: self.client.v1.payment_intents.cancel(
                    reference, {}, {"idempotency_key": key}
                )
            )
        except PaymentRequestRejected as error:
            if not _refused_in_this_state(error):
                raise
            # Already cancelled (or captured, to be refunded separately): nothing left to release.
            intent = self._intent(reference)
            if intent.status not in ("canceled", "succeeded"):
                raise

    def _forget_card(self, reference: str, key: str) -> None:
        setup = _calling_stripe(lambda: self.client.v1.setup_intents.retrieve(reference))
        payment_method = _id_of(setup.payment_method)
        if payment_method is None:
            if setup.status != "canceled":
                _calling_stripe(
                    lambda: self.client.v1.setup_intents.cancel(
                        reference, {}, {"idempotency_key": key}
                    )
                )
            return
        try:
            _calling_stripe(
                lambda: self.client.v1.payment_methods.detach(
                    payment_method, {}, {"idempotency_key": key}
                )
            )
        except PaymentRequestRejected as error:
            if not _refused_in_this_state(error):
                raise
            card = _calling_stripe(
                lambda: self.client.v1.payment_methods.retrieve(payment_method)
            )
            if card.customer is not None:
                raise

    def open_authorisations(
        self, created_from: datetime, created_to: datetime
    ) -> list[OpenAuthorisation]:
        """Holds awaiting capture and saved cards of civicfund's pledges made in the window."""
        window = {"gte": int(created_from.timestamp()), "lt": int(created_to.timestamp())}
        found = []
        for listing, open_status in (
            (self.client.v1.payment_intents, "requires_capture"),
            (self.client.v1.setup_intents, "succeeded"),
        ):
            page = _calling_stripe(lambda lst=listing: lst.list({"created": window, "limit": 100}))
            for intent in page.auto_paging_iter():
                pledge_id = _metadata_value(intent, PLEDGE_METADATA)
                if intent.status == open_status and pledge_id:
                    found.append(OpenAuthorisation(UUID(pledge_id), intent.id))
        return found

    # -- close ------------------------------------------------------------------------------

    def charge(
        self, *, pledge_id: UUID, reference: str, amount: Money, idempotency_key: str
    ) -> ChargeResult:
        if reference.startswith("pi_"):
            return self._capture_hold(reference, amount, idempotency_key)
        if reference.startswith("seti_"):
            return self._charge_saved_card(pledge_id, reference, amount, idempotency_key)
        raise PaymentRequestRejected(f"{reference!r} is neither a hold nor a saved card")

    def _capture_hold(self, reference: str, amount: Money, key: str) -> ChargeResult:
        try:
            intent = _calling_stripe(
                lambda: self.client.v1.payment_intents.capture(
                    reference, {"amount_to_capture": amount.minor}, {"idempotency_key": key}
                ),
                card_errors=True,
            )
        except stripe.CardError as error:
            return _refused(error)
        except PaymentRequestRejected as error:
            if not _refused_in_this_state(error):
                raise
            intent = self._intent(reference)
            if intent.status == "canceled":
                return ChargeResult(outcome=DECLINED, message=HOLD_GONE_MESSAGE)
            if intent.status != "succeeded":  # captured earlier: report it, never twice
                raise
        return _outcome_of(intent)

    def _charge_saved_card(
        self, pledge_id: UUID, reference: str, amount: Money, key: str
    ) -> ChargeResult:
        setup = _calling_stripe(lambda: self.client.v1.setup_intents.retrieve(reference))
        customer, payment_method = _id_of(setup.customer), _id_of(setup.payment_method)
        if customer is None or payment_method is None:
            return ChargeResult(outcome=DECLINED, message=CARD_GONE_MESSAGE)
        try:
            intent = _calling_stripe(
                lambda: self.client.v1.payment_intents.create(
                    {
                        **_amount(amount),
                        "customer": customer,
                        "payment_method": payment_method,
                        "payment_method_types": ["card"],
                        "off_session": True,
                        "confirm": True,
                        "metadata": _metadata(pledge_id),
                    },
                    {"idempotency_key": key},
                ),
                card_errors=True,
            )
        except stripe.CardError as error:
            return _refused(error)
        return _outcome_of(intent)

    # -- refunds ----------------------------------------------------------------------------

    def refund(self, *, charge_reference: str, amount: Money, idempotency_key: str) -> str:
        intent = self._intent(charge_reference)
        if intent.currency.upper() != amount.currency:
            raise PaymentRequestRejected(
                f"{charge_reference} was paid in {intent.currency.upper()}, "
                f"not {amount.currency}"
            )
        metadata = {}
        pledge_id = _metadata_value(intent, PLEDGE_METADATA)
        if pledge_id:
            metadata[PLEDGE_METADATA] = pledge_id
        try:
            refund = _calling_stripe(
                lambda: self.client.v1.refunds.create(
                    {
                        "payment_intent": charge_reference,
                        "amount": amount.minor,
                        "metadata": metadata,
                    },
                    {"idempotency_key": idempotency_key},
                )
            )
        except PaymentRequestRejected as error:
            if _code(error.__cause__) != "charge_already_refunded":
                raise
            earlier = _calling_stripe(
                lambda: self.client.v1.refunds.list(
                    {"payment_intent": charge_reference, "limit": 1}
                )
            )
            if not earlier.data:
                raise
            return earlier.data[0].id
        return refund.id

    # -- investment money ---------------------------------------------------------------------

    def collect(
        self, *, payer_id: UUID, amount: Money, payment_method: str, idempotency_key: str
    ) -> ChargeResult:
        """An investor's pay-in: one PaymentIntent confirmed off-session with the payment
        method they committed with, under the caller's deterministic key."""
        try:
            intent = _calling_stripe(
                lambda: self.client.v1.payment_intents.create(
                    {
                        **_amount(amount),
                        "payment_method": payment_method,
                        "payment_method_types": ["card"],
                        "off_session": True,
                        "confirm": True,
                        "metadata": {INVESTOR_METADATA: str(payer_id)},
                    },
                    {"idempotency_key": idempotency_key},
                ),
                card_errors=True,
            )
        except stripe.CardError as error:
            return _refused(error)
        return _outcome_of(intent)

    def pay_out(
        self, *, payee_id: UUID, paid_in_reference: str, amount: Money, idempotency_key: str
    ) -> ChargeResult:
        """A bond payment, refund-style: a (partial) refund of the holder's pay-in
        PaymentIntent under the caller's deterministic key. Stripe caps a PaymentIntent's
        refunds at what it charged, so once a holder's interest and capital exceed their pay-in
        Stripe refuses and the payout is recorded as failed (and retried, and shown): a live
        deployment pays holders by Connect transfers instead."""
        try:
            refund = _calling_stripe(
                lambda: self.client.v1.refunds.create(
                    {
                        "payment_intent": paid_in_reference,
                        "amount": amount.minor,
                        "metadata": {INVESTOR_METADATA: str(payee_id)},
                    },
                    {"idempotency_key": idempotency_key},
                )
            )
        except PaymentRequestRejected as error:
            return ChargeResult(outcome=DECLINED, message=f"The payout was refused: {error}")
        return ChargeResult(outcome=SUCCEEDED, reference=refund.id)

    # -- reading back (webhooks) --------------------------------------------------------------

    def retrieve_payment(self, reference: str) -> StripePayment:
        """Stripe's current word on a PaymentIntent (pi_), SetupIntent (seti_) or charge (ch_,
        read through its PaymentIntent): what a webhook event is about, read fresh."""
        if reference.startswith("ch_"):
            charge = _calling_stripe(lambda: self.client.v1.charges.retrieve(reference))
            intent_id = _id_of(getattr(charge, "payment_intent", None))
            if intent_id is None:
                return StripePayment(reference, charge.status, _metadata_value(charge,
                                                                                PLEDGE_METADATA))
            reference = intent_id
        if reference.startswith("seti_"):
            setup = _calling_stripe(lambda: self.client.v1.setup_intents.retrieve(reference))
            return StripePayment(reference, setup.status, _metadata_value(setup, PLEDGE_METADATA))
        if not reference.startswith("pi_"):
            raise PaymentRequestRejected(f"{reference!r} is not a payment civicfund reads")
        intent = self._intent(reference)
        return StripePayment(
            reference, intent.status, _metadata_value(intent, PLEDGE_METADATA),
            amount_minor=intent.amount, currency=(intent.currency or "").upper(),
        )

    def _intent(self, reference: str) -> Any:
        return _calling_stripe(lambda: self.client.v1.payment_intents.retrieve(reference))


@dataclass(frozen=True)
class StripePayment:
    """A payment as Stripe holds it now. `pledge_id` is the civicfund_pledge_id metadata as
    written (not checked); amount and currency are known for PaymentIntents only."""

    reference: str
    status: str
    pledge_id: str | None
    amount_minor: int | None = None
    currency: str | None = None


# -- helpers --------------------------------------------------------------------------------


def _amount(amount: Money) -> dict[str, Any]:
    if not amount.is_positive():
        raise ValueError(f"Stripe only moves positive amounts, not {amount.display()}")
    return {"amount": amount.minor, "currency": amount.currency.lower()}


def _metadata(pledge_id: UUID) -> dict[str, str]:
    return {PLEDGE_METADATA: str(pledge_id)}


def _metadata_value(obj: Any, key: str) -> str | None:
    metadata = getattr(obj, "metadata", None)
    return metadata[key] if metadata is not None and key in metadata else None


def _id_of(value: Any) -> str | None:
    """A related object's id, whether Stripe sent the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return value.id


def _refused_in_this_state(error: PaymentRequestRejected) -> bool:
    """Stripe refused an action because of the object's state (already cancelled, captured,
    detached...), not because of the key or the request's shape: worth a look at the object."""
    cause = error.__cause__
    return isinstance(cause, stripe.InvalidRequestError) and cause.http_status == 400


def _code(error: BaseException | None) -> str | None:
    return getattr(error, "code", None)


def _calling_stripe(call: Callable[[], T], *, card_errors: bool = False) -> T:
    """Run one Stripe call, turning Stripe's failures into the adapter's two exceptions.
    A card error is let through when the caller turns it into an outcome."""
    try:
        return call()
    except stripe.CardError as error:
        if card_errors:
            raise
        raise PaymentRequestRejected(f"Stripe refused the card: {error.user_message}") from error
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise PaymentsUnavailable(f"Stripe could not be reached: {error.user_message}") from error
    except (stripe.AuthenticationError, stripe.PermissionError) as error:
        raise PaymentRequestRejected(
            f"Stripe refused civicfund's API key: {error.user_message}"
        ) from error
    except (stripe.InvalidRequestError, stripe.IdempotencyError) as error:
        raise PaymentRequestRejected(f"Stripe refused the request: {error.user_message}") from error
    except stripe.StripeError as error:  # APIError: a 5xx or an unreadable answer
        raise PaymentsUnavailable(f"Stripe failed to answer: {error.user_message}") from error


def _at_pledge_time(call: Callable[[], T]) -> T:
    """At pledge time a refused card, or a payment method Stripe does not know, is the
    citizen's to fix: say so in plain words."""
    try:
        return _calling_stripe(call, card_errors=True)
    except stripe.CardError as error:
        if error.code == "authentication_required":
            raise PaymentDeclined(CANNOT_CONFIRM_NOW_MESSAGE) from error
        raise PaymentDeclined(_plain(error)) from error
    except PaymentRequestRejected as error:
        cause = error.__cause__
        if isinstance(cause, stripe.InvalidRequestError) and (
            cause.http_status == 404 or _code(cause) == "resource_missing"
        ):
            raise PaymentDeclined(UNKNOWN_CARD_MESSAGE) from error
        if _code(cause) in ("amount_too_small", "amount_too_large"):
            raise PaymentDeclined(cause.user_message or DECLINED_MESSAGE) from error
        raise


def _plain(error: stripe.CardError) -> str:
    return error.user_message or DECLINED_MESSAGE


def _refused(error: stripe.CardError) -> ChargeResult:
    if error.code == "authentication_required":
        return ChargeResult(outcome=AUTHENTICATION_REQUIRED, message=NEEDS_AUTHENTICATION_MESSAGE)
    return ChargeResult(outcome=DECLINED, message=_plain(error))


def _last_error_message(intent: Any) -> str | None:
    error = getattr(intent, "last_payment_error", None)
    return getattr(error, "message", None) if error is not None else None


def _outcome_of(intent: Any) -> ChargeResult:
    if intent.status == "succeeded":
        return ChargeResult(outcome=SUCCEEDED, reference=intent.id)
    if intent.status == "requires_action":
        return ChargeResult(outcome=AUTHENTICATION_REQUIRED, message=NEEDS_AUTHENTICATION_MESSAGE)
    if intent.status == "processing":
        # Cards settle at once, so this is rare: the outcome is not known yet, ask again later.
        raise PaymentsUnavailable(f"{intent.id} is still processing at Stripe")
    return ChargeResult(outcome=DECLINED, message=_last_error_message(intent) or DECLINED_MESSAGE)
