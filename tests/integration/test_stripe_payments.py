"""The Stripe adapter against localstripe, a fake but stateful Stripe API, on 127.0.0.1.

localstripe knows the test payment methods pm_card_visa, pm_card_visa_chargeDeclined (declined
when the card is saved) and pm_card_chargeCustomerFail (saved fine, declined when charged); other
test cards are made here from their numbers, which localstripe (unlike Stripe) accepts.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID, uuid4

import pytest
import stripe

from adapters.stripe_payments import PaymentRequestRejected, PaymentsUnavailable, StripeGateway
from domain.kernel.errors import PaymentDeclined
from domain.kernel.money import Money
from domain.kernel.payments import (
    DECLINED,
    HOLD,
    SAVED_CARD,
    SUCCEEDED,
    idempotency_key,
    investment_key,
)
from tests.localstripe_server import LocalStripe, running_localstripe

# localstripe registers plain-function handlers, which aiohttp deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Bare functions are deprecated:DeprecationWarning")

SECRET = "sk_test_civicfund"
NEEDS_3DS = "4000002500003155"


@dataclass
class Sent:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None


@dataclass
class RecordingClient(stripe.HTTPClient):
    """stripe-python's default HTTP client, noting every request on its way out."""

    sent: list[Sent] = field(default_factory=list)
    name = "recording"

    def __post_init__(self) -> None:
        super().__init__()
        self._inner = stripe.new_default_http_client()

    def request(self, method, url, headers, post_data=None):
        parts = urlsplit(url)
        params = dict(parse_qsl(post_data or parts.query, keep_blank_values=True))
        self.sent.append(Sent(method, parts.path, params, headers.get("Idempotency-Key")))
        return self._inner.request(method, url, headers, post_data)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture(scope="module")
def localstripe_server() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@pytest.fixture
def localstripe(localstripe_server) -> LocalStripe:
    localstripe_server.reset()
    return localstripe_server


@pytest.fixture
def wire() -> RecordingClient:
    return RecordingClient()


@pytest.fixture
def gateway(localstripe, wire) -> StripeGateway:
    return StripeGateway(SECRET, localstripe.url, http_client=wire)


@pytest.fixture
def stripe_view(localstripe) -> stripe.StripeClient:
    """A plain client to look at what localstripe holds, the way a dashboard would."""
    return stripe.StripeClient(SECRET, base_addresses={"api": localstripe.url},
                               max_network_retries=0)


def pledge(gateway, amount: Money, card: str = "pm_card_visa", *, hold: bool,
           pledge_id: UUID | None = None):
    pledge_id = pledge_id or uuid4()
    authorisation = gateway.authorise(
        pledge_id=pledge_id, amount=amount, payment_method=card, hold=hold,
        idempotency_key=idempotency_key(pledge_id, "authorise"),
    )
    return pledge_id, authorisation


def close(gateway, pledge_id: UUID, reference: str, amount: Money):
    return gateway.charge(
        pledge_id=pledge_id, reference=reference, amount=amount,
        idempotency_key=idempotency_key(pledge_id, "charge"),
    )


def card_numbered(stripe_view, number: str) -> str:
    card = stripe_view.v1.payment_methods.create(
        {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034,
                                  "cvc": "123"}}
    )
    return card.id


EUR_25 = Money.parse("25.00", "EUR")


# -- holds ---------------------------------------------------------------------------------------


def test_a_hold_is_placed_at_pledge_time_and_captured_at_close(gateway, stripe_view):
    pledge_id, held = pledge(gateway, EUR_25, hold=True)

    assert held.kind == HOLD
    intent = stripe_view.v1.payment_intents.retrieve(held.reference)
    assert (intent.status, intent.amount, intent.currency) == ("requires_capture", 2500, "eur")
    assert intent.metadata["civicfund_pledge_id"] == str(pledge_id)

    result = close(gateway, pledge_id, held.reference, EUR_25)

    assert result.outcome == SUCCEEDED and result.reference == held.reference
    assert stripe_view.v1.payment_intents.retrieve(held.reference).status == "succeeded"


