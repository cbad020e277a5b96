"""Mail to citizens: receipts and notices written to the outbox from events, sent by the worker.

Each message is keyed by the event that caused it, so replaying the log (a rebuild) never writes
a message twice. Messages name the account, not its address: the address is looked up when the
mail is sent, so personal data stays out of the log and out of the outbox.
"""

from __future__ import annotations

import logging
import re
import smtplib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters import tables as t
from adapters.i18n import format_local_moment, format_locale, format_money, translations
from adapters.many_rows import ManyRows
from domain.crowdfunding.pledge import Pledge
from domain.kernel.money import Money

log = logging.getLogger(__name__)

CONFIRMATION, RECEIPT, REFUND, FAILED, RELEASED, DROPPED = (
    "confirmation", "receipt", "refund", "payment_failed", "released", "dropped"
)
# Mail about the account itself, written by the web pages rather than from events.
CONFIRM_EMAIL, ALREADY_REGISTERED, RESET_PASSWORD, PASSWORD_CHANGED = (
    "confirm_email", "already_registered", "reset_password", "password_changed"
)
# These carry a single-use link: once sent, the link is taken out of the stored copy.
WITH_LINKS = frozenset({CONFIRM_EMAIL, RESET_PASSWORD})
LINK = re.compile(r"https?://\S+")
# What is left of a message to a person who was erased: its kind, time and key (so a replay of
# the log never writes it again), neither subject nor body, and it is never sent.
ERASED_SUBJECT = "(erased)"


# Within a batch of the projection, what mail needs of projects and accounts is read once:
# conn.info[MAIL_CACHE] is a dict the projection sets up for the batch and drops after it.
MAIL_CACHE = "civicfund_mail_cache"


@dataclass(frozen=True)
class _About:
    """What a message about a pledge says: the pledge and its project."""

    id: Any
    citizen_id: Any
    amount: int
    currency: str
    title: str
    funding_model: str
    timezone: str


def _in_chunks(conn: Connection, query: Any, column: Any, ids: set[Any]) -> list[Any]:
    ordered = list(ids)
    return [row for start in range(0, len(ordered), 500)
            for row in conn.execute(query.where(column.in_(ordered[start:start + 500])))]


def _pledges_and_projects(conn: Connection, held: list[tuple[str, Any, Any]]
                          ) -> dict[Any, _About]:
    """What each held message is about, read in a few statements for the lot (projects and
    erasures kept for the batch in conn.info[MAIL_CACHE])."""
    p = t.pledges.c
    pledges = {pledge.id: pledge for _, _, pledge in held if pledge is not None}
    missing = {event.originator_id for _, event, pledge in held if pledge is None}
    if missing:
        query = sa.select(p.id, p.citizen_id, p.amount, p.currency, p.project_id)
        pledges |= {row.id: row for row in _in_chunks(conn, query, p.id, missing)}
    cache = conn.info.get(MAIL_CACHE, {})
    unread = {pledge.project_id for pledge in pledges.values()
              if ("project", pledge.project_id) not in cache}
    if unread:
        query = (sa.select(t.projects.c.id, t.projects.c.title, t.projects.c.funding_model,
                           t.cities.c.timezone)
                 .join(t.cities, t.cities.c.id == t.projects.c.city_id))
        for row in _in_chunks(conn, query, t.projects.c.id, unread):
            cache[("project", row.id)] = row
    return {
        pledge_id: _About(pledge.id, pledge.citizen_id, pledge.amount, pledge.currency,
                          project.title, project.funding_model, project.timezone)
        for pledge_id, pledge in pledges.items()
        for project in [cache[("project", pledge.project_id)]]
    }


def _local(moment: datetime, zone: str, language: str | None = None) -> str:
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        local = moment
    if format_locale(language) is None:
        return f"{local:%-d %b %Y, %H:%M} {local.tzname()}"
    return format_local_moment(local, language)


def _amount(row: Any, language: str | None = None) -> str:
    return format_money(Money(row.amount, row.currency), language)


