"""Privacy: erased accounts stay as tombstones (erased_at), and erasure requests are kept with
their reason and the administrator's note (free text stays out of the event log).

Revision ID: 0008
Revises: 0007 (re-chained after 0006 when the branches merge)
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite adds it in place (no table copy, so api_tokens' cascade is safe).
    op.add_column("accounts", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "account_erasures",
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(40), nullable=False),
        sa.Column("requested_by_role", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True, index=True),
    )


def downgrade() -> None:
    op.drop_table("account_erasures")
    op.drop_column("accounts", "erased_at")
