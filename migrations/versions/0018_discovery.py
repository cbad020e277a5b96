"""Discovery (issue 14): full-text search over pilots' titles, summaries, areas and proposers
(SQLite: an FTS5 table; PostgreSQL: a tsvector column with a GIN index), and the amounts a city
suggests on a pilot's pledge form.

Revision ID: 0018
Revises: 0019
Create Date: 2026-11-30
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0019"
branch_labels = None
depends_on = None


def _document(*parts: str) -> str:
    """As adapters/search.py `document` writes it: the words, lower case, without accents."""
    text = unicodedata.normalize("NFKD", " ".join(parts)).lower()
    return " ".join(re.findall(r"[^\W_]+", "".join(c for c in text if not unicodedata.combining(c))))


def upgrade() -> None:
    with op.batch_alter_table("rm_projects") as table:
        table.add_column(sa.Column("suggested_amounts", sa.JSON, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.create_table(
            "rm_project_search",
            sa.Column("project_id", sa.Uuid, primary_key=True),
            sa.Column("document", postgresql.TSVECTOR, nullable=False),
        )
        op.create_index("ix_rm_project_search_document", "rm_project_search", ["document"],
                        postgresql_using="gin")
        insert = "INSERT INTO rm_project_search VALUES (:id, to_tsvector('simple', :document))"
    else:
        op.execute("CREATE VIRTUAL TABLE rm_project_search USING fts5("
                   "project_id UNINDEXED, document, tokenize = 'unicode61 remove_diacritics 2')")
        insert = "INSERT INTO rm_project_search (project_id, document) VALUES (:id, :document)"
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, title, summary, area, proposer FROM rm_projects"))
    for row in rows.fetchall():
        conn.execute(sa.text(insert), {"id": row.id, "document": _document(*row[1:])})


def downgrade() -> None:
    op.drop_table("rm_project_search")
    with op.batch_alter_table("rm_projects") as table:
        table.drop_column("suggested_amounts")
