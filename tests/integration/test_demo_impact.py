"""The demo's delivered pilot reports its impact: indicators with a few months of values, shown
as charts on its page and together on its city's impact page."""

from __future__ import annotations

from tests.integration.test_demo import demo_platform  # noqa: F401 (the shared fixture)
from web.demo import IMPACT_INDICATORS, IMPACT_PILOT


def test_the_delivered_pilot_has_indicators_with_months_of_values(demo_platform):  # noqa: F811
    read = demo_platform.read
    pilot = next(p for p in read.projects(include_drafts=True, limit=10_000)
                 if p.title == IMPACT_PILOT.title)
    assert pilot.status == "delivering"
    indicators = read.indicators_of(pilot.id)
    assert [i.name for i in indicators] == [name for name, *_ in IMPACT_INDICATORS]
    for indicator in indicators:
        span = indicator.values[-1].measured_on - indicator.values[0].measured_on
        assert len(indicator.values) >= 3 and span.days >= 50
        assert all(v.evidence for v in indicator.values)
    assert indicators[-1].money_benefit and indicators[-1].unit == "EUR"


def test_its_page_charts_them_and_its_city_page_lists_them(demo_platform):  # noqa: F811
    from web.app import create_app

    client = create_app({"TESTING": True, "SECRET_KEY": "t"}, platform=demo_platform
                        ).test_client()
    pilot = next(p for p in demo_platform.read.projects(limit=10_000)
                 if p.title == IMPACT_PILOT.title)
    page = client.get(f"/projects/{pilot.id}").text
    assert page.count('class="impact-chart"') == len(IMPACT_INDICATORS)
    assert "Electricity used per month" in page
    city = client.get(f"/cities/{pilot.city_id}/impact").text
    assert IMPACT_PILOT.title in city and "Energy cost saved" in city
