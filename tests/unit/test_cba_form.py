"""A cost-benefit analysis typed into the proposal form (web/procurement/cba_form.py) and the
macro that draws its inputs (web/templates/procurement/_cost_benefit_form.html)."""

from __future__ import annotations

import html
import re

import pytest

from domain.kernel.errors import UnknownCurrency
from domain.procurement.cost_benefit import InvalidCostBenefit, analyse
from web.procurement.cba_form import (
    CBA_TABLE,
    MORE_YEARS,
    YEARS_ADDED,
    YEARS_SHOWN,
    _form_field,
    cba_form_values,
    cba_from_form,
    cba_posted_values,
    wants_more_years,
)
from web.procurement.cba_schemas import cost_benefit_from_json

# Example B of tests/unit/test_cost_benefit.py (EUR 1,000.00 now, EUR 600.00 of savings in each
# of the next two years, at 5 %: npv EUR 115.65) as the API stores it.
EXAMPLE_B = {
    "discount_rate": "0.05",
    "years": [
        {"year": 0, "costs": {"capital": "1000.00"}, "benefits": {}},
        {"year": 1, "costs": {}, "benefits": {"savings": "600.00"}},
        {"year": 2, "costs": {}, "benefits": {"savings": "600.00"}},
    ],
}


def typed(**fields: str) -> dict[str, str]:
    """A blank form with `fields` typed in (as a browser posts it: every input, most empty)."""
    values = cba_form_values(None)
    values.update(fields)
    return values


def refusal(form, currency="EUR") -> InvalidCostBenefit:
    with pytest.raises(InvalidCostBenefit) as caught:
        cba_from_form(form, currency)
    return caught.value


# -- the parser ----------------------------------------------------------------------------------

def test_what_is_typed_becomes_the_apis_json_and_the_same_figures():
    form = typed(cba_discount_rate="5", cba_cost_category_1="capital",
                 cba_benefit_category_1="savings", cba_year_0_cost_1="1000",
                 cba_year_1_benefit_1="600.00", cba_year_2_benefit_1=" 600 ")

    data = cba_from_form(form, "EUR")

    assert data == EXAMPLE_B
    assert analyse(cost_benefit_from_json(data, "EUR")).npv == 11565


def test_the_discount_rate_is_typed_in_percent_and_stored_as_a_fraction():
    base = dict(cba_cost_category_1="capital", cba_year_0_cost_1="10.00")
    for percent, fraction in [("3.5", "0.035"), ("3.5 %", "0.035"), ("3.5%", "0.035"),
                              ("0", "0"), ("100", "1"), ("-1.25", "-0.0125"),
                              ("12.3456", "0.123456")]:
        assert cba_from_form(typed(cba_discount_rate=percent, **base), "EUR")[
            "discount_rate"] == fraction, percent
        # ... and shown again as the percentage
        assert cba_form_values({"discount_rate": fraction, "years": []})[
            "cba_discount_rate"] == percent.removesuffix("%").strip()


def test_a_stored_analysis_shown_in_the_form_and_sent_back_is_unchanged():
    stored = {
        "discount_rate": "0.035",
        "years": [
            {"year": 0, "costs": {"capital": "120000.00", "design": "0.00"}, "benefits": {}},
            {"year": 1, "costs": {"running": "5000.50"}, "benefits": {"savings": "40000.00"}},
            {"year": 2, "costs": {}, "benefits": {}},
            {"year": 3, "costs": {"running": "5000.50"},
             "benefits": {"savings": "40000.00", "CO2 avoided x EUR 80/t": "1200.00"}},
        ],
    }
    values = cba_form_values(stored)

    assert values["cba_discount_rate"] == "3.5"
    assert [values[f"cba_cost_category_{k}"] for k in (1, 2, 3, 4)] == [
        "capital", "design", "running", ""]
    assert values["cba_year_0_cost_2"] == "0.00"  # a zero typed is kept apart from a blank
    assert values["cba_year_3_benefit_2"] == "1200.00"
    assert values["cba_year_count"] == str(YEARS_SHOWN)
    assert cba_from_form(values, "EUR") == stored
    assert cba_form_values(cba_from_form(values, "EUR")) == values


