"""What the procurement pages' forms send, read into what the use cases take. Lines of text
keep the forms usable without JavaScript: one budget line, milestone or cost-benefit figure per
line (the cost-benefit analysis has its own table: web/procurement/cba_form.py). A line that
cannot be read is refused with the line quoted."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from domain.crowdfunding.project import BudgetLine
from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from domain.procurement.call import InvalidCall
from domain.procurement.proposal import InvalidProposal


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _parts(line: str, count: int, error: type[DomainError], field: str, example: str):
    parts = [p.strip() for p in line.split("|")]
    if len(parts) != count:
        raise error(f"“{line[:80]}”: write it like “{example}”", field=field)
    return parts


def budget_lines(text: str, currency: str) -> list[BudgetLine]:
    """`label | amount | required` (or optional)."""
    found = []
    for line in _lines(text):
        label, amount, kind = _parts(line, 3, InvalidProposal, "budget_lines",
                                     "Sensors | 8000.00 | required")
        if kind.lower() not in ("required", "optional"):
            raise InvalidProposal(f"“{line[:80]}”: say required or optional",
                                  field="budget_lines")
        found.append(BudgetLine(label, Money.parse(amount, currency),
                                kind.lower() == "required"))
    return found


def day_end(text: str, timezone: str, field: str, error: type[DomainError]) -> datetime:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise error(f"“{text[:40]}” is not a date: write it like 2027-03-31",
                    field=field) from None
    return datetime.combine(day, time(23, 59), ZoneInfo(timezone)).astimezone(UTC)


def milestones(text: str, timezone: str) -> list[dict[str, Any]]:
    """`2027-03-31 | Sensors installed`."""
    found = []
    for line in _lines(text):
        due, title = _parts(line, 2, InvalidProposal, "milestones",
                            "2027-03-31 | Sensors installed")
        found.append({"title": title,
                      "due": day_end(due, timezone, "milestones", InvalidProposal)})
    return found


def criteria(text: str) -> list[dict[str, Any]]:
    """`Impact | 50 | What changes for residents`."""
    found = []
    for line in _lines(text):
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) < 2 or not parts[1].isdigit():
            raise InvalidCall(f"“{line[:80]}”: write it like “Impact | 50 | What changes”",
                              field="criteria")
        found.append({"name": parts[0], "weight": int(parts[1]),
                      "description": parts[2] if len(parts) > 2 else ""})
    return found


def phases(text: str) -> list[dict[str, Any]]:
    """`Prototype | 30 | 2` (name, budget percent, most suppliers)."""
    found = []
    for line in _lines(text):
        name, percent, suppliers = _parts(line, 3, InvalidCall, "phases", "Prototype | 30 | 2")
        if not percent.isdigit() or not suppliers.isdigit():
            raise InvalidCall(f"“{line[:80]}”: the share and suppliers are whole numbers",
                              field="phases")
        found.append({"name": name, "budget_percent": int(percent),
                      "max_suppliers": int(suppliers)})
    return found


def whole(text: str, field: str) -> int:
    text = (text or "0").strip() or "0"
    if not text.isdigit():
        raise InvalidCall(f"{field.capitalize()} is a whole percentage", field="capital_stack")
    return int(text)


def names(text: str) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]
