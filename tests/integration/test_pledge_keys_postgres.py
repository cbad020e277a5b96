"""On PostgreSQL, where a pledge's token lookup, idempotency key and sandbox authorisation run as
prepared statements on the driver's connection: a retried pledge gets its first answer, a key
reused for another pledge is refused, and after the database dropped every connection the next
pledges, retries, reads and pages all work, with each pledge recorded once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import World, bearer
from tests.integration.test_connection_recovery import pg_app, terminate_backends  # noqa: F401


def pledge(client, project, token, key, amount="2.00"):
    return client.post(f"/api/v1/projects/{project}/pledges", json={"amount": amount},
                       headers={**bearer(token), "Idempotency-Key": key})


@pytest.mark.postgres
def test_keys_replay_and_survive_dropped_connections(pg_app, clock, postgres_url):  # noqa: F811
    app, platform = pg_app
    world = World(platform, clock)
    porto = world.city()
    project = world.project(porto, world.officer(porto), closes_in=timedelta(days=20))
    token = world.token(world.citizen())
    client = app.test_client()

    first = pledge(client, project, token, "key-1")
    assert first.status_code == 201, first.text
    again = pledge(client, project, token, "key-1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    reused = pledge(client, project, token, "key-1", amount="3.00")
    assert reused.status_code == 422
    assert reused.json["error"]["code"] == "idempotency_key_reused"
    assert pledge(client, project, "not-a-token", "key-x").status_code == 401

    assert terminate_backends(postgres_url) >= 1

    statuses = []
    for n in range(2, 7):
        statuses.append(pledge(client, project, token, f"key-{n}").status_code)
        statuses.append(pledge(client, project, token, f"key-{n}").status_code)
        statuses.append(client.get(f"/api/v1/projects/{project}").status_code)
        statuses.append(client.get(f"/projects/{project}").status_code)
    assert statuses == [201, 201, 200, 200] * 5
    platform.projections.catch_up()
    assert len(platform.read.pledges_of_project(project)) == 6
    assert client.get(f"/api/v1/projects/{project}").json["raised"] == "12.00"