def test_a_blank_form_is_refused_with_the_rate_missing_and_blanks_otherwise_ignored():
    problem = refusal(cba_form_values(None))
    assert problem.field == "cba_discount_rate"
    assert "Enter the discount rate" in problem.message

    # With a rate alone: one year of nothing (year 0 is always there), no category.
    assert cba_from_form(typed(cba_discount_rate="4"), "EUR") == {
        "discount_rate": "0.04", "years": [{"year": 0, "costs": {}, "benefits": {}}]}


def test_empty_amounts_count_as_zero_and_trailing_blank_years_are_dropped():
    form = typed(cba_discount_rate="5", cba_cost_category_2="running",
                 cba_benefit_category_3="savings", cba_year_0_cost_2="100",
                 cba_year_4_benefit_3="50")

    data = cba_from_form(form, "EUR")

    assert [y["year"] for y in data["years"]] == [0, 1, 2, 3, 4]  # not 0..10
    assert data["years"][2] == {"year": 2, "costs": {}, "benefits": {}}
    assert data["years"][4]["benefits"] == {"savings": "50.00"}


@pytest.mark.parametrize(("fields", "input_name", "words"), [
    ({"cba_discount_rate": "abc"}, "cba_discount_rate", "is not a percentage"),
    ({"cba_discount_rate": "3,5"}, "cba_discount_rate", "decimal point"),
    ({"cba_discount_rate": "-98"}, "cba_discount_rate", "above -98 and at most 100"),
    ({"cba_discount_rate": "100.01"}, "cba_discount_rate", "above -98 and at most 100"),
    ({"cba_discount_rate": "3.12345"}, "cba_discount_rate", "at most 4 decimals"),
    ({"cba_discount_rate": "NaN"}, "cba_discount_rate", "is not a percentage"),
    ({"cba_year_2_cost_1": "12.345"}, "cba_year_2_cost_1", "at most 2 decimal places"),
    ({"cba_year_2_cost_1": "-5"}, "cba_year_2_cost_1", "cannot be negative"),
    ({"cba_year_2_cost_1": "1,200.00"}, "cba_year_2_cost_1", "without commas"),
    ({"cba_year_2_cost_1": "1e3"}, "cba_year_2_cost_1", "is not an amount"),
    ({"cba_year_1_benefit_2": "5"}, "cba_benefit_category_2", "Name benefit category 2"),
    ({"cba_cost_category_3": "capital"}, "cba_cost_category_3",
     "Cost categories 1 and 3 have the same name"),
    ({"cba_cost_category_2": "x" * 81}, "cba_cost_category_2", "at most 80 characters"),
    ({"cba_cost_category_2": "a\x00b"}, "cba_cost_category_2", "control characters"),
])
def test_each_error_names_the_input_it_belongs_to(fields, input_name, words):
    form = typed(**{"cba_discount_rate": "5", "cba_cost_category_1": "capital",
                    "cba_year_0_cost_1": "1000.00", **fields})

    problem = refusal(form)

    assert problem.field == input_name
    assert words in problem.message
    assert problem.errors == {input_name: problem.message}
    assert problem.code == "invalid_cost_benefit"


def test_every_problem_is_reported_at_once_in_the_order_of_the_page():
    form = typed(cba_discount_rate="", cba_year_3_cost_1="x", cba_cost_category_2="ok",
                 cba_year_0_cost_2="1.001")

    problem = refusal(form)

    assert list(problem.errors) == ["cba_discount_rate", "cba_cost_category_1",
                                    "cba_year_0_cost_2", "cba_year_3_cost_1"]
    assert problem.field == "cba_discount_rate"