def compose(kind: str, row: Any, event: Any, language: str | None = None) -> tuple[str, str]:
    """Subject and body of a message about a pledge, in the person's language (English when
    they chose none)."""
    tr = translations(language)
    amount, title = _amount(row, language), row.title
    if kind == CONFIRMATION:
        body = (tr.gettext("Thank you. Your pledge of %(amount)s to %(title)s is recorded and "
                           "your card is authorised. You will be charged only if the pilot "
                           "reaches its minimum by the close. You can cancel it until then.")
                if row.funding_model == "all_or_nothing" else
                tr.gettext("Thank you. Your pledge of %(amount)s to %(title)s is recorded and "
                           "your card is authorised. You will be charged when the campaign "
                           "closes. You can cancel it until then."))
        return (tr.gettext("Your pledge of %(amount)s to %(title)s") % {
                    "amount": amount, "title": title},
                body % {"amount": amount, "title": title})
    if kind == RECEIPT:
        return (tr.gettext("Receipt: %(amount)s for %(title)s") % {
                    "amount": amount, "title": title},
                tr.gettext("%(title)s is funded and your card was charged %(amount)s. "
                           "Payment reference: %(reference)s.") % {
                    "amount": amount, "title": title, "reference": event.reference})
    if kind == REFUND:
        return (tr.gettext("Refund: %(amount)s for %(title)s") % {
                    "amount": amount, "title": title},
                tr.gettext("%(title)s was cancelled by its city. Your %(amount)s has been "
                           "refunded to your card. Refund reference: %(reference)s.") % {
                    "amount": amount, "title": title, "reference": event.reference})
    if kind == FAILED:
        reason = event.message.rstrip(". ")
        return (tr.gettext("Action needed: your payment for %(title)s") % {"title": title},
                tr.gettext("%(title)s is funded, but charging your card %(amount)s did not "
                           "work: %(reason)s. Please give another card on your pledge page "
                           "before %(deadline)s, or your pledge will be dropped. We will also "
                           "try your card again in the meantime.") % {
                    "amount": amount, "title": title, "reason": reason,
                    "deadline": _local(event.fix_by, row.timezone, language)})
    if kind == RELEASED:
        return (tr.gettext("No charge: %(title)s") % {"title": title},
                tr.gettext("%(title)s did not go ahead, so your pledge of %(amount)s was "
                           "released. Nothing was charged.") % {
                    "amount": amount, "title": title})
    return (tr.gettext("Your pledge to %(title)s was dropped") % {"title": title},
            tr.gettext("We could not charge your card for %(title)s within the seven days, so "
                       "your pledge of %(amount)s was dropped. Nothing was charged.") % {
                "amount": amount, "title": title})


MESSAGES = {
    Pledge.Authorised: CONFIRMATION,
    Pledge.Charged: RECEIPT,
    Pledge.Refunded: REFUND,
    Pledge.ChargeFailed: FAILED,
    Pledge.Released: RELEASED,
    Pledge.Dropped: DROPPED,
}


def write_mail(conn: Connection, event: Any, pledge: Any = None,
               held: list[tuple[str, Any, Any]] | None = None) -> None:
    """Called by the read-model projection, in its transaction, after the pledge row moved.
    `pledge`: the pledge's id, citizen_id, amount, currency and project_id as the projection
    holds them (its row may not be written yet), or None to read them. `held`: where a batch
    gathers messages to write together (`write_held_mail`); without it, written now."""
    kind = MESSAGES.get(type(event))
    if kind is None:
        return
    if held is None:
        write_held_mail(conn, [(kind, event, pledge)])
    else:
        held.append((kind, event, pledge))


_OUTBOX = ManyRows(
    lambda insert: insert(t.mail_outbox).on_conflict_do_nothing(index_elements=["event_key"])
)


