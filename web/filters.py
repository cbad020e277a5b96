"""Jinja filters that speak the domain: money, dates, statuses."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from domain.money import Money

STATUS_WORDS = {
    "draft": "Draft",
    "open": "Campaign open",
    "funded": "Funded",
    "unfunded": "Not funded",
    "delivering": "Delivering",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "requested": "Requested",
    "authorised": "Card authorised — charged only if funded",
    "charged": "Charged",
    "released": "Released — not charged",
    "payment_failed": "Payment failed — please update your card",
    "dropped": "Dropped",
    "refunded": "Refunded",
}
FUNDING_MODEL_WORDS = {
    "all_or_nothing": "All or nothing",
    "keep_what_you_raise": "Keep what you raise",
}


def money(value: Money) -> str:
    return value.display()


def amount(value: Money) -> str:
    return value.to_decimal_string()


def date(value: datetime) -> str:
    return value.strftime("%-d %b %Y")


def datetime_(value: datetime) -> str:
    return value.strftime("%-d %b %Y, %H:%M UTC")


def status_words(value: str) -> str:
    return STATUS_WORDS.get(value, value.replace("_", " ").capitalize())


def register(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(amount, "amount")
    app.add_template_filter(date, "date")
    app.add_template_filter(datetime_, "datetime")
    app.add_template_filter(status_words, "status_words")
    app.add_template_filter(lambda v: FUNDING_MODEL_WORDS.get(v, v), "funding_model")
