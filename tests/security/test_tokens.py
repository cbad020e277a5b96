"""API tokens expire (30 days by default), are listed and revoked on the Security page and through
the API with their last use, and are kept only as hashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters import tables as t
from tests.conftest import PASSWORD, bearer, csrf_from, login


class WallClock:
    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def wall(platform) -> WallClock:
    clock = WallClock()
    platform.accounts.now = clock
    return clock


@pytest.fixture
def citizen(world):
    return world.citizen()


def issue(client, world, citizen):
    answer = client.post("/api/v1/tokens",
                         json={"email": world.emails[citizen], "password": PASSWORD})
    assert answer.status_code == 201
    return answer.json


def test_a_token_works_for_thirty_days_and_then_not(client, world, citizen, wall):
    body = issue(client, world, citizen)
    made = wall.now
    assert datetime.fromisoformat(body["expires_at"]) == made + timedelta(days=30)

    wall.now = made + timedelta(days=29, hours=23)
    assert client.get("/api/v1/me/pledges", headers=bearer(body["token"])).status_code == 200
    wall.now = made + timedelta(days=30, seconds=1)
    expired = client.get("/api/v1/me/pledges", headers=bearer(body["token"]))

    assert expired.status_code == 401
    assert expired.json["error"]["code"] == "unauthorised"


def test_tokens_are_listed_with_their_last_use_and_revoked_through_the_api(client, world,
                                                                           citizen, wall):
    first = issue(client, world, citizen)
    second = issue(client, world, citizen)
    wall.now += timedelta(minutes=5)
    client.get("/api/v1/me/pledges", headers=bearer(first["token"]))

    listed = client.get("/api/v1/tokens", headers=bearer(second["token"]))
    assert listed.status_code == 200
    tokens = {token["id"]: token for token in listed.json["tokens"]}
    assert set(tokens) == {first["id"], second["id"]}
    assert "token" not in tokens[first["id"]]  # never the secret again
    assert datetime.fromisoformat(tokens[first["id"]]["last_used_at"]) == wall.now

    revoked = client.delete(f"/api/v1/tokens/{first['id']}", headers=bearer(second["token"]))
    assert revoked.status_code == 200 and revoked.json["id"] == first["id"]
    assert client.get("/api/v1/me/pledges", headers=bearer(first["token"])).status_code == 401
    again = client.delete(f"/api/v1/tokens/{first['id']}", headers=bearer(second["token"]))
    assert again.status_code == 404


def test_nobody_revokes_or_sees_someone_elses_token(client, world, citizen):
    mine = issue(client, world, citizen)
    other = world.token(world.citizen())
    answer = client.delete(f"/api/v1/tokens/{mine['id']}", headers=bearer(other))
    assert answer.status_code == 404
    assert client.get("/api/v1/me/pledges", headers=bearer(mine["token"])).status_code == 200
    listed = client.get("/api/v1/tokens", headers=bearer(other)).json["tokens"]
    assert mine["id"] not in {token["id"] for token in listed}


def test_only_hashes_are_stored(platform, world, citizen, client):
    body = issue(client, world, citizen)
    with platform.engine.connect() as conn:
        stored = [tuple(row) for row in conn.execute(sa.select(t.api_tokens)).all()]
    assert body["token"] not in repr(stored)


def test_the_security_page_lists_makes_and_revokes_tokens(app, world, citizen, wall):
    browser = app.test_client()
    login(browser, world.emails[citizen])
    api_token = world.token(citizen)
    wall.now += timedelta(minutes=2)
    browser.get("/api/v1/me/pledges", headers=bearer(api_token))

    page = browser.get("/security")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert 'href="/security"' in page.text  # linked from the signed-in navigation
    assert "never" not in page.text.split('id="token-table"')[1].split("</table>")[0]

    made = browser.post("/security/tokens", data={"csrf_token": csrf_from(page.text)})
    assert made.status_code == 201 and 'id="new-token"' in made.text
    shown = made.text.split('<code class="token">')[1].split("</code>")[0]
    assert browser.get("/api/v1/me/pledges", headers=bearer(shown)).status_code == 200

    [token_id] = [
        token.id for token in world.platform.accounts.tokens_of(citizen)
        if token.last_used_at is None
    ] or [None]
    assert token_id is None  # both were used by now
    first = world.platform.accounts.tokens_of(citizen)[-1]
    revoked = browser.post(f"/security/tokens/{first.id}/revoke",
                           data={"csrf_token": csrf_from(page.text)})
    assert revoked.status_code == 303
    assert browser.get("/api/v1/me/pledges", headers=bearer(api_token)).status_code == 401
    assert "The token is revoked" in browser.get(revoked.headers["Location"]).text


def test_the_cli_token_says_when_it_expires(platform, world, citizen, wall):
    issued = platform.accounts.issue(citizen, 7)
    assert issued.expires_at == wall.now + timedelta(days=7)
