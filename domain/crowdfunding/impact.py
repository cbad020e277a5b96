"""A pilot's impact after delivery: the indicators its delivery owner (or its city's officers)
defines, each with a unit, a target and whether higher or lower is better, and the values
measured over time. Values are Decimal strings in the indicator's unit; an indicator declared a
money benefit is measured in the pilot's currency, and its values are the benefits realised in
the period each report covers (they add up to the benefits realised so far).

Evidence (free text people write, and links) never goes into the log: a reported value's event
names its report id, and the evidence is kept under that id outside the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import DomainError
from domain.kernel.money import currency_exponent
from domain.kernel.text import has_control_characters

HIGHER, LOWER = "higher", "lower"
DIRECTIONS = (HIGHER, LOWER)
MAX_INDICATORS = 12
MAX_VALUES = 500  # per indicator
MAX_NAME = 80
MAX_UNIT = 24
MAX_INTEGER_DIGITS = 15
MAX_PLACES = 6
MAX_EVIDENCE = 2000
MAX_LINKS = 5
# The statuses of a pilot whose impact is measured: once it is funded.
MEASURED_STATUSES = ("funded", "delivering", "completed")


class InvalidIndicator(DomainError):
    code = "invalid_indicator"


class InvalidMeasurement(DomainError):
    code = "invalid_measurement"
    field = "value"


class WrongUnit(InvalidMeasurement):
    code = "wrong_unit"
    field = "unit"


@dataclass(frozen=True)
class Indicator:
    number: int
    name: str
    unit: str
    target: Decimal
    direction: str
    negatives_allowed: bool
    money_benefit: bool


@dataclass(frozen=True)
class Measurement:
    report_id: UUID
    indicator: int
    on: date
    value: Decimal


def _text(value: object, field: str, what: str, limit: int) -> str:
    if not isinstance(value, str) or has_control_characters(value):
        raise InvalidIndicator(f"{what} is plain text", field=field)
    value = " ".join(value.split())
    if not value:
        raise InvalidIndicator(f"{what} is required", field=field)
    if len(value) > limit:
        raise InvalidIndicator(f"{what} is at most {limit} characters", field=field)
    return value


def same_unit(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def parse_quantity(text: object, *, error: type[DomainError], field: str,
                   unit: str | None = None, places: int = MAX_PLACES) -> Decimal:
    """A Decimal from a decimal string such as "4000", "4,000.5" is refused (no separators);
    "4000 kWh" is taken when the unit given after the number is `unit`, refused (WrongUnit)
    when it is another."""
    if isinstance(text, bool) or not isinstance(text, str | int | Decimal):
        raise error("Give the value as a decimal string, for example \"4000\" or \"12.5\"",
                    field=field)
    raw = " ".join(str(text).split())
    number, _, suffix = raw.partition(" ")
    if suffix and unit is not None and not same_unit(suffix, unit):
        raise WrongUnit(f"This indicator is measured in {unit}, not {suffix}")
    if suffix and unit is None:
        raise error(f"“{raw}” is not a decimal number", field=field)
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise error(f"“{raw}” is not a decimal number: write it like 4000 or 12.5",
                    field=field) from None
    if not value.is_finite() or any(c not in "0123456789.-+" for c in number):
        raise error(f"“{raw}” is not a decimal number: write it like 4000 or 12.5",
                    field=field)
    if value.adjusted() >= MAX_INTEGER_DIGITS:
        raise error(f"At most {MAX_INTEGER_DIGITS} digits before the decimal point",
                    field=field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise error(f"At most {places} decimal places in this unit", field=field)
    return value


def plain(value: Decimal) -> str:
    """A Decimal as its plain string (never an exponent): "4000", "12.5"."""
    return format(value, "f")


def clean_evidence(text: object, links: object) -> tuple[str, list[str]]:
    if not isinstance(text, str) or not text.strip():
        raise InvalidMeasurement("Describe the evidence: how and where it was measured",
                                 field="evidence")
    if has_control_characters(text.replace("\n", "").replace("\r", "")):
        raise InvalidMeasurement("Remove the control characters from the evidence",
                                 field="evidence")
    text = text.strip()
    if len(text) > MAX_EVIDENCE:
        raise InvalidMeasurement(f"The evidence is at most {MAX_EVIDENCE} characters",
                                 field="evidence")
    if links is None:
        links = []
    if not isinstance(links, list) or len(links) > MAX_LINKS:
        raise InvalidMeasurement(f"Give at most {MAX_LINKS} evidence links", field="links")
    for link in links:
        if not isinstance(link, str) or not link.startswith(("https://", "http://")) or (
                len(link) > 500 or any(c.isspace() for c in link)
                or has_control_characters(link)):
            raise InvalidMeasurement("Each evidence link is an http(s) address",
                                     field="links")
    return text, list(links)


class PilotImpact(CivicAggregate):
    """The indicators of one pilot and the values measured on them."""

    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"civicfund:impact:{project_id}")

    @event("Started")
    def __init__(self, project_id: UUID, city_id: UUID, currency: str):
        self.project_id = project_id
        self.city_id = city_id
        self.currency = currency
        self.indicators: list[Indicator] = []
        self.measurements: list[Measurement] = []

    def define(self, *, name: object, unit: object, target: object, direction: object,
               negatives_allowed: object = False, money_benefit: object = False) -> int:
        if len(self.indicators) >= MAX_INDICATORS:
            raise InvalidIndicator(f"A pilot has at most {MAX_INDICATORS} indicators",
                                   field="name")
        name = _text(name, "name", "The indicator's name", MAX_NAME)
        if any(same_unit(i.name, name) for i in self.indicators):
            raise InvalidIndicator(f"This pilot already has an indicator called “{name}”",
                                   field="name")
        if not isinstance(money_benefit, bool) or not isinstance(negatives_allowed, bool):
            raise InvalidIndicator("Say yes or no (true or false)", field="money_benefit")
        if money_benefit:
            if unit in (None, ""):
                unit = self.currency
            if not isinstance(unit, str) or not same_unit(unit, self.currency):
                raise WrongUnit(f"A money benefit is measured in the pilot's currency, "
                                f"{self.currency}")
            unit = self.currency
        unit = _text(unit, "unit", "The unit", MAX_UNIT)
        if direction not in DIRECTIONS:
            raise InvalidIndicator("Say whether higher or lower is better", field="direction")
        places = currency_exponent(self.currency) if money_benefit else MAX_PLACES
        value = parse_quantity(target, error=InvalidIndicator, field="target", unit=unit,
                               places=places)
        if value < 0 and not negatives_allowed:
            raise InvalidIndicator("The target is negative, and this indicator takes no "
                                   "negative values", field="target")
        number = len(self.indicators) + 1
        # The pilot and city ride along so read models need no lookup.
        self._defined(project_id=self.project_id, city_id=self.city_id, number=number,
                      name=name, unit=unit, target=plain(value), direction=direction,
                      negatives_allowed=negatives_allowed, money_benefit=money_benefit)
        return number

    @event("IndicatorDefined")
    def _defined(self, project_id: UUID, city_id: UUID, number: int, name: str, unit: str,
                 target: str, direction: str, negatives_allowed: bool, money_benefit: bool) -> None:
        self.indicators.append(Indicator(number, name, unit, Decimal(target), direction,
                                         negatives_allowed, money_benefit))

    def indicator(self, number: object) -> Indicator:
        if isinstance(number, bool) or not isinstance(number, int) or not (
                1 <= number <= len(self.indicators)):
            raise InvalidMeasurement("This pilot has no such indicator", field="indicator")
        return self.indicators[number - 1]

    def report(self, *, report_id: UUID, indicator: object, on: object, value: object,
               unit: object = None, funded_on: date, today: date) -> Decimal:
        found = self.indicator(indicator)
        if not isinstance(on, date):
            raise InvalidMeasurement("Give the date it was measured as YYYY-MM-DD", field="on")
        if on > today:
            raise InvalidMeasurement("A value cannot be measured in the future: choose today "
                                     "or an earlier date", field="on")
        if on < funded_on:
            raise InvalidMeasurement(f"The pilot was funded on {funded_on.isoformat()}: a "
                                     "value is measured on that day or later", field="on")
        if unit not in (None, "") and (not isinstance(unit, str)
                                       or not same_unit(unit, found.unit)):
            raise WrongUnit(f"This indicator is measured in {found.unit}, not {unit}")
        places = currency_exponent(self.currency) if found.money_benefit else MAX_PLACES
        amount = parse_quantity(value, error=InvalidMeasurement, field="value",
                                unit=found.unit, places=places)
        if amount < 0 and not found.negatives_allowed:
            raise InvalidMeasurement(f"“{found.name}” cannot be negative")
        taken = [m for m in self.measurements if m.indicator == found.number]
        if len(taken) >= MAX_VALUES:
            raise InvalidMeasurement(f"An indicator takes at most {MAX_VALUES} values")
        if any(m.on == on for m in taken):
            raise InvalidMeasurement(f"“{found.name}” already has a value for "
                                     f"{on.isoformat()}", field="on")
        self._reported(project_id=self.project_id, report_id=str(report_id),
                       indicator=found.number, on=on.isoformat(), value=plain(amount))
        return amount

    @event("ValueReported")
    def _reported(self, project_id: UUID, report_id: str, indicator: int, on: str,
                  value: str) -> None:
        self.measurements.append(Measurement(UUID(report_id), indicator,
                                             date.fromisoformat(on), Decimal(value)))


def met(indicator: Indicator, value: Decimal) -> bool:
    """Whether a value reaches the target, the way the indicator counts better."""
    return value >= indicator.target if indicator.direction == HIGHER else (
        value <= indicator.target)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def planned_benefits_to(cost_benefit: dict[str, Any], funded_on: date, today: date) -> int:
    """The benefits a cost-benefit analysis planned up to `today`, in minor units: year t of the
    analysis runs from the funding day plus t years for a year, and counts in proportion to the
    days of it gone by (rounded half-even to the minor unit once, at the end)."""
    total = Decimal(0)
    for year in cost_benefit.get("years", []):
        start = _add_years(funded_on, int(year["year"]))
        end = _add_years(funded_on, int(year["year"]) + 1)
        benefits = sum(int(v) for v in year.get("benefits", {}).values())
        if today <= start or not benefits:
            continue
        gone = min((today - start).days, (end - start).days)
        total += Decimal(benefits) * gone / (end - start).days
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def planned_benefits_total(cost_benefit: dict[str, Any]) -> int:
    return sum(int(v) for y in cost_benefit.get("years", [])
               for v in y.get("benefits", {}).values())


def to_minor(value: Decimal, currency: str) -> int:
    return int((value * 10 ** currency_exponent(currency)).to_integral_value(ROUND_HALF_EVEN))
