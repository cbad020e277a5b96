"""Read-your-writes when a command answers from the log and leaves the read models to follow:
the citizen's next page (or API read) shows what they just did."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import bearer, csrf_from, login


def open_project(world):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    return world.project(porto, world.officer(porto), closes_in=timedelta(days=20),
                         lines=(("Sensors", "100.00", True),))


def test_a_pledge_made_on_the_form_is_on_the_next_page_though_nothing_caught_up_yet(
    world, client
):
    project = open_project(world)
    citizen = world.citizen()
    login(client, world.emails[citizen])
    page = client.get(f"/projects/{project}/pledge")
    before = world.platform.projections.position()

    made = client.post(f"/projects/{project}/pledge", data={
        "csrf_token": csrf_from(page.text), "amount": "12.00", "payment_method": "pm_card_visa",
    })

    assert made.status_code == 303
    assert int(made.headers["X-Log-Position"]) > before
    # The command did not wait for the read models ...
    assert world.platform.projections.position() == before
    # ... the next page does.
    detail = client.get(made.headers["Location"])
    assert detail.status_code == 200 and "EUR 12.00" in detail.text
    assert world.platform.projections.position() >= int(made.headers["X-Log-Position"])
    assert "12.00" in client.get(f"/projects/{project}").text


def test_a_pledge_made_through_the_api_is_listed_by_the_next_read(world, client):
    project = open_project(world)
    token = world.token(world.citizen())
    before = world.platform.projections.position()

    made = client.post(f"/api/v1/projects/{project}/pledges", json={"amount": "7.00"},
                       headers=bearer(token))

    assert made.status_code == 201
    assert world.platform.projections.position() == before
    listed = client.get("/api/v1/me/pledges", headers=bearer(token)).json["pledges"]
    assert [p["id"] for p in listed] == [made.json["id"]]
    assert client.get(made.headers["Location"], headers=bearer(token)).json == made.json
