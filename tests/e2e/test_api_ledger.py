"""GET /api/v1/ledger/accounts/{name}: an account's balance and its postings, each with the
event it came from; public for projects and funds, a citizen's only to the people allowed."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from tests.conftest import bearer


@pytest.fixture
def pilot(world):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    project = world.project(porto, officer, closes_in=timedelta(days=20),
                            lines=(("Sensors", "100.00", True),))
    return porto, officer, project


def test_a_projects_pledged_account_shows_its_balance_and_each_posting(world, client, pilot):
    _, _, project = pilot
    ana, ben = world.citizen(), world.citizen()
    world.pledge(project, ana, "25.00")
    world.pledge(project, ben, "10.50")

    answer = client.get(f"/api/v1/ledger/accounts/project/{project}/pledged")

    assert answer.status_code == 200
    body = answer.json
    assert (body["balance"], body["currency"], body["postings_count"]) == ("35.50", "EUR", 2)
    assert [p["amount"] for p in body["postings"]] == ["25.00", "10.50"]
    first = body["postings"][0]
    assert first["event"] == "Pledge.Authorised"
    assert first["counterparts"] == [{"account": f"citizen/{ana}/promised/EUR",
                                      "amount": "-25.00"}]
    assert body["postings"][0]["position"] < body["postings"][1]["position"]
    # The figure on the project is this balance.
    assert client.get(f"/api/v1/projects/{project}").json["raised"] == "35.50"


def test_postings_come_in_pages_and_a_page_beyond_the_end_is_refused(world, client, pilot):
    _, _, project = pilot
    for _ in range(5):
        world.pledge(project, world.citizen(), "1.00")
    url = f"/api/v1/ledger/accounts/project/{project}/pledged"

    second = client.get(f"{url}?per_page=2&page=2").json
    assert (second["page"], second["pages"], len(second["postings"])) == (2, 3, 2)
    beyond = client.get(f"{url}?per_page=2&page=4")
    assert beyond.status_code == 404
    assert beyond.json["error"]["code"] == "page_out_of_range"
    bad = client.get(f"{url}?per_page=0")
    assert bad.status_code == 422


def test_an_account_with_nothing_posted_yet_reads_zero(client, pilot):
    _, _, project = pilot
    body = client.get(f"/api/v1/ledger/accounts/project/{project}/charged").json
    assert (body["balance"], body["postings"], body["pages"]) == ("0.00", [], 1)


@pytest.mark.parametrize("name", [
    "project/not-a-uuid/pledged", "project/{project}/stolen", "fund/{project}/reserved",
    "citizen/{project}/promised", "nonsense", "project/{project}/pledged/extra",
])
def test_a_malformed_account_name_is_a_clear_400(client, pilot, name):
    _, _, project = pilot
    answer = client.get(f"/api/v1/ledger/accounts/{name.format(project=project)}")
    assert answer.status_code == 400
    assert answer.json["error"]["code"] == "invalid_account_name"


def test_an_account_of_an_owner_that_does_not_exist_is_unknown(client):
    for name in (f"project/{uuid4()}/pledged", f"fund/{uuid4()}/available"):
        answer = client.get(f"/api/v1/ledger/accounts/{name}")
        assert answer.status_code == 404, name
        assert answer.json["error"]["code"] in ("unknown_account", "not_found")


def test_a_citizens_accounts_are_theirs_and_officers_and_auditors(world, client, pilot):
    _, officer, project = pilot
    citizen, other = world.citizen(), world.citizen()
    world.pledge(project, citizen, "12.00")
    url = f"/api/v1/ledger/accounts/citizen/{citizen}/promised/EUR"

    assert client.get(url).status_code == 401
    refused = client.get(url, headers=bearer(world.token(other)))
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"
    for reader in (citizen, officer, world.account("auditor")):
        answer = client.get(url, headers=bearer(world.token(reader)))
        assert answer.status_code == 200
        assert answer.json["balance"] == "-12.00"


def test_a_draft_projects_accounts_are_not_shown_to_the_public(world, client):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    draft = world.project(porto, world.officer(porto), open_campaign=False)
    answer = client.get(f"/api/v1/ledger/accounts/project/{draft}/pledged")
    assert answer.status_code == 404