def test_a_json_number_cannot_sneak_in_as_an_amount_or_a_rate():
    form = typed(cba_discount_rate="5", cba_cost_category_1="capital")
    form["cba_year_0_cost_1"] = 1000.1  # a caller handing a JSON body over as the form

    problem = refusal(form)
    assert problem.field == "cba_year_0_cost_1"
    assert "as text" in problem.message

    form = typed(cba_cost_category_1="capital", cba_year_0_cost_1="1")
    form["cba_discount_rate"] = 0.05
    assert refusal(form).field == "cba_discount_rate"

    # and what comes out has amounts and the rate as strings only
    data = cba_from_form(typed(cba_discount_rate="5", cba_cost_category_1="capital",
                               cba_year_0_cost_1="7"), "EUR")
    assert data["discount_rate"] == "0.05"
    assert data["years"][0]["costs"] == {"capital": "7.00"}


def test_huge_inputs_are_refused_with_a_clear_error():
    problem = refusal(typed(cba_discount_rate="5", cba_cost_category_1="capital",
                            cba_year_0_cost_1="9" * 100_000))
    assert problem.field == "cba_year_0_cost_1"
    assert "too long to be an amount" in problem.message

    problem = refusal(typed(cba_discount_rate="5", cba_cost_category_1="capital",
                            cba_year_0_cost_1="99999999999999.00"))  # 14 digits
    assert "too large, at most 13 digits" in problem.message

    problem = refusal(typed(cba_discount_rate="1" * 5000, cba_cost_category_1="capital",
                            cba_year_0_cost_1="1"))
    assert problem.field == "cba_discount_rate"
    assert "too long" in problem.message

    # 13 digits is the most, and the domain takes it
    data = cba_from_form(typed(cba_discount_rate="5", cba_cost_category_1="capital",
                               cba_year_0_cost_1="9999999999999.99"), "EUR")
    assert data["years"][0]["costs"]["capital"] == "9999999999999.99"


def test_counts_posted_are_bounded_and_more_categories_than_the_form_takes_are_refused():
    form = typed(cba_discount_rate="5", cba_cost_category_1="capital", cba_year_0_cost_1="1")
    form["cba_year_count"] = "999999999"
    form["cba_year_60_cost_1"] = "5"  # beyond year 50: never read
    assert [y["year"] for y in cba_from_form(form, "EUR")["years"]] == [0]
    assert cba_posted_values(form)["cba_year_count"] == "51"

    form["cba_cost_category_count"] = "21"
    problem = refusal(form)
    assert problem.field == CBA_TABLE
    assert "at most 20 cost and 20 benefit categories" in problem.message


def test_amounts_beyond_what_the_domain_takes_are_refused_on_their_input():
    # 13 digits of KWD (3 decimals) is more minor units than the domain takes in a category.
    form = typed(cba_discount_rate="5", cba_cost_category_1="capital", cba_year_0_cost_1="1",
                 cba_benefit_category_2="fees", cba_year_1_benefit_2="9999999999999.999")

    problem = refusal(form, "KWD")

    assert problem.errors == {
        "cba_year_1_benefit_2": "Year 1, benefit 2: too large, at most 1000000000000.000"}
    assert cba_from_form(typed(**{**form, "cba_year_1_benefit_2": "1000000000000.000"}), "KWD")
    # 20 categories of a kind, the domain's most a year, are taken
    form = typed(cba_discount_rate="5", cba_cost_category_count="20")
    for k in range(1, 21):
        form[f"cba_cost_category_{k}"] = f"c{k}"
        form[f"cba_year_0_cost_{k}"] = "1"
    assert len(cba_from_form(form, "EUR")["years"][0]["costs"]) == 20


