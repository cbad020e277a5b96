"""`civicfund audit import DIR` (issue 13): an export written back into an empty database gives
the same read models and the same root; a non-empty database or a tampered export is refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adapters import tables as t
from adapters.transparency_export import export
from domain.kernel.clock import FixedClock
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    START,
    TEST_LOG_KEY,
    TEST_PASSWORD_METHOD,
    World,
    _psycopg_dsn,
    make_platform,
)
from web.cli import cli
from web.demo import load_demo


@pytest.fixture
def target_postgres_url(postgres_url) -> Iterator[str]:
    """A second throw-away PostgreSQL database, beside the one postgres_url made."""
    name = f"civicfund_test_{uuid.uuid4().hex[:12]}"
    admin = _psycopg_dsn(POSTGRES_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(
        hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def demo_export(tmp_path: Path, url: str | None = None):
    source = make_platform(url or f"sqlite:///{tmp_path / 'source.sqlite3'}",
                           FixedClock(START))
    assert load_demo(source) is True
    directory = tmp_path / "export"
    export(source, directory)
    return source, directory


def import_into(url: str, directory: Path, monkeypatch):
    monkeypatch.setenv("CIVICFUND_DATABASE_URL", url)
    monkeypatch.setenv("CIVICFUND_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("CIVICFUND_PASSWORD_HASH", TEST_PASSWORD_METHOD)
    monkeypatch.setenv("CIVICFUND_LOG_SIGNING_KEY", TEST_LOG_KEY)
    return CliRunner().invoke(cli, ["audit", "import", str(directory)])


def read_models(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {table.name: sorted(tuple(map(repr, row)) for row in
                                   conn.execute(sa.select(table)))
                for table in t.READ_MODELS}


def test_an_import_reproduces_the_read_models_and_the_root(tmp_path, monkeypatch):
    source, directory = demo_export(tmp_path)
    url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    assert_imported_alike(source, directory, url, monkeypatch).close()


@pytest.mark.postgres
def test_an_import_into_postgresql_reproduces_the_read_models_and_the_root(
        tmp_path, monkeypatch, postgres_url, target_postgres_url):
    source, directory = demo_export(tmp_path, postgres_url)
    target = assert_imported_alike(source, directory, target_postgres_url, monkeypatch)
    size = target.transparency.size()
    World(target, FixedClock(START)).city("Bergen", "NOK", "NO", "Europe/Oslo")  # next events
    assert target.app.recorder.max_notification_id() > size
    target.close()


def assert_imported_alike(source, directory: Path, url: str, monkeypatch):
    target = make_platform(url, FixedClock(START))

    result = import_into(url, directory, monkeypatch)

    assert result.exit_code == 0, result.output
    size = source.transparency.size()
    assert f"Imported {size} events" in result.output
    assert "The root is the export's signed root and the figures are the export's" \
        in result.output
    assert target.transparency.size() == size
    assert target.transparency.root(size) == source.transparency.root(size)
    expected, imported = read_models(source.engine), read_models(target.engine)
    assert sum(len(rows) for rows in expected.values()) > 500
    assert imported == expected
    assert target.verify_log().ok
    source.close()
    return target


def test_a_database_that_holds_events_is_refused(tmp_path, monkeypatch):
    source, directory = demo_export(tmp_path)
    url = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    events = source.app.recorder.max_notification_id()

    result = import_into(url, directory, monkeypatch)

    assert result.exit_code == 1
    assert (f"Nothing imported: the database is not empty (it holds {events} events)"
            in result.output)
    assert source.app.recorder.max_notification_id() == events
    source.close()


def test_an_export_that_does_not_verify_is_refused_and_nothing_written(tmp_path, monkeypatch):
    source, directory = demo_export(tmp_path)
    url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    target = make_platform(url, FixedClock(START))
    stored = directory / "stored.jsonl"
    lines = stored.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if '\\"currency\\":\\"EUR\\"' in line)
    changed = json.loads(lines[at])
    changed["state"] = changed["state"].replace('"currency":"EUR"', '"currency":"GBP"')
    lines_changed = [*lines[:at], json.dumps(changed), *lines[at + 1:]]
    stored.write_text("\n".join(lines_changed) + "\n", encoding="utf-8")

    result = import_into(url, directory, monkeypatch)

    assert result.exit_code == 1
    assert f"Nothing imported: the stored event at line {at + 1}" in result.output
    assert "is not its entry" in result.output
    assert not target.app.recorder.max_notification_id()

    stored.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["checkpoint"] = manifest["checkpoint"].replace(
        f"\n{source.transparency.size()}\n", "\n1\n")
    (directory / "manifest.json").write_text(json.dumps(manifest))
    result = import_into(url, directory, monkeypatch)
    assert result.exit_code == 1
    assert "Nothing imported: the export's checkpoint does not verify" in result.output
    assert not target.app.recorder.max_notification_id()
    source.close()
    target.close()
