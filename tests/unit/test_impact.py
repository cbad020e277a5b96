"""A pilot's impact: its delivery owner or its city's officers define indicators (unit, target,
which way is better) and report measured values; wrong units, impossible negatives, dates in
the future or before funding are refused with nothing recorded."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.crowdfunding.impact import (
    InvalidIndicator,
    InvalidMeasurement,
    PilotImpact,
    WrongUnit,
    clean_evidence,
    planned_benefits_to,
)
from domain.kernel.errors import InvalidTransition, NotPermitted
from tests.unit.conftest import START
from tests.unit.test_delivery_owner import Delivery

FUNDED_ON = (START + timedelta(days=10)).date()  # the campaign's deadline (Lisbon)


@pytest.fixture
def pilot() -> Delivery:
    delivery = Delivery()
    delivery.assign()
    delivery.fund_and_deliver()
    return delivery


def define(pilot: Delivery, **fields) -> int:
    wanted = {"name": "Sensors online", "unit": "sensors", "target": "20",
              "direction": "higher", **fields}
    with pilot.as_proposer():
        return pilot.app.define_indicator(pilot.project, **wanted)


def report(pilot: Delivery, **fields):
    wanted = {"indicator": 1, "on": FUNDED_ON + timedelta(days=1), "value": "12", **fields}
    with pilot.as_proposer():
        return pilot.app.report_indicator_value(pilot.project, **wanted)


def impact(pilot: Delivery) -> PilotImpact:
    return pilot.app.impact_of(pilot.project)


def test_the_delivery_owner_defines_an_indicator_and_reports_values_over_time(pilot):
    pilot.clock.advance(days=70)
    assert define(pilot) == 1
    report(pilot, value="8")
    report(pilot, on=FUNDED_ON + timedelta(days=40), value="19 sensors")

    found = impact(pilot)
    assert found.indicators[0].target == Decimal("20")
    assert [(m.on, m.value) for m in found.measurements] == [
        (FUNDED_ON + timedelta(days=1), Decimal("8")),
        (FUNDED_ON + timedelta(days=40), Decimal("19"))]
    events = list(pilot.app.repository.event_store.get(found.id))
    assert [type(e).__name__ for e in events] == ["Started", "IndicatorDefined",
                                                  "ValueReported", "ValueReported"]
    assert events[-1].actor_id == str(pilot.proposer)
    assert events[-1].value == "19" and events[-1].project_id == pilot.project


def test_an_officer_of_the_city_may_too_but_not_another_proposer(pilot):
    with pilot.as_officer():
        pilot.app.define_indicator(pilot.project, name="kWh saved per month", unit="kWh",
                                   target="4000", direction="higher")
    stranger = pilot.account("proposer")
    with pilot.as_proposer(stranger), pytest.raises(NotPermitted):
        pilot.app.define_indicator(pilot.project, name="x", unit="x", target="1",
                                   direction="higher")
    assert len(impact(pilot).indicators) == 1


@pytest.mark.parametrize(("fields", "error", "words"), [
    ({"value": "12 kg"}, WrongUnit, "measured in sensors, not kg"),
    ({"unit": "kWh"}, WrongUnit, "not kWh"),
    ({"value": "-3"}, InvalidMeasurement, "cannot be negative"),
    ({"value": "twelve"}, InvalidMeasurement, "not a decimal number"),
    ({"value": "1e3"}, InvalidMeasurement, "not a decimal number"),
    ({"value": "NaN"}, InvalidMeasurement, "not a decimal number"),
    ({"value": "1.1234567"}, InvalidMeasurement, "decimal places"),
    ({"on": FUNDED_ON - timedelta(days=1)}, InvalidMeasurement, "was funded on"),
    ({"on": (START + timedelta(days=30)).date()}, InvalidMeasurement, "in the future"),
    ({"indicator": 2}, InvalidMeasurement, "no such indicator"),
])
def test_bad_values_are_refused_and_nothing_is_recorded(pilot, fields, error, words):
    define(pilot)
    before = impact(pilot).version
    with pytest.raises(error, match=words):
        report(pilot, **fields)
    assert impact(pilot).version == before and impact(pilot).measurements == []


def test_negative_values_where_the_indicator_allows_them_and_one_value_a_day(pilot):
    pilot.clock.advance(days=5)
    define(pilot, name="Change in PM2.5", unit="µg/m³", target="-5", direction="lower",
           negatives_allowed=True)
    report(pilot, value="-2.5")
    with pytest.raises(InvalidMeasurement, match="already has a value"):
        report(pilot, value="-3")
    assert [m.value for m in impact(pilot).measurements] == [Decimal("-2.5")]


@pytest.mark.parametrize(("fields", "error", "words"), [
    ({"name": "  "}, InvalidIndicator, "name is required"),
    ({"direction": "up"}, InvalidIndicator, "higher or lower"),
    ({"target": "-1"}, InvalidIndicator, "no negative"),
    ({"target": "20 kg"}, WrongUnit, "not kg"),
    ({"money_benefit": True, "unit": "HUF"}, WrongUnit, "currency, EUR"),
    ({"money_benefit": True, "unit": "EUR", "target": "10.001"}, InvalidIndicator,
     "2 decimal places"),
])
def test_bad_indicators_are_refused(pilot, fields, error, words):
    with pytest.raises(error, match=words):
        define(pilot, **fields)
    assert impact(pilot) is None


def test_impact_is_measured_once_the_pilot_is_funded():
    delivery = Delivery()
    delivery.assign()
    with pytest.raises(InvalidTransition, match="once a pilot is funded"):
        define(delivery)


def test_a_name_is_used_once_per_pilot(pilot):
    define(pilot)
    with pytest.raises(InvalidIndicator, match="already has an indicator"):
        define(pilot, name="sensors  ONLINE")


def test_evidence_needs_text_and_http_links():
    assert clean_evidence(" Counted on site ", ["https://x.example/a"]) == (
        "Counted on site", ["https://x.example/a"])
    with pytest.raises(InvalidMeasurement, match="Describe the evidence"):
        clean_evidence("", [])
    with pytest.raises(InvalidMeasurement, match="http"):
        clean_evidence("ok", ["javascript:alert(1)"])


def test_planned_benefits_count_each_year_of_the_analysis_in_proportion_to_the_days_gone():
    cba = {"years": [{"year": 0, "costs": {"build": 1000}, "benefits": {}},
                     {"year": 1, "costs": {}, "benefits": {"energy": 36500, "health": 100}}]}
    funded = date(2025, 1, 1)
    assert planned_benefits_to(cba, funded, date(2025, 12, 31)) == 0
    # Year 1 is 2026-01-01 .. 2027-01-01 (365 days); 73 of its days gone: a fifth.
    assert planned_benefits_to(cba, funded, date(2026, 3, 15)) == 36600 // 5
    assert planned_benefits_to(cba, funded, date(2030, 1, 1)) == 36600