def test_a_field_of_the_domains_errors_maps_to_the_form_input():
    # The form checks everything the domain does first; should the domain refuse anyway, its
    # field (as cost_benefit_from_json names it) still lands on an input, or on the table.
    names = {"cost": {1: "capital", 2: "a.b"}, "benefit": {1: "savings"}}
    assert _form_field("cba.discount_rate", names) == "cba_discount_rate"
    assert _form_field("cba.years.3.costs.a.b", names) == "cba_year_3_cost_2"
    assert _form_field("cba.years.0.benefits.savings", names) == "cba_year_0_benefit_1"
    assert _form_field("cba.years.2", names) == CBA_TABLE
    assert _form_field(None, names) == CBA_TABLE


def test_more_years_keeps_what_was_typed_and_adds_rows():
    posted = typed(cba_discount_rate="3.5", cba_cost_category_1="capital",
                   cba_year_10_cost_1="12", cba_action=MORE_YEARS)
    posted["cba_year_0_cost_1"] = "not yet a number"

    assert wants_more_years(posted)
    assert not wants_more_years(typed())
    values = cba_posted_values(posted, more_years=True)

    assert values["cba_year_count"] == str(YEARS_SHOWN + YEARS_ADDED)
    assert values["cba_year_0_cost_1"] == "not yet a number"  # kept, as typed
    assert values["cba_year_10_cost_1"] == "12"
    assert values[f"cba_year_{YEARS_SHOWN + YEARS_ADDED - 1}_cost_1"] == ""
    assert "cba_action" not in values

    # and never past year 50
    for _ in range(20):
        values = cba_posted_values(values, more_years=True)
    assert values["cba_year_count"] == "51"


# -- the macro -------------------------------------------------------------------------------------

USE = ('{% from "procurement/_cost_benefit_form.html" import cost_benefit_fields %}'
       "<form>{{ cost_benefit_fields(values, errors, currency='EUR') }}</form>")


