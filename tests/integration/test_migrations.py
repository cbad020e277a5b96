"""Migrations create the event store and every table; the app then runs with CREATE_TABLE=false."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters import migrate
from adapters import tables as t
from adapters.bootstrap import build_platform
from adapters.settings import Settings
from adapters.storage import EVENTS_TABLE, create_engine, event_store_env, normalise_url
from tests.conftest import TEST_PASSWORD_METHOD, World


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """An empty database, never migrated."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_the_event_store_and_every_table(database_url):
    assert not table_names(database_url) & set(t.metadata.tables)
    migrate.upgrade(database_url)
    events = EVENTS_TABLE[normalise_url(database_url).get_backend_name()]
    assert {events, *t.metadata.tables} <= table_names(database_url)
    assert migrate.current(database_url) == migrate.head()


def test_the_app_works_on_a_migrated_database_without_creating_tables(database_url, clock):
    assert event_store_env(database_url)["CREATE_TABLE"] == "false"
    migrate.upgrade(database_url)
    platform = build_platform(
        Settings(database_url=database_url, password_method=TEST_PASSWORD_METHOD), clock=clock
    )
    try:
        world = World(platform, clock)
        city_id = world.city("Porto")
        project_id = world.project(city_id, world.officer(city_id))
        world.pledge(project_id, world.citizen(), "40.00")
        assert platform.read.project(project_id).raised.to_decimal_string() == "40.00"
    finally:
        platform.close()


def test_upgrading_twice_is_harmless_and_keeps_the_data(database_url, clock):
    migrate.upgrade(database_url)
    platform = build_platform(
        Settings(database_url=database_url, password_method=TEST_PASSWORD_METHOD), clock=clock
    )
    try:
        world = World(platform, clock)
        city_id = world.city("Porto")
        project_id = world.project(city_id, world.officer(city_id))
        world.pledge(project_id, world.citizen(), "15.00")
        events_before = len(platform.app.recorder.select_notifications(1, 1000))

        migrate.upgrade(database_url)

        assert migrate.current(database_url) == migrate.head()
        assert len(platform.app.recorder.select_notifications(1, 1000)) == events_before
        assert platform.read.project(project_id).raised.to_decimal_string() == "15.00"
        world.pledge(project_id, world.citizen(), "5.00")
        assert platform.read.project(project_id).raised.to_decimal_string() == "20.00"
    finally:
        platform.close()
