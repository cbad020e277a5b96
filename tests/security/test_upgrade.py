"""A database made by the previous release (revision 0005) upgrades: its accounts count as
confirmed, its API tokens get an id and thirty days, and its people can still log in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from adapters import migrate
from adapters.accounts import token_hash
from adapters.bootstrap import build_platform
from adapters.settings import Settings
from adapters.storage import create_engine
from tests.conftest import PASSWORD, TEST_PASSWORD_METHOD


@pytest.fixture(params=["sqlite", "postgres"])
def old_database(request) -> str:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    migrate.upgrade(url, "0005")
    return url


def test_a_previous_release_database_upgrades(old_database, clock):
    account_id, made = uuid.uuid4(), datetime(2026, 1, 5, tzinfo=UTC)
    engine = create_engine(old_database)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO accounts (id, email, name, password_hash, role, city_id, created_at) "
            "VALUES (:id, 'old@example.org', 'Old Timer', :hash, 'citizen', NULL, :made)"
        ), {"id": account_id if old_database.startswith("postgres") else account_id.hex,
            "hash": generate_password_hash(PASSWORD, TEST_PASSWORD_METHOD), "made": made})
        conn.execute(sa.text(
            "INSERT INTO api_tokens (token_hash, account_id, created_at) VALUES (:h, :a, :made)"
        ), {"h": token_hash("old-token"),
            "a": account_id if old_database.startswith("postgres") else account_id.hex,
            "made": made})
    engine.dispose()

    migrate.upgrade(old_database)

    assert migrate.current(old_database) == migrate.head()
    platform = build_platform(
        Settings(database_url=old_database, password_method=TEST_PASSWORD_METHOD), clock=clock
    )
    try:
        account = platform.accounts.authenticate("old@example.org", PASSWORD)
        assert account is not None and account.email_verified
        assert platform.accounts.by_token("old-token").id == account_id
        [token] = platform.accounts.tokens_of(account_id)
        assert token.id is not None
        assert token.expires_at > datetime.now(UTC) + timedelta(days=29)
        session = platform.sessions.start(account_id)
        assert platform.sessions.account_of(session) == account_id
    finally:
        platform.close()