@pytest.fixture
def render(app):
    def rendered(values, errors=None) -> str:
        with app.app_context():
            return app.jinja_env.from_string(USE).render(values=values, errors=errors or {})
    return rendered


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def input_tag(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert match, f"no input {name}"
    return match.group(0)


def label_of(page: str, input_id: str) -> str:
    match = re.search(rf'<label for="{input_id}"[^>]*>(.*?)</label>', page, re.S)
    assert match, f"no label for {input_id}"
    return text_of(match.group(1))


def test_every_input_has_a_label_and_the_help_explains_the_rate(render):
    page = render(cba_form_values(EXAMPLE_B))

    names = re.findall(r'<input[^>]*\bname="([^"]+)"', page)
    visible = [n for n in names if not re.search(
        rf'<input type="hidden" name="{n}"', page)]
    assert len(visible) == 1 + 8 + YEARS_SHOWN * 8
    for name in visible:
        assert f'id="{name}"' in input_tag(page, name)
        assert label_of(page, name)
    assert label_of(page, "cba_discount_rate") == "Discount rate (% a year)"
    assert label_of(page, "cba_year_1_benefit_1") == "Year 1, benefit 1 (savings), in EUR"
    assert label_of(page, "cba_cost_category_2") == "Name of cost category 2"
    assert "<legend>Cost-benefit analysis</legend>" in page
    words = text_of(page)
    assert "type 3.5 for 3.5 % (it is stored as the fraction 0.035)" in words
    assert "An empty box counts as 0" in words
    assert 'aria-describedby="cba_discount_rate-hint"' in input_tag(page, "cba_discount_rate")


def test_the_values_are_shown_and_escaped(render):
    values = cba_form_values(EXAMPLE_B)
    values["cba_benefit_category_2"] = '"><script>alert(1)</script>'
    page = render(values)

    assert 'value="5"' in input_tag(page, "cba_discount_rate")
    assert 'value="1000.00"' in input_tag(page, "cba_year_0_cost_1")
    assert 'value="capital"' in input_tag(page, "cba_cost_category_1")
    assert "<script>" not in page
    assert 'value="&#34;&gt;&lt;script&gt;' in input_tag(page, "cba_benefit_category_2")
    assert '<input type="hidden" name="cba_year_count" value="11">' in page


def test_an_error_is_shown_on_its_input_and_tied_to_it(render):
    posted = typed(cba_discount_rate="5", cba_cost_category_1="capital",
                   cba_year_2_cost_1="12.345")
    with pytest.raises(InvalidCostBenefit) as caught:
        cba_from_form(posted, "EUR")
    page = render(cba_posted_values(posted), caught.value.errors)

    tag = input_tag(page, "cba_year_2_cost_1")
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="cba_year_2_cost_1-error"' in tag
    assert 'value="12.345"' in tag  # what was typed stays
    error = re.search(r'<p class="field-error" id="cba_year_2_cost_1-error">(.*?)</p>', page)
    assert text_of(error.group(1)) == (
        "Error: Year 2, cost 1: EUR amounts have at most 2 decimal places")
    assert re.search(r'<td class="has-error">\s*<label for="cba_year_2_cost_1"', page)
    assert 'aria-invalid' not in input_tag(page, "cba_year_1_cost_1")
    assert page.count("field-error") == 1


def test_a_whole_table_error_is_shown_on_the_table(render):
    page = render(cba_form_values(None), {CBA_TABLE: "At most 50 years"})
    assert '<p class="field-error" id="cba_years-error">' in page
    assert 'aria-describedby="cba_years-error"' in page


def test_the_more_years_button_until_year_50(render):
    page = render(cba_form_values(None))
    assert re.search(r'<button type="submit" name="cba_action" value="more_years"[^>]*>Show more '
                     r"years</button>", page)
    assert "Year 10" in text_of(page)
    assert "Year 11" not in text_of(page)

    values = cba_form_values(None)
    values["cba_year_count"] = "51"
    page = render(cba_posted_values(values))
    assert "Year 50" in text_of(page)
    assert "more_years" not in page


def posted_by_a_browser(page: str) -> dict[str, str]:
    """What a browser sends for the form as rendered: every input's name and value."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag).group(1)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        fields[name] = html.unescape(value.group(1)) if value else ""
    return fields


def test_the_rendered_form_posted_unchanged_gives_back_the_stored_analysis(render):
    stored = {
        "discount_rate": "0.035",
        "years": [
            {"year": 0, "costs": {"capital": "120000.00"}, "benefits": {}},
            {"year": 1, "costs": {"running & upkeep": "5000.50"},
             "benefits": {'savings "net"': "40000.00"}},
            *({"year": t, "costs": {}, "benefits": {'savings "net"': "40000.00"}}
              for t in range(2, 14)),
        ],
    }
    page = render(cba_form_values(stored))
    posted = posted_by_a_browser(page)

    assert posted["cba_year_count"] == "14"  # every stored year has its row
    assert cba_from_form(posted, "EUR") == stored

    # "Show more years" posts the same fields plus the button's: the re-rendered form has five
    # more rows and still holds the same analysis.
    posted["cba_action"] = MORE_YEARS
    assert wants_more_years(posted)
    again = posted_by_a_browser(render(cba_posted_values(posted, more_years=True)))
    assert again["cba_year_count"] == "19"
    assert "cba_year_18_cost_1" in again
    assert cba_from_form(again, "EUR") == stored


def test_a_domain_analysis_is_shown_in_major_units_and_its_event_data_is_refused():
    analysis = cost_benefit_from_json(EXAMPLE_B, "EUR")

    values = cba_form_values(analysis)

    assert values["cba_year_0_cost_1"] == "1000.00"
    assert values["cba_discount_rate"] == "5"
    assert cba_from_form(values, "EUR") == EXAMPLE_B
    # as_data() holds minor units (100000 for EUR 1,000.00): never shown as if major units
    with pytest.raises(TypeError, match="decimal strings"):
        cba_form_values(analysis.as_data())


def test_an_unknown_currency_is_the_callers_mistake():
    with pytest.raises(UnknownCurrency):
        cba_from_form(typed(cba_discount_rate="5"), "XXX")
