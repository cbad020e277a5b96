"""POST /webhooks/stripe on a platform taking payments through Stripe (localstripe on 127.0.0.1).

Deliveries are signed here exactly as Stripe signs them (`t=<ts>,v1=<HMAC-SHA256 of
"<ts>.<payload>">` with the endpoint's secret) and posted with the Flask test client; one test
lets localstripe deliver a real webhook to a served app.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
import stripe
from werkzeug.serving import make_server

from adapters import migrate
from adapters.bootstrap import Platform, build_platform
from adapters.settings import Settings
from adapters.settlement_rounds import settle_due
from adapters.stripe_payments import StripeGateway
from adapters.stripe_webhooks import process_pending_webhooks, webhook_events
from tests.conftest import TEST_PASSWORD_METHOD, World
from tests.localstripe_server import LocalStripe, running_localstripe

pytestmark = pytest.mark.filterwarnings("ignore:Bare functions are deprecated:DeprecationWarning")

SECRET = "sk_test_civicfund"
WEBHOOK_SECRET = "whsec_civicfund_test"


@pytest.fixture(scope="module")
def localstripe_server() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@pytest.fixture
def localstripe(localstripe_server) -> LocalStripe:
    localstripe_server.reset()
    return localstripe_server


@pytest.fixture
def stripe_view(localstripe) -> stripe.StripeClient:
    """Stripe as seen from its dashboard: payments made outside civicfund's own calls."""
    return stripe.StripeClient(SECRET, base_addresses={"api": localstripe.url},
                               max_network_retries=0)


def stripe_settings(url: str, localstripe: LocalStripe) -> Settings:
    return Settings(
        database_url=url, password_method=TEST_PASSWORD_METHOD, payments="stripe",
        stripe_secret_key=SECRET, stripe_publishable_key="pk_test_civicfund",
        stripe_api_base=localstripe.url, stripe_webhook_secret=WEBHOOK_SECRET,
    )


def stripe_platform(url: str, localstripe: LocalStripe, clock, payments=None) -> Platform:
    migrate.upgrade(url)
    return build_platform(stripe_settings(url, localstripe), clock=clock, payments=payments)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def platform(request, localstripe, clock) -> Iterator[Platform]:
    url = request.getfixturevalue(f"{request.param}_url")
    p = stripe_platform(url, localstripe, clock)
    assert isinstance(p.payments, StripeGateway)
    yield p
    p.close()


@pytest.fixture
def world(platform, clock) -> World:
    return World(platform, clock)


@pytest.fixture
def client(platform):
    from web.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=platform)
    return app.test_client()


# -- deliveries as Stripe makes them ---------------------------------------------------------


