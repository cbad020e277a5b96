"""A domain refusal in the reader's language: the pages translate the error's message template
and format its placeholders for the locale (amounts with the page's money filter). The API keeps
the English `.message` with its stable code."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from domain.i18n.languages import SOURCE
from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from web.filters import money, status_words
from web.i18n.locale import current_language


def _param(name: str, value: Any) -> Any:
    if isinstance(value, Money):
        return money(value)
    if name == "status" and isinstance(value, str):
        # "Payment failed — please update your card" reads as "payment failed" inside a sentence.
        return status_words(value).split(" — ")[0].lower()
    if isinstance(value, str) and value:
        return gettext(value)  # words the domain marked with N_ ("Your message"); else as is
    return value


def localised(error: DomainError) -> str:
    """What a page shows for a refusal: English as the API says it, else translated."""
    template = getattr(error, "template", None)
    if current_language() == SOURCE or not template:
        return error.message
    params = getattr(error, "params", {}) or {}
    try:
        if not params:
            return gettext(template)
        return gettext(template, **{k: _param(k, v) for k, v in params.items()})
    except (KeyError, ValueError, TypeError):
        # A translation whose placeholders do not match: the English is better than nothing.
        return error.message
