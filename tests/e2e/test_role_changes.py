"""A role change never strands a person's pledges: whatever their role now, they still list,
read and cancel the pledges they made as a citizen, on the pages and through the API. The admin
page says so where roles are changed."""

from __future__ import annotations

import re

import pytest

from tests.conftest import bearer, csrf_from, login


@pytest.fixture
def backer(world):
    """A citizen with a live pledge on an open Porto pilot."""
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    project = world.project(porto, world.officer(porto), title="Smart bike lanes")
    citizen = world.account("citizen", "rita@example.org", name="Rita Sousa")
    pledge = world.pledge(project, citizen, "40.00")
    return {"citizen": citizen, "pledge": pledge, "project": project, "city": porto}


def change_role(app, world, account_id, role: str, city: str = ""):
    admin = app.test_client()
    world.account("admin", "admin@example.org")
    login(admin, "admin@example.org")
    page = admin.get("/admin/accounts")
    return admin.post(f"/admin/accounts/{account_id}/role",
                      data={"role": role, "city": city, "csrf_token": csrf_from(page.text)})


@pytest.mark.parametrize("role", ["proposer", "investor", "auditor", "city"])
def test_after_a_role_change_the_pages_still_list_and_cancel_the_pledges(
    app, client, world, backer, role
):
    city = str(backer["city"]) if role == "city" else ""
    assert change_role(app, world, backer["citizen"], role, city).status_code == 303
    login(client, "rita@example.org")

    mine = client.get("/me/pledges")
    assert mine.status_code == 200
    assert "Smart bike lanes" in mine.text and "EUR 40.00" in mine.text
    assert 'href="/me/pledges"' in client.get("/").text
    assert client.get(f"/pledges/{backer['pledge']}").status_code == 200

    asked = client.get(f"/pledges/{backer['pledge']}/cancel")
    assert "Cancel your pledge of EUR 40.00 to Smart bike lanes?" in asked.text
    cancelled = client.post(f"/pledges/{backer['pledge']}/cancel",
                            data={"csrf_token": csrf_from(asked.text), "confirm": "yes"},
                            follow_redirects=True)
    assert cancelled.status_code == 200
    assert "is cancelled" in cancelled.text
    assert world.platform.read.pledge(backer["pledge"]).status == "cancelled"


def test_after_a_role_change_the_api_still_lists_and_cancels_the_pledges(app, client, world,
                                                                         backer):
    assert change_role(app, world, backer["citizen"], "proposer").status_code == 303
    token = world.token(backer["citizen"])

    listed = client.get("/api/v1/me/pledges", headers=bearer(token))
    cancelled = client.delete(f"/api/v1/pledges/{backer['pledge']}", headers=bearer(token))

    assert [p["id"] for p in listed.json["pledges"]] == [str(backer["pledge"])]
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json["status"] == "cancelled"


def test_pledging_again_still_needs_the_citizen_role(app, client, world, backer):
    change_role(app, world, backer["citizen"], "proposer")
    token = world.token(backer["citizen"])

    again = client.post(f"/api/v1/projects/{backer['project']}/pledges",
                        json={"amount": "5.00"}, headers=bearer(token))

    assert again.status_code == 403


def test_someone_elses_pledge_still_looks_missing_whatever_the_role(client, world, backer):
    admin = world.token(world.account("admin"))

    response = client.delete(f"/api/v1/pledges/{backer['pledge']}", headers=bearer(admin))

    assert response.status_code == 404
    assert world.platform.read.pledge(backer["pledge"]).status == "authorised"


def test_the_accounts_page_says_pledges_stay_reachable_and_counts_live_ones(app, world, backer):
    admin = app.test_client()
    world.account("admin", "admin@example.org")
    login(admin, "admin@example.org")

    page = admin.get("/admin/accounts")

    said = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    assert "keeps their pledges" in said
    row = re.search(rf'id="account-{backer["citizen"]}".*?</tr>', page.text, re.S).group(0)
    assert "1 live pledge" in " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_a_person_without_pledges_and_another_role_still_gets_the_citizens_only_page(
    client, world
):
    world.account("proposer", "group@example.org")
    login(client, "group@example.org")

    assert client.get("/me/pledges").status_code == 403
    assert 'href="/me/pledges"' not in client.get("/").text
