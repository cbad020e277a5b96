"""The conversation's read models: rm_comments (who wrote what kind of item, its reports and
whether it is hidden), rm_follows and rm_conversation_preferences, kept from the log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from adapters import tables as t
from domain.conversation.comment import Comment
from domain.conversation.following import ConversationPreferences, Following


class ConversationModels:
    def __init__(self) -> None:
        self.handlers = {
            Comment.Posted: self.posted,
            Comment.Reported: self.reported,
            Comment.Hidden: self.hidden,
            Following.Chosen: self.following_chosen,
            Following.Followed: self.followed,
            Following.Unfollowed: self.unfollowed,
            ConversationPreferences.Set: self.preferences_set,
            ConversationPreferences.DigestChosen: self.digest_chosen,
            ConversationPreferences.BackerWallChosen: self.backer_wall_chosen,
        }

    def posted(self, conn: Connection, e: Any) -> None:
        conn.execute(t.comments.insert().values(
            id=e.originator_id, project_id=e.project_id, author_id=e.author_id, kind=e.kind,
            answer_to=e.answer_to, answered_as=e.answered_as, posted_at=e.timestamp, reports=0,
        ))

    def reported(self, conn: Connection, e: Any) -> None:
        conn.execute(t.comments.update().where(t.comments.c.id == e.originator_id)
                     .values(reports=t.comments.c.reports + 1))

    def hidden(self, conn: Connection, e: Any) -> None:
        conn.execute(t.comments.update().where(t.comments.c.id == e.originator_id)
                     .values(hidden_at=e.timestamp))

    def following_chosen(self, conn: Connection, e: Any) -> None:
        conn.execute(t.follows.insert().values(
            id=e.originator_id, project_id=e.project_id, account_id=e.account_id,
            following=e.following))

    def _follow(self, conn: Connection, e: Any, following: bool) -> None:
        conn.execute(t.follows.update().where(t.follows.c.id == e.originator_id)
                     .values(following=following))

    def followed(self, conn: Connection, e: Any) -> None:
        self._follow(conn, e, True)

    def unfollowed(self, conn: Connection, e: Any) -> None:
        self._follow(conn, e, False)

    def preferences_set(self, conn: Connection, e: Any) -> None:
        conn.execute(t.conversation_preferences.insert().values(
            id=e.originator_id, account_id=e.account_id, digest=e.digest,
            on_backer_wall=e.on_backer_wall))

    def digest_chosen(self, conn: Connection, e: Any) -> None:
        self._preferences(conn, e, digest=e.digest)

    def backer_wall_chosen(self, conn: Connection, e: Any) -> None:
        self._preferences(conn, e, on_backer_wall=e.shown)

    def _preferences(self, conn: Connection, e: Any, **values: Any) -> None:
        conn.execute(t.conversation_preferences.update()
                     .where(t.conversation_preferences.c.id == e.originator_id).values(**values))
