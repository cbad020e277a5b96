"""Benefit sharing on the pages: the pilot's page shows its agreement's versions and signatures
and the approved reports with their distributions; the delivery owner reports on a form; an
officer approves on the console (never their own report). No JavaScript, CSRF on every form."""

from __future__ import annotations

from tests.conftest import csrf_from, login
from tests.e2e.test_api_agreements import Sharing


def signed(world, client):
    on = Sharing(world, client)
    assert on.sign(on.headers, "city").status_code == 201
    assert on.sign(on.owner, "proposer").status_code == 201
    return on


def report_form(client, on, **values):
    page = client.get(f"/sharing/projects/{on.project}/report")
    assert page.status_code == 200, page.text
    data = {"period_start": "2027-01-01", "period_end": "2027-06-30", "amount": "1000.00",
            "category": "energy savings", "evidence": "Metered use fell 12 %.",
            "links": "https://example.org/meter.csv", "csrf_token": csrf_from(page.text),
            **values}
    return client.post(f"/sharing/projects/{on.project}/report", data=data)


def test_the_pilot_page_shows_the_agreement_and_an_approved_distribution(world, client, app):
    on = signed(world, client)
    page = client.get(f"/projects/{on.project}")
    assert "Benefit-sharing agreement" in page.text
    assert "Version 1 is in effect" in page.text
    assert "Signed for the city" in page.text and "Signed for the proposer" in page.text

    login(client, world.emails[on.owner_id])
    sent = report_form(client, on)
    assert sent.status_code == 303, sent.text
    owner_page = client.get(f"/projects/{on.project}")
    assert "Report a benefit" in owner_page.text

    officer = app.test_client()
    second = world.officer(on.city)
    login(officer, world.emails[second])
    assert "/sharing/reports" in officer.get("/console").text
    console = officer.get("/sharing/reports")
    assert console.status_code == 200 and "energy savings" in console.text
    report_id = on.platform.read.benefit_reports_of(on.project)[0].id
    done = officer.post(f"/sharing/reports/{report_id}/approve",
                        data={"csrf_token": csrf_from(console.text)})
    assert done.status_code == 303, done.text
    assert "No benefit report is waiting" in officer.get("/sharing/reports").text

    public = app.test_client().get(f"/projects/{on.project}").text
    assert "Approved benefits and their distributions" in public
    assert "Return of capital" in public and "750.00" in public and "250.00" in public
    assert str(on.alice_id) not in public  # investors are not named in public


def test_the_reporting_officer_cannot_approve_their_own_report(world, client):
    on = signed(world, client)
    login(client, world.emails[on.officer])
    assert report_form(client, on).status_code == 303
    console = client.get("/sharing/reports")
    assert "You reported it" in console.text
    report_id = on.platform.read.benefit_reports_of(on.project)[0].id
    refused = client.post(f"/sharing/reports/{report_id}/approve",
                          data={"csrf_token": csrf_from(console.text)})
    assert refused.status_code == 422
    assert "different officer" in refused.text
    assert on.platform.read.benefit_report(report_id).status == "pending"


def test_a_bad_report_shows_its_errors_and_records_nothing(world, client):
    on = signed(world, client)
    login(client, world.emails[on.owner_id])
    assert report_form(client, on).status_code == 303
    overlap = report_form(client, on, period_start="2027-06-01", period_end="2027-12-31")
    assert overlap.status_code == 422 and "overlaps" in overlap.text
    bad_date = report_form(client, on, period_start="soon")
    assert bad_date.status_code == 422 and "YYYY-MM-DD" in bad_date.text
    no_csrf = client.post(f"/sharing/projects/{on.project}/report",
                          data={"period_start": "2027-07-01"})
    assert no_csrf.status_code == 400
    assert len(on.platform.read.benefit_reports_of(on.project)) == 1


def test_only_the_delivery_owner_and_officers_report_and_only_officers_decide(world, client):
    on = signed(world, client)
    login(client, world.emails[on.alice_id])
    assert client.get(f"/sharing/projects/{on.project}/report").status_code == 403
    assert client.get("/sharing/reports").status_code == 403


def test_the_parties_sign_on_the_pilot_page(world, client, app):
    on = Sharing(world, client)
    login(client, world.emails[on.officer])
    page = client.get(f"/projects/{on.project}")
    assert "Sign version 1 for the city" in page.text
    signed_city = client.post(f"/sharing/projects/{on.project}/sign", data={
        "party": "city", "version": "1", "csrf_token": csrf_from(page.text)})
    assert signed_city.status_code == 303, signed_city.text
    owner = app.test_client()
    login(owner, world.emails[on.owner_id])
    page = owner.get(f"/projects/{on.project}")
    assert "Signed for the city" in page.text
    wrong = owner.post(f"/sharing/projects/{on.project}/sign", data={
        "party": "city", "version": "1", "csrf_token": csrf_from(page.text)})
    assert wrong.status_code == 422 and "Nothing has been recorded" in wrong.text
    done = owner.post(f"/sharing/projects/{on.project}/sign", data={
        "party": "proposer", "version": "1", "csrf_token": csrf_from(page.text)})
    assert done.status_code == 303
    assert "Version 1 is in effect" in owner.get(f"/projects/{on.project}").text
