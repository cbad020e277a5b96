"""A pilot's impact after delivery (issue 14): its indicators and the values measured on them
(read models), and each value's evidence, kept out of the log.

Revision ID: 0020
Revises: 0018
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rm_impact_indicators",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("city_id", sa.Uuid, nullable=False, index=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("unit", sa.String(24), nullable=False),
        sa.Column("target", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(6), nullable=False),
        sa.Column("negatives_allowed", sa.Boolean, nullable=False),
        sa.Column("money_benefit", sa.Boolean, nullable=False),
        sa.Column("defined_at", when(), nullable=False),
    )
    op.create_table(
        "rm_impact_values",
        sa.Column("report_id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("indicator", sa.Integer, nullable=False),
        sa.Column("measured_on", sa.Date, nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("reported_at", when(), nullable=False),
    )
    op.create_table(
        "impact_evidence",
        sa.Column("report_id", sa.Uuid, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("impact_evidence")
    op.drop_table("rm_impact_values")
    op.drop_table("rm_impact_indicators")
