"""The officer's "new pilot" form: what was typed, what is wrong with it, and the use-case input.

The form works without JavaScript, so budget lines are a fixed number of rows: fully blank rows are
ignored, and "Add more lines" re-renders the same input with extra rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.crowdfunding.project import (
    FUNDING_MODELS,
    MAX_BUDGET_LINES,
    OPENS_IN_THE_PAST,
    BudgetLine,
)
from domain.kernel.clock import in_the_past
from domain.kernel.errors import DomainError
from domain.kernel.money import Money

TEXT_FIELDS = ("title", "summary", "area", "theme", "proposer")
DEFAULT_ROWS = 6
ROWS_ADDED = 3
# One line above a billion in the city's major unit is a typing slip, and keeps totals far
# inside the read models' 64-bit columns.
MAX_LINE_MAJOR_UNITS = 1_000_000_000
# A campaign window longer than a year is almost surely a typo (2062 for 2026).
MAX_CAMPAIGN_AHEAD = timedelta(days=366)
LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")

MISSING = {
    "title": "Enter a title for the pilot",
    "summary": "Describe the pilot in a few sentences",
    "area": "Enter the area or neighbourhood",
    "theme": "Enter a theme, for example Mobility",
    "proposer": "Enter who proposes the pilot",
    "opens_at": "Enter when the campaign opens",
    "closes_at": "Enter when the campaign closes",
}

# Where a domain error's field is shown on this form.
DOMAIN_FIELDS = {
    "title": "title", "summary": "summary", "area": "area", "theme": "theme",
    "proposer": "proposer", "funding_model": "funding_model", "opens_at": "opens_at",
    "closes_at": "closes_at", "budget_lines": "budget_lines", "amount": "budget_lines",
    "currency": "budget_lines",
}


def has_control_characters(text: str) -> bool:
    """NUL and other control characters: PostgreSQL text refuses NUL, and none belong in a form."""
    return any(ord(char) < 32 and char not in "\t\r\n" for char in text)


@dataclass
class LineInput:
    label: str = ""
    amount: str = ""
    required: bool = True

    @property
    def is_blank(self) -> bool:
        return not self.label.strip() and not self.amount.strip()


@dataclass
class ProjectForm:
    values: dict[str, str] = field(default_factory=dict)
    lines: list[LineInput] = field(default_factory=list)
    open_now: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def blank(cls, *, now: datetime, timezone: str) -> ProjectForm:
        local = now.astimezone(ZoneInfo(timezone))
        opens = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        closes = opens + timedelta(days=30)
        values = {name: "" for name in TEXT_FIELDS}
        values.update(
            funding_model="all_or_nothing",
            opens_at=opens.strftime(LOCAL_FORMATS[0]),
            closes_at=closes.strftime(LOCAL_FORMATS[0]),
        )
        return cls(values=values, lines=[LineInput() for _ in range(DEFAULT_ROWS)])

    @classmethod
    def from_submission(cls, form: Any) -> ProjectForm:
        values = {name: form.get(name, "") for name in (*TEXT_FIELDS, "opens_at", "closes_at")}
        values["funding_model"] = form.get("funding_model", "")
        try:
            rows = int(form.get("line_count", DEFAULT_ROWS))
        except ValueError:
            rows = DEFAULT_ROWS
        rows = min(max(rows, 1), MAX_BUDGET_LINES)
        lines = [
            LineInput(
                label=form.get(f"line-{i}-label", ""),
                amount=form.get(f"line-{i}-amount", ""),
                required=bool(form.get(f"line-{i}-required")),
            )
            for i in range(rows)
        ]
        return cls(values=values, lines=lines, open_now=bool(form.get("open_now")))

    def add_rows(self, count: int = ROWS_ADDED) -> None:
        room = MAX_BUDGET_LINES - len(self.lines)
        self.lines.extend(LineInput() for _ in range(max(0, min(count, room))))

    @property
    def can_add_rows(self) -> bool:
        return len(self.lines) < MAX_BUDGET_LINES

    # -- checking ------------------------------------------------------------------------------

    def error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def show_domain_error(self, problem: DomainError) -> None:
        self.error(DOMAIN_FIELDS.get(problem.field or "", "form"), problem.message)

    def draft_arguments(self, *, currency: str, timezone: str, now: datetime) -> dict | None:
        """The keyword arguments of `draft_project`, or None with `errors` filled in."""
        for name in TEXT_FIELDS:
            if not self.values[name].strip():
                self.error(name, MISSING[name])
            elif has_control_characters(self.values[name]):
                self.error(name, "Remove the control characters from this text")
        funding_model = self.values["funding_model"]
        if funding_model not in FUNDING_MODELS:
            self.error("funding_model", "Choose how the pilot is funded")
        opens_at = self._moment("opens_at", timezone)
        closes_at = self._moment("closes_at", timezone)
        if opens_at and in_the_past(opens_at, now):
            self.error("opens_at", OPENS_IN_THE_PAST)
        if opens_at and closes_at:
            if closes_at <= opens_at:
                self.error("closes_at", "The campaign must close after it opens")
            elif closes_at <= now:
                self.error("closes_at", "That closing time has already passed")
            elif closes_at > now + MAX_CAMPAIGN_AHEAD:
                self.error("closes_at", "A campaign closes within a year from today")
        budget_lines = self._budget_lines(currency)
        if self.errors:
            return None
        return {
            "title": self.values["title"], "summary": self.values["summary"],
            "area": self.values["area"], "theme": self.values["theme"],
            "proposer": self.values["proposer"], "funding_model": funding_model,
            "opens_at": opens_at, "closes_at": closes_at, "budget_lines": budget_lines,
        }

    def _moment(self, name: str, timezone: str) -> datetime | None:
        text = self.values[name].strip()
        if not text:
            self.error(name, MISSING[name])
            return None
        for layout in LOCAL_FORMATS:
            try:
                local = datetime.strptime(text, layout)  # naive: the city zone comes next
                return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
            except (ValueError, OverflowError):
                continue
        self.error(name, f"{text!r} is not a date and time: write it like 2026-12-01T09:00")
        return None

    def _budget_lines(self, currency: str) -> list[BudgetLine]:
        lines: list[BudgetLine] = []
        ceiling = Money(MAX_LINE_MAJOR_UNITS * 10 ** Money.zero(currency).exponent, currency)
        for i, row in enumerate(self.lines):
            if row.is_blank:
                continue
            label = " ".join(row.label.split())
            if not label:
                self.error(f"line-{i}-label", f"Line {i + 1}: give this line a label")
            elif has_control_characters(label):
                self.error(f"line-{i}-label", f"Line {i + 1}: remove the control characters")
            if not row.amount.strip():
                self.error(f"line-{i}-amount", f"Line {i + 1}: enter an amount")
                continue
            try:
                amount = Money.parse(row.amount, currency)
            except DomainError as problem:
                self.error(f"line-{i}-amount", f"Line {i + 1}: {problem.message}")
                continue
            if not amount.is_positive():
                self.error(f"line-{i}-amount", f"Line {i + 1}: enter an amount above zero")
            elif amount > ceiling:
                self.error(
                    f"line-{i}-amount", f"Line {i + 1}: at most {ceiling.display()} per line"
                )
            elif label:
                lines.append(BudgetLine(label, amount, row.required))
        has_line_errors = any(key.startswith("line-") for key in self.errors)
        if not lines and not has_line_errors:
            self.error("budget_lines", "Add at least one budget line with a label and an amount")
        elif lines and not has_line_errors and not any(line.required for line in lines):
            self.error(
                "budget_lines",
                "Mark at least one line as required: required lines make the minimum",
            )
        return lines

    # -- showing -------------------------------------------------------------------------------

    def summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary, in the order the fields appear."""
        order = ["form", *TEXT_FIELDS, "funding_model", "opens_at", "closes_at", "budget_lines"]
        for i in range(len(self.lines)):
            order += [f"line-{i}-label", f"line-{i}-amount"]
        anchors = {"form": "new-pilot", "funding_model": "funding_model-all_or_nothing",
                   "budget_lines": "budget-lines"}
        return [(anchors.get(key, key), self.errors[key]) for key in order if key in self.errors]
