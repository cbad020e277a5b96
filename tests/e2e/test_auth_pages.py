"""Registering, logging in and out through the pages, and what happens with bad input."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, csrf_from, login


def register(client, *, name="Ana Costa", email="ana@example.org", password=PASSWORD, **extra):
    page = client.get("/register")
    data = {"name": name, "email": email, "password": password,
            "csrf_token": csrf_from(page.text), **extra}
    return client.post("/register", data=data)


def events(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def test_register_page_labels_every_field(client):
    page = client.get("/register")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    for field in ("name", "email", "password"):
        assert f'<label for="{field}">' in page.text
        assert f'id="{field}" name="{field}"' in page.text
    assert "Create account" in page.text


def mail_to(platform, email: str) -> list:
    account = platform.accounts.by_email(email)
    return platform.outbox.messages(account_id=account.id) if account else []


def link_in(message, path: str) -> str:
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+)", message.body)
    assert found, f"no {path} link in {message.body!r}"
    return found.group(1)


def test_register_makes_an_unconfirmed_citizen_and_says_to_check_the_mail(client, platform):
    answer = register(client)

    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/register/check-email")
    account = platform.accounts.by_email("ana@example.org")
    assert account is not None and account.role == "citizen"
    assert not account.email_verified
    page = client.get(answer.headers["Location"])
    assert "Check your email" in page.text and "ana@example.org" in page.text
    assert "Log out" not in page.text  # logging in would tell a new address from a known one
    [mail] = mail_to(platform, "ana@example.org")
    assert mail.kind == "confirm_email"
    assert "/confirm-email/" in mail.body


def test_the_mailed_link_confirms_the_email(client, platform):
    register(client)
    [mail] = mail_to(platform, "ana@example.org")
    link = link_in(mail, "/confirm-email/")

    page = client.get(link)
    assert page.status_code == 200 and "Confirm my email" in page.text
    assert not platform.accounts.by_email("ana@example.org").email_verified
    confirmed = client.post(link, data={"csrf_token": csrf_from(page.text)})

    assert confirmed.status_code == 303
    assert platform.accounts.by_email("ana@example.org").email_verified
    assert "your email is confirmed" in client.get(confirmed.headers["Location"]).text
    used = client.get(link)
    assert used.status_code == 410 and "This link no longer works" in used.text


def test_register_then_goes_back_where_the_person_was_heading(client):
    page = client.get("/register?next=/me/pledges")
    answer = client.post("/register", data={
        "name": "Ana", "email": "ana@example.org", "password": PASSWORD,
        "next": "/me/pledges", "csrf_token": csrf_from(page.text),
    })
    sent = client.get(answer.headers["Location"])
    assert 'href="/login?next=/me/pledges"' in sent.text


def test_a_taken_email_gets_the_same_answer_and_its_owner_a_mail(client, world, platform):
    taken = world.emails[world.citizen("taken@example.org")]
    before = events(platform)

    answer = register(client, email=taken.upper())
    fresh = register(client, email="new@example.org")

    assert answer.status_code == fresh.status_code == 303
    assert answer.headers["Location"] == fresh.headers["Location"]
    assert "already exists" not in client.get(answer.headers["Location"]).text
    [mail] = mail_to(platform, "taken@example.org")
    assert mail.kind == "already_registered"
    assert "already has one" in mail.body and "/password/forgot" in mail.body
    assert events(platform) == before + 1  # only the new address's account
    assert len(platform.accounts.all()) == 2


def test_every_registration_problem_shows_at_once(client, platform):
    answer = register(client, name="", email="not-an-email", password="short")

    assert answer.status_code == 422
    for field, message in (("name", "Enter your name"), ("email", "Enter a valid email address"),
                           ("password", "at least 12 characters")):
        assert message in answer.text
        assert f'id="{field}-error"' in answer.text
    assert answer.text.count('href="#') >= 3  # the summary links each field
    assert platform.accounts.all() == []


def test_a_common_password_is_refused(client, platform):
    answer = register(client, password="Password123456")
    assert answer.status_code == 422
    assert "one of the most common" in answer.text
    assert platform.accounts.all() == []


@pytest.mark.parametrize(("field", "values", "message"), [
    ("password", {"password": "short"}, "at least 12 characters"),
    ("password", {"password": "x" * 1025}, "at most 1,024 characters"),
    ("email", {"email": "not-an-email"}, "Enter a valid email address"),
    ("name", {"name": "   "}, "Enter your name"),
    ("email", {"email": ""}, "Enter your email address"),
])
def test_bad_registration_records_nothing_and_says_why(client, platform, field, values, message):
    before = events(platform)
    answer = register(client, **values)
    assert answer.status_code == 422
    assert message in answer.text
    assert f'id="{field}-error"' in answer.text
    assert f'aria-describedby="{field}-error"' in answer.text or f"{field}-hint {field}-error" in (
        answer.text)
    assert "password" not in values or f'value="{values["password"]}"' not in answer.text
    assert events(platform) == before
    assert platform.accounts.all() == []
    assert "Log out" not in answer.text


def test_register_without_csrf_token_is_refused_and_records_nothing(client, platform):
    before = events(platform)
    answer = client.post("/register", data={
        "name": "Ana", "email": "ana@example.org", "password": PASSWORD,
    })
    assert answer.status_code == 400
    assert "Form expired" in answer.text
    assert events(platform) == before
    assert platform.accounts.by_email("ana@example.org") is None


def test_login_and_logout(client, world):
    email = world.emails[world.citizen()]
    page = login(client, email)
    assert page.status_code == 200
    assert "Welcome back" in page.text and "Log out" in page.text
    answer = client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 303
    home = client.get(answer.headers["Location"])
    assert "You are logged out" in home.text
    assert "Log in" in home.text and "Log out" not in home.text


def test_logout_needs_post_with_csrf(client, world):
    login(client, world.emails[world.citizen()])
    page = client.get("/logout")  # a page with the button, not a 405: a link can't log you out
    assert page.status_code == 200
    assert 'action="/logout"' in page.text and "Log out" in page.text
    assert client.post("/logout").status_code == 400
    assert "Log out" in client.get("/").text  # still logged in
    answer = client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 303
    assert "You are not logged in" in client.get("/logout").text


def test_wrong_password_is_refused_with_a_clear_message(client, world):
    email = world.emails[world.citizen()]
    answer = login(client, email, "wrong password")
    assert answer.status_code == 401
    assert "That email and password do not match an account" in answer.text
    assert 'role="alert"' in answer.text
    assert "Log out" not in answer.text


def test_unknown_email_is_refused_the_same_way(client):
    answer = login(client, "nobody@example.org")
    assert answer.status_code == 401
    assert "That email and password do not match an account" in answer.text


def test_empty_login_form_says_what_is_missing(client):
    page = client.get("/login")
    answer = client.post("/login", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 422
    assert "Enter your email address" in answer.text and "Enter your password" in answer.text


def _login_with_next(client, email, target):
    page = client.get("/login", query_string={"next": target})
    return client.post("/login", data={
        "email": email, "password": PASSWORD, "next": target,
        "csrf_token": csrf_from(page.text),
    })


def test_login_follows_a_local_next(client, world):
    answer = _login_with_next(client, world.emails[world.citizen()], "/me/pledges?x=1")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/me/pledges?x=1"


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/path", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "http:/evil.example", "evil.example", "/\tevil",
])
def test_unsafe_next_is_ignored(client, world, target):
    answer = _login_with_next(client, world.emails[world.citizen()], target)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/"


def test_a_page_that_needs_login_sends_you_there_and_back(client, world):
    answer = client.get("/me/pledges")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login?next=")
    page = client.get(answer.headers["Location"])
    assert 'name="next" value="/me/pledges"' in page.text
    logged_in = client.post("/login", data={
        "email": world.emails[world.citizen()], "password": PASSWORD, "next": "/me/pledges",
        "csrf_token": csrf_from(page.text),
    })
    assert logged_in.headers["Location"] == "/me/pledges"


@pytest.fixture
def pg_client(pg_platform):
    from web.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=pg_platform)
    return app.test_client()


@pytest.mark.postgres
def test_control_characters_are_refused_before_they_reach_postgresql(pg_client, pg_platform):
    before = events(pg_platform)
    answer = register(pg_client, email="ana\x00@example.org")
    assert answer.status_code == 422
    assert "Use letters, digits and punctuation only" in answer.text
    answer = register(pg_client, name="Ana\x00")
    assert answer.status_code == 422
    assert login(pg_client, "ana\x00@example.org").status_code == 422
    assert events(pg_platform) == before
