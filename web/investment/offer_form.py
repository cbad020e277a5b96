"""The officer's "add an investment offer" and "amend the agreement" forms: what was typed, what
is wrong with it, and the use cases' input. The rules themselves (ranges, residual adding up to
100, the window inside the campaign) are the domain's; this module only turns text into the
values the use cases take, and places a domain refusal beside the field it is about.

Rates are typed as percentages ("4.5" for 4.5 %) and given to the domain as fractions, as the
API writes them ("0.045").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from domain.investment.offer import BENEFIT_SHARE, COMMUNITY_BOND, KINDS
from domain.investment.waterfall import PARTIES
from domain.kernel.errors import DomainError, InvalidAmount
from domain.kernel.money import Money
from web.crowdfunding.project_form import LOCAL_FORMATS

AMOUNTS = ("target", "minimum", "maximum", "min_ticket")
BOND_FIELDS = ("rate", "term_years", "payments_per_year", "repayment")
SHARE_FIELDS = ("preferred_rate", *(f"residual_{p}" for p in PARTIES), "community_fund_id")
PROJECTION_FIELD = "projected_annual"  # the offer's projected annual benefit (benefit shares)
FIELDS = ("kind", *AMOUNTS, "opens_at", "closes_at", *BOND_FIELDS, *SHARE_FIELDS,
          PROJECTION_FIELD)
PERCENT_FIELDS = ("rate", "preferred_rate")
AMOUNT_WORDS = {"target": "target", "minimum": "minimum to proceed", "maximum": "maximum",
                "min_ticket": "minimum ticket"}


def form_field(domain_field: str | None) -> str:
    """Where a domain error about `domain_field` shows on the form."""
    name = (domain_field or "").replace("answers.", "")
    if name.startswith("residual."):
        return "residual_" + name.split(".", 1)[1]
    if name == "residual":
        return "residual_city"
    if name.startswith("projected_benefits"):
        return PROJECTION_FIELD
    if name in FIELDS:
        return name
    return "form"


@dataclass
class TermsForm:
    """Typed values and errors, by form field ("form" for what belongs to no one field)."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def show_domain_error(self, problem: DomainError) -> None:
        self.error(form_field(problem.field), problem.message)

    @property
    def summary(self) -> list[tuple[str, str]]:
        order = {name: i for i, name in enumerate(("form", *FIELDS))}
        return sorted(self.errors.items(), key=lambda item: order.get(item[0], 99))

    def _percent(self, name: str) -> str | None:
        text = self.values.get(name, "").strip().rstrip("%").strip()
        if not text:
            self.error(name, "Enter a rate, as a percentage a year (for example 4.5)")
            return None
        try:
            rate = Decimal(text)
        except InvalidOperation:
            self.error(name, f"{text!r} is not a number: write a percentage like 4.5")
            return None
        if not rate.is_finite():
            self.error(name, "Write the rate as a percentage like 4.5")
            return None
        return format((rate / 100).normalize(), "f")

    def _residual(self) -> dict[str, str]:
        shares = {}
        for party in PARTIES:
            text = self.values.get(f"residual_{party}", "").strip().rstrip("%").strip()
            shares[party] = text or "0"
        return shares

    def agreement_terms(self) -> dict[str, Any] | None:
        """{"preferred_rate", "residual"} as the domain reads them, or None with errors."""
        rate = self._percent("preferred_rate")
        residual = self._residual()
        return None if rate is None else {"preferred_rate": rate, "residual": residual}


class OfferForm(TermsForm):
    @classmethod
    def blank(cls, *, now: datetime, closes_at: datetime, timezone: str) -> OfferForm:
        zone = ZoneInfo(timezone)
        opens = max(now, now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
        values = {name: "" for name in FIELDS}
        values.update(
            kind=COMMUNITY_BOND, min_ticket="5.00",
            opens_at=opens.astimezone(zone).strftime(LOCAL_FORMATS[0]),
            closes_at=closes_at.astimezone(zone).strftime(LOCAL_FORMATS[0]),
            term_years="5", payments_per_year="2", repayment="amortising",
            residual_city="40", residual_investors="30", residual_community_fund="20",
            residual_proposer="10",
        )
        return cls(values=values)

    @classmethod
    def from_submission(cls, form: Any) -> OfferForm:
        return cls(values={name: str(form.get(name, "")) for name in FIELDS})

    def offer_arguments(self, *, currency: str, timezone: str) -> dict[str, Any] | None:
        """The keyword arguments of `add_offer`, or None with `errors` filled in."""
        kind = self.values["kind"]
        if kind not in KINDS:
            self.error("kind", "Choose a community bond or a benefit share")
        amounts = {}
        for name in AMOUNTS:
            text = self.values[name].strip().replace(",", "")
            if not text:
                self.error(name, f"Enter the {AMOUNT_WORDS[name]} in {currency}")
                continue
            try:
                amounts[name] = Money.parse(text, currency)
            except InvalidAmount as problem:
                self.error(name, problem.message)
        opens_at, closes_at = self._moment("opens_at", timezone), self._moment("closes_at",
                                                                             timezone)
        terms = self._terms(kind)
        if self.errors:
            return None
        return {"kind": kind, "currency": currency, **amounts, "opens_at": opens_at,
                "closes_at": closes_at, "terms": terms}

    def _terms(self, kind: str) -> dict[str, Any] | None:
        if kind == COMMUNITY_BOND:
            rate = self._percent("rate")
            whole = {}
            for name, words in (("term_years", "the term in years"),
                                ("payments_per_year", "how often interest is paid")):
                try:
                    whole[name] = int(self.values[name].strip())
                except ValueError:
                    self.error(name, f"Choose {words} (a whole number)")
            if rate is None or len(whole) < 2:
                return None
            return {"rate": rate, **whole, "repayment": self.values["repayment"].strip()}
        if kind == BENEFIT_SHARE:
            agreement = self.agreement_terms()
            if agreement is None:
                return None
            fund = self.values["community_fund_id"].strip() or None
            annual = self.values[PROJECTION_FIELD].strip().replace(",", "")
            projection = {"projected_benefits": {"annual": annual}} if annual else {}
            return {"agreement": {**agreement, "community_fund_id": fund, **projection}}
        return None

    def _moment(self, name: str, timezone: str) -> datetime | None:
        text = self.values[name].strip()
        if not text:
            self.error(name, "Enter a date and time, like 2026-12-01T09:00")
            return None
        for layout in LOCAL_FORMATS:
            try:
                local = datetime.strptime(text, layout)  # naive: the city zone comes next
                return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
            except (ValueError, OverflowError):
                continue
        self.error(name, f"{text!r} is not a date and time: write it like 2026-12-01T09:00")
        return None


class AmendmentForm(TermsForm):
    @classmethod
    def from_terms(cls, terms: dict[str, Any]) -> AmendmentForm:
        values = {"preferred_rate": format((Decimal(terms["preferred_rate"]) * 100)
                                           .normalize(), "f")}
        values.update({f"residual_{p}": str(terms["residual"].get(p, "0")) for p in PARTIES})
        return cls(values=values)

    @classmethod
    def from_submission(cls, form: Any) -> AmendmentForm:
        return cls(values={name: str(form.get(name, "")) for name in SHARE_FIELDS[:-1]})
