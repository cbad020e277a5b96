"""Accounts and sessions: confirmed emails, expiring API tokens, server-side sessions and mailed
single-use links.

Accounts that exist before this revision count as confirmed (they were made before confirmation
was asked for); tokens that exist get an id and expire 30 days after the upgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("email_verified_at", when(), nullable=True))
    op.execute("UPDATE accounts SET email_verified_at = created_at")

    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("id", sa.Uuid, nullable=True))
        batch.add_column(sa.Column("expires_at", when(), nullable=True))
        batch.add_column(sa.Column("last_used_at", when(), nullable=True))
    tokens = sa.table(
        "api_tokens", sa.column("token_hash", sa.String), sa.column("id", sa.Uuid),
        sa.column("expires_at", when()),
    )
    conn = op.get_bind()
    expires = datetime.now(UTC) + timedelta(days=30)
    for (token_hash,) in conn.execute(sa.select(tokens.c.token_hash)).all():
        conn.execute(
            tokens.update().where(tokens.c.token_hash == token_hash)
            .values(id=uuid.uuid4(), expires_at=expires)
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("id", existing_type=sa.Uuid, nullable=False)
        batch.alter_column("expires_at", existing_type=when(), nullable=False)
        batch.create_unique_constraint("uq_api_tokens_id", ["id"])

    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("last_seen_at", when(), nullable=False),
    )
    op.create_table(
        "account_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("expires_at", when(), nullable=False),
        sa.Column("used_at", when(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("account_links")
    op.drop_table("sessions")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint("uq_api_tokens_id", type_="unique")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
        batch.drop_column("id")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("email_verified_at")
