"""CIVICFUND_NOW: a clock fixed for demos, refused beside Stripe, announced on pages and in
the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.bootstrap import ConfigurationError, build_clock
from adapters.settings import Settings
from domain.kernel.clock import FixedClock, SystemClock
from tests.conftest import make_platform

FIXED = "2027-03-01T09:00:00+00:00"


def test_a_timestamp_with_its_zone_fixes_the_clock():
    settings = Settings.from_env({"CIVICFUND_NOW": "2027-03-01T10:00:00+01:00"})
    assert settings.now == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    clock = build_clock(settings)
    assert isinstance(clock, FixedClock)
    assert clock.now() == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_unset_or_empty_keeps_the_real_clock():
    assert Settings.from_env({}).now is None
    assert Settings.from_env({"CIVICFUND_NOW": "  "}).now is None
    assert isinstance(build_clock(Settings.from_env({})), SystemClock)


@pytest.mark.parametrize("text", ["tomorrow", "2027-13-01T09:00:00+00:00", "1 March 2027"])
def test_a_bad_value_is_refused_naming_the_variable(text):
    with pytest.raises(ValueError, match="CIVICFUND_NOW") as refused:
        Settings.from_env({"CIVICFUND_NOW": text})
    assert "ISO 8601" in str(refused.value)


def test_a_timestamp_without_a_zone_is_refused():
    with pytest.raises(ValueError, match=r"CIVICFUND_NOW.*no time zone"):
        Settings.from_env({"CIVICFUND_NOW": "2027-03-01T09:00:00"})


def test_stripe_payments_refuse_a_fixed_clock():
    env = {"CIVICFUND_NOW": FIXED, "CIVICFUND_PAYMENTS": "stripe",
           "CIVICFUND_STRIPE_SECRET_KEY": "sk_test_x"}
    with pytest.raises(ValueError, match=r"CIVICFUND_NOW.*CIVICFUND_PAYMENTS=stripe"):
        Settings.from_env(env)
    # Settings made in code are refused as the platform is built.
    fixed = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(ConfigurationError, match=r"CIVICFUND_NOW.*stripe"):
        build_clock(Settings(payments="stripe", now=fixed))


def test_start_up_says_loudly_that_the_clock_is_fixed(caplog):
    with caplog.at_level("WARNING"):
        build_clock(Settings.from_env({"CIVICFUND_NOW": FIXED}))
    assert "THE CLOCK IS FIXED at 2027-03-01T09:00:00+00:00" in caplog.text


@pytest.fixture
def fixed_app(sqlite_url):
    from web.app import create_app

    platform = make_platform(sqlite_url, now=datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    yield create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=platform)
    platform.close()


def test_every_page_carries_the_banner(fixed_app):
    client = fixed_app.test_client()
    for path in ("/", "/projects", "/invest", "/login"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert ("The clock is fixed at 1 Mar 2027, 09:00 UTC for a demo: "
                "nothing here happens in real time.") in page.text, path


def test_pages_and_api_answers_carry_the_header(fixed_app):
    client = fixed_app.test_client()
    answer = client.get("/api/v1/offers")
    assert answer.status_code == 200
    assert answer.headers["X-Civicfund-Clock-Fixed"] == FIXED
    assert client.get("/api/v1/no-such-thing").headers["X-Civicfund-Clock-Fixed"] == FIXED
    # The platform really runs at that moment.
    assert fixed_app.extensions["civicfund"].clock.now() == datetime(2027, 3, 1, 9, tzinfo=UTC)


def test_the_real_clock_shows_neither_banner_nor_header(client):
    page = client.get("/")
    assert "The clock is fixed" not in page.text
    assert "X-Civicfund-Clock-Fixed" not in page.headers
    assert "X-Civicfund-Clock-Fixed" not in client.get("/api/v1/offers").headers


def test_a_bad_setting_on_the_command_line_is_a_message_not_a_traceback(monkeypatch, capsys):
    from web.cli import main

    monkeypatch.setenv("CIVICFUND_NOW", "garbage")
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert said.startswith("civicfund: CIVICFUND_NOW='garbage' is not an ISO 8601 timestamp")
    assert "Traceback" not in said
