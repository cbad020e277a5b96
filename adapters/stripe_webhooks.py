"""Stripe's webhook events: verified, recorded once by id, then acted on from Stripe's state now.

Stripe delivers an event at least once, in no promised order, and sometimes before civicfund has
recorded the pledge it is about (the card is authorised before the pledge is saved). So an event
is only a nudge: the payment it names is read again from Stripe and its current status decides.
An event whose pledge is not in the log yet stays unprocessed and is retried by the worker (and
after each new delivery) until the pledge appears or Stripe's own retry window has passed.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import stripe
from eventsourcing.persistence import IntegrityError as EventStoreConflict

from adapters import tables as t
from adapters.follower import ProjectionFollower
from adapters.stripe_payments import PaymentRequestRejected, PaymentsUnavailable, StripePayment
from domain.application import Civicfund
from domain.crowdfunding.pledge import PAYMENT_FAILED
from domain.kernel.clock import Clock
from domain.kernel.context import SYSTEM, acting_as
from domain.kernel.errors import DomainError, NotFound
from domain.kernel.money import Money
from domain.kernel.payments import PaymentGateway


@dataclass(frozen=True)
class StripeInbox:
    """What handling Stripe's webhooks needs: where deliveries are kept (the engine), the
    application that records what they tell, the gateway to ask Stripe again, the clock, and
    the read models to bring up to date."""

    engine: sa.Engine
    app: Civicfund
    payments: PaymentGateway
    clock: Clock
    projections: ProjectionFollower


log = logging.getLogger(__name__)

# Seconds a signature stays acceptable (Stripe's own libraries use five minutes).
SIGNATURE_TOLERANCE = 300
# Stripe retries a delivery for up to three days; an event still without its pledge after that
# is about a payment civicfund never recorded.
PENDING_FOR_AT_MOST = timedelta(days=3)
# Pending events retried while answering a delivery: few, so Stripe gets its answer quickly.
RETRIED_PER_DELIVERY = 5
# An event that names no pledge is asked about again after a tenth of its age, within bounds,
# so a payment that is not civicfund's does not cost a Stripe call every worker round.
RETRY_AFTER_AT_LEAST, RETRY_AFTER_AT_MOST = timedelta(seconds=10), timedelta(hours=1)

PLEDGE_METADATA = "civicfund_pledge_id"
HANDLED = frozenset({
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.requires_action",
    "payment_intent.amount_capturable_updated",
    "setup_intent.succeeded",
    "setup_intent.setup_failed",
    "charge.succeeded",
    "charge.refunded",
})

PENDING, PROCESSED, DUPLICATE = "pending", "processed", "duplicate"


class BadSignature(Exception):
    """The delivery is not provably from Stripe: nothing of it may be recorded."""


class BadEvent(Exception):
    """Signed correctly, but not a Stripe event civicfund can record."""


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    object: dict[str, Any]
    payload: str

    @property
    def reference(self) -> str | None:
        """The payment this event is about: a charge's PaymentIntent, or the object itself."""
        if self.type.startswith("charge."):
            intent = self.object.get("payment_intent")
            if isinstance(intent, dict):
                intent = intent.get("id")
            if isinstance(intent, str) and intent:
                return intent
        found = self.object.get("id")
        return found if isinstance(found, str) and found else None


def verified_event(
    payload: bytes, signature: str | None, secret: str, *, now: float | None = None,
) -> StripeEvent:
    """The event in a delivery whose Stripe-Signature header matches the webhook secret and
    was signed within five minutes of now, either way."""
    if not secret:
        log.warning("a Stripe webhook arrived but CIVICFUND_STRIPE_WEBHOOK_SECRET is not set")
        raise BadSignature("This endpoint has no webhook secret to check signatures with")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, SIGNATURE_TOLERANCE)
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
        raise BadSignature("The Stripe-Signature header does not match this payload") from error
    # stripe's verifier refuses only old signatures; one dated ahead is as suspect.
    if signed_at(signature or "") > (time.time() if now is None else now) + SIGNATURE_TOLERANCE:
        raise BadSignature("The Stripe-Signature header is dated in the future")
    return parse_event(payload.decode("utf-8"))


