"""Delivery updates by mail to a pilot's followers: at once (one outbox message per update and
follower) or in a weekly digest the worker sends. Written from the UpdatePosted event, keyed by
the event and the follower, so a rebuild never writes one twice.

A pilot's followers are those who chose to follow it and its backers who did not choose to stop.
Each message carries a placeholder for its one-click unsubscribe link, which the sender fills in
(the signed link is never stored)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from adapters import tables as t
from domain.conversation.following import WEEKLY
from domain.crowdfunding.project import Project

UPDATE, DIGEST = "pilot_update", "update_digest"
DIGEST_EVERY = timedelta(days=7)
# Replaced when the message is sent by the link that stops mail about that pilot.
UNSUBSCRIBE = re.compile(r"\[unsubscribe:([0-9a-f]{32})\]")


def unsubscribe_placeholder(project_id: UUID) -> str:
    return f"[unsubscribe:{project_id.hex}]"


def followers(conn: Connection, project_id: Any) -> list[tuple[UUID, str]]:
    """Each follower of a pilot with how they want its updates (each, weekly)."""
    f, b, p = t.follows.c, t.project_backers.c, t.conversation_preferences.c
    stopped = sa.select(f.account_id).where(f.project_id == project_id).where(~f.following)
    chose = sa.select(f.account_id.label("account_id")).where(f.project_id == project_id) \
        .where(f.following)
    backers = sa.select(b.citizen_id.label("account_id")).where(b.project_id == project_id) \
        .where(b.live_pledges > 0).where(b.citizen_id.not_in(stopped))
    everyone = sa.union(chose, backers).subquery()
    rows = conn.execute(
        sa.select(everyone.c.account_id, p.digest)
        .outerjoin(t.conversation_preferences, p.account_id == everyone.c.account_id)
        .outerjoin(t.accounts, t.accounts.c.id == everyone.c.account_id)
        .where(t.accounts.c.erased_at.is_(None))
        .order_by(everyone.c.account_id)
    ).all()
    return [(row.account_id, row.digest or "each") for row in rows]


def _insert(conn: Connection):
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def write_update_mail(conn: Connection, event: Any) -> None:
    """Called by the read-model projection, in its transaction, for each event."""
    if not isinstance(event, Project.UpdatePosted):
        return
    project = conn.execute(sa.select(t.projects.c.title).where(
        t.projects.c.id == event.originator_id)).one()
    insert = _insert(conn)
    for account_id, digest in followers(conn, event.originator_id):
        key = f"u:{event.originator_id.hex}:{event.originator_version}:{account_id.hex}"
        if digest == WEEKLY:
            conn.execute(insert(t.mail_digest_items).values(
                event_key=key, account_id=account_id, project_id=event.originator_id,
                title=f"{project.title}: {event.title}"[:200], created_at=event.timestamp,
            ).on_conflict_do_nothing(index_elements=["event_key"]))
            continue
        body = (f"{project.title} posted a delivery update.\n\n{event.title}\n\n{event.body}\n\n"
                "You get this because you follow or back this pilot. To stop mail about it: "
                f"{unsubscribe_placeholder(event.originator_id)}")
        conn.execute(insert(t.mail_outbox).values(
            event_key=key, account_id=account_id, pledge_id=None, kind=UPDATE,
            subject=f"Update from {project.title}: {event.title}"[:200], body=body,
            created_at=event.timestamp,
        ).on_conflict_do_nothing(index_elements=["event_key"]))


def send_digests(engine: sa.Engine, now: datetime) -> int:
    """Write a weekly digest to the outbox for each person whose waiting updates are due (a week
    after their last digest, or after the oldest waiting update). Returns how many."""
    items, sent = t.mail_digest_items.c, t.mail_digests.c
    written = 0
    with engine.begin() as conn:
        waiting = conn.execute(
            sa.select(items.account_id, sa.func.min(items.created_at).label("oldest"),
                      sent.last_sent_at)
            .outerjoin(t.mail_digests, sent.account_id == items.account_id)
            .where(items.digested_at.is_(None)).group_by(items.account_id, sent.last_sent_at)
        ).all()
        for row in waiting:
            since = _aware(row.last_sent_at or row.oldest)
            if now - since < DIGEST_EVERY:
                continue
            updates = conn.execute(
                sa.select(items.id, items.project_id, items.title)
                .where(items.account_id == row.account_id).where(items.digested_at.is_(None))
                .order_by(items.created_at, items.id)
            ).all()
            lines = [f"- {u.title}" for u in updates]
            pilots = dict.fromkeys(u.project_id for u in updates)
            stops = [unsubscribe_placeholder(p) for p in pilots]
            body = ("This week's delivery updates from the pilots you follow:\n\n"
                    + "\n".join(lines)
                    + "\n\nTo stop mail about a pilot, follow its link:\n" + "\n".join(stops))
            conn.execute(t.mail_outbox.insert().values(
                event_key=f"digest:{uuid.uuid4().hex}", account_id=row.account_id,
                pledge_id=None, kind=DIGEST,
                subject=f"Your weekly digest: {len(updates)} pilot update"
                        f"{'' if len(updates) == 1 else 's'}",
                body=body, created_at=now,
            ))
            conn.execute(t.mail_digest_items.update()
                         .where(items.id.in_([u.id for u in updates])).values(digested_at=now))
            if row.last_sent_at is None:
                conn.execute(t.mail_digests.insert().values(account_id=row.account_id,
                                                            last_sent_at=now))
            else:
                conn.execute(t.mail_digests.update().where(sent.account_id == row.account_id)
                             .values(last_sent_at=now))
            written += 1
    return written


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
