"""ManyRows: a batch's rows written by one INSERT per table, on PostgreSQL and SQLite alike."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from adapters.many_rows import MOST_PARAMETERS, ManyRows
from adapters.storage import create_engine

metadata = sa.MetaData()
items = sa.Table(
    "many_rows_items", metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(40), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("note", sa.JSON, nullable=True),
)
counts = sa.Table(
    "many_rows_counts", metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("total", sa.Integer, nullable=False),
)


def _add_to_total(insert):
    statement = insert(counts)
    return statement.on_conflict_do_update(
        index_elements=["key"], set_={"total": counts.c.total + statement.excluded.total})


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    engine = create_engine(url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def _rows(engine: sa.Engine, table: sa.Table) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key))]


def test_every_row_is_written_with_its_values(engine):
    rows = [{"id": uuid.UUID(int=n), "name": f"item {n}", "count": n, "note": {"n": n}}
            for n in range(1, 301)]
    with engine.begin() as conn:
        ManyRows(items.insert()).run(conn, rows)
    assert _rows(engine, items) == [(r["id"], r["name"], r["count"], r["note"]) for r in rows]


def test_rows_setting_other_columns_are_written_too(engine):
    with engine.begin() as conn:
        ManyRows(items.insert()).run(conn, [
            {"id": uuid.UUID(int=1), "name": "with a note", "count": 1, "note": {"a": 1}},
            {"id": uuid.UUID(int=2), "name": "without", "count": 2},
            {"id": uuid.UUID(int=3), "name": "with a note too", "count": 3, "note": [1, 2]},
        ])
    assert [(name, note) for _, name, _, note in _rows(engine, items)] == [
        ("with a note", {"a": 1}), ("without", None), ("with a note too", [1, 2])]


def test_an_upsert_adds_to_existing_rows_and_inserts_new_ones(engine):
    upsert = ManyRows(_add_to_total)
    with engine.begin() as conn:
        upsert.run(conn, [{"key": "a", "total": 1}, {"key": "b", "total": 2}])
    with engine.begin() as conn:
        upsert.run(conn, [{"key": "b", "total": 10}, {"key": "c", "total": 5}])
    assert _rows(engine, counts) == [("a", 1), ("b", 12), ("c", 5)]


def test_more_rows_than_one_statement_takes_go_in_several(engine):
    # Four parameters a row: more rows than PostgreSQL's 65,535 parameters allow at once.
    many = MOST_PARAMETERS // 4 + 10
    rows = [{"id": uuid.UUID(int=n), "name": "x", "count": n, "note": None}
            for n in range(1, many + 1)]
    with engine.begin() as conn:
        ManyRows(items.insert()).run(conn, rows)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count(), sa.func.sum(items.c.count))).one() == (
            many, many * (many + 1) // 2)


def test_a_duplicate_key_is_sqlalchemys_integrity_error_and_writes_nothing(engine):
    with engine.begin() as conn:
        ManyRows(items.insert()).run(conn, [{"id": uuid.UUID(int=1), "name": "first",
                                             "count": 1, "note": None}])
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        ManyRows(items.insert()).run(conn, [
            {"id": uuid.UUID(int=2), "name": "new", "count": 2, "note": None},
            {"id": uuid.UUID(int=1), "name": "again", "count": 3, "note": None},
        ])
    assert [name for _, name, _, _ in _rows(engine, items)] == ["first"]


def test_a_connection_the_database_dropped_is_replaced_for_the_next_batch(postgres_url):
    engine = create_engine(postgres_url)
    metadata.create_all(engine)
    try:
        rows = [{"id": uuid.UUID(int=n), "name": "x", "count": n, "note": None} for n in (1, 2)]
        with pytest.raises(sa.exc.OperationalError) as raised, engine.begin() as conn:
            backend = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            with engine.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"),
                              {"pid": backend})
            ManyRows(items.insert()).run(conn, rows)
        assert raised.value.connection_invalidated

        with engine.begin() as conn:
            ManyRows(items.insert()).run(conn, rows)
        assert [count for _, _, count, _ in _rows(engine, items)] == [1, 2]
    finally:
        engine.dispose()
