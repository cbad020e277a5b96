"""A cost-benefit analysis typed into an HTML form (no JavaScript), and back.

The form is a table: one row a year (year 0, 1, 2, ...), a column per cost category and per
benefit category, the categories' names typed in the header. Every field is plain text:

- ``cba_discount_rate``: a percentage as people write it, "3.5" for 3.5 % (a trailing "%" is
  allowed); it becomes the API's fraction "0.035".
- ``cba_cost_category_<k>`` / ``cba_benefit_category_<k>`` (k = 1, 2, ...): the names.
- ``cba_year_<t>_cost_<k>`` / ``cba_year_<t>_benefit_<k>``: year t's amount in category k, in
  the currency's major unit ("1200.00"). Empty counts as 0.
- ``cba_year_count``, ``cba_cost_category_count``, ``cba_benefit_category_count``: hidden, how
  many rows and columns the form shows (YEARS_SHOWN and CATEGORIES_SHOWN at first).
- A submit button ``cba_action=more_years`` (MORE_YEARS) asks for YEARS_ADDED more rows: the
  page re-renders cba_posted_values(form, more_years=True) and saves nothing.

Blank columns (no name, no amount) are ignored, and so are the years after the last one with an
amount typed; a blank year before it is a year of zeros. An amount left empty is not written in
the JSON (the same as 0); an amount typed as 0 is written "0.00", so a stored analysis shown in
the form and sent back unchanged gives the same JSON (cba_form_values, then cba_from_form).

Errors: cba_from_form raises InvalidCostBenefitForm, an InvalidCostBenefit whose ``field`` is
the first input at fault (the form's input names are also the inputs' ids, so ``#`` + field
links to it) and whose ``errors`` maps every faulty input to its message, for the macro
``cost_benefit_fields(values, errors)`` in procurement/_cost_benefit_form.html. Whole-table
problems (too many years, none at all) are under CBA_TABLE ("cba_years").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.kernel.errors import DomainError
from domain.kernel.money import Money, currency_exponent
from domain.procurement.cost_benefit import (
    MAX_AMOUNT,
    MAX_CATEGORIES,
    MAX_CATEGORY_LENGTH,
    MAX_YEAR,
    CostBenefitAnalysis,
    InvalidCostBenefit,
)
from web.procurement.cba_schemas import cost_benefit_from_json, cost_benefit_json

RATE = "cba_discount_rate"
CBA_TABLE = "cba_years"  # the id of the table, where problems of the whole table are shown
YEAR_COUNT = "cba_year_count"
COST_COUNT = "cba_cost_category_count"
BENEFIT_COUNT = "cba_benefit_category_count"
ACTION = "cba_action"
MORE_YEARS = "more_years"

YEARS_SHOWN = 11  # years 0..10
YEARS_ADDED = 5
MAX_ROWS = MAX_YEAR + 1  # years 0..50
CATEGORIES_SHOWN = 4
# Each column is one category in every year, and a year holds at most MAX_CATEGORIES of a kind.
MAX_COLUMNS = MAX_CATEGORIES
# 13 digits of major units, as the API's amounts; a longer text is refused before it is read.
MAX_MAJOR_DIGITS = 13
MAX_TEXT = 40
# The rate in percent: above -98 and at most 100, at most 4 decimals (the API's fraction has 6).
MIN_PERCENT = Decimal(-98)
MAX_PERCENT = Decimal(100)

KINDS = ("cost", "benefit")
_JSON_KIND = {"cost": "costs", "benefit": "benefits"}
_COUNT_FIELD = {"cost": COST_COUNT, "benefit": BENEFIT_COUNT}
_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_PERCENT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InvalidCostBenefitForm(InvalidCostBenefit):
    """InvalidCostBenefit from the form: ``field`` is the first input at fault, ``errors`` maps
    each faulty input (its name and id) to its message."""

    def __init__(self, errors: Mapping[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = dict(errors)


def category_field(kind: str, k: int) -> str:
    return f"cba_{kind}_category_{k}"


def amount_field(year: int, kind: str, k: int) -> str:
    return f"cba_year_{year}_{kind}_{k}"


# -- reading what was posted -------------------------------------------------------------------

def _text(form: Mapping[str, Any], name: str) -> str | None:
    """The text posted under `name` ("" when absent); None when it is not text at all (a JSON
    number or a list handed in by a caller: never read as an amount)."""
    value = form.get(name, "")
    if value is None:
        return ""
    return value if isinstance(value, str) else None


def _asked(form: Mapping[str, Any], name: str, shown: int) -> int:
    """The count a hidden field asks for (at least `shown`; nonsense reads as `shown`)."""
    text = (_text(form, name) or "").strip()
    if not text.isascii() or not text.isdigit():
        return shown
    return max(int(text[:5]) if len(text) <= 5 else 10**5, shown)


def _count(form: Mapping[str, Any], name: str, shown: int, most: int) -> int:
    return min(_asked(form, name, shown), most)


def _counts(form: Mapping[str, Any]) -> tuple[int, dict[str, int]]:
    years = _count(form, YEAR_COUNT, YEARS_SHOWN, MAX_ROWS)
    columns = {kind: _count(form, _COUNT_FIELD[kind], CATEGORIES_SHOWN, MAX_COLUMNS)
               for kind in KINDS}
    return years, columns


def wants_more_years(form: Mapping[str, Any]) -> bool:
    """True when the person pressed "Show more years" (re-render, save nothing)."""
    return form.get(ACTION) == MORE_YEARS


def cba_posted_values(form: Mapping[str, Any], *, more_years: bool = False) -> dict[str, str]:
    """What was typed, as form values to show again (with YEARS_ADDED more rows if asked)."""
    years, _ = _counts(form)
    # One column over the limit keeps cba_from_form's refusal showing (it never drops columns).
    columns = {kind: min(_asked(form, _COUNT_FIELD[kind], CATEGORIES_SHOWN), MAX_COLUMNS + 1)
               for kind in KINDS}
    if more_years:
        years = min(years + YEARS_ADDED, MAX_ROWS)
    values = _blank_values(years, columns)
    for name in values:
        if name not in (YEAR_COUNT, COST_COUNT, BENEFIT_COUNT):
            values[name] = (_text(form, name) or "")[:200]
    return values


def _percent_to_fraction(text: str) -> tuple[str | None, str | None]:
    """(fraction text, None) or (None, error message)."""
    typed = text.strip().removesuffix("%").strip()
    if not typed:
        return None, "Enter the discount rate as a percentage, e.g. 3.5 for 3.5 %"
    if len(typed) > MAX_TEXT:
        return None, "The discount rate is too long: a percentage such as 3.5"
    if "," in typed:
        return None, "Write the discount rate with a decimal point, e.g. 3.5 for 3.5 %"
    if not _PERCENT.match(typed):
        return None, f"{typed[:20]!r} is not a percentage: write a number such as 3.5 for 3.5 %"
    percent = Decimal(typed)
    if not MIN_PERCENT < percent <= MAX_PERCENT:
        return None, "The discount rate is a percentage above -98 and at most 100, e.g. 3.5"
    if percent.as_tuple().exponent < -4:
        return None, "Give the discount rate with at most 4 decimals, e.g. 3.5 or 3.1234"
    fraction = (percent / 100).normalize()
    return f"{fraction:f}", None


def _amount(text: str, currency: str, where: str) -> tuple[str | None, str | None]:
    """(the amount as the API writes it, None) or (None, error message); `text` not blank."""
    typed = text.strip()
    if len(typed) > MAX_TEXT:
        return None, f"{where}: too long to be an amount (at most {MAX_MAJOR_DIGITS} digits)"
    if typed.startswith("-"):
        return None, (f"{where}: an amount cannot be negative; write a saving as a benefit and "
                      "a loss of revenue as a cost")
    if "," in typed:
        return None, f"{where}: write the amount without commas, e.g. 12500.00"
    if not _AMOUNT.match(typed):
        return None, f"{where}: {typed!r} is not an amount; use digits and a decimal point"
    if len(typed.split(".")[0].lstrip("0")) > MAX_MAJOR_DIGITS:
        return None, f"{where}: too large, at most {MAX_MAJOR_DIGITS} digits before the point"
    try:
        amount = Money.parse(typed, currency)
    except DomainError as problem:
        return None, f"{where}: {problem.message}"
    if amount.minor > MAX_AMOUNT:  # 13 digits and 3 decimals (KWD) is more than the domain takes
        most = Money(MAX_AMOUNT, currency).to_decimal_string()
        return None, f"{where}: too large, at most {most}"
    return amount.to_decimal_string(), None


def _category_name(text: str) -> tuple[str | None, str | None]:
    name = " ".join(text.split())
    if _CONTROL.search(text.replace("\t", " ").replace("\r", " ").replace("\n", " ")):
        return None, "Remove the control characters from this name"
    if len(name) > MAX_CATEGORY_LENGTH:
        return None, f"A category name has at most {MAX_CATEGORY_LENGTH} characters"
    return name, None


def cba_from_form(form: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """The analysis typed in the form as the API's JSON ({"discount_rate": "0.035", "years":
    [...]}), checked by cost_benefit_from_json; InvalidCostBenefitForm naming the inputs at
    fault otherwise (every problem at once)."""
    currency_exponent(currency)  # UnknownCurrency: the caller's mistake, not the person's
    errors: dict[str, str] = {}
    years, columns = _counts(form)
    for kind in KINDS:
        if _asked(form, _COUNT_FIELD[kind], CATEGORIES_SHOWN) > MAX_COLUMNS:
            # Only an analysis sent through the API can have more: refuse, never drop some.
            errors[CBA_TABLE] = (f"The form takes at most {MAX_COLUMNS} cost and {MAX_COLUMNS} "
                                 "benefit categories; change this analysis through the API")

    rate_text = _text(form, RATE)
    if rate_text is None:
        errors[RATE] = "Type the discount rate as text, e.g. 3.5 for 3.5 %"
        rate = None
    else:
        rate, problem = _percent_to_fraction(rate_text)
        if problem:
            errors[RATE] = problem

    # Read every amount (blanks are None) and every name.
    amounts: dict[str, dict[int, dict[int, str]]] = {kind: {} for kind in KINDS}
    names: dict[str, dict[int, str]] = {kind: {} for kind in KINDS}
    last_year = 0
    for kind in KINDS:
        word = kind  # "cost" or "benefit", as the labels say
        seen: dict[str, int] = {}
        for k in range(1, columns[kind] + 1):
            name_field = category_field(kind, k)
            name_text = _text(form, name_field)
            column: dict[int, str] = {}
            for year in range(years):
                field = amount_field(year, kind, k)
                text = _text(form, field)
                where = f"Year {year}, {word} {k}"
                if text is None:
                    errors[field] = f"{where}: type the amount as text, e.g. 1200.00"
                    continue
                if not text.strip():
                    continue
                amount, problem = _amount(text, currency, where)
                if problem:
                    errors[field] = problem
                    continue
                column[year] = amount
                last_year = max(last_year, year)
            if name_text is None:
                errors[name_field] = "Type the category's name as text"
                continue
            name, problem = _category_name(name_text)
            if problem:
                errors[name_field] = problem
                continue
            if not name:
                if column or any(amount_field(y, kind, k) in errors for y in range(years)):
                    errors[name_field] = (f"Name {word} category {k} (for example "
                                          f"{'capital' if kind == 'cost' else 'savings'}): "
                                          "it has amounts")
                continue
            if name in seen:
                errors[name_field] = (f"{word.capitalize()} categories {seen[name]} and {k} have "
                                      "the same name: give each its own, or put the amounts "
                                      "in one column")
                continue
            seen[name] = k
            names[kind][k] = name
            amounts[kind][k] = column

    if errors:
        raise InvalidCostBenefitForm(_in_form_order(errors, years, columns))

    data = {
        "discount_rate": rate,
        "years": [
            {"year": year,
             **{_JSON_KIND[kind]: {names[kind][k]: amounts[kind][k][year]
                                  for k in names[kind] if year in amounts[kind][k]}
                for kind in KINDS}}
            for year in range(last_year + 1)
        ],
    }
    try:
        cost_benefit_from_json(data, currency)
    except InvalidCostBenefit as problem:
        raise InvalidCostBenefitForm(
            {_form_field(problem.field, names): problem.message}) from None
    return data


def _in_form_order(errors: dict[str, str], years: int,
                   columns: Mapping[str, int]) -> dict[str, str]:
    """The errors in the order the inputs come on the page (so the first is the first seen)."""
    order = [RATE]
    order += [category_field(kind, k) for kind in KINDS for k in range(1, columns[kind] + 1)]
    order += [amount_field(year, kind, k) for year in range(years) for kind in KINDS
              for k in range(1, columns[kind] + 1)]
    rank = {name: index for index, name in enumerate(order)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(order))))


def _form_field(path: str | None, names: Mapping[str, Mapping[int, str]]) -> str:
    """The input for a field of cost_benefit_from_json's errors (cba.years.1.costs.capital)."""
    parts = (path or "").split(".", 4)
    if parts[1:2] == ["discount_rate"]:
        return RATE
    if len(parts) == 5 and parts[1] == "years" and parts[2].isdigit():
        kind = "cost" if parts[3] == "costs" else "benefit"
        for k, name in names.get(kind, {}).items():
            if name == parts[4]:
                return amount_field(int(parts[2]), kind, k)
    return CBA_TABLE


