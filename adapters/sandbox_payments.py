"""An offline payment gateway that behaves like Stripe for Stripe's test payment methods.

Its ledger (intents, charges and the answers given per idempotency key) lives in a store: in
memory for unit tests, or SQL tables in the platform's database, so a settlement killed half-way
and restarted in another process gets the same answers for the same keys, as with Stripe. On
PostgreSQL the hold (or saved card) a new pledge places is written by the transaction that
records the pledge (`saved_with_pledge`), not by one of its own.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from functools import cache
from typing import Any, Protocol
from uuid import UUID, uuid5

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg

from adapters import tables as t
from adapters.event_store import AlongWrite
from adapters.i18n import N_
from adapters.storage import Prepared
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

_NAMESPACE = UUID("6c3b8f0e-5a0c-4d0e-9b8c-2f6d1f7e4a11")

# Stripe's test payment methods and what each does in the sandbox.
DECLINED_AT_PLEDGE = {
    "pm_card_chargeDeclined": N_("Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": N_("Your card has insufficient funds."),
    "pm_card_chargeDeclinedExpiredCard": N_("Your card has expired."),
    "pm_card_chargeDeclinedIncorrectCvc": N_("Your card's security code is incorrect."),
}
DECLINED_AT_CHARGE = {"pm_card_chargeCustomerFail": "Your card was declined."}
AUTHENTICATES_OFF_SESSION = {"pm_card_authenticationRequired"}
ACCEPTED = {
    "pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_visa_debit",
    *DECLINED_AT_CHARGE, *AUTHENTICATES_OFF_SESSION,
}
TEST_CARDS = [
    ("pm_card_visa", N_("Visa — succeeds")),
    ("pm_card_mastercard", N_("Mastercard — succeeds")),
    ("pm_card_chargeDeclined", N_("Declined when you pledge")),
    ("pm_card_chargeCustomerFail", N_("Saved fine, declined when charged at close")),
    ("pm_card_authenticationRequired", N_("Needs authentication when charged at close")),
]


# An intent in these states still holds money or a card for its pledge.
OPEN = ("requires_capture", "succeeded")


def _reference(prefix: str, key: str) -> str:
    return f"{prefix}_sandbox_{uuid5(_NAMESPACE, key).hex[:24]}"


class SandboxStore(Protocol):
    def answer(self, key: str) -> dict[str, Any] | None: ...
    def intent(self, reference: str) -> dict[str, Any] | None: ...
    def place_intent(self, intent: dict[str, Any]) -> dict[str, Any]:
        """Store the intent unless one has its reference; returns the stored one."""
        ...
    def record(
        self, key: str, answer: dict[str, Any], intent: dict[str, Any] | None,
        charge: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store the answer (and intent and charge changes) once; returns the first answer."""
        ...
    def intent_along(self, intent: dict[str, Any]) -> AlongWrite | None:
        """The intent's placing as a write for the pledge's save to carry, if this store's
        rows can go in the event store's transaction; None: `place_intent` it now."""
        ...


class MemoryStore:
    def __init__(self) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self._charges: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def answer(self, key: str) -> dict[str, Any] | None:
        return self.answers.get(key)

    def intent(self, reference: str) -> dict[str, Any] | None:
        found = self.intents.get(reference)
        return dict(found) if found else None

    def record(self, key, answer, intent, charge=None):
        with self._lock:
            if key in self.answers:
                return self.answers[key]
            self.answers[key] = answer
            if intent is not None:
                self.intents[intent["reference"]] = dict(intent)
            if charge is not None:
                self._charges.append(dict(charge))
            return answer

    def charges(self) -> list[dict[str, Any]]:
        return list(self._charges)

    def place_intent(self, intent: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return dict(self.intents.setdefault(intent["reference"], dict(intent)))

    def intent_along(self, intent: dict[str, Any]) -> None:
        return None

    def open_intents(self, created_from: datetime, created_to: datetime) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(i) for i in self.intents.values()
                    if i["status"] in OPEN and created_from <= i["created_at"] < created_to]


