"""The console's matching-fund forms: what an officer typed, what is wrong with it, and the use-case
input. One set of rule fields serves every rule kind; only the fields of the chosen kind are read,
so a value left in another kind's field never makes the rules invalid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from domain.kernel.clock import in_the_past
from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from domain.kernel.text import has_control_characters
from domain.matching.fund import OPENS_IN_THE_PAST
from domain.matching.rules import (
    FIXED_GRANT,
    KINDS,
    QUADRATIC,
    RATIO,
    THRESHOLD,
    InvalidRules,
    Rules,
    parse_rules,
)

LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
# A pool above a billion in the city's major unit is a typing slip.
MAX_POOL_MAJOR_UNITS = 1_000_000_000
DEFAULT_WINDOW = timedelta(days=90)

CAPS = ("cap_per_project", "cap_per_project_percent")
PER_PLEDGE = ("factor", "cap_per_pledge", "one_per_backer")
CRITERIA = ("min_backers", "min_percent")
# The rule parameters each kind reads, in the order the form shows them.
RULE_FIELDS = {
    RATIO: (*PER_PLEDGE, *CAPS),
    THRESHOLD: (*PER_PLEDGE, *CRITERIA, "match_earlier", *CAPS),
    FIXED_GRANT: ("grant", *CRITERIA, *CAPS),
    QUADRATIC: ("min_contribution", *CAPS),
}
ALL_RULE_FIELDS = (
    "factor", "cap_per_pledge", "one_per_backer", "min_backers", "min_percent", "match_earlier",
    "grant", "min_contribution", "cap_per_project", "cap_per_project_percent",
)
FLAGS = ("one_per_backer", "match_earlier")
AMOUNTS = ("cap_per_pledge", "cap_per_project", "grant", "min_contribution")
# What each kind does, in the words the form shows next to its choice.
KIND_WORDS = {
    RATIO: "Adds a multiple of each pledge (1 for 1:1, 2 for 2:1, 0.5 for 1:2), up to the caps.",
    THRESHOLD: "Like a ratio match, but only once a pilot has enough backers and/or enough of its "
               "minimum pledged. You choose whether pledges made before that are matched then.",
    FIXED_GRANT: "Adds one flat amount to a pilot once it reaches a share of its minimum and a "
                 "number of backers.",
    QUADRATIC: "Shares the whole pool among eligible pilots when the fund's window ends: pilots "
               "backed by many people get more than pilots backed by a few large pledges.",
}
TEXT_FIELDS = ("name", "sponsor")
MISSING = {
    "name": "Give the fund a name, for example “Green Streets Match”",
    "sponsor": "Say who puts up the money: the city, a department or a foundation",
    "pool": "Enter the pool: how much the sponsor puts up",
    "opens_at": "Enter when the fund starts matching",
    "closes_at": "Enter when the fund ends",
    "city": "Choose the city whose pilots the fund matches",
}


def local_moment(text: str, timezone: str) -> datetime | None:
    """A "2026-12-01T09:00" typed in the city's time zone as a UTC moment; None if unreadable."""
    for layout in LOCAL_FORMATS:
        try:
            local = datetime.strptime(text.strip(), layout)
            return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
        except (ValueError, OverflowError):
            continue
    return None


