"""Departments in the city console and on the pilot's page, through the test client: an officer
adds a department and a budget line, commits to a pilot and withdraws, seeing the line's figures
move; refusals keep what was typed and record nothing; the pilot's capital stack shows the
department beside the crowd."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import csrf_from, login


def recorded(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


@pytest.fixture
def porto(world):
    city_id = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer_id = world.officer(city_id, "officer@porto.example.org")
    project_id = world.project(city_id, officer_id, title="Clean air", closes_in=timedelta(days=10))
    return city_id, officer_id, project_id


@pytest.fixture
def officer(client, porto):
    login(client, "officer@porto.example.org")
    return client


def add_department(client, name="Transport"):
    page = client.get("/console/departments")
    assert page.status_code == 200
    return client.post("/console/departments",
                       data={"csrf_token": csrf_from(page.text), "name": name})


def department_with_line(client, amount="5000.00"):
    made = add_department(client)
    assert made.status_code == 303
    url = made.headers["Location"]
    page = client.get(url)
    line = client.post(f"{url}/budget-lines", data={
        "csrf_token": csrf_from(page.text), "line_name": "Active travel", "fiscal_year": "2026",
        "line_amount": amount,
    })
    assert line.status_code == 303
    return url


def line_figures(html: str) -> dict[str, str]:
    row = re.search(r'<tr id="line-[^"]+">(.*?)</tr>', html, re.S).group(1)
    return dict(re.findall(r'data-figure="(\w+)">([^<]+)<', row))


def commit(client, url, project_id, amount, conditional=True):
    page = client.get(url)
    line_id = re.search(r'<tr id="line-([^"]+)">', page.text).group(1)
    data = {"csrf_token": csrf_from(page.text), "project_id": str(project_id),
            "budget_line_id": line_id, "commit_amount": amount}
    if conditional:
        data["conditional"] = "yes"
    return client.post(f"{url}/commitments", data=data)


def test_an_officer_sets_up_a_department_commits_and_withdraws(officer, porto, platform):
    _, _, project_id = porto
    url = department_with_line(officer)
    page = officer.get(url)
    assert "Transport" in page.text and "Active travel" in page.text
    assert line_figures(page.text)["available"].strip() == "EUR 5,000.00"
    done = commit(officer, url, project_id, "1200.00")
    assert done.status_code == 303
    page = officer.get(url, follow_redirects=True)
    assert "commits EUR 1,200.00 to “Clean air” (if it is funded)" in page.text
    figures = line_figures(page.text)
    assert (figures["committed"].strip(), figures["available"].strip()) == (
        "EUR 1,200.00", "EUR 3,800.00")
    listing = officer.get("/console/departments")
    assert "Transport" in listing.text and "EUR 3,800.00" in listing.text
    # The pilot's page shows the department in its capital stack, counted in the total.
    world_page = officer.get(f"/projects/{project_id}")
    assert 'id="capital-stack"' in world_page.text
    assert "Transport (city department)" in world_page.text
    assert re.search(r'id="committed">\s*EUR 1,200.00', world_page.text)
    assert re.search(r'id="total">\s*EUR 1,200.00', world_page.text)
    console = officer.get(f"/console/projects/{project_id}")
    assert console.status_code == 200
    assert "Departments' commitments" in console.text and "Active travel 2026" in console.text
    assert re.search(r'id="console-committed">EUR 1,200.00', console.text)
    # Withdraw it.
    page = officer.get(url)
    action = re.search(r'action="([^"]+/withdraw)"', page.text).group(1)
    gone = officer.post(action, data={"csrf_token": csrf_from(page.text)})
    assert gone.status_code == 303
    page = officer.get(url, follow_redirects=True)
    assert "is withdrawn" in page.text
    assert line_figures(page.text)["available"].strip() == "EUR 5,000.00"
    assert 'data-state="withdrawn"' in page.text


def test_refusals_keep_what_was_typed_and_record_nothing(officer, porto, platform):
    _, _, project_id = porto
    url = department_with_line(officer, amount="1000.00")
    before = recorded(platform)
    over = commit(officer, url, project_id, "1000.01")
    assert over.status_code == 422
    assert "has EUR 1,000.00 left to commit" in over.text
    assert 'value="1000.01"' in over.text
    bad = commit(officer, url, project_id, "ten euros")
    assert bad.status_code == 422 and "is not an amount" in bad.text
    page = officer.get(url)
    no_year = officer.post(f"{url}/budget-lines", data={
        "csrf_token": csrf_from(page.text), "line_name": "Roads", "fiscal_year": "twenty",
        "line_amount": "10.00"})
    assert no_year.status_code == 422 and "Enter the fiscal year" in no_year.text
    twice = add_department(officer, "transport")
    assert twice.status_code == 422 and "already has a department called" in twice.text
    no_csrf = officer.post(f"{url}/commitments", data={"commit_amount": "1.00"})
    assert no_csrf.status_code == 400
    assert recorded(platform) == before


def test_another_citys_officer_and_a_citizen_are_kept_out(client, world, porto, platform):
    login(client, "officer@porto.example.org")
    url = department_with_line(client)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    lisbon = world.city("Lisbon", "EUR", "PT", "Europe/Lisbon")
    world.officer(lisbon, "officer@lisbon.example.org")
    other = client.application.test_client()
    login(other, "officer@lisbon.example.org")
    assert other.get(url).status_code == 403
    listing = other.get("/console/departments").text
    assert "Lisbon has no department yet" in listing and url not in listing
    world.citizen("citizen@example.org")
    citizen = client.application.test_client()
    login(citizen, "citizen@example.org")
    assert citizen.get("/console/departments").status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/console/departments").status_code in (302, 401)


def test_the_pledge_form_and_the_outcome_count_the_departments(officer, porto, world, platform):
    from adapters.settlement_rounds import settle_due

    _, _, project_id = porto
    url = department_with_line(officer, amount="8000.00")
    assert commit(officer, url, project_id, "7900.00").status_code == 303
    world.pledge(project_id, world.citizen(), "100.00")
    citizen = officer.application.test_client()
    world.citizen("backer@example.org")
    login(citizen, "backer@example.org")
    form = citizen.get(f"/projects/{project_id}/pledge")
    assert form.status_code == 200
    assert re.search(r'id="side-committed">EUR 7,900.00', form.text)
    assert re.search(r'id="side-total">EUR 8,000.00', form.text)
    world.clock.advance(days=11)
    settle_due(platform.app, platform.engine, platform.projections)
    page = officer.get(f"/projects/{project_id}")
    assert "Funded" in page.text
    assert "committed by the city's departments reached the minimum" in re.sub(
        r"<[^>]+>", "", page.text).replace("\n", " ")