def sign(payload: str, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event_about(obj, kind: str, **copy) -> str:
    """A Stripe event whose copy of the object is as Stripe last sent it (maybe stale)."""
    body = {"id": obj.id, "object": obj.object, "status": getattr(obj, "status", None),
            "metadata": obj.metadata.to_dict() if obj.metadata else {}, **copy}
    return json.dumps({
        "id": f"evt_{uuid4().hex[:24]}", "object": "event", "api_version": "2025-01-27.acacia",
        "created": int(time.time()), "type": kind, "livemode": False,
        "data": {"object": body},
    })


def deliver(client, payload: str, signature: str | None = "sign"):
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        signature = sign(payload)
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/webhooks/stripe", data=payload, headers=headers)


# -- a funded pilot with one pledge whose card failed at close --------------------------------


def funded_with_a_failed_card(world: World, platform: Platform, clock):
    city = world.city("Porto")
    project_id = world.project(city, world.officer(city), lines=(("Sensors", "100.00", True),),
                               closes_in=timedelta(days=30))
    world.pledge(project_id, world.citizen(), "60.00")
    failing = world.pledge(project_id, world.citizen(), "50.00", "pm_card_chargeCustomerFail")
    clock.advance(days=31)
    settle_due(platform.app, platform.engine, platform.projections)
    platform.projections.catch_up()
    assert platform.read.project(project_id).status == "funded"
    assert platform.read.pledge(failing).status == "payment_failed"
    return project_id, failing


def paid_by_the_citizen(stripe_view, pledge_id: UUID, amount_minor: int = 5000):
    """The citizen completes a payment for the pledge with Stripe themselves."""
    intent = stripe_view.v1.payment_intents.create({
        "amount": amount_minor, "currency": "eur", "payment_method": "pm_card_visa",
        "payment_method_types": ["card"], "confirm": True,
        "metadata": {"civicfund_pledge_id": str(pledge_id)},
    })
    assert intent.status == "succeeded"
    return intent


def figures(platform: Platform, project_id: UUID) -> tuple[str, str]:
    project = platform.read.project(project_id)
    return project.raised.to_decimal_string(), project.pending.to_decimal_string()


def receipts(platform: Platform, pledge_id: UUID) -> list:
    return [m for m in platform.outbox.messages(pledge_id=pledge_id) if m.kind == "receipt"]


# -- signatures ------------------------------------------------------------------------------


def test_a_payment_the_citizen_completed_charges_their_failed_pledge(
    world, platform, client, clock, stripe_view
):
    project_id, failing = funded_with_a_failed_card(world, platform, clock)
    assert figures(platform, project_id) == ("60.00", "50.00")
    intent = paid_by_the_citizen(stripe_view, failing)

    answer = deliver(client, event_about(intent, "payment_intent.succeeded"))

    assert answer.status_code == 200
    assert answer.json["status"] == "processed"
    assert platform.read.pledge(failing).status == "charged"
    assert figures(platform, project_id) == ("110.00", "0.00")
    assert len(receipts(platform, failing)) == 1
    [recorded] = webhook_events(platform.webhooks)
    assert recorded.pledge_id == failing and recorded.processed_at is not None
    assert recorded.outcome.startswith("charged")


def signed_wrongly(payload: str) -> dict[str, str | None]:
    now = int(time.time())
    return {
        "missing": None,
        "empty": "",
        "another secret": sign(payload, "whsec_someone_else"),
        "tampered payload": sign(payload.replace("succeeded", "canceled", 1)),
        "too old": sign(payload, at=now - 3600),
        "no v1": f"t={now},v0=" + "0" * 64,
        "garbage": "not a signature",
    }


@pytest.mark.parametrize("how", ["missing", "empty", "another secret", "tampered payload",
                                 "too old", "no v1", "garbage"])
def test_a_delivery_not_signed_with_the_secret_is_refused_and_records_nothing(
    world, platform, client, clock, stripe_view, how
):
    project_id, failing = funded_with_a_failed_card(world, platform, clock)
    payload = event_about(paid_by_the_citizen(stripe_view, failing), "payment_intent.succeeded")

    answer = deliver(client, payload, signed_wrongly(payload)[how])

    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "bad_signature"
    assert webhook_events(platform.webhooks) == []
    assert platform.read.pledge(failing).status == "payment_failed"
    assert figures(platform, project_id) == ("60.00", "50.00")


def test_without_a_webhook_secret_every_delivery_is_refused(sqlite_url, localstripe, clock):
    from web.app import create_app

    settings = stripe_settings(sqlite_url, localstripe)
    migrate.upgrade(sqlite_url)
    platform = build_platform(
        Settings(**{**settings.__dict__, "stripe_webhook_secret": ""}), clock=clock
    )
    try:
        client = create_app({"TESTING": True, "SECRET_KEY": "x"}, platform=platform).test_client()
        payload = json.dumps({"id": "evt_1", "type": "payment_intent.succeeded",
                              "data": {"object": {}}})
        answer = deliver(client, payload, sign(payload, ""))
        assert answer.status_code == 400
        assert answer.json["error"]["code"] == "bad_signature"
        assert webhook_events(platform.webhooks) == []
    finally:
        platform.close()


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '{"type": "charge.refunded"}',
                                     '{"id": "evt_1"}', "\xff"])