def local_text(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime(LOCAL_FORMATS[0])


def _names(text: str) -> list[str]:
    """"Mobility, Energy" as a list; blanks dropped."""
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def rule_values(rules: dict[str, Any], currency: str) -> dict[str, str]:
    """A version's rules as the form shows them: decimal strings, ticks as "true"."""
    values = {name: "" for name in ALL_RULE_FIELDS}
    values["kind"] = rules.get("kind", RATIO)
    for name in RULE_FIELDS.get(values["kind"], ()):
        value = rules.get(name)
        if name in FLAGS:
            values[name] = "true" if value else ""
        elif name in AMOUNTS:
            values[name] = Money(value, currency).to_decimal_string() if value else ""
        elif name == "factor":
            ratio = Fraction(value or "1")
            values[name] = f"{Decimal(ratio.numerator) / Decimal(ratio.denominator):f}"
        else:
            values[name] = "" if value in (None, 0) else str(value)
    return values


@dataclass
class RulesInput:
    """The rule fields as typed, and their errors keyed by field name."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_submission(cls, form: Any, kind: str | None = None) -> RulesInput:
        values = {name: form.get(name, "") for name in ALL_RULE_FIELDS}
        for name in FLAGS:
            values[name] = "true" if form.get(name) else ""
        values["kind"] = kind or form.get("kind", "")
        return cls(values)

    @property
    def kind(self) -> str:
        return self.values.get("kind", "")

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def rules(self, currency: str) -> Rules | None:
        """The rules of the chosen kind, or None with the error next to the field it is about."""
        if self.kind not in KINDS:
            self.error("kind", "Choose how the fund matches pledges")
            return None
        data: dict[str, Any] = {"kind": self.kind}
        for name in RULE_FIELDS[self.kind]:
            value = self.values.get(name, "").strip()
            if has_control_characters(value):
                self.error(name, "Remove the control characters")
            elif value:
                data[name] = value
        if self.errors:
            return None
        try:
            return parse_rules(data, currency)
        except InvalidRules as problem:
            self.show_rules_error(problem)
            return None

    def show_rules_error(self, problem: DomainError) -> None:
        """Rules errors name the parameters they are about ("cap_per_pledge: ..."): show the
        message, in the form's words, next to the first such field, or above the rule fields."""
        message, where = problem.message, []
        for name in ALL_RULE_FIELDS:
            found = re.search(rf"\b{name}\b", problem.message)
            if found:
                where.append((found.start(), name))
            label = f"“{FIELD_LABELS[name]}”"
            if "_" in name:
                message = re.sub(rf"\b{name}\b", label, message)
            else:  # "factor", "grant": plain words too; only the parameter's own mentions
                message = message.replace(f" ({name})", "").replace(f"{name}: ", f"{label}: ")
        shown = [name for _, name in sorted(where) if name in RULE_FIELDS.get(self.kind, ())]
        self.error(shown[0] if shown else "rules", message)


FIELD_LABELS = {
    "factor": "Match factor",
    "cap_per_pledge": "Cap per pledge",
    "one_per_backer": "One match per backer",
    "min_backers": "Backers needed",
    "min_percent": "Share of the minimum needed",
    "match_earlier": "Match earlier pledges",
    "grant": "Grant",
    "min_contribution": "Smallest contribution that counts",
    "cap_per_project": "Cap per pilot",
    "cap_per_project_percent": "Cap per pilot as % of its minimum",
}


@dataclass
class FundForm:
    """The "new fund" form: the fund's facts and its first rules."""

    values: dict[str, str] = field(default_factory=dict)
    rules: RulesInput = field(default_factory=RulesInput)

    @property
    def errors(self) -> dict[str, str]:
        return self.rules.errors

    def error(self, key: str, message: str) -> None:
        self.rules.error(key, message)

    @classmethod
    def blank(cls, *, now: datetime, timezone: str, city_id: str = "") -> FundForm:
        opens = now.astimezone(ZoneInfo(timezone)).replace(second=0, microsecond=0)
        values = {
            "name": "", "sponsor": "", "pool": "", "themes": "", "areas": "", "city": city_id,
            "calls": "",
            "opens_at": opens.strftime(LOCAL_FORMATS[0]),
            "closes_at": (opens + DEFAULT_WINDOW).strftime(LOCAL_FORMATS[0]),
        }
        rules = RulesInput({name: "" for name in ALL_RULE_FIELDS} | {"kind": RATIO, "factor": "1"})
        return cls(values, rules)

    @classmethod
    def from_submission(cls, form: Any) -> FundForm:
        names = (*TEXT_FIELDS, "pool", "themes", "areas", "opens_at", "closes_at", "city")
        values = {name: form.get(name, "") for name in names}
        # The calls ticked (a fund restricted to calls matches only their pilots).
        values["calls"] = ",".join(form.getlist("calls")) if hasattr(form, "getlist") else ""
        return cls(values, RulesInput.from_submission(form))

    @property
    def calls(self) -> list[str]:
        return [c for c in self.values.get("calls", "").split(",") if c]

    def arguments(self, *, currency: str, timezone: str, now: datetime) -> dict | None:
        """The keyword arguments of `create_matching_fund` (but the city), or None with errors."""
        for name in (*TEXT_FIELDS, "themes", "areas"):
            text = self.values[name]
            if name in TEXT_FIELDS and not text.strip():
                self.error(name, MISSING[name])
            elif has_control_characters(text):
                self.error(name, "Remove the control characters from this text")
            elif name in ("themes", "areas") and text.strip() and not _names(text):
                # Only commas would read as "no restriction": the opposite of what was meant.
                self.error(name, f"Write the {name} separated by commas, or leave the field "
                                 f"empty to match every one")
        pool = self._pool(currency)
        opens_at = self._moment("opens_at", timezone)
        closes_at = self._moment("closes_at", timezone)
        if opens_at and in_the_past(opens_at, now):
            self.error("opens_at", OPENS_IN_THE_PAST)
        rules = self.rules.rules(currency)
        if self.errors or pool is None or rules is None:
            return None
        return {
            "name": self.values["name"], "sponsor": self.values["sponsor"],
            "currency": currency, "pool": pool, "opens_at": opens_at, "closes_at": closes_at,
            "themes": _names(self.values["themes"]), "areas": _names(self.values["areas"]),
            "rules": rules, "calls": self.calls,
        }

    def _pool(self, currency: str) -> Money | None:
        return money_field(self, "pool", self.values["pool"], currency, MISSING["pool"])

    def _moment(self, name: str, timezone: str) -> datetime | None:
        text = self.values[name].strip()
        if not text:
            self.error(name, MISSING[name])
            return None
        moment = local_moment(text, timezone)
        if moment is None:
            self.error(name, f"“{text}” is not a date and time: write it like 2026-12-01T09:00")
        return moment

    def show_domain_error(self, problem: DomainError) -> None:
        if isinstance(problem, InvalidRules):
            self.rules.show_rules_error(problem)
            return
        where = (problem.field or "").removeprefix("eligibility.")
        known = {"name", "sponsor", "pool", "opens_at", "closes_at", "themes", "areas", "city",
                 "calls"}
        self.error(where if where in known else "form", problem.message)

    def summary(self) -> list[tuple[str, str]]:
        order = ["form", "city", "name", "sponsor", "pool", "opens_at", "closes_at", "themes",
                 "areas", "calls", "kind", "rules", *ALL_RULE_FIELDS]
        anchors = {"form": "new-fund", "kind": f"kind-{RATIO}", "rules": "rules"}
        return [(anchors.get(key, key), self.errors[key]) for key in order if key in self.errors]


def money_field(form: Any, name: str, text: str, currency: str, missing: str) -> Money | None:
    """A positive amount in the city's currency, or None with the error on the form."""
    text = text.strip()
    if not text:
        form.error(name, missing)
        return None
    try:
        amount = Money.parse(text, currency)
    except DomainError as problem:
        form.error(name, problem.message)
        return None
    ceiling = Money(MAX_POOL_MAJOR_UNITS * 10 ** amount.exponent, currency)
    if not amount.is_positive():
        form.error(name, "Enter an amount above zero")
    elif amount > ceiling:
        form.error(name, f"At most {ceiling.display()}")
    else:
        return amount
    return None


@dataclass
class TopUpForm:
    amount: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def money(self, currency: str) -> Money | None:
        return money_field(self, "top_up", self.amount, currency, "Enter the amount to add")


@dataclass
class AmendForm:
    """A new version of the rules: the same kind, other parameters, and when it starts."""

    rules: RulesInput
    effective_from: str = ""

    @property
    def errors(self) -> dict[str, str]:
        return self.rules.errors

    @classmethod
    def from_submission(cls, form: Any, kind: str) -> AmendForm:
        return cls(RulesInput.from_submission(form, kind), form.get("effective_from", ""))

    def arguments(self, *, currency: str, timezone: str) -> tuple[Rules, datetime | None] | None:
        effective_from = None
        text = self.effective_from.strip()
        if text:
            effective_from = local_moment(text, timezone)
            if effective_from is None:
                self.rules.error(
                    "effective_from",
                    f"“{text}” is not a date and time: write it like 2026-12-01T09:00",
                )
        rules = self.rules.rules(currency)
        if rules is None or self.errors:
            return None
        return rules, effective_from

    def show_domain_error(self, problem: DomainError) -> None:
        """A version refused for when it starts goes next to "Effective from"."""
        timing = ("effective_from", "must start", "overlap", "apply to the past")
        if any(words in problem.message for words in timing):
            message = problem.message.replace("effective_from", "“Effective from”")
            self.rules.error("effective_from", message)
        else:
            self.rules.show_rules_error(problem)

    def summary(self) -> list[tuple[str, str]]:
        order = ["rules", *ALL_RULE_FIELDS, "effective_from"]
        return [(key, self.errors[key]) for key in order if key in self.errors]

