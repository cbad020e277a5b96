"""Stripe webhook signatures are refused when timestamped more than five minutes in the future,
as in the past (stripe's own verifier only checks the past)."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from adapters.stripe_webhooks import BadSignature, verified_event
from tests.conftest import make_platform

SECRET = "whsec_test_secret"
PAYLOAD = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded",
                      "data": {"object": {"id": "pi_1", "object": "payment_intent"}}})


def signed(offset_seconds: int) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        PAYLOAD, SECRET, timestamp=int(time.time()) + offset_seconds
    )


@pytest.mark.parametrize("offset", [-240, 0, 240])
def test_a_signature_within_five_minutes_either_way_is_accepted(offset):
    assert verified_event(PAYLOAD.encode(), signed(offset), SECRET).id == "evt_1"


@pytest.mark.parametrize("offset", [-600, 360, 86_400])
def test_a_signature_too_old_or_from_the_future_is_refused(offset):
    with pytest.raises(BadSignature):
        verified_event(PAYLOAD.encode(), signed(offset), SECRET)


def test_the_endpoint_refuses_a_future_signature_and_records_nothing(sqlite_url, clock):
    from web.app import create_app

    platform = make_platform(sqlite_url, clock, stripe_webhook_secret=SECRET)
    try:
        client = create_app({"TESTING": True, "SECRET_KEY": "x"}, platform=platform).test_client()
        answer = client.post("/webhooks/stripe", data=PAYLOAD,
                             headers={"Stripe-Signature": signed(3600),
                                      "Content-Type": "application/json"})
        assert answer.status_code == 400
        assert answer.json["error"]["code"] == "bad_signature"
        with platform.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM stripe_webhook_events").scalar() == 0
    finally:
        platform.close()
