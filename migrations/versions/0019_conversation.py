"""Conversation on pilots (issue 14): questions, comments and answers (rm_comments; their words
and hiding reasons in conversation_texts, outside the log), who follows a pilot (rm_follows),
people's update-mail and backer-wall preferences, and the weekly digests' queue.

Revision ID: 0019
Revises: 0017
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rm_comments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("author_id", sa.Uuid, nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("answer_to", sa.Uuid, nullable=True, index=True),
        sa.Column("answered_as", sa.String(20), nullable=True),
        sa.Column("posted_at", when(), nullable=False),
        sa.Column("reports", sa.Integer, nullable=False),
        sa.Column("hidden_at", when(), nullable=True),
    )
    op.create_table(
        "rm_follows",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("account_id", sa.Uuid, nullable=False, index=True),
        sa.Column("following", sa.Boolean, nullable=False),
    )
    op.create_table(
        "rm_conversation_preferences",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("digest", sa.String(10), nullable=False),
        sa.Column("on_backer_wall", sa.Boolean, nullable=False),
    )
    op.create_table(
        "conversation_texts",
        sa.Column("comment_id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("author_id", sa.Uuid, nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("hidden_reason", sa.String(300), nullable=True),
    )
    op.create_table(
        "mail_digest_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(80), nullable=False, unique=True),
        sa.Column("account_id", sa.Uuid, nullable=False, index=True),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("digested_at", when(), nullable=True),
    )
    op.create_table(
        "mail_digests",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("last_sent_at", when(), nullable=False),
    )


def downgrade() -> None:
    for table in ("mail_digests", "mail_digest_items", "conversation_texts",
                  "rm_conversation_preferences", "rm_follows", "rm_comments"):
        op.drop_table(table)
