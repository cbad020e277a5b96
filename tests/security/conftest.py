"""The security layer runs the app as production does: rate limits on, Secure cookies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.bootstrap import Platform
from tests.conftest import make_platform


@pytest.fixture
def platform(sqlite_url, clock) -> Iterator[Platform]:
    p = make_platform(sqlite_url, clock, rate_limits="on", insecure_cookies=False)
    yield p
    p.close()


@pytest.fixture
def app(platform):
    from web.app import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=platform)
