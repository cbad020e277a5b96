"""Benefit-sharing agreements: their versions and signatures, benefit reports and the payments
of their distributions (issue 12). The money is the ledger's (project/<id>/benefits and the
parties' and investors' received accounts); these tables say who, when and why.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rm_agreements",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("agreement_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("city_id", sa.Uuid, nullable=False, index=True),
        sa.Column("offer_id", sa.Uuid, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("community_fund_id", sa.Uuid, nullable=True),
        sa.Column("parties", sa.JSON, nullable=False),
        sa.Column("drawn_up_at", when(), nullable=False),
    )
    op.create_table(
        "rm_agreement_versions",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("effective_on", sa.Date, nullable=True),
        sa.Column("proposed_at", when(), nullable=False),
    )
    op.create_table(
        "rm_agreement_signatures",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("party", sa.String(20), primary_key=True),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("signed_at", when(), nullable=False),
    )
    op.create_table(
        "rm_benefit_reports",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("city_id", sa.Uuid, nullable=False, index=True),
        sa.Column("reporter_id", sa.Uuid, nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("category", sa.String(80), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.Uuid, nullable=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("reported_at", when(), nullable=False),
        sa.Column("decided_at", when(), nullable=True),
    )
    op.create_table(
        "rm_distribution_payments",
        sa.Column("report_id", sa.Uuid, primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("tier", sa.Integer, nullable=False),
        sa.Column("party", sa.String(20), nullable=False),
        sa.Column("investor_id", sa.Uuid, nullable=True, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("distributed_at", when(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rm_distribution_payments")
    op.drop_table("rm_benefit_reports")
    op.drop_table("rm_agreement_signatures")
    op.drop_table("rm_agreement_versions")
    op.drop_table("rm_agreements")
