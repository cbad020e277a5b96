"""Pictures (issue 14): rm_pictures, the pictures of pilots and funds (a read model of the log's
PictureSet events), and picture_texts, each picture's alt text, kept out of the log.

Revision ID: 0022
Revises: 0020
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rm_pictures",
        sa.Column("picture_id", sa.Uuid, primary_key=True),
        sa.Column("owner_kind", sa.String(10), nullable=False),
        sa.Column("owner_id", sa.Uuid, nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, index=True),
        sa.Column("sizes", sa.JSON, nullable=False),
        sa.Column("uploaded_by", sa.String(40), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "picture_texts",
        sa.Column("picture_id", sa.Uuid, primary_key=True),
        sa.Column("alt", sa.String(250), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("picture_texts")
    op.drop_table("rm_pictures")
