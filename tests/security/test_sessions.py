"""Sessions end when they should: logout, password and role changes, idle and absolute timeouts;
login starts a new session; the cookie is Secure and HttpOnly outside local development."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import PASSWORD, csrf_from, login

COOKIE = "__Host-civicfund"  # the session cookie's name when it is Secure


def saved_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def browser_with(app, cookie: str):
    """Another browser that replays a saved copy of the cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, cookie, domain="localhost")
    return other


def signed_in(client) -> bool:
    page = client.get("/me/pledges")
    return page.status_code == 200


class Clock:
    """The wall clock the session store reads, moved by the test."""

    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def session_clock(platform) -> Clock:
    clock = Clock()
    platform.sessions.now = clock
    return clock


@pytest.fixture
def citizen(world):
    return world.citizen()


def test_a_saved_cookie_stops_working_after_logout(app, client, world, citizen):
    page = login(client, world.emails[citizen])
    copy = saved_cookie(client)
    assert signed_in(browser_with(app, copy))

    client.post("/logout", data={"csrf_token": csrf_from(page.text)})

    assert not signed_in(client)
    assert not signed_in(browser_with(app, copy))


def test_changing_the_password_ends_every_other_session(app, world, citizen, platform):
    email = world.emails[citizen]
    laptop, phone = app.test_client(), app.test_client()
    login(phone, email)
    page = login(laptop, email).text
    page = laptop.get("/security").text

    answer = laptop.post("/security/password", data={
        "current": PASSWORD, "password": "a brand new passphrase",
        "confirm": "a brand new passphrase", "csrf_token": csrf_from(page),
    })

    assert answer.status_code == 303
    assert signed_in(laptop)  # the browser that changed it goes on
    assert not signed_in(phone)
    assert platform.accounts.authenticate(email, "a brand new passphrase") is not None
    [notice] = [m for m in platform.outbox.messages(account_id=citizen)
                if m.kind == "password_changed"]
    assert "was just changed" in notice.body


def test_the_password_change_needs_the_current_password_and_the_policy(app, world, citizen):
    client = app.test_client()
    login(client, world.emails[citizen])
    page = client.get("/security").text
    wrong = client.post("/security/password", data={
        "current": "not my password", "password": "a brand new passphrase",
        "confirm": "a brand new passphrase", "csrf_token": csrf_from(page),
    })
    assert wrong.status_code == 422 and "That is not your current password" in wrong.text
    short = client.post("/security/password", data={
        "current": PASSWORD, "password": "too short", "confirm": "too short",
        "csrf_token": csrf_from(page),
    })
    assert short.status_code == 422 and "at least 12 characters" in short.text
    assert 'role="alert"' in short.text


def test_a_role_change_ends_the_accounts_sessions(app, world, citizen, platform, clock):
    client = app.test_client()
    login(client, world.emails[citizen])
    assert signed_in(client)
    admin = world.account("admin")

    from domain.kernel.context import Actor, acting_as

    with acting_as(Actor(str(admin), "admin"), "test"):
        platform.change_role(citizen, "investor", None)

    assert client.get("/me/pledges").status_code == 302  # back to the login page


def test_an_idle_session_ends(app, client, world, citizen, session_clock, platform):
    login(client, world.emails[citizen])
    session_clock.advance(minutes=platform.settings.session_idle_minutes - 1)
    assert signed_in(client)  # in use: the idle time starts again
    session_clock.advance(minutes=platform.settings.session_idle_minutes - 1)
    assert signed_in(client)
    session_clock.advance(minutes=platform.settings.session_idle_minutes + 1)
    assert not signed_in(client)


def test_a_session_ends_after_its_lifetime_even_in_use(app, client, world, citizen,
                                                       session_clock, platform):
    login(client, world.emails[citizen])
    lifetime = timedelta(hours=platform.settings.session_max_hours)
    step = timedelta(minutes=platform.settings.session_idle_minutes - 5)
    used = timedelta()
    while used + step < lifetime:
        session_clock.advance(seconds=step.total_seconds())
        used += step
        assert signed_in(client)
    session_clock.advance(seconds=step.total_seconds())
    assert not signed_in(client)


def test_logging_in_starts_a_new_session(app, client, world, citizen):
    client.get("/login")
    before = saved_cookie(client)  # what an attacker could plant before the victim logs in
    login(client, world.emails[citizen])
    after = saved_cookie(client)

    assert after != before
    assert not signed_in(browser_with(app, before))
    assert signed_in(browser_with(app, after))


def test_two_logins_are_two_sessions_and_one_logout_ends_one(app, world, citizen):
    one, two = app.test_client(), app.test_client()
    page = login(one, world.emails[citizen])
    login(two, world.emails[citizen])
    one.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert not signed_in(one)
    assert signed_in(two)


def test_the_session_cookie_is_secure_and_http_only_outside_local_development(client, world,
                                                                              citizen):
    page = client.get("/login")
    answer = client.post("/login", data={
        "email": world.emails[citizen], "password": PASSWORD, "csrf_token": csrf_from(page.text),
    })
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Domain" not in cookie and "Path=/" in cookie


def test_local_development_says_so_explicitly(sqlite_url, clock):
    from adapters.settings import Settings
    from tests.conftest import make_platform
    from web.app import create_app

    assert Settings.from_env({}).insecure_cookies is False
    assert Settings.from_env({"CIVICFUND_INSECURE_COOKIES": "1"}).insecure_cookies is True
    platform = make_platform(sqlite_url, clock, insecure_cookies=True)
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "x"}, platform=platform)
        assert app.config["SESSION_COOKIE_SECURE"] is False
        assert app.config["SESSION_COOKIE_NAME"] == "civicfund"
    finally:
        platform.close()


def test_demo_and_run_on_loopback_mark_local_development(monkeypatch):
    from adapters.settings import Settings
    from web.cli import local_development

    monkeypatch.setenv("CIVICFUND_INSECURE_COOKIES", "")  # so the teardown restores it
    monkeypatch.delenv("CIVICFUND_INSECURE_COOKIES")
    local_development("0.0.0.0")  # noqa: S104 - the address a public server binds
    import os

    assert "CIVICFUND_INSECURE_COOKIES" not in os.environ
    local_development("127.0.0.1")
    assert os.environ["CIVICFUND_INSECURE_COOKIES"] == "1"
    assert Settings.from_env().insecure_cookies


def test_the_security_page_lists_sessions_and_logs_out_the_others(app, world, citizen):
    laptop, phone = app.test_client(), app.test_client()
    login(phone, world.emails[citizen])
    login(laptop, world.emails[citizen])
    page = laptop.get("/security")
    assert page.status_code == 200
    assert page.text.count("Logged in ") == 2 and "(this browser)" in page.text

    laptop.post("/security/sessions/others", data={"csrf_token": csrf_from(page.text)})

    assert signed_in(laptop) and not signed_in(phone)