# -- showing a stored analysis -----------------------------------------------------------------

def _blank_values(years: int, columns: Mapping[str, int]) -> dict[str, str]:
    values = {RATE: "", YEAR_COUNT: str(years), COST_COUNT: str(columns["cost"]),
              BENEFIT_COUNT: str(columns["benefit"])}
    for kind in KINDS:
        for k in range(1, columns[kind] + 1):
            values[category_field(kind, k)] = ""
    for year in range(years):
        for kind in KINDS:
            for k in range(1, columns[kind] + 1):
                values[amount_field(year, kind, k)] = ""
    return values


def _fraction_to_percent(text: str) -> str:
    try:
        percent = (Decimal(text) * 100).normalize()
    except (InvalidOperation, TypeError):
        return str(text)
    return f"{percent:f}"


def cba_form_values(data: Mapping[str, Any] | CostBenefitAnalysis | None) -> dict[str, str]:
    """Form values showing a stored analysis, or a blank form for None: every input's name to
    its text, and the hidden counts. `data` is the API's JSON shape (what cba_from_form returned,
    or cost_benefit_json(analysis)) or a CostBenefitAnalysis; never CostBenefitAnalysis.as_data(),
    whose amounts are minor units (TypeError, rather than showing 100 times the amount)."""
    if isinstance(data, CostBenefitAnalysis):
        data = cost_benefit_json(data)
    if not data:
        return _blank_values(YEARS_SHOWN, {kind: CATEGORIES_SHOWN for kind in KINDS})
    stored_years = list(data.get("years") or [])
    categories: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for year in stored_years:
        for kind in KINDS:
            for name in year.get(_JSON_KIND[kind]) or {}:
                if name not in categories[kind]:
                    categories[kind].append(name)
    rows = min(max(YEARS_SHOWN, len(stored_years)), MAX_ROWS)
    columns = {kind: max(CATEGORIES_SHOWN, len(categories[kind])) for kind in KINDS}
    values = _blank_values(rows, columns)
    values[RATE] = _fraction_to_percent(data.get("discount_rate", ""))
    for kind in KINDS:
        for k, name in enumerate(categories[kind], start=1):
            values[category_field(kind, k)] = name
    for year in stored_years:
        for kind in KINDS:
            for k, name in enumerate(categories[kind], start=1):
                amount = (year.get(_JSON_KIND[kind]) or {}).get(name)
                if amount is None:
                    continue
                if not isinstance(amount, str):
                    raise TypeError("cba_form_values takes amounts as decimal strings (the "
                                    "API's shape: cost_benefit_json), not minor units")
                values[amount_field(year["year"], kind, k)] = amount
    return values
