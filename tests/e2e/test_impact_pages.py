"""A pilot's delivery owner defines impact indicators and reports values on /delivery (the
console has the same forms); the pilot's public page shows each as a chart against its target
with a table of the values and their evidence, and the city's impact page shows them
together. Wrong units, impossible negatives and future dates are refused, nothing recorded."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from adapters import tables
from tests.conftest import csrf_from
from tests.e2e.test_delivery_owner import (
    OFFICER,
    OTHER_PROPOSER,
    PROPOSER,
    Pilot,
    post_form,
    signed_in,
)
from tests.e2e.test_settlement_pages import recorded, text_of, words


@pytest.fixture
def pilot(world, platform, clock) -> Pilot:
    found = Pilot(world, platform, clock)
    found.assign()
    found.fund_and_deliver()
    clock.advance(days=90)
    return found


def define(client, page: str, **fields):
    wanted = {"indicator_name": "Sensors online", "unit": "sensors", "target": "20",
              "direction": "higher", **fields}
    return post_form(client, page, "indicators", **wanted)


def report(client, page: str, pilot: Pilot, days: int, value: str, **fields):
    on = (pilot.clock.now() - timedelta(days=days)).date().isoformat()
    wanted = {"indicator": "1", "measured_on": on, "value": value,
              "evidence": "Counted in the operator's dashboard",
              "links": "https://data.zagreb.example/sensors\n", **fields}
    return post_form(client, page, "indicators/values", **wanted)


def test_the_owner_reports_and_the_public_page_charts_the_values_against_the_target(
        pilot, app, platform):
    owner = signed_in(app, PROPOSER)
    page = f"/delivery/projects/{pilot.id}"
    assert define(owner, page).status_code == 303
    for days, value in ((60, "8"), (30, "15"), (1, "21")):
        assert report(owner, page, pilot, days, value).status_code == 303
    assert "Sensors online" in text_of(owner.get(page).text, "impact-indicators")

    public = app.test_client().get(f"/projects/{pilot.id}").text
    section = text_of(public, "indicator-1")
    assert "Target 20 sensors (higher is better)" in section
    assert "Latest 21 sensors" in section and "on target" in section
    assert public.count('<circle cx=') == 3 and 'class="target"' in public
    table = text_of(public, "values-1")
    assert "15" in table and "Counted in the operator's dashboard" in table
    assert 'href="https://data.zagreb.example/sensors"' in public

    city = app.test_client().get(f"/cities/{pilot.city}/impact").text
    assert "Tram stop displays" in words(city) and "On target" in words(city)


def test_evidence_is_kept_out_of_the_log(pilot, app, platform):
    owner = signed_in(app, PROPOSER)
    page = f"/delivery/projects/{pilot.id}"
    define(owner, page)
    report(owner, page, pilot, 5, "3", evidence="Counted by Ana Horvat on site")
    events = list(platform.app.repository.event_store.get(platform.app.impact_of(pilot.id).id))
    assert [type(e).__name__ for e in events][-1] == "ValueReported"
    assert all("Ana Horvat" not in repr(e.__dict__) for e in events)
    with platform.engine.connect() as conn:
        kept = conn.execute(sa.select(tables.impact_evidence.c.text)).scalars().all()
    assert kept == ["Counted by Ana Horvat on site"]


@pytest.mark.parametrize(("fields", "message"), [
    ({"value": "12 kg"}, "This indicator is measured in sensors, not kg"),
    ({"value": "-4"}, "“Sensors online” cannot be negative"),
    ({"value": "lots"}, "is not a decimal number"),
    ({"days": -3}, "cannot be measured in the future"),
    ({"days": 200}, "was funded on"),
    ({"evidence": "   "}, "Evidence"),
    ({"links": "javascript:alert(1)"}, "Each evidence link is an http(s) address"),
])
def test_bad_values_are_refused_on_the_page_and_nothing_is_recorded(
        pilot, app, platform, fields, message):
    owner = signed_in(app, PROPOSER)
    page = f"/delivery/projects/{pilot.id}"
    define(owner, page)
    before = recorded(platform)
    days = fields.pop("days", 2)
    refused = report(owner, page, pilot, days, fields.pop("value", "5"), **fields)
    assert refused.status_code in (400, 422)
    assert message in words(refused.text)
    assert recorded(platform) == before
    with platform.engine.connect() as conn:
        assert conn.execute(sa.select(tables.impact_evidence)).all() == []


def test_the_console_has_the_same_forms_and_refuses_a_money_benefit_in_another_currency(
        pilot, app, platform):
    officer = signed_in(app, OFFICER)
    page = f"/console/projects/{pilot.id}"
    refused = define(officer, page, indicator_name="Energy saved", unit="HUF", target="100",
                     money_benefit="y")
    assert refused.status_code == 422 and "the pilot's currency, EUR" in words(refused.text)
    assert define(officer, page, indicator_name="Energy saved", unit="EUR", target="1000",
                  money_benefit="y").status_code == 303
    assert "Energy saved (money benefit)" in words(officer.get(page).text)


def test_another_proposer_cannot_define_indicators(pilot, app, platform):
    rival = signed_in(app, OTHER_PROPOSER)
    token = csrf_from(rival.get("/delivery").text)
    before = recorded(platform)
    refused = rival.post(f"/delivery/projects/{pilot.id}/indicators", data={
        "csrf_token": token, "indicator_name": "Sensors online", "unit": "sensors",
        "target": "20", "direction": "higher"})
    assert refused.status_code == 404
    assert recorded(platform) == before


def test_the_proof_of_value_sets_realised_benefits_against_the_planned_ones(
        pilot, app, platform):
    # The analysis a call's award attaches (EUR 36,500.00 a year: EUR 100.00 a day).
    cba = {"currency": "EUR", "discount_rate": "0.05", "years": [
        {"year": 0, "costs": {"lanterns": 2000000}, "benefits": {"energy": 3650000}},
        {"year": 1, "costs": {}, "benefits": {"energy": 3650000}}]}
    with platform.engine.begin() as conn:
        conn.execute(tables.project_cost_benefits.insert().values(
            project_id=pilot.id, call_id=uuid4(), cba=cba))
    officer = signed_in(app, OFFICER)
    page = f"/console/projects/{pilot.id}"
    define(officer, page, indicator_name="Energy cost saved", unit="EUR", target="3000.00",
           money_benefit="y")
    report(officer, page, pilot, 40, "1200.50")
    report(officer, page, pilot, 10, "1000.25")

    public = app.test_client().get(f"/projects/{pilot.id}").text
    funded_on = platform.app.funded_on(platform.app.get_project(pilot.id))
    days = (pilot.clock.now().date() - funded_on).days
    assert text_of(public, "benefits-realised") == "EUR 2,200.75"
    assert text_of(public, "benefits-planned-so-far") == f"EUR {days * 100:,}.00"
    assert text_of(public, "benefits-planned-total") == "EUR 73,000.00"
