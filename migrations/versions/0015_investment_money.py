"""Investment money in and out (issue 12): pay-in outcomes on investors' commitments, issued
community bonds and their holders' payouts, and every investor's cash flows per holding (the
portfolio). The money is the ledger's (offer/<id>/paidin, investor/<id>/paidin|receivable|
received, city/<id>/bonds); these tables say when, to whom and why.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("rm_investment_commitments") as table:
        table.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("failure", sa.Text, nullable=False, server_default=""))
        table.add_column(sa.Column("retry_at", when(), nullable=True))
        table.add_column(sa.Column("paid_on", sa.Date, nullable=True))
    op.create_table(
        "rm_issued_bonds",
        sa.Column("offer_id", sa.Uuid, primary_key=True),
        sa.Column("bond_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("city_id", sa.Uuid, nullable=False, index=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issue_date", sa.Date, nullable=False),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("holdings", sa.JSON, nullable=False),
    )
    op.create_table(
        "rm_bond_payouts",
        sa.Column("offer_id", sa.Uuid, primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("investor_id", sa.Uuid, primary_key=True, index=True),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("interest", sa.BigInteger, nullable=False),
        sa.Column("capital", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("failure", sa.Text, nullable=False),
        sa.Column("retry_at", when(), nullable=True),
        sa.Column("reference", sa.String(80), nullable=True),
        sa.Column("updated_at", when(), nullable=False),
    )
    op.create_table(
        "rm_investment_cash_flows",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("investor_id", sa.Uuid, nullable=False, index=True),
        sa.Column("offer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("project_id", sa.Uuid, nullable=False),
        sa.Column("on", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("tier", sa.Integer, nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rm_investment_cash_flows")
    op.drop_table("rm_bond_payouts")
    op.drop_table("rm_issued_bonds")
    with op.batch_alter_table("rm_investment_commitments") as table:
        table.drop_column("paid_on")
        table.drop_column("retry_at")
        table.drop_column("failure")
        table.drop_column("attempts")
