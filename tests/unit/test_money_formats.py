"""Amounts outside English are written as Babel writes them for the language ("1 234,50 €",
"3 516 000 Ft", "€ -0,05"), whether they come from the shape learnt once per currency and
language or from Babel itself."""

from __future__ import annotations

import random

import pytest

from adapters.i18n import FORMAT_LOCALES, _money_shape, babel_money, format_money
from domain.kernel.money import CURRENCY_EXPONENTS, Money

LANGUAGES = sorted(FORMAT_LOCALES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_amount_reads_as_babel_writes_it(language):
    rng = random.Random(language)
    for currency in CURRENCY_EXPONENTS:
        amounts = [0, 1, -1, 10, 1_000, -1_000_000, 10**15] + [
            rng.choice([rng.randrange(-10**7, 10**7), rng.randrange(0, 10**14),
                        rng.randrange(0, 10**5) * 10**CURRENCY_EXPONENTS[currency]])
            for _ in range(200)]
        for minor in amounts:
            babel = babel_money(minor, currency, language)
            assert format_money(Money(minor, currency), language) == babel, (currency, minor)


def test_the_demo_cities_currencies_take_the_quick_path_and_read_as_their_people_expect():
    assert all(_money_shape(currency, language) is not None
               for currency in ("EUR", "GBP", "NOK", "HUF") for language in LANGUAGES)
    assert format_money(Money(351_600_000, "HUF"), "hu") == "3\xa0516\xa0000\xa0Ft"
    assert format_money(Money(123_450, "EUR"), "pt") == "1\xa0234,50\xa0€"
    assert format_money(Money(-5, "EUR"), "nl") == "€\xa0-0,05"
    assert format_money(Money(123_450, "EUR"), "hr") == "1.234,50\xa0€"
