"""A matching fund's published rules, and what they add to one pledge.

Rules are values: a fund keeps every version it ever published, and each match names the version
that produced it. Amounts are integer minor units in the fund's currency; the match factor is an
exact fraction, and a match is rounded down to the minor unit so the fund never pays a fraction
more than its rule says.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from domain.kernel.errors import DomainError
from domain.kernel.money import Money

RATIO, THRESHOLD, FIXED_GRANT, QUADRATIC = "ratio", "threshold", "fixed_grant", "quadratic"
KINDS = (RATIO, THRESHOLD, FIXED_GRANT, QUADRATIC)
PER_PLEDGE_KINDS = (RATIO, THRESHOLD)
MAX_FACTOR = Fraction(10)
KIND_NAMES = {
    RATIO: "ratio match",
    THRESHOLD: "match after an unlock threshold",
    FIXED_GRANT: "fixed grant on criteria",
    QUADRATIC: "quadratic-funding round",
}


class InvalidRules(DomainError):
    code = "invalid_rules"
    field = "rules"


@dataclass(frozen=True)
class Rules:
    """One version of a fund's rules. Which parameters matter depends on `kind`."""

    kind: str
    factor: str = "1"  # ratio, threshold: match = pledge x factor
    cap_per_pledge: int | None = None  # ratio, threshold
    cap_per_project: int | None = None  # all kinds: an amount ...
    cap_per_project_percent: int | None = None  # ... or a % of the project's minimum
    one_per_backer: bool = False  # ratio, threshold
    min_backers: int = 0  # threshold, fixed_grant
    min_percent: int = 0  # threshold, fixed_grant: % of the project's minimum raised by the crowd
    match_earlier: bool = False  # threshold: match pledges made before it unlocked
    grant: int = 0  # fixed_grant
    min_contribution: int = 0  # quadratic: a backer's total below this does not count

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.factor)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rules:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def project_cap(self, minimum: Money) -> int | None:
        """The most this fund adds to one project, or None when there is no cap."""
        caps = []
        if self.cap_per_project is not None:
            caps.append(self.cap_per_project)
        if self.cap_per_project_percent is not None:
            caps.append(minimum.minor * self.cap_per_project_percent // 100)
        return min(caps) if caps else None

    def criteria_met(self, *, backers: int, crowd: int, minimum: int) -> bool:
        """Threshold and grant criteria: enough backers and enough of the minimum raised."""
        return backers >= self.min_backers and crowd * 100 >= self.min_percent * minimum

    def describe(self, currency: str) -> str:
        """The rules in one sentence, as the fund page and the pledge form show them."""
        def money(minor: int) -> str:
            return Money(minor, currency).display()

        parts: list[str] = []
        if self.kind in PER_PLEDGE_KINDS:
            ratio = self.ratio
            parts.append(f"adds {_factor_text(ratio)} for every 1 pledged")
            if self.cap_per_pledge is not None:
                parts.append(f"at most {money(self.cap_per_pledge)} per pledge")
        if self.kind == THRESHOLD:
            parts.append(
                "once a project has " + _criteria_text(self.min_backers, self.min_percent)
            )
            parts.append(
                "then earlier pledges are matched too" if self.match_earlier
                else "earlier pledges are not matched"
            )
        if self.kind == FIXED_GRANT:
            parts.append(
                f"grants {money(self.grant)} once a project has "
                + _criteria_text(self.min_backers, self.min_percent)
            )
        if self.kind == QUADRATIC:
            parts.append("shares the pool at the round's end by the quadratic formula")
            if self.min_contribution:
                parts.append(f"a backer counts from {money(self.min_contribution)}")
        if self.cap_per_project is not None:
            parts.append(f"at most {money(self.cap_per_project)} per project")
        if self.cap_per_project_percent is not None:
            parts.append(f"at most {self.cap_per_project_percent}% of a project's minimum")
        if self.one_per_backer and self.kind in PER_PLEDGE_KINDS:
            parts.append("one match per backer per project")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:] + "."


def _factor_text(ratio: Fraction) -> str:
    if ratio.denominator == 1:
        return str(ratio.numerator)
    return str(Decimal(ratio.numerator) / Decimal(ratio.denominator)).rstrip("0")


def _criteria_text(backers: int, percent: int) -> str:
    bits = []
    if backers:
        bits.append(f"{backers} backer{'s' if backers != 1 else ''}")
    if percent:
        bits.append(f"{percent}% of its minimum")
    return " and ".join(bits) if bits else "its first pledge"


# -- reading rules from people ---------------------------------------------------------------


