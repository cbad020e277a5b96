"""Idempotency-Key on pledging and on a new card: a retry gets the first answer and never acts
twice; the log's correlation ids are the platform's own, whatever a client sends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.idempotency import fingerprint
from tests.conftest import bearer, csrf_from, login


def open_project(world, *, closes_in=timedelta(days=30)):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    return world.project(porto, world.officer(porto), closes_in=closes_in,
                         lines=(("Sensors", "100.00", True),))


def pledge(client, project_id, token, key=None, **body):
    headers = bearer(token) | ({"Idempotency-Key": key} if key else {})
    return client.post(f"/api/v1/projects/{project_id}/pledges", json=body, headers=headers)


def my_pledges(client, token) -> list[dict]:
    return client.get("/api/v1/me/pledges", headers=bearer(token)).json["pledges"]


def test_a_retried_pledge_with_the_same_key_returns_the_first_answer_and_pledges_once(
    world, client
):
    project = open_project(world)
    token = world.token(world.citizen())

    first = pledge(client, project, token, "retry-1", amount="12.00")
    again = pledge(client, project, token, "retry-1", amount="12.00")

    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [p["amount"] for p in my_pledges(client, token)] == ["12.00"]
    assert client.get(f"/api/v1/projects/{project}").json["raised"] == "12.00"


def test_another_key_is_another_pledge(world, client):
    project = open_project(world)
    token = world.token(world.citizen())
    assert pledge(client, project, token, "one", amount="5.00").status_code == 201
    assert pledge(client, project, token, "two", amount="5.00").status_code == 201
    assert len(my_pledges(client, token)) == 2


def test_keys_belong_to_their_account(world, client):
    project = open_project(world)
    mine, theirs = world.token(world.citizen()), world.token(world.citizen())
    assert pledge(client, project, mine, "shared-key", amount="5.00").status_code == 201
    other = pledge(client, project, theirs, "shared-key", amount="5.00")
    assert other.status_code == 201
    assert other.json["id"] != my_pledges(client, mine)[0]["id"]
    assert len(my_pledges(client, theirs)) == 1


def test_a_key_reused_for_another_request_is_refused_and_changes_nothing(world, client):
    project = open_project(world)
    token = world.token(world.citizen())
    assert pledge(client, project, token, "k", amount="5.00").status_code == 201

    reused = pledge(client, project, token, "k", amount="50.00")

    assert reused.status_code == 422
    assert reused.json["error"]["code"] == "idempotency_key_reused"
    assert [p["amount"] for p in my_pledges(client, token)] == ["5.00"]


def test_a_refusal_is_the_first_answer_too(world, client):
    project = open_project(world)
    token = world.token(world.citizen())
    declined = pledge(client, project, token, "d", amount="5.00",
                      payment_method="pm_card_chargeDeclined")
    again = pledge(client, project, token, "d", amount="5.00",
                   payment_method="pm_card_chargeDeclined")
    assert declined.status_code == again.status_code == 422
    assert again.json == declined.json
    assert my_pledges(client, token) == []


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\tkey"])
def test_a_malformed_key_is_refused(world, client, key):
    project = open_project(world)
    token = world.token(world.citizen())
    headers = bearer(token) | {"Idempotency-Key": key}
    response = client.post(f"/api/v1/projects/{project}/pledges", json={"amount": "5.00"},
                           headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_idempotency_key"
    assert my_pledges(client, token) == []


def test_a_key_still_being_processed_asks_the_client_to_wait(world, client):
    project = open_project(world)
    citizen = world.citizen()
    token = world.token(citizen)
    path, body = f"/api/v1/projects/{project}/pledges", b'{"amount": "5.00"}'
    # Another request with the same key and body claimed it a moment ago and is still running.
    world.platform.idempotency.claim(
        citizen, "busy", "POST /api/v1/projects/<uuid:project_id>/pledges",
        fingerprint("POST", path, body),
    )

    response = client.post(path, data=body, content_type="application/json",
                           headers=bearer(token) | {"Idempotency-Key": "busy"})

    assert response.status_code == 409
    assert response.json["error"]["code"] == "idempotency_in_progress"
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert my_pledges(client, token) == []


def test_a_lost_run_is_taken_over_after_its_lease_and_pledges_once(world, client):
    """A web process killed mid-request leaves its key claimed; once the lease ends, a retry runs
    the request again and finds (or makes) the one pledge."""
    project = open_project(world)
    citizen = world.citizen()
    token = world.token(citizen)
    store = world.platform.idempotency
    first = pledge(client, project, token, "lost", amount="7.00")
    assert first.status_code == 201
    # As if the answer had never been kept: the row is claimed, its lease over.
    import sqlalchemy as sa

    from adapters import tables as t
    with world.platform.engine.begin() as conn:
        conn.execute(t.idempotent_requests.update().values(status=None, body=None,
                                                           locked_until=None))
    again = pledge(client, project, token, "lost", amount="7.00")

    assert again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert len(my_pledges(client, token)) == 1
    with world.platform.engine.connect() as conn:
        executions = conn.execute(sa.select(t.idempotent_requests.c.executions)).scalar()
    assert executions == 1
    assert store is world.platform.idempotency


def test_a_new_card_sent_twice_with_one_key_is_charged_once(world, client, clock):
    project = open_project(world, closes_in=timedelta(days=2))
    citizen = world.citizen()
    token = world.token(citizen)
    for _ in range(2):
        world.pledge(project, world.citizen(), "50.00")
    failing = world.pledge(project, citizen, "10.00", payment_method="pm_card_chargeCustomerFail")
    clock.advance(days=3)
    world.platform.projections.catch_up()
    from domain.kernel.context import SYSTEM, acting_as
    with acting_as(SYSTEM, "settle"):
        world.app.settle(project)
    world.platform.projections.catch_up()
    assert client.get(f"/api/v1/pledges/{failing}", headers=bearer(token)).json["status"] == (
        "payment_failed"
    )
    charges_before = len(world.platform.payments.charges())

    headers = bearer(token) | {"Idempotency-Key": "new-card"}
    first = client.post(f"/api/v1/pledges/{failing}/payment-method",
                        json={"payment_method": "pm_card_visa"}, headers=headers)
    again = client.post(f"/api/v1/pledges/{failing}/payment-method",
                        json={"payment_method": "pm_card_visa"}, headers=headers)

    assert first.status_code == again.status_code == 200
    assert again.json == first.json
    assert first.json["status"] == "charged"
    assert len(world.platform.payments.charges()) == charges_before + 1


def test_the_pledge_form_sent_twice_records_one_pledge(world, client):
    project = open_project(world)
    citizen = world.citizen()
    login(client, world.emails[citizen])
    page = client.get(f"/projects/{project}/pledge")
    key = page.text.split('name="idempotency_key"')[1].split('value="')[1].split('"')[0]
    form = {"csrf_token": csrf_from(page.text), "amount": "15.00",
            "payment_method": "pm_card_visa", "idempotency_key": key}

    first = client.post(f"/projects/{project}/pledge", data=form)
    second = client.post(f"/projects/{project}/pledge", data=form)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert [p.amount.to_decimal_string() for p in world.platform.read.pledges_of(citizen)] == [
        "15.00"
    ]


def test_each_rendering_of_the_pledge_form_carries_its_own_key(world, client):
    project = open_project(world)
    login(client, world.emails[world.citizen()])

    def key_of(html: str) -> str:
        return html.split('name="idempotency_key"')[1].split('value="')[1].split('"')[0]

    one = key_of(client.get(f"/projects/{project}/pledge").text)
    two = key_of(client.get(f"/projects/{project}/pledge").text)
    assert one and two and one != two


def test_the_logs_correlation_ids_are_the_platforms_own(world, client):
    project = open_project(world)
    citizen = world.citizen()
    token = world.token(citizen)
    chosen = "attacker-chosen-id"

    response = client.post(f"/api/v1/projects/{project}/pledges", json={"amount": "5.00"},
                           headers=bearer(token) | {"X-Request-Id": chosen})

    assert response.status_code == 201
    assert response.headers["X-Client-Request-Id"] == chosen
    ours = response.headers["X-Request-Id"]
    assert ours and ours != chosen
    pledge_id = response.json["id"]
    from uuid import UUID
    events = world.app.repository.event_store.get(UUID(pledge_id))
    assert {e.correlation_id for e in events} == {ours}
