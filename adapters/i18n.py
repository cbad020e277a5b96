"""Formats and catalogs for a language outside a web request (mail written by the projection),
shared with the pages' filters so that money and dates read the same everywhere.

English keeps civicfund's own formats ("EUR 1,234.50", "10 Dec 2026, 10:30 WET"); other
languages get Babel's ("1 234,50 €" in Portugal, "3 516 000 Ft" in Hungary)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations

from domain.i18n.languages import SOURCE, is_language
from domain.kernel.money import Money

# The catalogs live beside the templates that use most of them (web/translations; the web
# package is not imported for it: the projection writes mail without the web app).
CATALOGS = str(Path(__file__).resolve().parents[1] / "web" / "translations")
# Where a language is spoken in several countries, whose formats civicfund uses.
FORMAT_LOCALES = {"pt": "pt_PT", "nb": "nb_NO", "hr": "hr_HR", "hu": "hu_HU", "nl": "nl_NL"}


def format_locale(language: str | None) -> Locale | None:
    """Babel's locale for a language's formats, or None for English (civicfund's own)."""
    if not is_language(language) or language == SOURCE:
        return None
    return _parsed(FORMAT_LOCALES.get(language, language))  # type: ignore[arg-type]


@lru_cache(maxsize=len(FORMAT_LOCALES) + 2)
def _parsed(code: str) -> Locale:
    """Parsed once per process: Babel would parse the code again for every amount and date."""
    return Locale.parse(code)


def format_money(value: Money, language: str | None) -> str:
    if format_locale(language) is None:
        return value.display()
    return _formatted(value.minor, value.currency, language)  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _formatted(minor: int, currency: str, language: str) -> str:
    """Babel's formatting takes a while; a page shows the same few amounts again and again."""
    value, locale = Money(minor, currency), format_locale(language)
    exponent = value.exponent
    if value.minor % 10**exponent == 0:
        # Whole amounts as the locale writes its currency: "3 516 000 Ft", "1 234,00 €".
        return format_currency(Decimal(value.minor // 10**exponent), value.currency,
                               locale=locale)
    exact = Decimal(value.minor).scaleb(-exponent)
    return format_currency(exact, value.currency, locale=locale, currency_digits=False,
                           decimal_quantization=False)


def format_day(value: datetime, language: str | None) -> str:
    locale = format_locale(language)
    return value.strftime("%-d %b %Y") if locale is None else format_date(
        value, "medium", locale=locale)


def format_local_moment(local: datetime, language: str | None) -> str:
    """A moment already in the city's zone, with the zone's abbreviation."""
    locale = format_locale(language)
    if locale is None:
        return local.strftime("%-d %b %Y, %H:%M %Z")
    return (f"{format_date(local, 'medium', locale=locale)} "
            f"{format_datetime(local, 'HH:mm', locale=locale)} {local.tzname()}")


def N_(text: str) -> str:
    """Marks a string for the catalogs (pybabel extract -k N_); the page translates it."""
    return text


@lru_cache(maxsize=len(FORMAT_LOCALES) + 2)
def translations(language: str | None) -> NullTranslations:
    """The compiled catalog of a language, loaded once per process."""
    if not is_language(language) or language == SOURCE:
        return NullTranslations()
    return Translations.load(CATALOGS, [language])