def test_a_signed_delivery_that_is_no_event_is_refused(platform, client, payload):
    answer = deliver(client, payload)

    assert answer.status_code == 400
    assert answer.json["error"]["code"] in ("bad_event", "bad_signature")
    assert webhook_events(platform.webhooks) == []


# -- once, in any order ------------------------------------------------------------------------


def test_a_duplicate_delivery_is_acknowledged_and_acted_on_once(
    world, platform, client, clock, stripe_view
):
    project_id, failing = funded_with_a_failed_card(world, platform, clock)
    payload = event_about(paid_by_the_citizen(stripe_view, failing), "payment_intent.succeeded")

    first = deliver(client, payload)
    again = deliver(client, payload)
    # Same id, other content: still the same event.
    changed = json.loads(payload)
    changed["data"]["object"]["status"] = "canceled"
    third = deliver(client, json.dumps(changed))

    assert first.json["status"] == "processed"
    assert [again.status_code, third.status_code] == [200, 200]
    assert again.json["status"] == third.json["status"] == "duplicate"
    assert len(webhook_events(platform.webhooks)) == 1
    assert len(receipts(platform, failing)) == 1
    assert figures(platform, project_id) == ("110.00", "0.00")


@pytest.mark.parametrize("order", [("succeeded", "failed"), ("failed", "succeeded")])
def test_events_in_any_order_end_with_stripes_current_status(
    world, platform, client, clock, stripe_view, order
):
    project_id, failing = funded_with_a_failed_card(world, platform, clock)
    intent = paid_by_the_citizen(stripe_view, failing)
    events = {
        "succeeded": event_about(intent, "payment_intent.succeeded"),
        # Sent by Stripe before the citizen retried: its copy still says it failed.
        "failed": event_about(intent, "payment_intent.payment_failed",
                              status="requires_payment_method"),
    }

    answers = [deliver(client, events[name]) for name in order]

    assert [a.status_code for a in answers] == [200, 200]
    assert platform.read.pledge(failing).status == "charged"
    assert figures(platform, project_id) == ("110.00", "0.00")
    assert len(receipts(platform, failing)) == 1
    outcomes = [e.outcome for e in webhook_events(platform.webhooks)]
    assert sum(o.startswith("charged") for o in outcomes) == 1


@pytest.mark.parametrize("status", ["canceled", "requires_payment_method"])
def test_a_payment_that_did_not_succeed_changes_nothing(
    world, platform, client, clock, stripe_view, status
):
    project_id, failing = funded_with_a_failed_card(world, platform, clock)
    intent = stripe_view.v1.payment_intents.create({
        "amount": 5000, "currency": "eur", "payment_method_types": ["card"],
        "metadata": {"civicfund_pledge_id": str(failing)},
    })
    if status == "canceled":
        intent = stripe_view.v1.payment_intents.cancel(intent.id)
    # A forged-looking copy claims success; Stripe's own answer wins.
    answer = deliver(client, event_about(intent, "payment_intent.succeeded", status="succeeded"))

    assert answer.json["status"] == "processed"
    assert platform.read.pledge(failing).status == "payment_failed"
    assert figures(platform, project_id) == ("60.00", "50.00")
    [recorded] = webhook_events(platform.webhooks)
    assert recorded.outcome.startswith("no change")


def test_a_payment_of_another_amount_does_not_charge_the_pledge(
    world, platform, client, clock, stripe_view
):
    project_id, failing = funded_with_a_failed_card(world, platform, clock)
    intent = paid_by_the_citizen(stripe_view, failing, amount_minor=100)

    deliver(client, event_about(intent, "payment_intent.succeeded"))

    assert platform.read.pledge(failing).status == "payment_failed"
    assert figures(platform, project_id) == ("60.00", "50.00")


