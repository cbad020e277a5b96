"""Investment offers, investors' commitments and passed appropriateness checks (issue 12). The
money is the ledger's (offer and investor accounts); these tables hold kinds, terms and states.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rm_offers",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("city_id", sa.Uuid, nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("target", sa.BigInteger, nullable=False),
        sa.Column("minimum", sa.BigInteger, nullable=False),
        sa.Column("maximum", sa.BigInteger, nullable=False),
        sa.Column("min_ticket", sa.BigInteger, nullable=False),
        sa.Column("opens_at", when(), nullable=False),
        sa.Column("closes_at", when(), nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("added_at", when(), nullable=False),
    )
    op.create_table(
        "rm_investment_commitments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("offer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("investor_id", sa.Uuid, nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("committed_at", when(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
    )
    op.create_table(
        "rm_appropriateness",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("passed_at", when(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rm_appropriateness")
    op.drop_table("rm_investment_commitments")
    op.drop_table("rm_offers")