def signed_at(signature: str) -> int:
    """The t= timestamp of a Stripe-Signature header (the one stripe's verifier checked)."""
    for item in signature.split(","):
        key, _, value = item.partition("=")
        if key.strip() == "t":
            return int(value)
    raise BadSignature("The Stripe-Signature header has no timestamp")


def parse_event(text: str) -> StripeEvent:
    try:
        body = json.loads(text)
    except ValueError as error:
        raise BadEvent("The payload is not JSON") from error
    if not isinstance(body, dict):
        raise BadEvent("The payload is not a Stripe event")
    event_id, kind, data = body.get("id"), body.get("type"), body.get("data")
    if not (isinstance(event_id, str) and 0 < len(event_id) <= 255):
        raise BadEvent("The event has no usable id")
    if not (isinstance(kind, str) and 0 < len(kind) <= 100):
        raise BadEvent("The event has no usable type")
    obj = data.get("object") if isinstance(data, dict) else None
    return StripeEvent(event_id, kind, obj if isinstance(obj, dict) else {}, text)


# -- the record ------------------------------------------------------------------------------


def record_event(inbox: StripeInbox, event: StripeEvent) -> bool:
    """Record the event unless its id is already there. Returns whether it is new."""
    try:
        with inbox.engine.begin() as conn:
            conn.execute(t.stripe_webhook_events.insert().values(
                event_id=event.id, type=event.type, received_at=inbox.clock.now(),
                payload=event.payload,
            ))
    except sa.exc.IntegrityError:
        return False
    return True


def receive(inbox: StripeInbox, event: StripeEvent) -> str:
    """Record a verified event once and try to act on it (and on a few still pending).
    Returns DUPLICATE, PROCESSED or PENDING."""
    if not record_event(inbox, event):
        return DUPLICATE
    done = _try_processing(inbox, event.id)
    process_pending_webhooks(inbox, limit=RETRIED_PER_DELIVERY)
    return PROCESSED if done else PENDING


def process_pending_webhooks(inbox: StripeInbox, limit: int = 500) -> int:
    """Retry events not processed yet, oldest first (one worker round). Returns how many got
    processed."""
    w = t.stripe_webhook_events.c
    with inbox.engine.connect() as conn:
        pending = list(conn.execute(
            sa.select(w.event_id)
            .where(w.processed_at.is_(None))
            .where(w.retry_at.is_(None) | (w.retry_at <= inbox.clock.now()))
            .order_by(w.received_at, w.event_id).limit(limit)
        ).scalars())
    return sum(1 for event_id in pending if _try_processing(inbox, event_id))


def _try_processing(inbox: StripeInbox, event_id: str) -> bool:
    try:
        return process_webhook(inbox, event_id)
    except Exception:  # the event is safe in the table; the next round tries again
        log.exception("could not process Stripe event %s; it stays pending", event_id)
        return False


def process_webhook(inbox: StripeInbox, event_id: str) -> bool:
    """Act on one recorded event if it can be now. Returns whether it is processed."""
    w = t.stripe_webhook_events.c
    with inbox.engine.connect() as conn:
        row = conn.execute(
            sa.select(w.payload, w.received_at, w.processed_at, w.pledge_id)
            .where(w.event_id == event_id)
        ).one_or_none()
    if row is None or row.processed_at is not None:
        return row is not None
    age = inbox.clock.now() - _aware(row.received_at)
    waited_enough = age >= PENDING_FOR_AT_MOST
    if row.pledge_id is not None and not waited_enough and not _recorded(inbox, row.pledge_id):
        return False  # still waiting for that pledge: no need to ask Stripe again yet
    outcome = _act_on(inbox, parse_event(row.payload))
    if outcome.pending:
        _still_pending(inbox, event_id, outcome.pledge_id, age)
        if not waited_enough:
            return False
        outcome = Outcome(f"gave up: {outcome.words}", outcome.pledge_id)
    with inbox.engine.begin() as conn:
        conn.execute(
            t.stripe_webhook_events.update()
            .where(w.event_id == event_id, w.processed_at.is_(None))
            .values(processed_at=inbox.clock.now(), pledge_id=outcome.pledge_id,
                    outcome=outcome.words[:300])
        )
    return True


@dataclass(frozen=True)
class Outcome:
    words: str
    pledge_id: UUID | None = None
    pending: bool = False


