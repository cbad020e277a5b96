"""The admin's page of Stripe webhook events: what arrived, whether it was processed (or when it
is tried again), the pledge it concerned and the outcome. Events are posted through the real
endpoint, signed as Stripe signs them; a waiting event is written straight into the table."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from uuid import uuid4

import pytest

from adapters import tables
from tests.conftest import World, login, make_platform
from tests.e2e.test_settlement_pages import text_of, words
from tests.integration.test_stripe_webhooks import WEBHOOK_SECRET, deliver
from web.app import create_app

ADMIN = "admin@example.org"


def event(kind: str, object_id: str) -> str:
    return json.dumps({
        "id": f"evt_{uuid4().hex[:24]}", "object": "event", "type": kind, "livemode": False,
        "data": {"object": {"id": object_id, "object": kind.split(".")[0]}},
    })


def a_closed_port() -> int:
    """A local port nothing listens on: Stripe 'cannot be reached' there, at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def platform(sqlite_url, clock):
    """Sandbox payments, but with a webhook secret so deliveries are accepted and recorded."""
    p = make_platform(sqlite_url, clock, stripe_webhook_secret=WEBHOOK_SECRET)
    yield p
    p.close()


@pytest.fixture
def stripe_platform(tmp_path, clock):
    """Stripe mode, with a Stripe that cannot be reached: events wait and are retried."""
    p = make_platform(
        f"sqlite:///{tmp_path / 'stripe.sqlite3'}", clock, payments="stripe",
        stripe_secret_key="sk_test_civicfund", stripe_publishable_key="pk_test_civicfund",
        stripe_api_base=f"http://127.0.0.1:{a_closed_port()}",
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    yield p
    p.close()


def admin_browser(app, world):
    world.account("admin", ADMIN)
    return signed_in(app, ADMIN)


def signed_in(app, email: str):
    browser = app.test_client()
    login(browser, email)
    return browser


def test_the_admin_sees_the_events_with_their_outcome_and_the_pledge_they_concerned(
    app, client, world, platform, clock
):
    ignored = event("customer.created", "cus_123")
    named = event("payment_intent.succeeded", "pi_sandbox_1")
    assert deliver(client, ignored).status_code == 200
    clock.advance(minutes=5)
    assert deliver(client, named).status_code == 200
    assert deliver(client, named).json["status"] == "duplicate"
    pledge_id = uuid4()
    clock.advance(minutes=5)
    with platform.engine.begin() as conn:  # arrived before its pledge: waits for the worker
        conn.execute(tables.stripe_webhook_events.insert().values(
            event_id="evt_waiting_for_its_pledge", type="payment_intent.succeeded",
            received_at=clock.now(), pledge_id=pledge_id, payload="{}",
        ))
    admin = admin_browser(app, world)

    assert 'href="/admin/webhooks"' in admin.get("/admin").text
    page = admin.get("/admin/webhooks")

    assert page.status_code == 200
    text = words(page.text)
    assert "signature" in text and "worker" in text and "once" in text
    assert "webhooks only arrive when it runs in stripe mode" in text_of(
        page.text, "webhooks-sandbox")
    ignored_id, named_id = json.loads(ignored)["id"], json.loads(named)["id"]
    assert page.text.count(f'id="event-{named_id}"') == 1  # a duplicate is not a second row
    assert "customer.created" in text_of(page.text, f"event-{ignored_id}")
    assert "civicfund does not act on customer.created" in text_of(page.text, f"event-{ignored_id}")
    assert "payments are not taken through Stripe here" in text_of(page.text, f"event-{named_id}")
    waiting = text_of(page.text, "event-evt_waiting_for_its_pledge")
    assert "Waiting" in waiting and str(pledge_id) in waiting
    rows = [page.text.index(f'id="event-{e}"')
            for e in ("evt_waiting_for_its_pledge", named_id, ignored_id)]
    assert rows == sorted(rows)  # newest first


def test_in_stripe_mode_an_event_stripe_could_not_be_asked_about_waits_for_its_next_try(
    stripe_platform, clock
):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=stripe_platform)
    unreadable = event("payment_intent.succeeded", "pi_unreachable")

    assert deliver(app.test_client(), unreadable).json["status"] == "pending"
    page = admin_browser(app, World(stripe_platform, clock)).get("/admin/webhooks")

    assert page.status_code == 200
    assert "webhooks-sandbox" not in page.text
    row = text_of(page.text, f"event-{json.loads(unreadable)['id']}")
    retry = (clock.now() + timedelta(seconds=10)).strftime("%-d %b %Y, %H:%M UTC")
    assert "Waiting" in row and f"next try {retry}" in row


def test_an_empty_table_says_so(app, world):
    page = admin_browser(app, world).get("/admin/webhooks")
    assert page.status_code == 200
    assert "No webhook events yet." in words(page.text)


def test_the_webhook_page_is_for_administrators_and_read_only_for_auditors(app, world):
    city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    for email, role in (("officer@porto.example.org", "city"), ("rita@example.org", "citizen")):
        world.account(role, email, city_id=city if role == "city" else None)
        assert signed_in(app, email).get("/admin/webhooks").status_code == 403
    world.account("auditor", "audit@example.org")
    read = signed_in(app, "audit@example.org").get("/admin/webhooks")
    assert read.status_code == 200 and '<fieldset disabled class="read-only">' in read.text
    anonymous = app.test_client().get("/admin/webhooks")
    assert anonymous.status_code in (302, 401)