def release(gateway, pledge_id: UUID, reference: str, step: str = "release") -> None:
    gateway.release(reference=reference, idempotency_key=idempotency_key(pledge_id, step))


def test_a_released_hold_is_cancelled_and_nothing_is_captured(gateway, stripe_view):
    pledge_id, held = pledge(gateway, EUR_25, hold=True)

    release(gateway, pledge_id, held.reference)
    release(gateway, pledge_id, held.reference, "release-again")  # already released: quiet

    intent = stripe_view.v1.payment_intents.retrieve(held.reference)
    assert intent.status == "canceled"
    assert intent.latest_charge.captured is False
    assert stripe_view.v1.balance_transactions.list().data == []


def test_capturing_twice_takes_the_money_once(gateway, stripe_view):
    pledge_id, held = pledge(gateway, EUR_25, hold=True)

    first = close(gateway, pledge_id, held.reference, EUR_25)
    again = gateway.charge(pledge_id=pledge_id, reference=held.reference, amount=EUR_25,
                           idempotency_key=idempotency_key(pledge_id, "charge-retry"))

    assert first == again and again.outcome == SUCCEEDED
    assert [t.amount for t in stripe_view.v1.balance_transactions.list().data] == [2500]


# -- saved cards ---------------------------------------------------------------------------------


def test_a_saved_card_is_charged_off_session_at_close(gateway, stripe_view):
    pledge_id, saved = pledge(gateway, EUR_25, hold=False)

    assert saved.kind == SAVED_CARD
    setup = stripe_view.v1.setup_intents.retrieve(saved.reference)
    assert (setup.status, setup.usage) == ("succeeded", "off_session")
    customer = stripe_view.v1.customers.retrieve(setup.customer)
    assert (customer.email, customer.name) == (None, None)
    assert customer.metadata["civicfund_pledge_id"] == str(pledge_id)

    result = close(gateway, pledge_id, saved.reference, EUR_25)

    assert result.outcome == SUCCEEDED
    payment = stripe_view.v1.payment_intents.retrieve(result.reference)
    assert (payment.status, payment.amount, payment.customer) == ("succeeded", 2500, customer.id)
    assert payment.payment_method == setup.payment_method
    assert payment.metadata["civicfund_pledge_id"] == str(pledge_id)


def test_a_saved_card_that_declines_at_close_is_a_declined_outcome(gateway, stripe_view):
    pledge_id, saved = pledge(gateway, EUR_25, "pm_card_chargeCustomerFail", hold=False)

    result = close(gateway, pledge_id, saved.reference, EUR_25)

    assert result.outcome == DECLINED
    assert result.reference is None
    assert result.message == "Your card was declined."
    assert stripe_view.v1.balance_transactions.list().data == []


def test_a_forgotten_card_is_detached_from_its_customer(gateway, stripe_view):
    pledge_id, saved = pledge(gateway, EUR_25, hold=False)

    release(gateway, pledge_id, saved.reference)
    release(gateway, pledge_id, saved.reference, "release-again")

    setup = stripe_view.v1.setup_intents.retrieve(saved.reference)
    assert stripe_view.v1.payment_methods.retrieve(setup.payment_method).customer is None


# -- declined at pledge time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "hold"),
    [("pm_card_visa_chargeDeclined", False),  # refused when saved
     ("pm_card_chargeCustomerFail", True)],   # refused when the hold is placed
)
def test_a_card_declined_at_pledge_time_is_payment_declined(gateway, card, hold):
    with pytest.raises(PaymentDeclined, match=r"^Your card was declined\.$"):
        pledge(gateway, EUR_25, card, hold=hold)


def test_an_unknown_payment_method_is_declined_with_a_hint(gateway):
    with pytest.raises(PaymentDeclined, match="choose another card"):
        pledge(gateway, EUR_25, "pm_card_doesNotExist", hold=True)


