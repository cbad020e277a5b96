"""The proposer account that owns a project's delivery.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rm_projects") as batch:
        batch.add_column(sa.Column("delivery_owner_id", sa.Uuid, nullable=True))
        batch.create_index("ix_rm_projects_delivery_owner_id", ["delivery_owner_id"])


def downgrade() -> None:
    with op.batch_alter_table("rm_projects") as batch:
        batch.drop_index("ix_rm_projects_delivery_owner_id")
        batch.drop_column("delivery_owner_id")
