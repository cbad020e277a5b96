"""The cost-benefit partial (web/templates/procurement/_cost_benefit.html) shows a councillor the
figures, the chart with its table, and the formulas in words, rendered by the app's Jinja env."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from domain.procurement.cost_benefit import CostBenefitAnalysis, YearFlows, analyse

USE = ('{% from "procurement/_cost_benefit.html" import cost_benefit %}'
       "{{ cost_benefit(analysis, results) }}")

# Example B of tests/unit/test_cost_benefit.py: EUR 1,000.00 now, EUR 600.00 of savings in each
# of the next two years, at 5 %: npv 115.65, bcr 1.12, payback year 2 (both), irr 13.07 %;
# at 3 %: 148.08 / 1.15, at 7 %: 84.81 / 1.08, benefits 20 % lower: -107.48 / 0.89.
EXAMPLE_B = CostBenefitAnalysis("EUR", Decimal("0.05"), (
    YearFlows(0, {"capital": 100000}, {}),
    YearFlows(1, {}, {"savings": 60000}),
    YearFlows(2, {}, {"savings": 60000}),
))


@pytest.fixture
def render(app):
    def rendered(analysis: CostBenefitAnalysis) -> str:
        with app.app_context():
            return app.jinja_env.from_string(USE).render(
                analysis=analysis, results=analyse(analysis))
    return rendered


def text_of(page: str) -> str:
    """The words a reader sees: tags dropped, entities read, spaces folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def svg_root(svg: str) -> ET.Element:
    """The chart as XML (our own output, so the plain parser is safe here)."""
    return ET.fromstring(svg)  # noqa: S314


def by_id(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|tr)>', page, re.S)
    assert match, f"no #{element_id}"
    return text_of(match.group(1))


def test_the_outputs_are_shown_in_the_currency(render):
    page = render(EXAMPLE_B)

    assert by_id(page, "cba-npv") == "EUR 115.65"
    assert by_id(page, "cba-bcr") == "1.12"
    assert by_id(page, "cba-payback") == "year 2"
    assert by_id(page, "cba-discounted-payback") == "year 2"
    assert by_id(page, "cba-irr") == "13.07 %"
    words = text_of(page)
    assert "the benefits are worth EUR 1,115.65 today against costs of EUR 1,000.00" in words


def test_the_sensitivity_table_shows_each_scenario(render):
    page = render(EXAMPLE_B)

    assert by_id(page, "cba-rate-minus-2") == (
        "Discount rate 2 points lower (3 %) EUR 148.08 1.15")
    assert by_id(page, "cba-rate-plus-2") == "Discount rate 2 points higher (7 %) EUR 84.81 1.08"
    assert by_id(page, "cba-benefits-minus-20") == "Every benefit 20 % lower EUR -107.48 0.89"


def test_the_chart_is_an_accessible_svg_with_a_table_of_every_figure(render):
    page = render(EXAMPLE_B)

    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S).group(0)
    root = svg_root(svg)  # well-formed
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find("s:title", ns).text == (
        "Yearly costs and benefits, and the cumulative net, in EUR")
    assert root.get("aria-labelledby") == "cba-chart-title cba-chart-desc"
    # One cost bar (year 0), two benefit bars, three points on the cumulative net line.
    assert len(root.findall(".//s:rect[@class='cba-cost']", ns)) == 1
    assert len(root.findall(".//s:rect[@class='cba-benefit']", ns)) == 2
    assert len(root.find(".//s:polyline", ns).get("points").split()) == 3
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "Year 1 benefits: EUR 600.00" in titles
    assert "Year 2 cumulative net: EUR 200.00" in titles
    # The scale's ends are labelled: the highest figure (a year's savings) and the lowest (year 0).
    axis = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")
            if t.get("class") == "cba-axis"]
    assert axis == ["EUR 600.00", "EUR -1,000.00"]
    # The table beside it: year 1 costs nothing, saves 600.00, -400.00 so far; divided by 1.05
    # that is 571.43, and -428.57 discounted so far.
    table = re.search(r'<table class="cba-yearly".*?</table>', page, re.S).group(0)
    rows = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    assert rows[2] == "1 EUR 0.00 EUR 600.00 EUR 600.00 EUR -400.00 1.05 EUR 571.43 EUR -428.57"
    assert rows[3] == ("2 EUR 0.00 EUR 600.00 EUR 600.00 EUR 200.00 1.1025 EUR 544.22 "
                       "EUR 115.65")


