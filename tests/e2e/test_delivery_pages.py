"""After funding: an officer starts delivery, plans and completes milestones, posts updates and
completes the pilot from the console; citizens follow it on the project page."""

from __future__ import annotations

import pytest

from adapters.settlement_rounds import settle_due
from tests.conftest import csrf_from, login
from tests.e2e.test_settlement_pages import LINES, recorded, text_of, words


@pytest.fixture
def funded(world, platform, clock):
    """A funded, settled pilot in Zagreb (an hour ahead of UTC in winter)."""
    city = world.city("Zagreb", "EUR", "HR", "Europe/Zagreb")
    officer = world.officer(city, "officer@zagreb.example.org")
    project_id = world.project(city, officer, title="Tram stop displays", lines=LINES)
    world.pledge(project_id, world.citizen(), "150.00")
    clock.advance(days=31)
    settle_due(platform.app, platform.engine, platform.projections)
    assert platform.read.project(project_id).status == "funded"
    return project_id


@pytest.fixture
def officer(client):
    login(client, "officer@zagreb.example.org")
    return client


def act(client, project_id, action: str, **fields):
    console = f"/console/projects/{project_id}"
    token = csrf_from(client.get(console).text)
    return client.post(f"{console}/{action}", data={"csrf_token": token, **fields})


def test_delivery_from_start_to_completion_shows_on_the_project_page(
    funded, officer, app
):
    public = app.test_client()
    assert "Funded" in text_of(public.get(f"/projects/{funded}").text, "outcome")

    started = act(officer, funded, "delivery")
    assert started.status_code == 303
    assert "Delivery of “Tram stop displays” has started" in officer.get(
        started.headers["Location"]).text

    for title, due in (("Displays ordered", "2027-01-31"), ("Displays installed", "2027-03-31")):
        planned = act(officer, funded, "milestones", milestone_title=title, due=due)
        assert planned.status_code == 303
    assert "is planned for 31 Mar 2027" in officer.get(f"/console/projects/{funded}").text

    assert act(officer, funded, "milestones/1/complete").status_code == 303
    refused = act(officer, funded, "complete")
    assert refused.status_code == 409
    assert "Complete every milestone first" in text_of(refused.text, "refusal")

    assert act(officer, funded, "updates", update_title="Displays ordered",
               body="The supplier confirmed delivery for March.").status_code == 303
    assert act(officer, funded, "milestones/2/complete").status_code == 303
    assert act(officer, funded, "updates", update_title="All stops live",
               body="Every display shows live tram times.").status_code == 303

    page = public.get(f"/projects/{funded}")
    text = words(page.text)
    assert "Funded and being delivered" in text
    assert "Displays ordered Due 31 Jan 2027 · done on 27 Dec 2026" in text
    assert "Displays installed Due 31 Mar 2027 · done on 27 Dec 2026" in text
    assert text.index("All stops live") < text.index("The supplier confirmed")  # newest first
    assert f"/projects/{funded}/pledge" not in page.text

    done = act(officer, funded, "complete")
    assert done.status_code == 303
    assert "Completed" in text_of(public.get(f"/projects/{funded}").text, "outcome")
    console = words(officer.get("/console").text)
    assert "Tram stop displays" in console and "Completed" in console


def test_a_milestone_needs_a_title_and_a_real_date_and_bad_input_records_nothing(
    funded, officer, platform
):
    before = recorded(platform)

    blank = act(officer, funded, "milestones", milestone_title=" ", due="")
    bad_date = act(officer, funded, "milestones", milestone_title="Installed", due="31/03/2027")
    far = act(officer, funded, "milestones", milestone_title="Installed", due="2207-03-31")

    assert blank.status_code == bad_date.status_code == far.status_code == 422
    assert 'role="alert"' in blank.text
    assert 'id="milestone_title-error"' in blank.text and 'id="due-error"' in blank.text
    assert "is not a date: write it like 2027-03-31" in text_of(bad_date.text, "due-error")
    assert "within ten years" in text_of(far.text, "due-error")
    assert 'value="Installed"' in bad_date.text  # what was typed is kept
    assert recorded(platform) == before


def test_the_due_date_is_the_day_in_the_citys_time_zone(funded, officer, platform):
    act(officer, funded, "milestones", milestone_title="Displays ordered", due="2027-01-31")

    [milestone] = platform.read.milestones(funded)
    # The end of 31 January in Zagreb is 22:59 UTC that day.
    assert milestone.due.isoformat() == "2027-01-31T22:59:00+00:00"


def test_an_update_needs_a_title_and_a_body(funded, officer, platform):
    before = recorded(platform)

    refused = act(officer, funded, "updates", update_title="", body="")

    assert refused.status_code == 422
    assert "Give the update a title" in refused.text and "Write what happened" in refused.text
    assert recorded(platform) == before


def test_delivery_steps_out_of_order_are_refused_with_the_reason(
    world, funded, officer, platform
):
    before = recorded(platform)

    early = act(officer, funded, "milestones/1/complete")
    not_delivering = act(officer, funded, "complete")

    assert early.status_code in (409, 422) and 'role="alert"' in early.text
    assert not_delivering.status_code == 409
    assert "Only a delivering project can be completed" in text_of(not_delivering.text, "refusal")
    assert recorded(platform) == before


def test_other_cities_officers_cannot_manage_delivery(world, funded, app, platform):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    world.officer(porto, "officer@porto.example.org")
    outsider = app.test_client()
    login(outsider, "officer@porto.example.org")
    token = csrf_from(outsider.get("/console").text)
    before = recorded(platform)

    for action, data in (("delivery", {}), ("milestones", {"milestone_title": "x",
                                                            "due": "2027-01-01"}),
                         ("milestones/1/complete", {}), ("complete", {})):
        answer = outsider.post(f"/console/projects/{funded}/{action}",
                               data={"csrf_token": token, **data})
        assert answer.status_code == 403, action

    assert recorded(platform) == before


def test_a_milestone_due_in_the_past_is_refused_and_today_is_not(funded, officer, platform):
    """Past due dates were accepted silently. The clock reads 27 Dec 2026 here."""
    before = recorded(platform)

    past = act(officer, funded, "milestones", milestone_title="Survey done", due="2026-12-20")

    assert past.status_code == 422
    assert "cannot be due in the past" in text_of(past.text, "due-error")
    assert recorded(platform) == before
    assert act(officer, funded, "milestones", milestone_title="Survey done",
               due="2026-12-27").status_code == 303
