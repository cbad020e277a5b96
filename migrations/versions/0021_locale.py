"""The language a person chose for pages and mail (issue 14): accounts.locale, empty for
"the browser's, then the city's".

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("locale", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("locale")
