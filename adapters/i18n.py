"""Formats and catalogs for a language outside a web request (mail written by the projection),
shared with the pages' filters so that money and dates read the same everywhere.

English keeps civicfund's own formats ("EUR 1,234.50", "10 Dec 2026, 10:30 WET"); other
languages get Babel's ("1 234,50 €" in Portugal, "3 516 000 Ft" in Hungary)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations

from domain.i18n.languages import SOURCE, is_language
from domain.kernel.money import Money, currency_exponent

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
    shape = _money_shape(value.currency, language)  # type: ignore[arg-type]
    if shape is None:
        return _babel_money_kept(value.minor, value.currency,
                                 language)  # type: ignore[arg-type]
    return shape.format(value.minor)


@dataclass(frozen=True)
class _MoneyShape:
    """How one language writes one currency, read off Babel's own output once: the text before
    and after the number (for amounts below zero too), the grouping and decimal marks. Babel
    takes about 30 us an amount; a page shows a dozen amounts, most of them new."""

    exponent: int
    before: str
    after: str
    before_negative: str
    after_negative: str
    group: str
    decimal: str
    whole_drops_decimals: bool  # "1 234 Ft" where a whole amount is written without ",00"

    def format(self, minor: int) -> str:
        whole, fraction = divmod(abs(minor), 10**self.exponent)
        number = f"{whole:,}".replace(",", self.group)
        if fraction:
            number += f"{self.decimal}{fraction:0{self.exponent}d}"
        elif self.exponent and not self.whole_drops_decimals:
            number += self.decimal + "0" * self.exponent
        if minor < 0:
            return f"{self.before_negative}{number}{self.after_negative}"
        return f"{self.before}{number}{self.after}"


# Amounts the learnt shape must write exactly as Babel does before it is used (else Babel is).
_CHECKS = (0, 1, 5, 99, 100, 999, 1_000, 99_999, 100_000, 123_456, 1_234_500, 123_456_789,
           100_000_000_000, 987_654_321_012_345)


@lru_cache(maxsize=64)
def _money_shape(currency: str, language: str) -> _MoneyShape | None:
    exponent = currency_exponent(currency)
    probe = 7_654_321 * 10**exponent + (89 * 10 ** (exponent - 2) if exponent >= 2 else 0)
    shape = None
    written = babel_money(probe, currency, language)
    negative = babel_money(-probe, currency, language)
    whole = babel_money(7_654_321 * 10**exponent, currency, language)
    first, last = written.find("7"), max(written.rfind("9"), written.rfind("1"))
    negative_first, negative_last = negative.find("7"), max(negative.rfind("9"),
                                                            negative.rfind("1"))
    number = written[first:last + 1]
    group = number[1:number.find("6")]
    decimal = number[number.rfind("1") + 1:number.rfind("8")] if exponent else ""
    if first >= 0 and negative_first >= 0 and group:
        shape = _MoneyShape(
            exponent=exponent, before=written[:first], after=written[last + 1:],
            before_negative=negative[:negative_first], after_negative=negative[negative_last + 1:],
            group=group, decimal=decimal,
            whole_drops_decimals=bool(exponent) and decimal not in whole)
    checks = [sign * minor for minor in _CHECKS for sign in (1, -1)]
    if shape is None or any(shape.format(minor) != babel_money(minor, currency,
                                                                          language)
                            for minor in checks):
        return None
    return shape


def babel_money(minor: int, currency: str, language: str) -> str:
    """An amount as Babel writes it for the language: what a learnt shape must match."""
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


# For a language and currency whose shape could not be learnt (three-decimal currencies).
_babel_money_kept = lru_cache(maxsize=4096)(babel_money)