def test_a_hold_needing_3d_secure_is_declined_and_left_cancelled(gateway, stripe_view):
    card = card_numbered(stripe_view, NEEDS_3DS)

    with pytest.raises(PaymentDeclined, match="choose another card"):
        pledge(gateway, EUR_25, card, hold=True)

    [intent] = stripe_view.v1.payment_intents.list().data
    assert intent.status == "canceled"


def test_a_card_needing_3d_secure_cannot_be_saved(gateway, stripe_view):
    card = card_numbered(stripe_view, NEEDS_3DS)

    with pytest.raises(PaymentDeclined, match="choose another card"):
        pledge(gateway, EUR_25, card, hold=False)


# -- refunds -------------------------------------------------------------------------------------


@pytest.mark.parametrize("hold", [True, False])
def test_a_captured_charge_is_refunded_in_full_or_in_part(gateway, stripe_view, hold):
    pledge_id, authorisation = pledge(gateway, EUR_25, hold=hold)
    paid = close(gateway, pledge_id, authorisation.reference, EUR_25)

    first = gateway.refund(charge_reference=paid.reference, amount=Money(1000, "EUR"),
                           idempotency_key=idempotency_key(pledge_id, "refund-1"))
    rest = gateway.refund(charge_reference=paid.reference, amount=Money(1500, "EUR"),
                          idempotency_key=idempotency_key(pledge_id, "refund-2"))

    refunds = [stripe_view.v1.refunds.retrieve(r) for r in (first, rest)]
    assert [r.amount for r in refunds] == [1000, 1500]
    assert {r.payment_intent for r in refunds} == {paid.reference}
    assert {r.metadata["civicfund_pledge_id"] for r in refunds} == {str(pledge_id)}
    balance = sum(t.amount for t in stripe_view.v1.balance_transactions.list().data)
    assert balance == 0


def test_releasing_a_hold_that_was_captured_and_refunded_changes_nothing(gateway, stripe_view):
    pledge_id, held = pledge(gateway, EUR_25, hold=True)
    close(gateway, pledge_id, held.reference, EUR_25)
    gateway.refund(charge_reference=held.reference, amount=EUR_25,
                   idempotency_key=idempotency_key(pledge_id, "refund"))

    release(gateway, pledge_id, held.reference)

    assert stripe_view.v1.payment_intents.retrieve(held.reference).status == "succeeded"
    assert [r.amount for r in stripe_view.v1.refunds.list().data] == [2500]


# -- amounts and currencies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "stripe_amount"),
    [("5000", "JPY", 5000), ("1500.00", "HUF", 150000), ("1250.50", "NOK", 125050)],
)
@pytest.mark.parametrize("hold", [True, False])
def test_amounts_go_out_in_stripes_minor_units(gateway, stripe_view, text, currency,
                                               stripe_amount, hold):
    amount = Money.parse(text, currency)
    pledge_id, authorisation = pledge(gateway, amount, hold=hold)

    paid = close(gateway, pledge_id, authorisation.reference, amount)

    payment = stripe_view.v1.payment_intents.retrieve(paid.reference)
    assert (payment.amount, payment.currency) == (stripe_amount, currency.lower())


# -- the wire ------------------------------------------------------------------------------------


def test_every_call_that_changes_something_carries_a_key_derived_from_the_callers(
    gateway, wire
):
    pledge_id, held = pledge(gateway, EUR_25, hold=True)
    close(gateway, pledge_id, held.reference, EUR_25)
    gateway.refund(charge_reference=held.reference, amount=EUR_25,
                   idempotency_key=idempotency_key(pledge_id, "refund"))
    other, saved = pledge(gateway, EUR_25, hold=False)
    close(gateway, other, saved.reference, EUR_25)
    release(gateway, other, saved.reference)

    posts = [s for s in wire.sent if s.method == "post"]
    # hold, capture, refund; customer, setup intent, confirm, off-session charge, detach
    assert len(posts) == 8
    callers_keys = [idempotency_key(p, step) for p in (pledge_id, other)
                    for step in ("authorise", "charge", "refund", "release")]
    for post in posts:
        assert post.idempotency_key is not None, post.path
        assert any(post.idempotency_key.startswith(k) for k in callers_keys), post
    assert all(s.method == "get" for s in wire.sent if s.idempotency_key is None)


