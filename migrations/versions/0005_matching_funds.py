"""Matching funds: their balances, rule versions and matches, and what they add to projects and
pledges.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("rm_projects") as batch:
        batch.add_column(sa.Column("matched", sa.BigInteger, nullable=False, server_default="0"))
    with op.batch_alter_table("rm_pledges") as batch:
        batch.add_column(sa.Column("matched", sa.BigInteger, nullable=False, server_default="0"))
    op.create_table(
        "rm_matching_funds",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("city_id", sa.Uuid, nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("sponsor", sa.String(120), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("pool", sa.BigInteger, nullable=False),
        sa.Column("committed", sa.BigInteger, nullable=False),
        sa.Column("reserved", sa.BigInteger, nullable=False),
        sa.Column("returned", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opens_at", when(), nullable=False),
        sa.Column("closes_at", when(), nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
    )
    op.create_table(
        "rm_fund_rule_versions",
        sa.Column("fund_id", sa.Uuid, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("effective_from", when(), nullable=False),
        sa.Column("amended_at", when(), nullable=False),
    )
    op.create_table(
        "rm_matches",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("fund_id", sa.Uuid, nullable=False, index=True),
        sa.Column("pledge_id", sa.Uuid, nullable=True, index=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("backer_id", sa.Uuid, nullable=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("rule_version", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("recorded_at", when(), nullable=False),
    )


def downgrade() -> None:
    for table in ("rm_matches", "rm_fund_rule_versions", "rm_matching_funds"):
        op.drop_table(table)
    with op.batch_alter_table("rm_pledges") as batch:
        batch.drop_column("matched")
    with op.batch_alter_table("rm_projects") as batch:
        batch.drop_column("matched")