def test_events_civicfund_does_not_act_on_are_recorded_only(platform, client, stripe_view):
    customer = stripe_view.v1.customers.create({})
    refunded = event_about(customer, "customer.created")

    answer = deliver(client, refunded)

    assert answer.json["status"] == "processed"
    [recorded] = webhook_events(platform.webhooks)
    assert recorded.type == "customer.created" and recorded.processed_at is not None


def test_a_refund_is_recorded_against_its_pledge_without_changing_it(
    world, platform, client, clock, stripe_view
):
    _, failing = funded_with_a_failed_card(world, platform, clock)
    intent = paid_by_the_citizen(stripe_view, failing)
    deliver(client, event_about(intent, "payment_intent.succeeded"))
    refund = stripe_view.v1.refunds.create({"payment_intent": intent.id})
    charge = {"id": f"ch_{uuid4().hex[:24]}", "object": "charge", "payment_intent": intent.id,
              "refunded": True, "metadata": {}}
    payload = json.dumps({"id": f"evt_{uuid4().hex[:24]}", "object": "event",
                          "type": "charge.refunded", "data": {"object": charge}})

    answer = deliver(client, payload)

    assert refund.status == "succeeded"
    assert answer.json["status"] == "processed"
    assert platform.read.pledge(failing).status == "charged"
    refunded = [e for e in webhook_events(platform.webhooks) if e.type == "charge.refunded"]
    assert [e.pledge_id for e in refunded] == [failing]


# -- before the pledge is known ----------------------------------------------------------------


class DeliveringBeforeRecording(StripeGateway):
    """Stripe's webhook for a new payment can arrive before civicfund has saved the pledge:
    this gateway delivers it from inside the authorisation, before make_pledge records it."""

    deliver_with = None

    def authorise(self, **kwargs):
        authorisation = super().authorise(**kwargs)
        intent = self.client.v1.payment_intents.retrieve(authorisation.reference)
        self.answer = self.deliver_with(
            event_about(intent, "payment_intent.amount_capturable_updated"))
        return authorisation


def test_an_event_before_its_pledge_is_kept_and_processed_once_the_pledge_exists(
    sqlite_url, localstripe, clock
):
    from web.app import create_app

    gateway = DeliveringBeforeRecording(SECRET, localstripe.url)
    platform = stripe_platform(sqlite_url, localstripe, clock, payments=gateway)
    try:
        client = create_app({"TESTING": True, "SECRET_KEY": "x"}, platform=platform).test_client()
        gateway.deliver_with = lambda payload: deliver(client, payload)
        world = World(platform, clock)
        city = world.city("Porto")
        project_id = world.project(city, world.officer(city), closes_in=timedelta(days=3))

        pledge_id = world.pledge(project_id, world.citizen(), "25.00")

        assert gateway.answer.status_code == 200
        assert gateway.answer.json["status"] == "pending"
        [waiting] = webhook_events(platform.webhooks)
        assert waiting.processed_at is None and waiting.pledge_id == pledge_id

        assert process_pending_webhooks(platform.webhooks) == 1
        [done] = webhook_events(platform.webhooks)
        assert done.processed_at is not None and done.pledge_id == pledge_id
        assert platform.read.pledge(pledge_id).status == "authorised"
        assert process_pending_webhooks(platform.webhooks) == 0
    finally:
        platform.close()


def test_an_event_naming_an_unknown_pledge_waits_then_is_given_up(
    platform, client, clock, stripe_view
):
    stranger = paid_by_the_citizen(stripe_view, uuid4())

    assert deliver(client, event_about(stranger, "payment_intent.succeeded")).json["status"] \
        == "pending"
    clock.advance(days=1)
    assert process_pending_webhooks(platform.webhooks) == 0
    clock.advance(days=3)
    assert process_pending_webhooks(platform.webhooks) == 1
    [given_up] = webhook_events(platform.webhooks)
    assert given_up.outcome.startswith("gave up")


