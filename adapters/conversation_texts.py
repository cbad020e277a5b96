"""The words of the conversation, kept in conversation_texts beside (never inside) the log."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t

ERASED_TEXT = ""


class SqlConversationTexts:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def keep(self, comment_id: UUID, *, project_id: UUID, author_id: UUID, text: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.conversation_texts.insert().values(
                comment_id=comment_id, project_id=project_id, author_id=author_id, body=text))

    def keep_reason(self, comment_id: UUID, reason: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.conversation_texts.update()
                         .where(t.conversation_texts.c.comment_id == comment_id)
                         .values(hidden_reason=reason))

    def forget(self, comment_id: UUID) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.conversation_texts.delete()
                         .where(t.conversation_texts.c.comment_id == comment_id))


def scrub_conversation(conn: sa.Connection, account_id: UUID) -> int:
    """What an erased person wrote is gone; the items stay (so answers keep their place)."""
    return conn.execute(
        t.conversation_texts.update().where(t.conversation_texts.c.author_id == account_id)
        .values(body=ERASED_TEXT)
    ).rowcount
