"""Full-text search over pilots: one interface, SQLite FTS5 or PostgreSQL's tsvector.

Both databases index the same text, written here: the words of a pilot's title, summary, area
and proposer, lower case and without accents. A search string is cut into words the same way,
so quotes, operators and SQL in it are only words (bound as parameters, never as syntax); every
word must match the start of a word of the pilot ("sens" finds "sensors").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import sqlalchemy as sa

from adapters import tables as t

_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8  # a search uses its first eight words
MAX_WORD = 40  # characters of a word a search keeps


def words(text: str) -> list[str]:
    """The words of a text, lower case and without accents."""
    decomposed = unicodedata.normalize("NFKD", text or "").lower()
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _WORD.findall(bare)


def document(*parts: str) -> str:
    """What the search index holds for a pilot (migration 0018 backfills the same)."""
    return " ".join(words(" ".join(parts)))


def query_words(text: str) -> list[str]:
    return [word[:MAX_WORD] for word in words(text)[:MAX_WORDS]]


def index_project(conn: sa.Connection, project_id: Any, *parts: str) -> None:
    """Writes (or rewrites) a pilot's entry in the search index."""
    s = t.project_search
    text = document(*parts)
    value = (sa.func.to_tsvector("simple", text) if conn.dialect.name == "postgresql" else text)
    conn.execute(s.delete().where(s.c.project_id == project_id))
    conn.execute(s.insert().values(project_id=project_id, document=value))


def matching(dialect: str, text: str) -> Any | None:
    """A condition on rm_projects: the pilots whose words start with every word of the search;
    None when the search has no words."""
    found = query_words(text)
    if not found:
        return None
    s = t.project_search.c
    if dialect == "postgresql":
        terms = [sa.func.to_tsquery("simple", sa.literal(f"{word}:*")) for word in found]
        tsquery = terms[0]
        for term in terms[1:]:
            tsquery = tsquery.op("&&")(term)
        condition = s.document.op("@@")(tsquery)
    else:
        # FTS5 query syntax, built from bare words only: each a quoted prefix.
        condition = s.document.op("MATCH")(" AND ".join(f'"{word}"*' for word in found))
    return t.projects.c.id.in_(sa.select(s.project_id).where(condition))