def test_a_payment_without_civicfund_metadata_waits_for_it(platform, client, clock,
                                                           stripe_view):
    intent = stripe_view.v1.payment_intents.create({
        "amount": 5000, "currency": "eur", "payment_method": "pm_card_visa",
        "payment_method_types": ["card"], "confirm": True,
    })

    answer = deliver(client, event_about(intent, "payment_intent.succeeded"))

    assert answer.json["status"] == "pending"
    [waiting] = webhook_events(platform.webhooks)
    assert waiting.processed_at is None and waiting.pledge_id is None
    # Asked about again later, not every worker round; given up after Stripe's retry window.
    assert process_pending_webhooks(platform.webhooks) == 0
    clock.advance(minutes=1)
    assert process_pending_webhooks(platform.webhooks) == 0
    clock.advance(days=3)
    assert process_pending_webhooks(platform.webhooks) == 1
    [given_up] = webhook_events(platform.webhooks)
    assert given_up.outcome.startswith("gave up") and given_up.pledge_id is None


def test_the_worker_round_retries_pending_events(world, platform, client, clock, stripe_view):
    """The webhook arrived while the pledge was not yet recorded; the worker catches up."""
    from web.cli import work_rounds

    project_id, failing = funded_with_a_failed_card(world, platform, clock)
    intent = paid_by_the_citizen(stripe_view, failing)
    # Written straight into the table, as if processing had been interrupted.
    from adapters.stripe_webhooks import parse_event, record_event

    record_event(platform.webhooks, parse_event(event_about(intent, "payment_intent.succeeded")))
    stop = threading.Event()
    echo = []
    worker = threading.Thread(target=work_rounds, args=(platform, stop, 0.05, echo.append))
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while platform.read.pledge(failing).status != "charged" and time.monotonic() < deadline:
            time.sleep(0.05)
            platform.projections.catch_up()
    finally:
        stop.set()
        worker.join(timeout=10)
    assert platform.read.pledge(failing).status == "charged"
    assert figures(platform, project_id) == ("110.00", "0.00")


# -- localstripe's own delivery ----------------------------------------------------------------


@pytest.fixture
def served(client) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, client.application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_localstripe_delivers_a_signed_webhook_that_charges_the_pledge(
    world, platform, clock, stripe_view, localstripe, served
):
    from localstripe import webhooks

    project_id, failing = funded_with_a_failed_card(world, platform, clock)
    hook = f"civicfund-{uuid4().hex[:8]}"
    form = urllib.parse.urlencode({"url": f"{served}/webhooks/stripe", "secret": WEBHOOK_SECRET,
                                   "events[]": "payment_intent.succeeded"})
    connection = http.client.HTTPConnection("127.0.0.1", localstripe.port, timeout=10)
    try:
        connection.request("POST", f"/_config/webhooks/{hook}", form,
                           {"Content-Type": "application/x-www-form-urlencoded"})
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    try:
        paid_by_the_citizen(stripe_view, failing)
        deadline = time.monotonic() + 15
        while platform.read.pledge(failing).status != "charged" and time.monotonic() < deadline:
            time.sleep(0.1)
            platform.projections.catch_up()
    finally:
        webhooks._webhooks.pop(hook, None)

    assert platform.read.pledge(failing).status == "charged"
    assert figures(platform, project_id) == ("110.00", "0.00")
    # localstripe also delivers the settlement's own payments (and any still queued): only the
    # citizen's payment charged the pledge.
    charged = [e.pledge_id for e in webhook_events(platform.webhooks)
               if e.outcome and e.outcome.startswith("charged")]
    assert charged == [failing]
    assert {e.type for e in webhook_events(platform.webhooks)} == {"payment_intent.succeeded"}
