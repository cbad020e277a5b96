"""No account enumeration: logging in takes as long for an unknown email as for a known one,
registering answers the same for a taken email, and the delivery-owner form says the same for an
unknown email and an account of another role."""

from __future__ import annotations

import statistics
import time

import pytest

from adapters.accounts import AccountStore
from tests.conftest import PASSWORD, csrf_from, login

# A real, deliberately slow hash (the test suite's cheap one would hide the difference).
SLOW_METHOD = "pbkdf2:sha256:200000"


def median_seconds(run, times: int = 7) -> float:
    run()  # warm up
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def test_an_unknown_email_takes_as_long_as_a_wrong_password(world, platform):
    accounts = AccountStore(platform.engine, SLOW_METHOD)
    known = world.emails[world.citizen()]
    accounts.set_password(platform.accounts.by_email(known).id, PASSWORD)  # hashed slowly

    wrong_password = median_seconds(lambda: accounts.authenticate(known, "not the password"))
    unknown_email = median_seconds(lambda: accounts.authenticate("nobody@example.org", "x" * 12))

    # Before the fix an unknown email skipped the hash: 12-20 ms against 445-485 ms.
    assert 0.5 < unknown_email / wrong_password < 2, (unknown_email, wrong_password)


def test_the_login_page_answers_an_unknown_email_as_a_wrong_password(client, world):
    known = world.emails[world.citizen()]
    unknown = login(client, "nobody@example.org", "not the password")
    wrong = login(client, known, "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.text.replace("nobody@example.org", known) == wrong.text.replace(
        "nobody@example.org", known)


def register(client, email: str):
    page = client.get("/register")
    return client.post("/register", data={
        "name": "Ana Costa", "email": email, "password": PASSWORD,
        "csrf_token": csrf_from(page.text),
    })


def test_registering_a_taken_email_answers_as_a_new_one(app, world):
    taken = world.emails[world.citizen()]
    first, second = app.test_client(), app.test_client()
    for_taken = register(first, taken)
    for_new = register(second, "new-person@example.org")
    assert (for_taken.status_code, for_taken.headers["Location"]) == (
        for_new.status_code, for_new.headers["Location"])
    page_taken = first.get(for_taken.headers["Location"]).text.replace(taken, "EMAIL")
    page_new = second.get(for_new.headers["Location"]).text.replace("new-person@example.org",
                                                                      "EMAIL")
    assert page_taken == page_new


@pytest.fixture
def officer_client(app, world):
    porto = world.city()
    officer = world.officer(porto)
    project = world.project(porto, officer)
    client = app.test_client()
    login(client, world.emails[officer])
    return client, project


def test_the_delivery_owner_form_tells_no_email_from_another_role(officer_client, world):
    client, project = officer_client
    console = f"/console/projects/{project}"
    answers = {}
    for label, email in (("unknown", "nobody@example.org"),
                         ("citizen", world.emails[world.citizen()]),
                         ("admin", world.emails[world.account("admin")])):
        page = client.get(console)
        refused = client.post(f"{console}/delivery-owner", data={
            "owner_email": email, "csrf_token": csrf_from(page.text),
        })
        assert refused.status_code == 422
        answers[label] = refused.text.replace(email, "EMAIL")
    assert answers["unknown"] == answers["citizen"] == answers["admin"]
    assert "No proposer&#39;s account has that email" in answers["unknown"]
    assert "citizen" not in answers["citizen"].split("owner_email-error")[1][:300]


def test_the_api_delivery_owner_answer_is_the_same_too(client, world):
    porto = world.city()
    officer = world.officer(porto)
    project = world.project(porto, officer)
    token = world.token(officer)
    answers = [
        client.post(f"/api/v1/projects/{project}/delivery-owner", json={"email": email},
                    headers={"Authorization": f"Bearer {token}"})
        for email in ("nobody@example.org", world.emails[world.citizen()])
    ]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json == answers[1].json
