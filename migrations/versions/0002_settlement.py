"""Settlement: pending totals, settled flag, payouts, fix windows, milestones, updates, and the
sandbox gateway's ledger.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("rm_projects") as batch:
        batch.add_column(sa.Column("pending", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("settled", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("payout", sa.BigInteger, nullable=True))
    with op.batch_alter_table("rm_pledges") as batch:
        batch.add_column(sa.Column("fix_by", when(), nullable=True))
        batch.add_column(sa.Column("failure", sa.String(300), nullable=True))
    op.create_table(
        "rm_milestones",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(140), nullable=False),
        sa.Column("due", when(), nullable=False),
        sa.Column("completed_at", when(), nullable=True),
    )
    op.create_table(
        "rm_updates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("title", sa.String(140), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("posted_at", when(), nullable=False),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(80), nullable=False, unique=True),
        sa.Column("account_id", sa.Uuid, nullable=False, index=True),
        sa.Column("pledge_id", sa.Uuid, nullable=True, index=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("sent_at", when(), nullable=True),
    )
    op.create_table(
        "sandbox_requests",
        sa.Column("idempotency_key", sa.String(255), primary_key=True),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("created_at", when(), nullable=False),
    )
    op.create_table(
        "sandbox_intents",
        sa.Column("reference", sa.String(80), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("pledge_id", sa.String(36), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_method", sa.String(80), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("refunded", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "sandbox_charges",
        sa.Column("reference", sa.String(80), primary_key=True),
        sa.Column("intent", sa.String(80), nullable=False),
        sa.Column("pledge_id", sa.String(36), nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", when(), nullable=False),
    )


def downgrade() -> None:
    for table in ("sandbox_charges", "sandbox_intents", "sandbox_requests", "mail_outbox",
                  "rm_updates",
                  "rm_milestones"):
        op.drop_table(table)
    with op.batch_alter_table("rm_pledges") as batch:
        batch.drop_column("failure")
        batch.drop_column("fix_by")
    with op.batch_alter_table("rm_projects") as batch:
        batch.drop_column("payout")
        batch.drop_column("settled")
        batch.drop_column("pending")
