"""Distributions of benefit-sharing agreements paid out through the payments port (issue 12):
each investor's part of an approved report, owed until paid, with its failures and retries
(the money is the ledger's investor/<id>/receivable|received).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rm_distribution_payouts",
        sa.Column("report_id", sa.Uuid, primary_key=True),
        sa.Column("investor_id", sa.Uuid, primary_key=True, index=True),
        sa.Column("offer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("tiers", sa.JSON, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("distributed_on", sa.Date, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("failure", sa.Text, nullable=False),
        sa.Column("retry_at", when(), nullable=True),
        sa.Column("reference", sa.String(80), nullable=True),
        sa.Column("updated_at", when(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rm_distribution_payouts")
