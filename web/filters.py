"""Jinja filters that speak the domain: money, dates, statuses, in the request's language.

English pages keep civicfund's own formats ("EUR 1,234.50", "10 Dec 2026"); other languages get
Babel's ("1 234,50 €" in Portugal, "3 516 000 Ft" in Hungary)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime
from flask import Flask
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from adapters.i18n import format_day, format_local_moment, format_locale, format_money
from domain.kernel.money import Money
from web.i18n.locale import current_language


def _format_locale() -> Locale | None:
    """Babel's locale for the request's formats, or None for English (civicfund's own)."""
    return format_locale(current_language())

STATUS_WORDS = {
    "draft": _l("Draft"),
    "open": _l("Campaign open"),
    "funded": _l("Funded"),
    "unfunded": _l("Not funded"),
    "delivering": _l("Delivering"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "requested": _l("Requested"),
    "authorised": _l("Authorised — not charged yet"),
    "charged": _l("Charged"),
    "released": _l("Released — not charged"),
    "payment_failed": _l("Payment failed — please update your card"),
    "dropped": _l("Dropped"),
    "refunded": _l("Refunded"),
}
# An authorised pledge, said precisely once the project's funding model is known.
AUTHORISED_WORDS = {
    "all_or_nothing": _l("Authorised — charged only if the minimum is reached"),
    "keep_what_you_raise": _l("Authorised — charged when the campaign closes"),
}
# Roles in people's words: "city" is the code, "city officer" what people call it.
ROLE_WORDS = {
    "citizen": _l("Citizen"),
    "city": _l("City officer"),
    "proposer": _l("Proposer"),
    "investor": _l("Investor"),
    "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
    "evaluator": _l("Evaluator"),
}
FUNDING_MODEL_WORDS = {
    "all_or_nothing": _l("All or nothing"),
    "keep_what_you_raise": _l("Keep what you raise"),
}
# When a pledge is charged, in one sentence per funding model (pages and flash messages).
WHEN_CHARGED = {
    "all_or_nothing": _l("You are charged only if the pilot reaches its minimum by the close; "
                         "otherwise nobody pays."),
    "keep_what_you_raise": _l(
        "You are charged when the campaign closes, whatever the total raised."),
}


def money(value: Money) -> str:
    return format_money(value, current_language())


def as_money(minor: int, currency: str) -> Money:
    """Minor units as Money, for figures kept as integers (a cost-benefit analysis's):
    {{ figure|as_money(currency)|money }}."""
    return Money(minor, currency)


def amount(value: Money) -> str:
    """The decimal string forms and the API use ("1234.50"), whatever the language."""
    return value.to_decimal_string()


def date(value: datetime) -> str:
    return format_day(value, current_language())


def datetime_(value: datetime) -> str:
    locale = _format_locale()
    if locale is None:
        return value.strftime("%-d %b %Y, %H:%M UTC")
    return format_datetime(value, "medium", tzinfo=ZoneInfo("UTC"), locale=locale) + " UTC"


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_datetime(value: datetime, timezone: str | None) -> str:
    """The moment as people in the city read it: "10 Dec 2026, 10:30 WET"."""
    return _local_moment(value, timezone, current_language())


@lru_cache(maxsize=4096)
def _local_moment(value: datetime, timezone: str | None, language: str) -> str:
    """Babel takes ~50 us a moment and a page shows its close two or three times: kept."""
    return format_local_moment(value.astimezone(_zone(timezone)), language)


def local_date(value: datetime, timezone: str | None) -> str:
    """The calendar day of the moment in the city: a 23:30 UTC close is the next day in Zagreb."""
    return date(value.astimezone(_zone(timezone)))


def status_words(value: str, funding_model: str | None = None) -> str:
    if value == "authorised" and funding_model in AUTHORISED_WORDS:
        return str(AUTHORISED_WORDS[funding_model])
    if value in STATUS_WORDS:
        return str(STATUS_WORDS[value])
    return value.replace("_", " ").capitalize()


def _days(number: int) -> str:
    return ngettext("%(num)s day", "%(num)s days", number)


def _hours(number: int) -> str:
    return ngettext("%(num)s hour", "%(num)s hours", number)


def _minutes(number: int) -> str:
    return ngettext("%(num)s minute", "%(num)s minutes", number)


def time_left(closes_at: datetime, now: datetime) -> str:
    """How long a campaign has left: whole days while there are more than two, then days and
    hours, and on the last day hours and minutes ("1 day left" minutes before a close misled)."""
    seconds = int((closes_at - now).total_seconds())
    if seconds > 2 * 86400:
        return gettext("%(time)s left", time=_days(-(-seconds // 86400)))
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        parts = [_days(days)] + ([_hours(hours)] if hours else [])
    elif hours or minutes:
        parts = ([_hours(hours)] if hours else []) + ([_minutes(minutes)] if minutes else [])
    else:
        return gettext("less than a minute left")
    return gettext("%(time)s left", time=" ".join(parts))


def role_words(role: str) -> str:
    """A role as people say it, in lower case for running text: "city officer"."""
    return str(ROLE_WORDS.get(role, role.replace("_", " ").capitalize())).lower()


def former_name(role: str) -> str:
    """What pages say where an erased person's name would be."""
    return gettext("a former backer") if role == "citizen" else gettext("a former member")


def when_charged(funding_model: str) -> str:
    return str(WHEN_CHARGED.get(funding_model, ""))


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
    app.add_template_filter(lambda v: str(FUNDING_MODEL_WORDS.get(v, v)), "funding_model")