def write_held_mail(conn: Connection, held: list[tuple[str, Any, Any]]) -> None:
    """Compose and write the held messages, once per event: a replay of the log (a rebuild)
    writes nothing again. Empties `held`."""
    if not held:
        return
    about = _pledges_and_projects(conn, held)
    erased, languages = _erased(conn, {row.citizen_id for row in about.values()})
    messages = []
    for kind, event, _ in held:
        row = about[event.originator_id]
        subject, body = compose(kind, row, event, languages.get(row.citizen_id))
        sent_at = None
        if row.citizen_id in erased:
            subject, body, sent_at = ERASED_SUBJECT, "", event.timestamp
        messages.append({
            "event_key": f"{event.originator_id}:{event.originator_version}",
            "account_id": row.citizen_id, "pledge_id": row.id, "kind": kind,
            "subject": subject[:200], "body": body, "created_at": event.timestamp,
            "sent_at": sent_at,
        })
    held.clear()
    _OUTBOX.run(conn, messages)


def _erased(conn: Connection, account_ids: set[Any]) -> tuple[set[Any], dict[Any, str | None]]:
    """Which of these accounts are erased, and each one's language (kept for the batch in
    conn.info[MAIL_CACHE])."""
    cache = conn.info.get(MAIL_CACHE, {})
    unread = {account_id for account_id in account_ids if ("erased", account_id) not in cache}
    if unread:
        a = t.accounts.c
        for row in _in_chunks(conn, sa.select(a.id, a.erased_at, a.locale), a.id, unread):
            cache[("erased", row.id)] = row.erased_at is not None
            cache[("locale", row.id)] = row.locale
    return ({account_id for account_id in account_ids if cache.get(("erased", account_id))},
            {account_id: cache.get(("locale", account_id)) for account_id in account_ids})


def scrub_mail(conn: Connection, account_id: Any, now: datetime) -> int:
    """Remove the subjects and bodies of every message to an erased person; what waited is
    settled unsent. Returns how many messages were scrubbed."""
    mail = t.mail_outbox.c
    return conn.execute(
        t.mail_outbox.update().where(mail.account_id == account_id).values(
            subject=ERASED_SUBJECT, body="", sent_at=sa.func.coalesce(mail.sent_at, now),
        )
    ).rowcount


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = "civicfund <no-reply@civicfund.invalid>"
    starttls: bool = True


class Outbox:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def messages(self, *, account_id: Any = None, pledge_id: Any = None, limit: int = 200):
        query = sa.select(t.mail_outbox).order_by(t.mail_outbox.c.id.desc()).limit(limit)
        if account_id is not None:
            query = query.where(t.mail_outbox.c.account_id == account_id)
        if pledge_id is not None:
            query = query.where(t.mail_outbox.c.pledge_id == pledge_id)
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    def write(self, account_id: Any, kind: str, subject: str, body: str) -> None:
        """A message about the account itself (not caused by an event)."""
        with self.engine.begin() as conn:
            conn.execute(t.mail_outbox.insert().values(
                event_key=f"account:{uuid.uuid4()}", account_id=account_id, pledge_id=None,
                kind=kind, subject=subject[:200], body=body, created_at=datetime.now(UTC),
            ))

    def send_pending(self, smtp: SmtpSettings, address_of, personalise=None) -> int:
        """Send unsent messages; each is marked sent after its own delivery. `personalise`
        (message -> body) fills in what is never stored, such as signed unsubscribe links."""
        with self.engine.connect() as conn:
            pending = conn.execute(
                sa.select(t.mail_outbox).where(t.mail_outbox.c.sent_at.is_(None))
                .order_by(t.mail_outbox.c.id).limit(100)
            ).all()
        sent = 0
        for message in pending:
            address = address_of(message.account_id)
            if address:
                mail = EmailMessage()
                mail["From"], mail["To"], mail["Subject"] = smtp.sender, address, message.subject
                mail.set_content(personalise(message) if personalise else message.body)
                with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
                    if smtp.starttls:
                        server.starttls()
                    if smtp.username:
                        server.login(smtp.username, smtp.password)
                    server.send_message(mail)
            # An erased account has no address: its message is settled without sending.
            sent_copy = {"sent_at": datetime.now(UTC)}
            if message.kind in WITH_LINKS:
                sent_copy["body"] = LINK.sub("[the link, sent by mail]", message.body)
            with self.engine.begin() as conn:
                conn.execute(t.mail_outbox.update().where(t.mail_outbox.c.id == message.id)
                             .values(**sent_copy))
            sent += 1
        return sent