def test_the_bars_are_drawn_to_scale_around_the_zero_line(render):
    page = render(EXAMPLE_B)

    # The figures run from -1000.00 (year 0's costs) to +600.00 (a year's savings), over the
    # 216 points of the plot's height: a cost bar of 1000.00 is 216 x 1000/1600 = 135 high, a
    # benefit bar of 600.00 is 81 high, and both meet at the zero line, 24 + 81 = 105 from the
    # top of the picture (the plot starts 24 down).
    cost = re.search(r'class="cba-cost" x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"', page)
    benefit = re.search(
        r'class="cba-benefit" x="[^"]+" y="([^"]+)" width="[^"]+" height="([^"]+)"', page)
    assert (cost.group(1), cost.group(2)) == ("105.0", "135.0")
    assert (benefit.group(1), benefit.group(2)) == ("24.0", "81.0")


def test_the_formulas_are_said_in_words_with_the_figures(render):
    words = text_of(render(EXAMPLE_B))

    assert "None" not in words
    assert "Year 0: cost “capital” EUR 1,000.00" in words
    assert "Year 1: benefit “savings” EUR 600.00" in words

    assert ("Each year's net benefit (its benefits minus its costs) is divided by (1 + 5 %) to "
            "the power of the year: year 0 counts in full, year 1 is divided by 1.05, year 2 by "
            "1.1025") in words
    assert "Net present value (EUR 115.65) is the sum of those discounted net benefits" in words
    assert ("Benefit-cost ratio (1.12) is the benefits' present value (EUR 1,115.65) divided by "
            "the costs' present value (EUR 1,000.00)") in words
    assert "the cumulative net reaches zero): year 2" in words
    assert ("Internal rate of return (13.07 %) is the discount rate at which the net present "
            "value would be exactly zero. It is above the 5 % used") in words


def test_without_costs_or_payback_the_page_says_so(render):
    only_benefits = render(CostBenefitAnalysis("GBP", Decimal("0.035"), (
        YearFlows(0, {}, {"fares": 25000}),)))
    never = render(CostBenefitAnalysis("EUR", Decimal("0.05"), (
        YearFlows(0, {"capital": 100000}, {}), YearFlows(1, {}, {"savings": 30000}))))

    assert by_id(only_benefits, "cba-bcr") == "none (no costs)"
    assert by_id(only_benefits, "cba-irr") == "none"
    assert by_id(only_benefits, "cba-npv") == "GBP 250.00"
    assert "discount rate of 3.5 %" in text_of(only_benefits)
    assert "The yearly net benefits never change sign" in text_of(only_benefits)
    assert by_id(never, "cba-payback") == "not within the 2 years shown"
    assert by_id(never, "cba-discounted-payback") == "not within the 2 years shown"


def test_fifty_years_render_with_every_tenth_year_labelled(render):
    years = (YearFlows(0, {"capital": 1000000}, {}),
             *(YearFlows(t, {"running": 1000}, {"savings": 30000}) for t in range(1, 51)))

    page = render(CostBenefitAnalysis("EUR", Decimal("0.03"), years))

    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S).group(0)
    labels = [t.text for t in svg_root(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert [x for x in labels if x.isdigit()] == ["0", "10", "20", "30", "40", "50"]
    assert "<circle" not in svg  # too many points to mark each one


def test_category_names_are_escaped(render):
    page = render(CostBenefitAnalysis("EUR", Decimal("0.05"), (
        YearFlows(0, {"<script>alert(1)</script>": 100}, {}),)))

    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
