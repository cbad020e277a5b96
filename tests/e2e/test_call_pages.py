"""Procurement pages through the test client, without JavaScript: an officer drafts and opens a
call in the console, a proposer writes and submits a proposal, evaluators score it, the officer
awards it, and the public call page shows the evaluation report. Refusals say why and record
nothing; each page shows each person only what they may see."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import csrf_from, login
from tests.e2e.test_api_calls import Procurement


def recorded(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


@pytest.fixture
def pr(world, client, clock):
    return Procurement(world, client, clock)


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    return client


def post_form(client, page_url, action_url, data):
    page = client.get(page_url)
    assert page.status_code == 200, page.text[:500]
    return client.post(action_url, data={"csrf_token": csrf_from(page.text), **data})


def test_an_officer_drafts_a_call_in_the_console_and_opens_it(app, world, platform):
    city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    world.officer(city, "officer@porto.example.org")
    officer = signed_in(app, "officer@porto.example.org")
    before = recorded(platform)
    bad = post_form(officer, "/console/calls/new", "/console/calls/new", {
        "title": "Cleaner streets", "challenge": "Bins overflow.", "route": "ppi",
        "budget": "50000.00", "closes_on": "2027-01-31", "stack_city": "60", "stack_crowd": "30",
        "criteria": "Impact | 60 | What changes\nCost | 40 | Value for money",
    })
    assert bad.status_code == 422
    assert "must sum to 100 (they sum to 90)" in bad.text
    assert 'value="Cleaner streets"' in bad.text  # what was typed is kept
    assert recorded(platform) == before
    made = post_form(officer, "/console/calls/new", "/console/calls/new", {
        "title": "Cleaner streets", "challenge": "Bins overflow.", "route": "ppi",
        "budget": "50000.00", "closes_on": "2027-01-31", "stack_city": "70", "stack_crowd": "30",
        "criteria": "Impact | 60 | What changes\nCost | 40 | Value for money",
    })
    assert made.status_code == 303
    console = made.headers["Location"]
    opened = post_form(officer, console, console + "/open", {})
    assert opened.status_code == 303
    public = app.test_client().get("/calls")
    assert "Cleaner streets" in public.text and "EUR 50,000.00" in public.text


def test_a_proposer_writes_submits_and_sees_the_outcome(app, pr, platform):
    call_id = pr.open_call()
    proposer = signed_in(app, "prop0@example.org")
    page = f"/calls/{call_id}/propose"
    before = recorded(platform)
    bad = post_form(proposer, page, page, {
        "title": "Smart bins", "summary": "Bins that say when full.", "area": "Ribeira",
        "theme": "Environment", "budget_lines": "Sensors | 8000 | maybe",
    })
    assert bad.status_code == 422 and "say required or optional" in bad.text
    assert recorded(platform) == before
    made = post_form(proposer, page, page, {
        "title": "Smart bins", "summary": "Bins that say when full.", "area": "Ribeira",
        "theme": "Environment", "organisation": "Bin Co",
        "budget_lines": "Sensors | 8000.00 | required\nDashboard | 2000.00 | optional",
        "milestones": "2027-03-31 | Sensors installed",
        "cba_discount_rate": "3.5", "cba_cost_category_1": "capital",
        "cba_year_0_cost_1": "10000.00", "cba_benefit_category_1": "city savings",
        "cba_year_1_benefit_1": "6000.00",
    })
    assert made.status_code == 303
    proposal_url = made.headers["Location"]
    submitted = post_form(proposer, proposal_url, proposal_url + "/submit", {})
    assert submitted.status_code == 303
    shown = proposer.get(proposal_url)
    assert "version 1" in shown.text and "EUR 8000.00" in shown.text
    # npv = -10000 + 6000 / 1.035 = -4202.90; bcr = 5797.10 / 10000 = 0.58
    assert "4,202.90" in shown.text and "0.58" in shown.text
    assert 'value="3.5"' in shown.text  # the table shows the rate as typed, for editing
    # another proposer is told it is not theirs; the public finds nothing
    other = signed_in(app, "prop1@example.org")
    assert other.get(proposal_url).status_code == 403
    assert app.test_client().get(proposal_url).status_code == 404
    workspace = proposer.get("/proposals")
    assert "Smart bins" in workspace.text and "Submitted" in workspace.text


def test_evaluators_score_the_officer_awards_and_the_report_is_public(app, pr, platform):
    call_id = pr.open_call()
    a = pr.propose(call_id, 0)
    b = pr.propose(call_id, 1, title="Bin lids")
    pr.clock.advance(days=31)
    evaluator = signed_in(app, "eval0@example.org")
    listing = evaluator.get("/evaluate")
    assert "Smart bins" in listing.text and "to score" in listing.text
    scoring = f"/evaluate/{a}"
    page = evaluator.get(scoring)
    assert "What changes for residents" in page.text  # criteria with their descriptions
    before = recorded(platform)
    missing = post_form(evaluator, scoring, scoring, {
        "conflict": "no", "score-0": "8", "justification-0": "Clear plan.",
        "score-1": "7", "justification-1": "", "score-2": "9", "justification-2": "Done it."})
    assert missing.status_code == 422 and "Justification is required" in missing.text
    assert recorded(platform) == before
    for proposal_id, marks in ((a, ("8", "7", "9")), (b, ("4", "4", "4"))):
        url = f"/evaluate/{proposal_id}"
        done = post_form(evaluator, url, url, {
            "conflict": "no", **{f"score-{n}": m for n, m in enumerate(marks)},
            **{f"justification-{n}": "Seen it." for n in range(3)}})
        assert done.status_code == 303
    second = signed_in(app, "eval1@example.org")
    declared = post_form(second, f"/evaluate/{a}", f"/evaluate/{a}", {"conflict": "yes"})
    assert declared.status_code == 303
    assert "conflict declared" in second.get("/evaluate").text

    porto_officer = next(v for v in pr.world.emails.values() if v.startswith("city-"))
    officer = signed_in(app, porto_officer)
    console = f"/console/calls/{call_id}"
    sealed = officer.get(console)
    assert "in progress (sealed)" in sealed.text and "1 of 1 evaluators scored" in sealed.text
    assert "0 of 2 evaluators scored" not in sealed.text
    assert post_form(officer, console, console + "/close", {}).status_code == 303
    ranked = officer.get(console)
    assert 'id="ranking"' in ranked.text
    over = post_form(officer, console, console + "/awards", {
        "proposal_id": a, "amount": "100000.01", "reason": "Best"})
    assert over.status_code == 422 and "over the envelope" in over.text
    awarded = post_form(officer, console, console + "/awards", {
        "proposal_id": a, "amount": "60000.00", "reason": "Best value for residents"})
    assert awarded.status_code == 303
    assert post_form(officer, console, console + "/close", {}).status_code == 303

    public = app.test_client().get(f"/calls/{call_id}")
    assert 'id="evaluation-report"' in public.text
    assert "Best value for residents" in public.text
    assert "Not awarded: ranked 2 of 2" in public.text
    assert "Test Evaluator" not in public.text  # no evaluator names
    # Smart bins: Impact 8, Cost 7, Team 9 -> 40 + 21 + 18 = 79
    assert "79.00" in public.text and "8.00" in public.text
    pilot_link = re.compile(r'href="/projects/[0-9a-f-]{36}"')
    assert not pilot_link.search(public.text)  # the pilot is a draft: only its city opens it
    assert pilot_link.search(officer.get(f"/calls/{call_id}").text)
    proposer = signed_in(app, "prop0@example.org")
    assert "Your pilot" in proposer.get("/proposals").text


def test_an_officer_of_another_city_cannot_open_the_console_of_a_call(app, pr):
    call_id = pr.open_call()
    lisbon = app.test_client()
    lisbon_email = [v for v in pr.world.emails.values() if v.startswith("city-")][-1]
    login(lisbon, lisbon_email)
    assert lisbon.get(f"/console/calls/{call_id}").status_code == 403


def test_the_call_page_is_public_and_drafts_are_not(app, pr):
    call_id = pr.open_call()
    page = app.test_client().get(f"/calls/{call_id}")
    assert page.status_code == 200
    assert "EUR 100,000.00" in page.text and "Impact" in page.text
    draft = pr.post("/calls", pr.officer, pr.call_body(
        closes_at=(pr.clock.now() + timedelta(days=5)).isoformat())).json["id"]
    assert app.test_client().get(f"/calls/{draft}").status_code == 404


def test_a_score_outside_0_to_10_or_another_citys_award_is_refused_on_the_pages(app, pr,
                                                                                platform):
    call_id = pr.open_call()
    a = pr.propose(call_id)
    pr.clock.advance(days=31)
    evaluator = signed_in(app, "eval0@example.org")
    before = recorded(platform)
    url = f"/evaluate/{a}"
    refused = post_form(evaluator, url, url, {
        "conflict": "no", "score-0": "11", "score-1": "5", "score-2": "5",
        **{f"justification-{n}": "Seen it." for n in range(3)}})
    assert refused.status_code == 422 and "from 0 to 10" in refused.text
    lisbon = app.test_client()
    login(lisbon, [v for v in pr.world.emails.values() if v.startswith("city-")][-1])
    page = lisbon.get("/calls")  # any page with a CSRF token
    forbidden = lisbon.post(f"/console/calls/{call_id}/awards", data={
        "csrf_token": csrf_from(lisbon.get("/console/calls").text), "proposal_id": a,
        "amount": "10.00", "reason": "Mine"})
    assert page.status_code == 200 and forbidden.status_code == 403
    assert recorded(platform) == before


def test_the_proposal_forms_cost_benefit_table_refuses_bad_figures_and_grows(app, pr,
                                                                              platform):
    call_id = pr.open_call()
    proposer = signed_in(app, "prop0@example.org")
    page = f"/calls/{call_id}/propose"
    fields = {
        "title": "Smart bins", "summary": "Bins that say when full.", "area": "Ribeira",
        "theme": "Environment", "budget_lines": "Sensors | 8000.00 | required",
        "cba_discount_rate": "3.5", "cba_cost_category_1": "capital",
        "cba_year_0_cost_1": "ten thousand",
    }
    before = recorded(platform)
    refused = post_form(proposer, page, page, fields)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text or "cba_year_0_cost_1" in refused.text
    assert 'value="ten thousand"' in refused.text  # kept as typed
    grown = post_form(proposer, page, page, {**fields, "cba_action": "more_years"})
    assert grown.status_code == 200 and 'name="cba_year_15_cost_1"' in grown.text
    assert recorded(platform) == before


def test_the_awarded_pilot_shows_its_call_and_cost_benefit_analysis(app, pr, platform):
    call_id = pr.open_call()
    a = pr.propose(call_id)
    pr.clock.advance(days=31)
    pr.post(f"/calls/{call_id}/close", pr.officer)
    pilot = pr.post(f"/calls/{call_id}/awards", pr.officer,
                    {"proposal_id": a, "amount": "10000.00", "reason": "Good"}).json["project_id"]
    page = signed_in(app, next(v for v in pr.world.emails.values() if v.startswith("city-")))
    shown = page.get(f"/projects/{pilot}")
    assert shown.status_code == 200
    assert 'id="awarded-in"' in shown.text and "Cleaner streets" in shown.text
    assert "448.32" in shown.text  # the proposal's npv (see test_api_calls)
    # Its capital stack against the call's intended shares (city 30, matching 20, crowd 20,
    # investors 30): with only a department's commitment so far, the city holds all of it.
    department = pr.post("/departments", pr.officer, {"city": "Porto", "name": "Environment"})
    line = pr.post(f"/departments/{department.json['id']}/budget-lines", pr.officer,
                   {"name": "Clean streets", "fiscal_year": 2027, "amount": "5000.00"})
    committed = pr.post(f"/projects/{pilot}/commitments", pr.officer,
                   {"budget_line_id": line.json["budget_lines"][0]["id"], "amount": "2000.00",
                    "conditional": True})
    assert committed.status_code == 201, committed.json
    shares = page.get(f"/projects/{pilot}").text
    table = shares[shares.index('id="intended-shares"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)%</td><td>(\d+)%</td>', table)
    assert rows == [("The city&#39;s departments", "30", "100"), ("Matching funds", "20", "0"),
                    ("The crowd", "20", "0"), ("Investors", "30", "0")]


def test_an_officer_restricts_a_new_matching_fund_to_a_call_in_the_console(app, pr):
    from tests.integration.test_matching_pages import new_fund_form

    call_id = pr.open_call()
    lisbon_call = pr.post("/calls", pr.lisbon_officer, pr.call_body(city="Lisbon")).json["id"]
    officer = signed_in(app, next(v for v in pr.world.emails.values() if v.startswith("city-")))
    page = officer.get("/console/funds/new")
    assert "Cleaner streets" in page.text and 'name="calls"' in page.text
    form = new_fund_form(officer, themes="")
    refused = officer.post("/console/funds/new", data={**form, "calls": [lisbon_call]})
    assert refused.status_code == 422 and "Choose among Porto" in refused.text
    made = officer.post("/console/funds/new", data={**form, "calls": [call_id]})
    assert made.status_code == 303
    [fund] = pr.world.platform.read.matching_funds(pr.city)
    assert fund.calls == (call_id,)