def _placing(dialect: Any) -> Any:
    """An intent's placing: stored unless one has its reference."""
    return dialect.insert(t.sandbox_intents).on_conflict_do_nothing(index_elements=["reference"])


@cache
def _placing_along() -> tuple[str, tuple[str, ...]]:
    """The same statement as a row the pledge's save writes: psycopg's `%s` placeholders, and
    the intent's columns in their order."""
    compiled = _placing(postgresql).compile(
        dialect=postgresql_psycopg.dialect(paramstyle="format"),
        column_keys=[column.name for column in t.sandbox_intents.columns],
    )
    return str(compiled), tuple(compiled.positiontup or ())


class SqlStore:
    """The ledger in SQL tables; one transaction per gateway call. With `writes_along` (the
    event store is PostgreSQL, in the same database) a hold for a pledge about to be saved is
    written in the save's transaction instead."""

    def __init__(self, engine: sa.Engine, *, relaxed: sa.Engine | None = None,
                 writes_along: bool = False):
        self.engine = engine
        self.relaxed = relaxed or engine  # one statement, not waiting for the disk
        self.writes_along = writes_along and engine.dialect.name == "postgresql"
        self._place: dict[str, Any] = {}  # the placing statement, built once per dialect

    def intent_along(self, intent: dict[str, Any]) -> AlongWrite | None:
        if not self.writes_along:
            return None
        statement, columns = _placing_along()
        return AlongWrite(statement, tuple(intent[name] for name in columns))

    def answer(self, key: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            text = conn.execute(
                sa.select(t.sandbox_requests.c.answer)
                .where(t.sandbox_requests.c.idempotency_key == key)
            ).scalar()
        return json.loads(text) if text else None

    def intent(self, reference: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.sandbox_intents).where(t.sandbox_intents.c.reference == reference)
            ).first()
        return dict(row._mapping) if row else None

    def place_intent(self, intent: dict[str, Any]) -> dict[str, Any]:
        """The intent under this reference: placed now in one statement (autocommit), or as
        placed by an earlier call with the same key."""
        insert = self._place.get(self.engine.dialect.name)
        if insert is None:
            dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
            insert = self._place[self.engine.dialect.name] = Prepared(
                _placing(dialect).returning(t.sandbox_intents.c.reference), writes=True)
        placed = insert.rows(self.relaxed, intent)
        return intent if placed else (self.intent(intent["reference"]) or intent)

    def record(self, key, answer, intent, charge=None):
        try:
            with self.engine.begin() as conn:
                conn.execute(t.sandbox_requests.insert().values(
                    idempotency_key=key, answer=json.dumps(answer), created_at=datetime.now(UTC)
                ))
                if intent is not None:
                    moved = conn.execute(
                        t.sandbox_intents.update()
                        .where(t.sandbox_intents.c.reference == intent["reference"])
                        .values(**intent)
                    )
                    if moved.rowcount == 0:
                        conn.execute(t.sandbox_intents.insert().values(**intent))
                if charge is not None:
                    conn.execute(t.sandbox_charges.insert().values(**charge))
        except sa.exc.IntegrityError:
            return self.answer(key) or answer
        return answer

    def charges(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(t.sandbox_charges))]

    def open_intents(self, created_from: datetime, created_to: datetime) -> list[dict[str, Any]]:
        i = t.sandbox_intents.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.sandbox_intents).where(
                    i.status.in_(OPEN), i.created_at >= created_from, i.created_at < created_to
                )
            ).all()
        return [dict(row._mapping) for row in rows]


