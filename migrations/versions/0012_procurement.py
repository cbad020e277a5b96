"""Procurement: co-investment calls, proposals, their scores and the awards (issue 11).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rm_matching_funds") as batch:
        batch.add_column(sa.Column("calls", sa.JSON, nullable=True))
    op.create_table(
        "rm_calls",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("city_id", sa.Uuid, nullable=False, index=True),
        sa.Column("title", sa.String(140), nullable=False),
        sa.Column("challenge", sa.Text, nullable=False),
        sa.Column("route", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("budget", sa.BigInteger, nullable=False),
        sa.Column("capital_stack", sa.JSON, nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("areas", sa.JSON, nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("criteria", sa.JSON, nullable=False),
        sa.Column("phases", sa.JSON, nullable=False),
        sa.Column("phase", sa.Integer, nullable=False),
        sa.Column("evaluators", sa.JSON, nullable=False),
        sa.Column("evaluation_closed", sa.JSON, nullable=False),
        sa.Column("advanced", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rm_proposals",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("call_id", sa.Uuid, nullable=False, index=True),
        sa.Column("proposer_id", sa.Uuid, nullable=False, index=True),
        sa.Column("title", sa.String(140), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("submitted_content", sa.JSON, nullable=True),
        sa.Column("versions", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("conflicts", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("project_id", sa.Uuid, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rm_proposal_scores",
        sa.Column("proposal_id", sa.Uuid, primary_key=True),
        sa.Column("phase", sa.Integer, primary_key=True),
        sa.Column("evaluator_id", sa.Uuid, primary_key=True),
        sa.Column("criterion", sa.String(80), primary_key=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("justification", sa.Text, nullable=False),
    )
    op.create_table(
        "rm_call_awards",
        sa.Column("call_id", sa.Uuid, primary_key=True),
        sa.Column("phase", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Uuid, primary_key=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "rm_project_cost_benefits",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("call_id", sa.Uuid, nullable=False, index=True),
        sa.Column("cba", sa.JSON, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rm_project_cost_benefits")
    with op.batch_alter_table("rm_matching_funds") as batch:
        batch.drop_column("calls")
    op.drop_table("rm_call_awards")
    op.drop_table("rm_proposal_scores")
    op.drop_table("rm_proposals")
    op.drop_table("rm_calls")