def parse_rules(data: Any, currency: str) -> Rules:
    """Rules as the API and the console write them (amounts as decimal strings in the fund's
    currency), checked. Raises InvalidRules naming what is wrong."""
    if not isinstance(data, dict):
        raise InvalidRules("Rules are an object with a kind, e.g. {\"kind\": \"ratio\"}")
    known = {
        "kind", "factor", "cap_per_pledge", "cap_per_project", "cap_per_project_percent",
        "one_per_backer", "min_backers", "min_percent", "match_earlier", "grant",
        "min_contribution", "currency",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidRules(f"Unknown rule parameter: {', '.join(map(str, unknown))}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise InvalidRules(f"Rule kind must be one of {', '.join(KINDS)}")
    rules_currency = data.get("currency")
    if rules_currency not in (None, "") and rules_currency != currency:
        raise InvalidRules(
            f"This fund is in {currency}; its rules cannot be written in {rules_currency}"
        )
    values: dict[str, Any] = {"kind": kind}
    if kind in PER_PLEDGE_KINDS:
        values["factor"] = _factor(data.get("factor", "1"))
        values["cap_per_pledge"] = _amount(data, "cap_per_pledge", currency)
        values["one_per_backer"] = _flag(data, "one_per_backer")
    if kind in (THRESHOLD, FIXED_GRANT):
        values["min_backers"] = _count(data, "min_backers", upper=1_000_000)
        values["min_percent"] = _count(data, "min_percent", upper=1000)
        if not values["min_backers"] and not values["min_percent"]:
            raise InvalidRules(
                "Give a number of backers (min_backers) and/or a % of the minimum (min_percent)"
            )
    if kind == THRESHOLD:
        values["match_earlier"] = _flag(data, "match_earlier")
    if kind == FIXED_GRANT:
        grant = _amount(data, "grant", currency)
        if grant is None:
            raise InvalidRules("A fixed grant needs its amount (grant)")
        values["grant"] = grant
    if kind == QUADRATIC:
        values["min_contribution"] = _amount(data, "min_contribution", currency) or 0
    values["cap_per_project"] = _amount(data, "cap_per_project", currency)
    percent = data.get("cap_per_project_percent")
    if percent not in (None, ""):
        values["cap_per_project_percent"] = _count(data, "cap_per_project_percent", upper=1000)
        if values["cap_per_project_percent"] == 0:
            raise InvalidRules("cap_per_project_percent must be more than zero")
    ignored = sorted(
        k for k in data
        if k not in values and k not in ("currency", "kind", "cap_per_project_percent")
        and data[k] not in (None, "", False)
    )
    notes = [f"{k} does not apply to a {KIND_NAMES[kind]}" for k in ignored]
    if notes:
        raise InvalidRules("; ".join(notes))
    return Rules(**values)


def _factor(text: Any) -> str:
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise InvalidRules("The match factor is a decimal string such as \"1\" or \"0.5\"")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidRules(f"{text!r} is not a match factor") from None
    if not value.is_finite():
        raise InvalidRules(f"{text!r} is not a match factor")
    ratio = Fraction(value)
    if ratio <= 0 or ratio > MAX_FACTOR:
        raise InvalidRules(f"The match factor must be more than 0 and at most {MAX_FACTOR}")
    if value.as_tuple().exponent < -4:
        raise InvalidRules("The match factor has at most 4 decimal places")
    return str(ratio)


def _amount(data: dict[str, Any], name: str, currency: str) -> int | None:
    text = data.get(name)
    if text in (None, ""):
        return None
    try:
        amount = Money.parse(text, currency)
    except DomainError as error:
        raise InvalidRules(f"{name}: {error.message}") from None
    if not amount.is_positive():
        raise InvalidRules(f"{name} must be more than zero")
    return amount.minor


def _count(data: dict[str, Any], name: str, *, upper: int) -> int:
    value = data.get(name, 0)
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        raise InvalidRules(f"{name} is a whole number")
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        value = int(value.strip())
    if not isinstance(value, int) or value < 0 or value > upper:
        raise InvalidRules(f"{name} is a whole number from 0 to {upper:,}")
    return value


def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if value in (None, ""):
        return False
    if isinstance(value, str) and value.lower() in ("true", "on", "yes", "1", "false", "no", "0"):
        return value.lower() in ("true", "on", "yes", "1")
    if not isinstance(value, bool):
        raise InvalidRules(f"{name} is true or false")
    return value


# -- what a rule adds to one pledge ----------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """What the fund has already done for one project, as its rules need to know."""

    matched: int = 0  # reserved and committed on this project
    matched_backers: frozenset[Any] = frozenset()
    unlocked: bool = False


@dataclass(frozen=True)
class Decision:
    amount: int
    reason: str


def pledge_match(
    rules: Rules, *, pledge: int, backer: Any, tally: Tally, minimum: Money, available: int,
) -> Decision:
    """What a ratio or (unlocked) threshold rule adds to one pledge, and why."""
    currency = minimum.currency

    def money(minor: int) -> str:
        return Money(minor, currency).display()

    if rules.one_per_backer and backer in tally.matched_backers:
        return Decision(0, "this backer's pledge to this project is already matched")
    ratio = rules.ratio
    amount = pledge * ratio.numerator // ratio.denominator
    reason = f"{_factor_text(ratio)}:1 match"
    if rules.cap_per_pledge is not None and amount > rules.cap_per_pledge:
        amount, reason = rules.cap_per_pledge, f"capped at {money(rules.cap_per_pledge)} a pledge"
    cap = rules.project_cap(minimum)
    if cap is not None and tally.matched + amount > cap:
        amount = max(0, cap - tally.matched)
        reason = (
            f"the project cap of {money(cap)} is reached" if amount == 0
            else f"limited by the project cap of {money(cap)}"
        )
    if amount > available:
        amount = max(0, available)
        reason = "the pool is used up" if amount == 0 else "limited by what is left in the pool"
    return Decision(amount, reason)