class SandboxGateway:
    """Idempotency keys return the first answer, as Stripe's do, declines included.

    Investment money: `collect` charges a test card as a saved card is charged at close
    (pm_card_chargeCustomerFail is declined, pm_card_authenticationRequired asks for
    authentication); `pay_out` always succeeds, except to the payees a test or demo names in
    `refused_payees`. Both are money movements in the sandbox's charges (a payout with a
    negative amount)."""

    def __init__(self, store: SandboxStore | None = None):
        self.store = store or MemoryStore()
        self.refused_payees: set[UUID] = set()

    def charges(self) -> list[dict[str, Any]]:
        """Every money movement the sandbox made (one per successful charge)."""
        return self.store.charges()

    @property
    def intents(self) -> dict[str, Any]:
        """Every intent by reference (tests look at their states)."""
        if isinstance(self.store, MemoryStore):
            return {ref: _IntentView(i) for ref, i in self.store.intents.items()}
        with self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(t.sandbox_intents)).all()
        return {r.reference: _IntentView(dict(r._mapping)) for r in rows}

    def authorise(
        self, *, pledge_id: UUID, amount: Money, payment_method: str, hold: bool,
        idempotency_key: str, saved_with_pledge: bool = False,
    ) -> Authorisation:
        """A decline depends on the test card alone, so a retry gets it again; an accepted card
        places its intent under a reference derived from the key, once, so a retry gets the
        first authorisation (one statement: no answer is looked up first), or with
        `saved_with_pledge` leaves that statement to the pledge's save where the store can."""
        if payment_method in DECLINED_AT_PLEDGE:
            raise PaymentDeclined(DECLINED_AT_PLEDGE[payment_method])
        if payment_method not in ACCEPTED:
            raise PaymentDeclined(
                f"{payment_method!r} is not a sandbox test card; try pm_card_visa"
            )
        kind = HOLD if hold else SAVED_CARD
        intent = {
            "reference": _reference("pi" if hold else "seti", idempotency_key), "kind": kind,
            "pledge_id": str(pledge_id), "amount": amount.minor, "currency": amount.currency,
            "payment_method": payment_method,
            "status": "requires_capture" if hold else "succeeded", "refunded": 0,
            "created_at": datetime.now(UTC),
        }
        along = self.store.intent_along(intent) if saved_with_pledge else None
        if along is not None:
            # Placed in the save's transaction, committed with it even if the save is refused
            # (the pledge then releases it, as any hold for a pledge not recorded); a
            # transaction that fails places nothing. A second call with the same key writes
            # nothing new: the reference is the key's.
            return Authorisation(reference=intent["reference"], kind=kind, with_pledge=along)
        placed = self.store.place_intent(intent)
        return Authorisation(reference=placed["reference"], kind=placed["kind"])

    def release(self, *, reference: str, idempotency_key: str) -> None:
        if self.store.answer(idempotency_key) is not None:
            return
        intent = self.store.intent(reference)
        if intent is not None and intent["status"] in ("requires_capture", "succeeded"):
            intent["status"] = "canceled" if intent["kind"] == HOLD else "detached"
        else:
            intent = None
        self.store.record(idempotency_key, {"outcome": "released"}, intent)

    def charge(
        self, *, pledge_id: UUID, reference: str, amount: Money, idempotency_key: str
    ) -> ChargeResult:
        answer = self.store.answer(idempotency_key)
        if answer is None:
            answer = self._charge(pledge_id, reference, amount, idempotency_key)
        return ChargeResult(
            outcome=answer["outcome"], reference=answer.get("reference"),
            message=answer.get("message", ""),
        )

    def _charge(self, pledge_id, reference, amount, key) -> dict[str, Any]:
        intent = self.store.intent(reference)
        if intent is None or intent["status"] not in ("requires_capture", "succeeded"):
            answer = {"outcome": DECLINED, "message": "The card can no longer be charged."}
            return self.store.record(key, answer, None)
        method = intent["payment_method"]
        off_session = intent["kind"] == SAVED_CARD
        if method in DECLINED_AT_CHARGE:
            answer = {"outcome": DECLINED, "message": DECLINED_AT_CHARGE[method]}
            return self.store.record(key, answer, None)
        if off_session and method in AUTHENTICATES_OFF_SESSION:
            answer = {"outcome": AUTHENTICATION_REQUIRED,
                      "message": "Your bank asks you to confirm this payment."}
            return self.store.record(key, answer, None)
        payment = reference if not off_session else _reference("pi", key)
        if not off_session:
            intent["status"] = "captured"
        charge = {"reference": payment, "intent": reference, "pledge_id": str(pledge_id),
                  "amount": amount.minor, "currency": amount.currency,
                  "created_at": datetime.now(UTC)}
        answer = {"outcome": SUCCEEDED, "reference": payment}
        return self.store.record(key, answer, intent if not off_session else None, charge)

    def refund(self, *, charge_reference: str, amount: Money, idempotency_key: str) -> str:
        earlier = self.store.answer(idempotency_key)
        if earlier is not None:
            return earlier["reference"]
        answer = {"outcome": "refunded", "reference": _reference("re", idempotency_key)}
        return self.store.record(idempotency_key, answer, None)["reference"]

    def collect(
        self, *, payer_id: UUID, amount: Money, payment_method: str, idempotency_key: str
    ) -> ChargeResult:
        answer = self.store.answer(idempotency_key)
        if answer is None:
            answer = self._collect(payer_id, amount, payment_method, idempotency_key)
        return ChargeResult(outcome=answer["outcome"], reference=answer.get("reference"),
                            message=answer.get("message", ""))

    def _collect(self, payer_id, amount, method, key) -> dict[str, Any]:
        if method in DECLINED_AT_PLEDGE or method in DECLINED_AT_CHARGE:
            message = DECLINED_AT_PLEDGE.get(method) or DECLINED_AT_CHARGE[method]
            return self.store.record(key, {"outcome": DECLINED, "message": message}, None)
        if method in AUTHENTICATES_OFF_SESSION:
            return self.store.record(key, {"outcome": AUTHENTICATION_REQUIRED,
                                           "message": "Your bank asks you to confirm this "
                                                      "payment."}, None)
        if method not in ACCEPTED:
            return self.store.record(key, {"outcome": DECLINED, "message": (
                f"{method!r} is not a sandbox test card; try pm_card_visa")}, None)
        payment = _reference("pi", key)
        charge = {"reference": payment, "intent": method[:80], "pledge_id": str(payer_id),
                  "amount": amount.minor, "currency": amount.currency,
                  "created_at": datetime.now(UTC)}
        return self.store.record(key, {"outcome": SUCCEEDED, "reference": payment}, None, charge)

    def pay_out(
        self, *, payee_id: UUID, paid_in_reference: str, amount: Money, idempotency_key: str
    ) -> ChargeResult:
        answer = self.store.answer(idempotency_key)
        if answer is None:
            if payee_id in self.refused_payees or not paid_in_reference:
                answer = self.store.record(idempotency_key, {
                    "outcome": DECLINED,
                    "message": "The payout was refused: the account it goes to cannot "
                               "receive it."}, None)
            else:
                payout = _reference("po", idempotency_key)
                answer = self.store.record(
                    idempotency_key, {"outcome": SUCCEEDED, "reference": payout}, None,
                    {"reference": payout, "intent": paid_in_reference[:80],
                     "pledge_id": str(payee_id), "amount": -amount.minor,
                     "currency": amount.currency, "created_at": datetime.now(UTC)})
        return ChargeResult(outcome=answer["outcome"], reference=answer.get("reference"),
                            message=answer.get("message", ""))

    def open_authorisations(
        self, created_from: datetime, created_to: datetime
    ) -> list[OpenAuthorisation]:
        return [
            OpenAuthorisation(pledge_id=UUID(intent["pledge_id"]), reference=intent["reference"])
            for intent in self.store.open_intents(created_from, created_to)
        ]


class _IntentView:
    def __init__(self, intent: dict[str, Any]):
        self.reference = intent["reference"]
        self.kind = intent["kind"]
        self.status = intent["status"]
        self.payment_method = intent["payment_method"]
        self.amount = Money(intent["amount"], intent["currency"])
