"""Shared fixtures: platforms on SQLite and PostgreSQL, a Flask app, and a seeded world."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings

from adapters import migrate
from adapters.bootstrap import Platform, build_platform
from adapters.settings import Settings
from adapters.transparency_keys import LogKey
from domain.crowdfunding.project import BudgetLine
from domain.kernel.clock import FixedClock
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money


class EnglishClient(FlaskClient):
    """A browser that asks for English: the demo cities' pages would otherwise speak their
    city's language (PT, HR, HU...). Tests of other languages send their own Accept-Language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


# Every app the tests make (fixtures and tests' own create_app) hands out English clients.
Flask.test_client_class = EnglishClient

START = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

# Property tests: CI explores fully; a local run takes a quick look unless asked for more
# (HYPOTHESIS_PROFILE=ci).
settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI")
                                                                else "dev"))
PASSWORD = "correct horse battery"

# Where the tests find PostgreSQL. Each test that needs it gets a database of its own.
POSTGRES_ADMIN_URL = os.environ.get(
    "CIVICFUND_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _psycopg_dsn(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(_psycopg_dsn(POSTGRES_ADMIN_URL), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def pytest_collection_modifyitems(items) -> None:
    """Mark every test that runs on PostgreSQL, so `-m postgres` selects them."""
    for item in items:
        params = getattr(item, "callspec", None)
        on_postgres = "postgres_url" in item.fixturenames or (
            params is not None and params.params.get("any_platform") == "postgres"
        )
        if on_postgres:
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    if postgres_reachable():
        return True
    if os.environ.get("CI"):
        pytest.fail("PostgreSQL is not reachable in CI: the PostgreSQL tests must run there")
    return False


@pytest.fixture
def postgres_url(postgres_available: bool) -> Iterator[str]:
    if not postgres_available:
        pytest.skip("no PostgreSQL reachable (CIVICFUND_TEST_POSTGRES_URL); CI runs these")
    name = f"civicfund_test_{uuid.uuid4().hex[:12]}"
    admin = _psycopg_dsn(POSTGRES_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'civicfund.sqlite3'}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


# Tests hash passwords cheaply: scrypt's deliberate slowness would dominate the suite's time.
TEST_PASSWORD_METHOD = "pbkdf2:sha256:1000"
# The transparency log's signing key in tests (not one generated into the working directory).
TEST_LOG_KEY = LogKey("civicfund.test/log", bytes(range(32))).text()


def make_platform(url: str, clock: FixedClock | None = None, **settings) -> Platform:
    settings.setdefault("password_method", TEST_PASSWORD_METHOD)
    # The suite logs in and pledges far faster than people do, from one address, over plain
    # HTTP: rate limits are off and cookies not Secure here; tests/security turns both back on.
    settings.setdefault("rate_limits", "off")
    settings.setdefault("insecure_cookies", True)
    settings.setdefault("log_signing_key", TEST_LOG_KEY)
    migrate.upgrade(url)
    return build_platform(Settings(database_url=url, **settings), clock=clock)


@pytest.fixture
def platform(sqlite_url: str, clock: FixedClock) -> Iterator[Platform]:
    """The embedded default: a SQLite file."""
    p = make_platform(sqlite_url, clock)
    yield p
    p.close()


@pytest.fixture
def pg_platform(postgres_url: str, clock: FixedClock) -> Iterator[Platform]:
    p = make_platform(postgres_url, clock)
    yield p
    p.close()


@pytest.fixture(params=["sqlite", "postgres"])
def any_platform(request, clock: FixedClock) -> Iterator[Platform]:
    """The same test on SQLite and on PostgreSQL."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    p = make_platform(url, clock)
    yield p
    p.close()


# -- a seeded world ----------------------------------------------------------------------------

@dataclass
class World:
    """Builds cities, accounts, projects and pledges through the real use cases."""

    platform: Platform
    clock: FixedClock
    emails: dict[UUID, str] = field(default_factory=dict)

    @property
    def app(self):
        return self.platform.app

    def city(self, name: str = "Porto", currency: str = "EUR", country: str = "PT",
             timezone: str = "Europe/Lisbon") -> UUID:
        found = self.platform.read.city_named(name)
        if found:
            return found.id
        with acting_as(SYSTEM, "test-seed"):
            city_id = self.app.add_city(name, currency=currency, country=country, timezone=timezone)
        self.platform.projections.catch_up()
        return city_id

    def account(self, role: str, email: str | None = None, city_id: UUID | None = None,
                name: str | None = None) -> UUID:
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        with acting_as(SYSTEM, "test-seed"):
            account_id = self.platform.register(
                email=email, name=name or f"Test {role.title()}", password=PASSWORD, role=role,
                city_id=city_id, verified=True,
            )
        self.emails[account_id] = email
        return account_id

    def citizen(self, email: str | None = None) -> UUID:
        return self.account("citizen", email)

    def officer(self, city_id: UUID, email: str | None = None) -> UUID:
        return self.account("city", email, city_id=city_id)

    def project(
        self, city_id: UUID, officer_id: UUID, *, title: str = "Smart bike lanes",
        lines: tuple[tuple[str, str, bool], ...] = (("Sensors", "8000.00", True),
                                                    ("Signage", "2000.00", False)),
        funding_model: str = "all_or_nothing", open_campaign: bool = True,
        closes_in: timedelta = timedelta(days=30), theme: str = "Mobility", area: str = "Centre",
    ) -> UUID:
        city = self.app.get_city(city_id)
        with acting_as(Actor(str(officer_id), "city"), "test-seed"):
            project_id = self.app.draft_project(
                city_id=city_id, area=area, theme=theme, title=title,
                summary="A pilot the neighbourhood asked for.", proposer="Friends of the Park",
                budget_lines=[BudgetLine(label, Money.parse(amount, city.currency), required)
                              for label, amount, required in lines],
                funding_model=funding_model, opens_at=self.clock.now() - timedelta(hours=1),
                closes_at=self.clock.now() + closes_in,
            )
            if open_campaign:
                self.app.open_campaign(project_id)
        self.platform.projections.catch_up()
        return project_id

    def pledge(self, project_id: UUID, citizen_id: UUID, amount: str,
               payment_method: str = "pm_card_visa") -> UUID:
        currency = self.app.get_project(project_id).currency
        with acting_as(Actor(str(citizen_id), "citizen"), "test-seed"):
            pledge_id = self.app.make_pledge(
                project_id=project_id, citizen_id=citizen_id,
                amount=Money.parse(amount, currency), payment_method=payment_method,
            )
        self.platform.projections.catch_up()
        return pledge_id

    def token(self, account_id: UUID) -> str:
        return self.platform.accounts.issue_token(account_id)


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return World(platform, clock)


# -- the web app -------------------------------------------------------------------------------

@pytest.fixture
def app(platform: Platform):
    from web.app import create_app

    flask_app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=platform)
    return flask_app


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_FIELD.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