def _act_on(inbox: StripeInbox, event: StripeEvent) -> Outcome:
    if event.type not in HANDLED:
        return Outcome(f"recorded only: civicfund does not act on {event.type}")
    reference = event.reference
    retrieve = getattr(inbox.payments, "retrieve_payment", None)
    if reference is None:
        return Outcome("recorded only: the event names no payment")
    if retrieve is None:
        return Outcome("recorded only: payments are not taken through Stripe here")
    try:
        payment: StripePayment = retrieve(reference)
    except PaymentsUnavailable as error:
        return Outcome(f"Stripe could not be read: {error}", pending=True)
    except PaymentRequestRejected as error:
        return Outcome(f"recorded only: {error}")
    if not payment.pledge_id:
        return Outcome(f"{reference} names no civicfund pledge yet", pending=True)
    try:
        pledge_id = UUID(payment.pledge_id)
    except ValueError:
        return Outcome(f"recorded only: {payment.pledge_id!r} is not a civicfund pledge id")
    try:
        pledge = inbox.app.get_pledge(pledge_id)
    except NotFound:
        return Outcome(f"pledge {pledge_id} is not recorded yet", pledge_id, pending=True)
    if not (reference.startswith("pi_") and payment.status == "succeeded"
            and pledge.status == PAYMENT_FAILED):
        return Outcome(
            f"no change: {reference} is {payment.status}, the pledge is {pledge.status}",
            pledge_id,
        )
    if not _pays_for(payment, pledge.amount):
        return Outcome(f"no change: {reference} is not for the pledge's amount", pledge_id)
    try:
        with acting_as(SYSTEM, f"stripe-{event.id}"):
            charged = inbox.app.confirm_charge(pledge_id, reference=reference)
    except EventStoreConflict:  # changed meanwhile (another delivery?): read again next round
        return Outcome(f"pledge {pledge_id} changed meanwhile", pledge_id, pending=True)
    except DomainError as error:
        return Outcome(f"no change: {error.message}", pledge_id)
    inbox.projections.catch_up()
    if charged:
        return Outcome(f"charged: {reference} succeeded for a payment-failed pledge", pledge_id)
    return Outcome(f"no change: {reference} succeeded but the project is not funded", pledge_id)


def _pays_for(payment: StripePayment, amount: Money) -> bool:
    if payment.amount_minor is None:
        return True
    return payment.amount_minor == amount.minor and payment.currency == amount.currency


def _recorded(inbox: StripeInbox, pledge_id: UUID) -> bool:
    try:
        inbox.app.get_pledge(pledge_id)
    except NotFound:
        return False
    return True


def _still_pending(
    inbox: StripeInbox, event_id: str, pledge_id: UUID | None, age: timedelta
) -> None:
    """Note the pledge the event waits for (checked in the log each round, which is cheap),
    or, when it names none, when to ask Stripe again."""
    retry_at = None
    if pledge_id is None:
        wait = min(max(age / 10, RETRY_AFTER_AT_LEAST), RETRY_AFTER_AT_MOST)
        retry_at = inbox.clock.now() + wait
    w = t.stripe_webhook_events.c
    with inbox.engine.begin() as conn:
        conn.execute(t.stripe_webhook_events.update().where(w.event_id == event_id)
                     .values(pledge_id=pledge_id, retry_at=retry_at))


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# -- what an admin or a test looks at ----------------------------------------------------------


def webhook_events(inbox: StripeInbox) -> list[Any]:
    w = t.stripe_webhook_events.c
    with inbox.engine.connect() as conn:
        return list(conn.execute(
            sa.select(w.event_id, w.type, w.received_at, w.processed_at, w.pledge_id, w.outcome)
            .order_by(w.received_at, w.event_id)
        ))


def newest_webhook_events(inbox: StripeInbox, limit: int = 200) -> list[Any]:
    """The latest events first, with when a waiting one is tried again (admin page)."""
    w = t.stripe_webhook_events.c
    with inbox.engine.connect() as conn:
        return list(conn.execute(
            sa.select(w.event_id, w.type, w.received_at, w.processed_at, w.retry_at,
                      w.pledge_id, w.outcome)
            .order_by(w.received_at.desc(), w.event_id.desc()).limit(limit)
        ))
