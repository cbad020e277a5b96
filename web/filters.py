"""Jinja filters that speak the domain: money, dates, statuses."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

from domain.kernel.money import Money

STATUS_WORDS = {
    "draft": "Draft",
    "open": "Campaign open",
    "funded": "Funded",
    "unfunded": "Not funded",
    "delivering": "Delivering",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "requested": "Requested",
    "authorised": "Authorised — not charged yet",
    "charged": "Charged",
    "released": "Released — not charged",
    "payment_failed": "Payment failed — please update your card",
    "dropped": "Dropped",
    "refunded": "Refunded",
}
# An authorised pledge, said precisely once the project's funding model is known.
AUTHORISED_WORDS = {
    "all_or_nothing": "Authorised — charged only if the minimum is reached",
    "keep_what_you_raise": "Authorised — charged when the campaign closes",
}
# Roles in people's words: "city" is the code, "city officer" what people call it.
ROLE_WORDS = {
    "citizen": "Citizen",
    "city": "City officer",
    "proposer": "Proposer",
    "investor": "Investor",
    "auditor": "Auditor",
    "admin": "Administrator",
    "evaluator": "Evaluator",
}
FUNDING_MODEL_WORDS = {
    "all_or_nothing": "All or nothing",
    "keep_what_you_raise": "Keep what you raise",
}
# When a pledge is charged, in one sentence per funding model (pages and flash messages).
WHEN_CHARGED = {
    "all_or_nothing": "You are charged only if the pilot reaches its minimum by the close; "
                      "otherwise nobody pays.",
    "keep_what_you_raise": "You are charged when the campaign closes, whatever the total raised.",
}


def money(value: Money) -> str:
    return value.display()


def as_money(minor: int, currency: str) -> Money:
    """Minor units as Money, for figures kept as integers (a cost-benefit analysis's):
    {{ figure|as_money(currency)|money }}."""
    return Money(minor, currency)


def amount(value: Money) -> str:
    return value.to_decimal_string()


def date(value: datetime) -> str:
    return value.strftime("%-d %b %Y")


def datetime_(value: datetime) -> str:
    return value.strftime("%-d %b %Y, %H:%M UTC")


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_datetime(value: datetime, timezone: str | None) -> str:
    """The moment as people in the city read it: "10 Dec 2026, 10:30 WET"."""
    return value.astimezone(_zone(timezone)).strftime("%-d %b %Y, %H:%M %Z")


def local_date(value: datetime, timezone: str | None) -> str:
    """The calendar day of the moment in the city: a 23:30 UTC close is the next day in Zagreb."""
    return value.astimezone(_zone(timezone)).strftime("%-d %b %Y")


def status_words(value: str, funding_model: str | None = None) -> str:
    if value == "authorised" and funding_model in AUTHORISED_WORDS:
        return AUTHORISED_WORDS[funding_model]
    return STATUS_WORDS.get(value, value.replace("_", " ").capitalize())


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


def time_left(closes_at: datetime, now: datetime) -> str:
    """How long a campaign has left: whole days while there are more than two, then days and
    hours, and on the last day hours and minutes ("1 day left" minutes before a close misled)."""
    seconds = int((closes_at - now).total_seconds())
    if seconds > 2 * 86400:
        return f"{-(-seconds // 86400)} days left"
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [_count(days, "day")] + ([_count(hours, "hour")] if hours else [])
    elif hours or minutes:
        parts = ([_count(hours, "hour")] if hours else []) + (
            [_count(minutes, "minute")] if minutes else []
        )
    else:
        return "less than a minute left"
    return " ".join(parts) + " left"


def role_words(role: str) -> str:
    """A role as people say it, in lower case for running text: "city officer"."""
    return ROLE_WORDS.get(role, role.replace("_", " ").capitalize()).lower()


def former_name(role: str) -> str:
    """What pages say where an erased person's name would be."""
    return "a former backer" if role == "citizen" else "a former member"


def when_charged(funding_model: str) -> str:
    return WHEN_CHARGED.get(funding_model, "")


def percent_step(value) -> int:
    """A percentage as a whole number from 0 to 100, for the bar classes in static/bars.css
    (rounded down, so the parts of a stacked bar never add up to more than the bar)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0
    if number != number:  # NaN
        return 0
    return max(0, min(100, int(number)))


def register(app: Flask) -> None:
    app.add_template_filter(percent_step, "percent_step")
    app.add_template_filter(money, "money")
    app.add_template_filter(amount, "amount")
    app.add_template_filter(as_money, "as_money")
    app.add_template_filter(date, "date")
    app.add_template_filter(datetime_, "datetime")
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(status_words, "status_words")
    app.add_template_filter(when_charged, "when_charged")
    app.add_template_filter(role_words, "role_words")
    app.add_template_filter(former_name, "former_name")
    app.add_template_filter(time_left, "time_left")
    app.add_template_filter(lambda v: FUNDING_MODEL_WORDS.get(v, v), "funding_model")
