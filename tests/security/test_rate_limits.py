"""Brute force is throttled: guessing passwords, asking for tokens, registering, asking for reset
mail and pledging are limited per address and per account, answered 429 with Retry-After."""

from __future__ import annotations

import pytest

from adapters.settings import Settings
from tests.conftest import PASSWORD, bearer, csrf_from, login

WRONG = "wrong guess here"


def guess(client, email: str, password: str = WRONG, *, address="10.0.0.1"):
    page = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture
def citizen_email(world) -> str:
    return world.emails[world.citizen()]


def test_guessing_one_accounts_password_is_stopped_after_five_tries(client, citizen_email):
    answers = [guess(client, citizen_email).status_code for _ in range(5)]
    assert answers == [401] * 5

    stopped = guess(client, citizen_email)

    assert stopped.status_code == 429
    assert 1 <= int(stopped.headers["Retry-After"]) <= 60
    assert "Too many attempts at logging in" in stopped.text
    assert "<h1>Please wait a moment</h1>" in stopped.text
    # Even the right password waits now: the guesser cannot learn it was found.
    assert guess(client, citizen_email, PASSWORD).status_code == 429


def test_a_stopped_guesser_elsewhere_does_not_lock_out_another_account(client, world,
                                                                       citizen_email):
    for _ in range(6):
        guess(client, citizen_email)
    other = world.emails[world.citizen()]
    assert guess(client, other, PASSWORD).status_code == 303


def test_one_address_guessing_many_accounts_is_stopped(client, world):
    emails = [world.emails[world.citizen()] for _ in range(5)]
    answers = [guess(client, emails[i % 5]).status_code for i in range(20)]
    assert answers == [401] * 20
    assert guess(client, emails[0], address="10.0.0.1").status_code == 429
    # Another address is not held up by this one.
    assert guess(client, world.emails[world.citizen()], PASSWORD,
                 address="10.0.0.2").status_code == 303


def test_logging_in_successfully_is_not_counted(client, citizen_email):
    for _ in range(8):
        assert login(client, citizen_email).status_code == 200
        client.get("/logout")


def test_token_requests_share_the_guess_count_and_answer_json(client, citizen_email):
    for _ in range(3):
        guess(client, citizen_email)
    answers = [
        client.post("/api/v1/tokens", json={"email": citizen_email, "password": "nope nope nope"},
                    environ_base={"REMOTE_ADDR": "10.0.0.1"})
        for _ in range(3)
    ]

    assert [a.status_code for a in answers] == [401, 401, 429]
    error = answers[-1].json["error"]
    assert error["code"] == "rate_limited"
    assert "try again" in error["message"]
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_registering_is_limited_per_email_and_per_address(client):
    def register(email, address):
        page = client.get("/register")
        return client.post("/register", data={
            "name": "Ana", "email": email, "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        }, environ_base={"REMOTE_ADDR": address})

    # The same address gets mail three times an hour at most, from any number of addresses.
    assert [register("ana@example.org", f"10.0.1.{i}").status_code for i in range(4)] == [
        303, 303, 303, 429]
    assert [register(f"p{i}@example.org", "10.0.2.1").status_code for i in range(11)][-1] == 429


def test_reset_mail_is_limited_per_email(client, citizen_email, platform):
    def ask(address):
        page = client.get("/password/forgot")
        return client.post("/password/forgot", data={
            "email": citizen_email, "csrf_token": csrf_from(page.text),
        }, environ_base={"REMOTE_ADDR": address})

    assert [ask(f"10.0.3.{i}").status_code for i in range(4)] == [200, 200, 200, 429]
    account = platform.accounts.by_email(citizen_email)
    assert len([m for m in platform.outbox.messages(account_id=account.id)
                if m.kind == "reset_password"]) == 3


def test_pledging_is_limited_per_account(client, world, platform):
    porto = world.city()
    project = world.project(porto, world.officer(porto))
    citizen = world.citizen()
    token = world.token(citizen)
    answers = [
        client.post(f"/api/v1/projects/{project}/pledges", headers=bearer(token),
                    json={"amount": "1.00", "payment_method": "pm_card_visa"},
                    environ_base={"REMOTE_ADDR": f"10.0.4.{i}"}).status_code
        for i in range(11)
    ]
    assert answers == [201] * 10 + [429]
    mine = client.get("/api/v1/me/pledges", headers=bearer(token))
    assert len(mine.json["pledges"]) == 10
    # Another citizen pledges on.
    other = world.token(world.citizen())
    assert client.post(f"/api/v1/projects/{project}/pledges", headers=bearer(other),
                       json={"amount": "1.00", "payment_method": "pm_card_visa"}).status_code == 201


def test_the_pledge_page_is_limited_with_a_clear_page(client, world, platform):
    porto = world.city()
    project = world.project(porto, world.officer(porto))
    login(client, world.emails[world.citizen()])
    statuses = []
    for _ in range(11):
        form = client.get(f"/projects/{project}/pledge")
        statuses.append(client.post(f"/projects/{project}/pledge", data={
            "amount": "1.00", "payment_method": "pm_card_visa",
            "csrf_token": csrf_from(form.text),
        }))
    assert [s.status_code for s in statuses] == [303] * 10 + [429]
    assert "Too many attempts at pledging" in statuses[-1].text


def test_limits_can_be_turned_off_for_load_tests(sqlite_url, clock, world):
    from tests.conftest import make_platform
    from web.app import create_app

    assert Settings.from_env({}).rate_limits == "on"
    assert Settings.from_env({"CIVICFUND_RATE_LIMITS": "off"}).rate_limits == "off"
    with pytest.raises(ValueError, match="use on or off"):
        Settings.from_env({"CIVICFUND_RATE_LIMITS": "maybe"})
    platform = make_platform(sqlite_url, clock, rate_limits="off")
    try:
        client = create_app({"TESTING": True, "SECRET_KEY": "x"}, platform=platform).test_client()
        email = "someone@example.org"
        assert all(guess(client, email).status_code == 401 for _ in range(12))
    finally:
        platform.close()


def test_questions_and_comments_are_limited_per_account_across_pages_and_the_api(app, client,
                                                                                 world, platform):
    porto = world.city()
    project = world.project(porto, world.officer(porto))
    citizen = world.citizen()
    token = world.token(citizen)
    answers = [
        client.post(f"/api/v1/projects/{project}/comments", headers=bearer(token),
                    json={"kind": "comment", "text": f"Comment {i}"},
                    environ_base={"REMOTE_ADDR": f"10.0.5.{i}"}).status_code
        for i in range(5)
    ]
    assert answers == [201] * 5
    login(client, world.emails[citizen])
    page = client.get(f"/projects/{project}")
    stopped = client.post(f"/projects/{project}/comments",
                          data={"csrf_token": csrf_from(page.text), "kind": "comment",
                                "text": "One more"})
    assert stopped.status_code == 429
    assert "Too many attempts at posting questions and comments" in stopped.text
    assert len(platform.read.comments(project)) == 5
    other = world.token(world.citizen())
    assert app.test_client().post(f"/api/v1/projects/{project}/comments", headers=bearer(other),
                                  json={"kind": "comment", "text": "Mine"}).status_code == 201
