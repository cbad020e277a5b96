"""After PostgreSQL drops every connection (a restart, a failover), the next requests work: the
pools check a connection before handing it out, so a restart costs at most the requests in
flight."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
import sqlalchemy as sa

from tests.conftest import World, bearer, make_platform


def terminate_backends(database_url: str) -> int:
    url = sa.make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (url.database,)
        ).fetchone()[0]


@pytest.fixture
def pg_app(postgres_url, clock):
    from web.app import create_app

    platform = make_platform(postgres_url, clock)
    yield create_app({"TESTING": True, "SECRET_KEY": "test"}, platform=platform), platform
    platform.close()


def test_every_request_after_the_database_dropped_its_connections_succeeds(pg_app, clock,
                                                                            postgres_url):
    app, platform = pg_app
    world = World(platform, clock)
    porto = world.city()
    project = world.project(porto, world.officer(porto), closes_in=timedelta(days=20))
    token = world.token(world.citizen())
    client = app.test_client()
    # Fill the pools: several connections of each are idle and alive.
    for _ in range(3):
        assert client.post(f"/api/v1/projects/{project}/pledges", json={"amount": "1.00"},
                           headers=bearer(token)).status_code == 201
        assert client.get(f"/api/v1/projects/{project}").status_code == 200

    assert terminate_backends(postgres_url) >= 1

    statuses = []
    for _ in range(10):
        statuses.append(client.post(f"/api/v1/projects/{project}/pledges",
                                    json={"amount": "1.00"}, headers=bearer(token)).status_code)
        statuses.append(client.get(f"/api/v1/projects/{project}").status_code)
        statuses.append(client.get("/api/v1/me/pledges", headers=bearer(token)).status_code)
    assert statuses == [201, 200, 200] * 10
    assert len(platform.read.pledges_of_project(project)) == 13