def test_the_same_calls_send_the_same_keys(localstripe):
    """Keys are derived, never random: the same pledge sends the same keys on every attempt."""

    def keys_of_one_pledge(pledge_id: UUID) -> list[str | None]:
        wire = RecordingClient()
        gateway = StripeGateway(SECRET, localstripe.url, http_client=wire)
        _, saved = pledge(gateway, EUR_25, hold=False, pledge_id=pledge_id)
        close(gateway, pledge_id, saved.reference, EUR_25)
        return [s.idempotency_key for s in wire.sent if s.method == "post"]

    pledge_id = uuid4()
    assert keys_of_one_pledge(pledge_id) == keys_of_one_pledge(pledge_id)


# -- failures of Stripe itself -------------------------------------------------------------------


def test_an_unreachable_stripe_is_unavailable_not_a_decline():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    gateway = StripeGateway(SECRET, f"http://127.0.0.1:{port}")

    with pytest.raises(PaymentsUnavailable):
        pledge(gateway, EUR_25, hold=True)


def test_a_key_stripe_does_not_accept_is_rejected(localstripe):
    gateway = StripeGateway("not_a_secret_key", localstripe.url)

    with pytest.raises(PaymentRequestRejected, match="API key"):
        pledge(gateway, EUR_25, hold=True)


# -- investment money: an investor's pay-in and a bond holder's payment ---------------------------
# A pay-in is one PaymentIntent confirmed off-session under the caller's key; a bond payment is a
# refund of the holder's pay-in under its own key, and Stripe refusing it is a declined outcome.


EUR_60 = Money.parse("60.00", "EUR")


def pay_in(gateway, card="pm_card_visa", attempt=1, commitment=None):
    commitment = commitment or uuid4()
    return commitment, gateway.collect(
        payer_id=uuid4(), amount=EUR_60, payment_method=card,
        idempotency_key=investment_key(commitment, f"pay-in-{attempt}"))


def test_a_pay_in_is_asked_again_under_the_same_key(gateway, stripe_view, wire):
    commitment, paid = pay_in(gateway)
    assert paid.outcome == SUCCEEDED
    intent = stripe_view.v1.payment_intents.retrieve(paid.reference)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 6000, "eur")
    assert intent.metadata["civicfund_investor_id"]
    # A retry after a lost answer sends the same key, which Stripe answers with the first
    # PaymentIntent (localstripe does not keep keys, so this checks what is sent).
    pay_in(gateway, commitment=commitment)
    keys = [s.idempotency_key for s in wire.sent if s.method == "post"]
    assert keys == [f"civicfund-investment-{commitment}-pay-in-1"] * 2


def test_a_card_declined_at_pay_in_is_a_declined_outcome(gateway):
    _, paid = pay_in(gateway, card="pm_card_chargeCustomerFail")
    assert paid.outcome == DECLINED and paid.message


def test_a_bond_payment_is_a_refund_of_the_pay_in_and_a_refusal_is_declined(gateway,
                                                                          stripe_view):
    _, paid = pay_in(gateway)
    bond, holder = uuid4(), uuid4()
    first = gateway.pay_out(payee_id=holder, paid_in_reference=paid.reference,
                            amount=Money.parse("7.35", "EUR"),
                            idempotency_key=investment_key(bond, f"line-1-{holder}-payout-1"))
    assert first.outcome == SUCCEEDED
    refund = stripe_view.v1.refunds.retrieve(first.reference)
    assert (refund.amount, refund.payment_intent) == (735, paid.reference)
    nowhere = gateway.pay_out(payee_id=holder, paid_in_reference="pi_unknown",
                              amount=Money.parse("7.35", "EUR"),
                              idempotency_key=investment_key(bond, f"line-1-{holder}-payout-2"))
    assert nowhere.outcome == DECLINED and "refused" in nowhere.message
