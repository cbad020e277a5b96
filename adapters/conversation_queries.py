"""What pages and the API read of the conversation on a pilot: its questions and comments with
their answers (hidden ones only for their authors and the city's officers), who follows it, its
backer wall and a person's preferences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.profiles import shown_name
from adapters.storage import read_all
from domain.conversation.comment import ANSWER

# Names pages show for people who are gone (as web/filters.py former_name says them).
FORMER = "a former member"


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class CommentView:
    id: UUID
    project_id: UUID
    author_id: UUID
    author: str
    kind: str
    text: str
    posted_at: datetime
    answer_to: UUID | None
    answered_as: str | None
    reports: int
    hidden: bool
    hidden_reason: str | None
    answers: list[CommentView] = field(default_factory=list)


@dataclass(frozen=True)
class BackerWall:
    names: list[str]  # display names of backers who chose to be listed
    neighbours: int  # everyone else, shown as "a neighbour"


@dataclass(frozen=True)
class PreferencesView:
    digest: str
    on_backer_wall: bool


class ConversationQueries:
    engine: sa.Engine

    def comments(self, project_id: UUID, *, viewer_id: UUID | None = None,
                 moderator: bool = False) -> list[CommentView]:
        """Questions and comments, newest first, each with its answers oldest first. A hidden
        item (and its answers) shows only to its author and to moderators."""
        c, x, a = t.comments.c, t.conversation_texts.c, t.accounts.c
        rows = read_all(self.engine, (
            sa.select(c.id, c.project_id, c.author_id, c.kind, c.answer_to, c.answered_as,
                      c.posted_at, c.reports, c.hidden_at, x.body, x.hidden_reason,
                      shown_name().label("name"), a.erased_at)
            .outerjoin(t.conversation_texts, x.comment_id == c.id)
            .outerjoin(t.accounts, a.id == c.author_id)
            .outerjoin(t.profiles, t.profiles.c.account_id == c.author_id)
            .where(c.project_id == project_id)
            .order_by(c.posted_at, c.id)
        ))
        items = {row.id: _view(row) for row in rows}

        def visible(item: CommentView) -> bool:
            return not item.hidden or moderator or item.author_id == viewer_id

        threads: list[CommentView] = []
        for item in items.values():
            if item.kind != ANSWER:
                if visible(item):
                    threads.append(item)
                continue
            question = items.get(item.answer_to)
            if question is not None and visible(item):
                question.answers.append(item)
        threads = [q for q in threads if not q.hidden or visible(q)]
        return sorted(threads, key=lambda q: (q.posted_at, str(q.id)), reverse=True)

    def comment(self, comment_id: UUID) -> CommentView | None:
        row = read_all(self.engine, sa.select(t.comments.c.project_id)
                       .where(t.comments.c.id == comment_id))
        if not row:
            return None
        found = [c for c in self.comments(row[0].project_id, moderator=True)
                 for c in (c, *c.answers) if c.id == comment_id]
        return found[0] if found else None

    def reported_comments(self, project_id: UUID) -> int:
        rows = read_all(self.engine, sa.select(sa.func.count()).select_from(t.comments)
                        .where(t.comments.c.project_id == project_id)
                        .where(t.comments.c.reports > 0).where(t.comments.c.hidden_at.is_(None)))
        return int(rows[0][0])

    def follows(self, project_id: UUID, account_id: UUID) -> bool:
        """Whether the person gets the pilot's updates: by choice, or as a backer who did not
        stop them."""
        f, b = t.follows.c, t.project_backers.c
        chosen = read_all(self.engine, sa.select(f.following).where(f.project_id == project_id)
                          .where(f.account_id == account_id))
        if chosen:
            return bool(chosen[0].following)
        backing = read_all(self.engine, sa.select(b.live_pledges).where(b.project_id == project_id)
                           .where(b.citizen_id == account_id))
        return bool(backing and backing[0].live_pledges > 0)

    def backer_wall(self, project_id: UUID) -> BackerWall:
        b, p, a = t.project_backers.c, t.conversation_preferences.c, t.accounts.c
        rows = read_all(self.engine, (
            sa.select(shown_name().label("name"), a.erased_at, p.on_backer_wall)
            .select_from(t.project_backers)
            .outerjoin(t.conversation_preferences, p.account_id == b.citizen_id)
            .outerjoin(t.accounts, a.id == b.citizen_id)
            .outerjoin(t.profiles, t.profiles.c.account_id == b.citizen_id)
            .where(b.project_id == project_id).where(b.live_pledges > 0)
        ))
        return backer_wall_of(
            [r.name for r in rows if r.on_backer_wall and r.erased_at is None], len(rows))

    def conversation_preferences_of(self, account_id: UUID) -> PreferencesView:
        p = t.conversation_preferences.c
        rows = read_all(self.engine, sa.select(p.digest, p.on_backer_wall)
                        .where(p.account_id == account_id))
        if not rows:
            return PreferencesView(digest="each", on_backer_wall=False)
        return PreferencesView(digest=rows[0].digest, on_backer_wall=bool(rows[0].on_backer_wall))

    def comments_by(self, account_id: UUID) -> list[Any]:
        """What the person wrote (their data download)."""
        x = t.conversation_texts.c
        return read_all(self.engine, sa.select(
            x.comment_id.label("id"), x.project_id, x.body.label("text"), x.hidden_reason)
            .where(x.author_id == account_id).order_by(x.comment_id))


def backer_wall_columns(project_id: Any) -> tuple[Any, Any]:
    """Two columns for a pilot's backer wall on PostgreSQL (the pilot's id an expression, so
    the pilot's page reads them in its own statement): `wall_names`, the display names of live
    backers who chose to be listed and are not erased, and `wall_backers`, how many live
    backers."""
    b, p, a = t.project_backers.c, t.conversation_preferences.c, t.accounts.c
    live = (b.project_id == project_id, b.live_pledges > 0)
    names = (
        sa.select(sa.func.array_agg(shown_name()))
        .select_from(t.project_backers)
        .join(t.conversation_preferences, p.account_id == b.citizen_id)
        .join(t.accounts, a.id == b.citizen_id)
        .outerjoin(t.profiles, t.profiles.c.account_id == b.citizen_id)
        .where(*live, p.on_backer_wall.is_(True), a.erased_at.is_(None), a.name.is_not(None))
        .correlate_except(t.project_backers, t.conversation_preferences, t.accounts,
                          t.profiles)
        .scalar_subquery().label("wall_names")
    )
    backers = (
        sa.select(sa.func.count()).select_from(t.project_backers).where(*live)
        .correlate_except(t.project_backers).scalar_subquery().label("wall_backers")
    )
    return names, backers


def backer_wall_of(names: list[str] | None, backers: int) -> BackerWall:
    """The wall from `backer_wall_columns`: listed names (blank ones count as neighbours),
    sorted, and everyone else as "a neighbour"."""
    listed = sorted(n.strip() for n in names or () if n and n.strip())
    return BackerWall(names=listed, neighbours=int(backers or 0) - len(listed))


def _view(row: Any) -> CommentView:
    gone = row.erased_at is not None or not (row.name or "").strip()
    author = FORMER if gone else row.name
    return CommentView(
        id=row.id, project_id=row.project_id, author_id=row.author_id, author=author,
        kind=row.kind, text=row.body or "", posted_at=_aware(row.posted_at),
        answer_to=row.answer_to, answered_as=row.answered_as, reports=row.reports,
        hidden=row.hidden_at is not None, hidden_reason=row.hidden_reason,
    )
