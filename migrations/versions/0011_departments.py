"""Departments, their budget lines and their commitments to pilots (issue 11). The money is the
ledger's (budget-line accounts); these tables hold names, years and states.

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def when() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rm_departments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("city_id", sa.Uuid, nullable=False, index=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", when(), nullable=False),
    )
    op.create_table(
        "rm_department_budget_lines",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("department_id", sa.Uuid, nullable=False, index=True),
        sa.Column("name", sa.String(140), nullable=False),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("added_at", when(), nullable=False),
    )
    op.create_table(
        "rm_commitments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("department_id", sa.Uuid, nullable=False, index=True),
        sa.Column("line_id", sa.Uuid, nullable=False, index=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("conditional", sa.Boolean, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("committed_at", when(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rm_commitments")
    op.drop_table("rm_department_budget_lines")
    op.drop_table("rm_departments")
