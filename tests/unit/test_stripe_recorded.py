"""The Stripe adapter against Stripe's answers, without a network.

localstripe ignores idempotency keys and never answers `authentication_required`; these tests
serve Stripe-shaped bodies (tests/fixtures/stripe) through stripe-python's own HTTP client hook,
with Stripe's idempotent replay: a POST repeating an earlier key gets the earlier answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

import pytest
import stripe

from adapters.stripe_payments import PaymentRequestRejected, PaymentsUnavailable, StripeGateway
from domain.kernel.errors import PaymentDeclined
from domain.kernel.money import Money
from domain.kernel.payments import (
    AUTHENTICATION_REQUIRED,
    DECLINED,
    HOLD,
    SAVED_CARD,
    SUCCEEDED,
    idempotency_key,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "stripe"
PLEDGE = UUID("0d5b2f55-61a4-4c39-9d0a-3f3f7f1f2a11")
HELD = "pi_3QHoldCivicfund0001"
SAVED = "seti_1QSaveCardCivic01"
EUR_25 = Money(2500, "EUR")


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@dataclass
class Sent:
    method: str
    path: str
    params: dict[str, str]
    idempotency_key: str | None


@dataclass
class RecordedStripe(stripe.HTTPClient):
    """Plays back queued answers per (method, path), replaying by idempotency key as Stripe does.
    An answer is (status, body) or an exception to raise, as a network failure would."""

    answers: dict[tuple[str, str], list] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    replies: dict[str, tuple[dict[str, str], tuple]] = field(default_factory=dict)
    name = "recorded"

    def __post_init__(self) -> None:
        super().__init__()

    def answer(self, method: str, path: str, body: str | dict, status: int = 200) -> None:
        body = recorded(body) if isinstance(body, str) else body
        self.answers.setdefault((method, path), []).append((status, body))

    def fail(self, method: str, path: str, error: Exception) -> None:
        self.answers.setdefault((method, path), []).append(error)

    def request(self, method, url, headers, post_data=None):
        parts = urlsplit(url)
        params = dict(parse_qsl(post_data or parts.query, keep_blank_values=True))
        key = headers.get("Idempotency-Key")
        self.sent.append(Sent(method, parts.path, params, key))
        if method == "post" and key in self.replies:
            first_params, reply = self.replies[key]
            if first_params != params:
                return self._reply((400, recorded("error_idempotency_mismatch")))
            return self._reply(reply, replayed=True)
        queue = self.answers.get((method, parts.path))
        if not queue:
            raise AssertionError(f"unexpected {method.upper()} {parts.path}")
        reply = queue.pop(0)
        if isinstance(reply, Exception):
            raise reply
        # Stripe keeps the result of a request it ran, a 500 included; a rate-limited one never ran.
        if method == "post" and reply[0] != 429:
            self.replies[key] = (params, reply)
        return self._reply(reply)

    def _reply(self, reply: tuple, replayed: bool = False):
        status, body = reply
        headers = {"request-id": "req_recorded"}
        if replayed:
            headers["idempotent-replayed"] = "true"
        return json.dumps(body), status, headers

    def close(self) -> None:
        pass

    def posts(self, path: str) -> list[Sent]:
        return [s for s in self.sent if s.method == "post" and s.path == path]


@pytest.fixture
def stripe_api() -> RecordedStripe:
    return RecordedStripe()


@pytest.fixture
def gateway(stripe_api) -> StripeGateway:
    return StripeGateway("sk_test_recorded", http_client=stripe_api)


def charge_saved_card(gateway, key="close") -> object:
    return gateway.charge(
        pledge_id=PLEDGE, reference=SAVED, amount=EUR_25,
        idempotency_key=idempotency_key(PLEDGE, key),
    )


# -- what goes out -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor", "stripe_currency"),
    [("25.00", "EUR", "2500", "eur"), ("5000", "JPY", "5000", "jpy"),
     ("1500.00", "HUF", "150000", "huf"), ("1.250", "KWD", "1250", "kwd")],
)
def test_a_hold_is_a_confirmed_manual_capture_intent_in_minor_units(
    gateway, stripe_api, text, currency, minor, stripe_currency
):
    stripe_api.answer("post", "/v1/payment_intents", "payment_intent_requires_capture")

    held = gateway.authorise(
        pledge_id=PLEDGE, amount=Money.parse(text, currency), payment_method="pm_card_visa",
        hold=True, idempotency_key=idempotency_key(PLEDGE, "authorise"),
    )

    assert held.kind == HOLD and held.reference == HELD
    [sent] = stripe_api.sent
    assert sent.params == {
        "amount": minor,
        "currency": stripe_currency,
        "payment_method": "pm_card_visa",
        "payment_method_types[0]": "card",
        "capture_method": "manual",
        "confirm": "true",
        "metadata[civicfund_pledge_id]": str(PLEDGE),
    }
    assert sent.idempotency_key == idempotency_key(PLEDGE, "authorise")


def test_saving_a_card_makes_an_anonymous_customer_and_an_off_session_setup_intent(
    gateway, stripe_api
):
    stripe_api.answer("post", "/v1/customers", "customer")
    stripe_api.answer("post", "/v1/setup_intents", "setup_intent_created")
    stripe_api.answer("post", f"/v1/setup_intents/{SAVED}/confirm", "setup_intent_succeeded")
    key = idempotency_key(PLEDGE, "authorise")

    saved = gateway.authorise(
        pledge_id=PLEDGE, amount=EUR_25, payment_method="pm_card_visa", hold=False,
        idempotency_key=key,
    )

    assert saved.kind == SAVED_CARD and saved.reference == SAVED
    customer, setup, confirm = stripe_api.sent
    assert customer.params == {"metadata[civicfund_pledge_id]": str(PLEDGE)}  # no personal data
    assert setup.params == {
        "customer": "cus_RPledgeCustomer01",
        "usage": "off_session",
        "payment_method_types[0]": "card",
        "metadata[civicfund_pledge_id]": str(PLEDGE),
    }
    assert confirm.params == {"payment_method": "pm_card_visa"}
    keys = [customer.idempotency_key, setup.idempotency_key, confirm.idempotency_key]
    assert len(set(keys)) == 3 and all(k.startswith(key) for k in keys)


def test_charging_a_saved_card_is_an_off_session_confirmed_intent_on_its_customer(
    gateway, stripe_api
):
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer("post", "/v1/payment_intents", "payment_intent_off_session_succeeded")

    result = charge_saved_card(gateway)

    assert result.outcome == SUCCEEDED and result.reference == "pi_3QOffSessionCharge01"
    [sent] = stripe_api.posts("/v1/payment_intents")
    assert sent.params == {
        "amount": "2500",
        "currency": "eur",
        "customer": "cus_RPledgeCustomer01",
        "payment_method": "pm_1QSavedCard00000001",
        "payment_method_types[0]": "card",
        "off_session": "true",
        "confirm": "true",
        "metadata[civicfund_pledge_id]": str(PLEDGE),
    }
    assert sent.idempotency_key == idempotency_key(PLEDGE, "close")


def test_capturing_a_hold_captures_the_pledged_amount(gateway, stripe_api):
    stripe_api.answer("post", f"/v1/payment_intents/{HELD}/capture", "payment_intent_captured")

    result = gateway.charge(
        pledge_id=PLEDGE, reference=HELD, amount=EUR_25,
        idempotency_key=idempotency_key(PLEDGE, "close"),
    )

    assert result.outcome == SUCCEEDED and result.reference == HELD
    [sent] = stripe_api.sent
    assert sent.params == {"amount_to_capture": "2500"}
    assert sent.idempotency_key == idempotency_key(PLEDGE, "close")


def test_a_refund_names_the_payment_the_amount_and_the_pledge(gateway, stripe_api):
    stripe_api.answer("get", f"/v1/payment_intents/{HELD}", "payment_intent_captured")
    stripe_api.answer("post", "/v1/refunds", "refund")

    refund = gateway.refund(
        charge_reference=HELD, amount=EUR_25, idempotency_key=idempotency_key(PLEDGE, "refund")
    )

    assert refund == "re_3QHoldCivicfund0001"
    [sent] = stripe_api.posts("/v1/refunds")
    assert sent.params == {
        "payment_intent": HELD, "amount": "2500", "metadata[civicfund_pledge_id]": str(PLEDGE),
    }
    assert sent.idempotency_key == idempotency_key(PLEDGE, "refund")


def test_a_refund_in_another_currency_than_the_payment_is_refused(gateway, stripe_api):
    stripe_api.answer("get", f"/v1/payment_intents/{HELD}", "payment_intent_captured")

    with pytest.raises(PaymentRequestRejected, match="EUR"):
        gateway.refund(charge_reference=HELD, amount=Money(2500, "GBP"), idempotency_key="k")
    assert stripe_api.posts("/v1/refunds") == []


# -- outcomes at close --------------------------------------------------------------------------


def test_an_off_session_charge_needing_authentication_is_an_outcome_not_an_error(
    gateway, stripe_api
):
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer("post", "/v1/payment_intents", "error_authentication_required", 402)

    result = charge_saved_card(gateway)

    assert result.outcome == AUTHENTICATION_REQUIRED
    assert result.reference is None
    assert "confirm" in result.message


def test_an_off_session_decline_carries_the_banks_reason_in_plain_words(gateway, stripe_api):
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer("post", "/v1/payment_intents", "error_insufficient_funds", 402)

    result = charge_saved_card(gateway)

    assert result.outcome == DECLINED and result.reference is None
    assert result.message == "Your card has insufficient funds."


def test_capturing_a_hold_that_expired_is_a_decline(gateway, stripe_api):
    path = f"/v1/payment_intents/{HELD}"
    stripe_api.answer("post", f"{path}/capture", "error_payment_intent_unexpected_state", 400)
    stripe_api.answer("get", path, "payment_intent_canceled")

    result = gateway.charge(pledge_id=PLEDGE, reference=HELD, amount=EUR_25, idempotency_key="k")

    assert result.outcome == DECLINED and "expired" in result.message


def test_capturing_again_under_a_new_key_reports_the_earlier_capture_and_takes_nothing_more(
    gateway, stripe_api
):
    path = f"/v1/payment_intents/{HELD}"
    stripe_api.answer("post", f"{path}/capture", "payment_intent_captured")
    stripe_api.answer("post", f"{path}/capture", "error_payment_intent_unexpected_state", 400)
    stripe_api.answer("get", path, "payment_intent_captured")

    first = gateway.charge(pledge_id=PLEDGE, reference=HELD, amount=EUR_25, idempotency_key="a")
    again = gateway.charge(pledge_id=PLEDGE, reference=HELD, amount=EUR_25, idempotency_key="b")

    assert first == again
    assert again.outcome == SUCCEEDED and again.reference == HELD


# -- retries and idempotency --------------------------------------------------------------------


def test_a_repeated_charge_sends_the_same_key_and_gets_stripes_first_answer(gateway, stripe_api):
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer("post", "/v1/payment_intents", "payment_intent_off_session_succeeded")

    first = charge_saved_card(gateway)
    second = charge_saved_card(gateway)  # only one answer queued: Stripe replays the first

    assert first == second and first.outcome == SUCCEEDED
    creates = stripe_api.posts("/v1/payment_intents")
    assert len(creates) == 2
    assert creates[0].idempotency_key == creates[1].idempotency_key
    assert creates[0].params == creates[1].params


def test_a_replayed_decline_stays_a_decline(gateway, stripe_api):
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer("post", "/v1/payment_intents", "error_authentication_required", 402)

    assert charge_saved_card(gateway).outcome == AUTHENTICATION_REQUIRED
    assert charge_saved_card(gateway).outcome == AUTHENTICATION_REQUIRED


def test_a_retried_pledge_replays_every_step_instead_of_making_new_objects(gateway, stripe_api):
    stripe_api.answer("post", "/v1/customers", "customer")
    stripe_api.answer("post", "/v1/setup_intents", "setup_intent_created")
    stripe_api.answer("post", f"/v1/setup_intents/{SAVED}/confirm", "setup_intent_succeeded")
    attempt = dict(
        pledge_id=PLEDGE, amount=EUR_25, payment_method="pm_card_visa", hold=False,
        idempotency_key=idempotency_key(PLEDGE, "authorise"),
    )

    assert gateway.authorise(**attempt) == gateway.authorise(**attempt)
    first, second = stripe_api.sent[:3], stripe_api.sent[3:]
    assert [s.idempotency_key for s in first] == [s.idempotency_key for s in second]


def test_a_network_failure_is_unavailable_and_the_retry_sends_the_same_key(gateway, stripe_api):
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.fail("post", "/v1/payment_intents", stripe.APIConnectionError("connection reset"))
    stripe_api.answer("post", "/v1/payment_intents", "payment_intent_off_session_succeeded")

    with pytest.raises(PaymentsUnavailable):
        charge_saved_card(gateway)
    assert charge_saved_card(gateway).outcome == SUCCEEDED

    keys = {s.idempotency_key for s in stripe_api.posts("/v1/payment_intents")}
    assert keys == {idempotency_key(PLEDGE, "close")}


@pytest.mark.parametrize(
    ("status", "body"), [(500, "error_api_error"), (503, "error_api_error"),
                         (429, "error_rate_limit")],
)
def test_a_stripe_outage_is_unavailable_never_a_decline(gateway, stripe_api, status, body):
    stripe_api.answer("post", f"/v1/payment_intents/{HELD}/capture", body, status)

    with pytest.raises(PaymentsUnavailable):
        gateway.charge(pledge_id=PLEDGE, reference=HELD, amount=EUR_25, idempotency_key="k")


def test_an_outage_at_pledge_time_is_unavailable_not_a_declined_card(gateway, stripe_api):
    stripe_api.answer("post", "/v1/payment_intents", "error_api_error", 500)

    with pytest.raises(PaymentsUnavailable):
        gateway.authorise(
            pledge_id=PLEDGE, amount=EUR_25, payment_method="pm_card_visa", hold=True,
            idempotency_key="k",
        )


def test_a_wrong_api_key_is_rejected_not_retried_as_an_outage(gateway, stripe_api):
    stripe_api.answer("post", f"/v1/payment_intents/{HELD}/capture", "error_invalid_api_key", 401)

    with pytest.raises(PaymentRequestRejected, match="API key"):
        gateway.charge(pledge_id=PLEDGE, reference=HELD, amount=EUR_25, idempotency_key="k")


def test_a_key_reused_for_another_amount_is_rejected(gateway, stripe_api):
    stripe_api.answer("post", f"/v1/payment_intents/{HELD}/capture", "payment_intent_captured")
    gateway.charge(pledge_id=PLEDGE, reference=HELD, amount=EUR_25, idempotency_key="k")

    with pytest.raises(PaymentRequestRejected):
        gateway.charge(
            pledge_id=PLEDGE, reference=HELD, amount=Money(2000, "EUR"), idempotency_key="k"
        )


# -- pledge time --------------------------------------------------------------------------------


def test_a_declined_hold_is_a_payment_declined_in_plain_words(gateway, stripe_api):
    stripe_api.answer("post", "/v1/payment_intents", "error_card_declined", 402)

    with pytest.raises(PaymentDeclined, match=r"^Your card was declined\.$"):
        gateway.authorise(
            pledge_id=PLEDGE, amount=EUR_25, payment_method="pm_card_visa_chargeDeclined",
            hold=True, idempotency_key="k",
        )


def test_an_unknown_payment_method_is_declined_with_a_hint(gateway, stripe_api):
    stripe_api.answer("post", "/v1/payment_intents", "error_no_such_payment_method", 400)

    with pytest.raises(PaymentDeclined, match="choose another card"):
        gateway.authorise(
            pledge_id=PLEDGE, amount=EUR_25, payment_method="pm_card_doesNotExist", hold=True,
            idempotency_key="k",
        )


# -- release and refund when things already happened ---------------------------------------------


@pytest.mark.parametrize("state", ["payment_intent_canceled", "payment_intent_captured"])
def test_releasing_a_hold_that_is_already_gone_or_captured_is_quiet(gateway, stripe_api, state):
    path = f"/v1/payment_intents/{HELD}"
    stripe_api.answer("post", f"{path}/cancel", "error_payment_intent_unexpected_state", 400)
    stripe_api.answer("get", path, state)

    gateway.release(reference=HELD, idempotency_key="k")

    assert [s.path for s in stripe_api.sent if s.method == "post"] == [f"{path}/cancel"]


def test_releasing_a_hold_still_in_place_surfaces_a_refusal(gateway, stripe_api):
    path = f"/v1/payment_intents/{HELD}"
    stripe_api.answer("post", f"{path}/cancel", "error_payment_intent_unexpected_state", 400)
    stripe_api.answer("get", path, "payment_intent_requires_capture")

    with pytest.raises(PaymentRequestRejected):
        gateway.release(reference=HELD, idempotency_key="k")


def test_forgetting_a_card_that_is_already_detached_is_quiet(gateway, stripe_api):
    card = "pm_1QSavedCard00000001"
    stripe_api.answer("get", f"/v1/setup_intents/{SAVED}", "setup_intent_succeeded")
    stripe_api.answer(
        "post", f"/v1/payment_methods/{card}/detach", "error_payment_method_not_attached", 400
    )
    stripe_api.answer("get", f"/v1/payment_methods/{card}", "payment_method_detached")

    gateway.release(reference=SAVED, idempotency_key="k")

    [detach] = stripe_api.posts(f"/v1/payment_methods/{card}/detach")
    assert detach.idempotency_key == "k"


def test_refunding_again_under_a_new_key_returns_the_earlier_refund(gateway, stripe_api):
    stripe_api.answer("get", f"/v1/payment_intents/{HELD}", "payment_intent_captured")
    stripe_api.answer("post", "/v1/refunds", "error_charge_already_refunded", 400)
    stripe_api.answer("get", "/v1/refunds", "refund_list")

    refund = gateway.refund(charge_reference=HELD, amount=EUR_25, idempotency_key="k")

    assert refund == "re_3QHoldCivicfund0001"
    assert len(stripe_api.posts("/v1/refunds")) == 1


def test_a_card_needing_authentication_at_pledge_time_is_declined_with_a_way_forward(
    gateway, stripe_api
):
    stripe_api.answer("post", "/v1/payment_intents", "error_authentication_required", 402)

    with pytest.raises(PaymentDeclined, match="choose another card"):
        gateway.authorise(
            pledge_id=PLEDGE, amount=EUR_25, payment_method="pm_card_authenticationRequired",
            hold=True, idempotency_key="k",
        )
