"""Password reset by a mailed single-use link that expires, and email confirmation before a
citizen's first pledge (accounts made by an administrator, the CLI or the demo count as
confirmed)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from adapters.account_links import CONFIRM_EMAIL, RESET_PASSWORD
from tests.conftest import PASSWORD, bearer, csrf_from, login

NEW = "a fresh and long passphrase"


def last_link(platform, account_id, kind: str) -> str:
    messages = [m for m in platform.outbox.messages(account_id=account_id) if m.kind == kind]
    assert messages, f"no {kind} mail"
    return re.search(r"https?://[^/\s]+(/\S+)", messages[0].body).group(1)


def ask_reset(client, email: str):
    page = client.get("/password/forgot")
    return client.post("/password/forgot", data={"email": email,
                                                 "csrf_token": csrf_from(page.text)})


def choose(client, link: str, password: str = NEW, confirm: str | None = None):
    page = client.get(link)
    if page.status_code != 200:  # a dead link shows no form: post with a token from elsewhere
        page = client.get("/password/forgot")
    return client.post(link, data={"password": password, "confirm": confirm or password,
                                   "csrf_token": csrf_from(page.text)})


@pytest.fixture
def citizen(world):
    return world.citizen()


def test_a_reset_link_sets_a_new_password_once(client, world, citizen, platform, app):
    email = world.emails[citizen]
    elsewhere = app.test_client()
    login(elsewhere, email)

    sent = ask_reset(client, email)
    assert sent.status_code == 200 and "If <strong>" in sent.text
    link = last_link(platform, citizen, "reset_password")
    assert link.startswith("/password/reset/")
    done = choose(client, link)

    assert done.status_code == 303
    assert platform.accounts.authenticate(email, NEW) is not None
    assert platform.accounts.authenticate(email, PASSWORD) is None
    assert elsewhere.get("/me/pledges").status_code == 302  # every session ended
    again = choose(client, link, "yet another long passphrase")
    assert again.status_code == 410 and "no longer works" in again.text
    assert platform.accounts.authenticate(email, NEW) is not None
    with platform.engine.connect() as conn:  # only the hash is kept
        stored = conn.exec_driver_sql("SELECT token_hash FROM account_links").scalars().all()
    assert link.rsplit("/", 1)[1] not in stored


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client, world, platform):
    known = ask_reset(client, world.emails[world.citizen()])
    unknown = ask_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(world.emails[world.citizen()], "") != ""  # a page
    strip = re.compile(r"<strong>[^<]*</strong>|value=\"[^\"]*\"")
    assert strip.sub("", known.text) == strip.sub("", unknown.text)


def test_a_reset_link_expires_after_an_hour(client, world, citizen, platform):
    ask_reset(client, world.emails[citizen])
    link = last_link(platform, citizen, "reset_password")
    real_now = platform.links.now
    platform.links.now = lambda: real_now() + timedelta(hours=1, seconds=1)
    assert client.get(link).status_code == 410
    assert choose(client, link).status_code == 410
    assert platform.accounts.authenticate(world.emails[citizen], PASSWORD) is not None


def test_a_refused_new_password_keeps_the_link(client, world, citizen, platform):
    ask_reset(client, world.emails[citizen])
    link = last_link(platform, citizen, "reset_password")
    short = choose(client, link, "too short")
    assert short.status_code == 422 and "at least 12 characters" in short.text
    mismatch = choose(client, link, NEW, "something different")
    assert mismatch.status_code == 422 and "not the same" in mismatch.text
    assert choose(client, link).status_code == 303


def test_a_newer_link_replaces_the_older(client, world, citizen, platform):
    ask_reset(client, world.emails[citizen])
    older = last_link(platform, citizen, "reset_password")
    ask_reset(client, world.emails[citizen])
    newer = last_link(platform, citizen, "reset_password")
    assert older != newer
    assert client.get(older).status_code == 410
    assert client.get(newer).status_code == 200


def registered(client, platform, email="new@example.org"):
    page = client.get("/register")
    client.post("/register", data={"name": "Nova", "email": email, "password": PASSWORD,
                                   "csrf_token": csrf_from(page.text)})
    return platform.accounts.by_email(email)


@pytest.fixture
def open_project(world):
    porto = world.city()
    return world.project(porto, world.officer(porto))


def test_an_unconfirmed_citizen_cannot_pledge_until_the_link_is_followed(
    client, platform, open_project
):
    account = registered(client, platform)
    login(client, account.email)
    form = client.get(f"/projects/{open_project}/pledge")
    assert form.status_code == 403
    assert "Confirm your email first" in form.text
    refused = client.post(f"/projects/{open_project}/pledge", data={
        "amount": "5.00", "payment_method": "pm_card_visa", "csrf_token": csrf_from(form.text)})
    assert refused.status_code == 403
    token = platform.accounts.issue_token(account.id)
    api = client.post(f"/api/v1/projects/{open_project}/pledges", headers=bearer(token),
                      json={"amount": "5.00", "payment_method": "pm_card_visa"})
    assert api.status_code == 403 and api.json["error"]["code"] == "email_unconfirmed"
    assert client.get("/api/v1/me/pledges", headers=bearer(token)).json["pledges"] == []

    link = last_link(platform, account.id, CONFIRM_EMAIL)
    page = client.get(link)
    client.post(link, data={"csrf_token": csrf_from(page.text)})

    form = client.get(f"/projects/{open_project}/pledge")
    assert form.status_code == 200
    made = client.post(f"/projects/{open_project}/pledge", data={
        "amount": "5.00", "payment_method": "pm_card_visa", "csrf_token": csrf_from(form.text)})
    assert made.status_code == 303
    mine = client.get("/api/v1/me/pledges", headers=bearer(token)).json["pledges"]
    assert [p["amount"] for p in mine] == ["5.00"]


def test_a_new_confirmation_link_can_be_asked_for(client, platform, open_project):
    account = registered(client, platform)
    first = last_link(platform, account.id, CONFIRM_EMAIL)
    login(client, account.email)
    page = client.get(f"/projects/{open_project}/pledge")
    sent = client.post("/confirm-email/resend", data={
        "csrf_token": csrf_from(page.text), "next": f"/projects/{open_project}/pledge"})
    assert sent.status_code == 303
    second = last_link(platform, account.id, CONFIRM_EMAIL)
    assert second != first
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_a_reset_confirms_the_email_too(client, platform):
    account = registered(client, platform)
    ask_reset(client, account.email)
    choose(client, last_link(platform, account.id, RESET_PASSWORD))
    assert platform.accounts.get(account.id).email_verified


def test_accounts_made_by_the_cli_and_the_demo_count_as_confirmed(platform, world):
    from web.demo import ACCOUNTS, load_demo

    assert platform.accounts.get(world.citizen()).email_verified  # as `users create` does
    load_demo(platform)
    for account in ACCOUNTS:
        assert platform.accounts.by_email(account.email).email_verified, account.email


def test_the_demo_passwords_meet_the_policy():
    from adapters.password_policy import password_problem
    from web.demo import ACCOUNTS

    for account in ACCOUNTS:
        assert password_problem(account.password, email=account.email) is None, account.email


def test_sent_mail_keeps_no_usable_link(platform, client, world, citizen, monkeypatch):
    from adapters.mail import SmtpSettings

    ask_reset(client, world.emails[citizen])
    sent = []

    class FakeSmtp:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

        def starttls(self):
            pass

        def send_message(self, mail):
            sent.append(mail.get_content())

    monkeypatch.setattr("adapters.mail.smtplib.SMTP", FakeSmtp)
    platform.outbox.send_pending(SmtpSettings(host="mail.invalid"),
                                 lambda account_id: world.emails[account_id])

    assert "/password/reset/" in sent[0]
    [kept] = [m for m in platform.outbox.messages(account_id=citizen)
              if m.kind == "reset_password"]
    assert "/password/reset/" not in kept.body and "sent by mail" in kept.body


def test_admins_do_not_see_the_links_of_mail_waiting_for_smtp(sqlite_url, clock):
    from tests.conftest import World, make_platform
    from web.app import create_app

    platform = make_platform(sqlite_url, clock, smtp_host="mail.invalid")
    try:
        app = create_app({"TESTING": True, "SECRET_KEY": "x"}, platform=platform)
        client = app.test_client()
        there = World(platform, clock)
        citizen = there.citizen()
        ask_reset(client, there.emails[citizen])
        admin = app.test_client()
        login(admin, there.emails[there.account("admin")])
        page = admin.get("/admin/mail").text
        assert "Password reset" in page
        assert "/password/reset/" not in page and "not shown here" in page
    finally:
        platform.close()
