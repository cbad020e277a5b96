"""Money: integer minor units plus a currency; parsing, display, arithmetic and allocation."""

from __future__ import annotations

import random

import pytest

from domain.kernel.errors import CurrencyMismatch, InvalidAmount, UnknownCurrency
from domain.kernel.money import CURRENCY_EXPONENTS, Money, total

# -- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "EUR", 1250),
        ("12.5", "EUR", 1250),
        ("12", "EUR", 1200),
        ("0.01", "GBP", 1),
        (" 7.00 ", "NOK", 700),
        ("1500", "JPY", 1500),
        ("250000", "HUF", 25000000),
        ("1.234", "KWD", 1234),
        ("1.2", "KWD", 1200),
        ("-3.10", "EUR", -310),
    ],
)
def test_a_decimal_string_parses_to_exact_minor_units(text, currency, minor):
    assert Money.parse(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    "text",
    ["", " ", "abc", "12,50", "1,250.00", "12.", ".5", "+5", "1e3", "1_000", "12.50 EUR",
     "€12", "NaN", "Infinity", "0x10", "--1", "1.2.3"],
)
def test_text_that_is_not_a_decimal_amount_is_refused(text):
    with pytest.raises(InvalidAmount):
        Money.parse(text, "EUR")


@pytest.mark.parametrize(("text", "currency"), [("12.345", "EUR"), ("0.001", "GBP"),
                                                ("1.2345", "KWD")])
def test_more_decimals_than_the_currency_has_are_refused(text, currency):
    with pytest.raises(InvalidAmount, match="decimal places"):
        Money.parse(text, currency)


@pytest.mark.parametrize("currency", ["JPY", "KRW", "ISK"])
def test_a_zero_decimal_currency_refuses_any_fraction(currency):
    with pytest.raises(InvalidAmount, match="no minor unit"):
        Money.parse("100.5", currency)


@pytest.mark.parametrize("value", [12.5, 12, None, b"12.50", True])
def test_parse_takes_only_text(value):
    with pytest.raises(InvalidAmount):
        Money.parse(value, "EUR")


@pytest.mark.parametrize("currency", ["XYZ", "eur", "", None, "EURO"])
def test_an_unknown_currency_is_refused(currency):
    with pytest.raises(UnknownCurrency):
        Money.parse("1.00", currency)
    with pytest.raises(UnknownCurrency):
        Money(100, currency)


def test_errors_carry_a_stable_code_and_field():
    with pytest.raises(InvalidAmount) as bad:
        Money.parse("lots", "EUR")
    assert (bad.value.code, bad.value.field) == ("invalid_amount", "amount")
    with pytest.raises(UnknownCurrency) as unknown:
        Money.parse("1", "XXX")
    assert (unknown.value.code, unknown.value.field) == ("unknown_currency", "currency")


def test_parsing_huge_amounts_is_exact_and_round_trips():
    rng = random.Random(20261126)
    for _ in range(300):
        currency = rng.choice(sorted(CURRENCY_EXPONENTS))
        exponent = CURRENCY_EXPONENTS[currency]
        whole = str(rng.randrange(10**rng.randrange(1, 40)))
        text = whole if exponent == 0 else f"{whole}.{rng.randrange(10**exponent):0{exponent}d}"
        assert Money.parse(text, currency).to_decimal_string() == text


# -- construction and arithmetic ---------------------------------------------------------------


@pytest.mark.parametrize("minor", [1.0, 12.5, True, False, "100", None])
def test_money_takes_only_integer_minor_units(minor):
    with pytest.raises(InvalidAmount):
        Money(minor, "EUR")


def test_amounts_of_one_currency_add_subtract_and_compare():
    a, b = Money(1250, "EUR"), Money(75, "EUR")
    assert a + b == Money(1325, "EUR")
    assert a - b == Money(1175, "EUR")
    assert -b == Money(-75, "EUR")
    assert b < a and a > b and a >= a and b <= b
    assert total([a, b, b], "EUR") == Money(1400, "EUR")
    assert total([], "GBP") == Money.zero("GBP")


@pytest.mark.parametrize("bare", [1, 1.5, True, "1.00", None])
def test_arithmetic_with_a_bare_number_is_refused(bare):
    money = Money(100, "EUR")
    for combine in (lambda: money + bare, lambda: money - bare, lambda: money < bare,
                    lambda: money > bare, lambda: money <= bare, lambda: money >= bare):
        with pytest.raises(InvalidAmount):
            combine()


def test_a_bare_number_on_the_left_does_not_combine_either():
    with pytest.raises(TypeError):
        1 + Money(100, "EUR")


def test_amounts_in_different_currencies_never_combine():
    eur, gbp = Money(100, "EUR"), Money(100, "GBP")
    for combine in (lambda: eur + gbp, lambda: eur - gbp, lambda: eur < gbp, lambda: eur > gbp,
                    lambda: eur <= gbp, lambda: eur >= gbp):
        with pytest.raises(CurrencyMismatch):
            combine()
    with pytest.raises(CurrencyMismatch):
        total([eur, gbp], "EUR")
    assert eur != gbp


# -- writing amounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "decimal_string", "display"),
    [
        (Money(1250, "EUR"), "12.50", "EUR 12.50"),
        (Money(125000000, "EUR"), "1250000.00", "EUR 1,250,000.00"),
        (Money(5, "GBP"), "0.05", "GBP 0.05"),
        (Money(0, "NOK"), "0.00", "NOK 0.00"),
        (Money(-1999, "EUR"), "-19.99", "EUR -19.99"),
        (Money(-5, "EUR"), "-0.05", "EUR -0.05"),
        (Money(1500000, "JPY"), "1500000", "JPY 1,500,000"),
        (Money(25000000, "HUF"), "250000.00", "HUF 250,000.00"),
        (Money(1234567, "KWD"), "1234.567", "KWD 1,234.567"),
        (Money(7, "KWD"), "0.007", "KWD 0.007"),
    ],
)
def test_amounts_are_written_as_decimal_strings_and_displayed_with_grouping(
    money, decimal_string, display
):
    assert money.to_decimal_string() == decimal_string
    assert money.display() == display
    assert str(money) == display
    assert Money.parse(decimal_string, money.currency) == money


# -- allocation --------------------------------------------------------------------------------


def test_allocation_splits_by_weight_with_the_largest_remainder():
    assert Money(1000, "EUR").allocate([1, 1, 1]) == [Money(334, "EUR"), Money(333, "EUR"),
                                                       Money(333, "EUR")]
    assert Money(100, "EUR").allocate([30, 20, 20, 30]) == [
        Money(30, "EUR"), Money(20, "EUR"), Money(20, "EUR"), Money(30, "EUR")]
    assert Money(5, "EUR").allocate([1, 3]) == [Money(1, "EUR"), Money(4, "EUR")]


def test_allocation_ties_go_to_the_earlier_parts_every_time():
    first = Money(2, "EUR").allocate([1, 1, 1])
    assert first == [Money(1, "EUR"), Money(1, "EUR"), Money(0, "EUR")]
    assert all(Money(2, "EUR").allocate([1, 1, 1]) == first for _ in range(20))


def test_a_zero_weight_gets_nothing():
    assert Money(999, "EUR").allocate([0, 1, 0]) == [Money(0, "EUR"), Money(999, "EUR"),
                                                      Money(0, "EUR")]


def test_negative_amounts_allocate_symmetrically():
    assert Money(-1000, "EUR").allocate([1, 1, 1]) == [Money(-334, "EUR"), Money(-333, "EUR"),
                                                        Money(-333, "EUR")]


def test_allocated_parts_always_sum_to_the_whole():
    rng = random.Random(4217)
    for _ in range(2000):
        currency = rng.choice(["EUR", "JPY", "KWD", "HUF"])
        whole = Money(rng.randint(-10**12, 10**12), currency)
        weights = [rng.randint(0, 1000) for _ in range(rng.randint(1, 12))]
        if sum(weights) == 0:
            weights[0] = 1
        parts = whole.allocate(weights)
        assert len(parts) == len(weights)
        assert total(parts, currency) == whole
        assert all(part.currency == currency for part in parts)
        # Each part is within one minor unit of its exact share.
        for part, weight in zip(parts, weights, strict=True):
            exact = whole.minor * weight / sum(weights)
            assert abs(part.minor - exact) < 1 + 1e-6 * abs(exact)
        assert whole.allocate(weights) == parts


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [-2]])
def test_allocation_needs_non_negative_weights_with_a_positive_sum(weights):
    with pytest.raises(InvalidAmount):
        Money(100, "EUR").allocate(weights)


@pytest.mark.parametrize(
    "text",
    ["\u0661\u0662.\u0665\u0660", "\uff11\uff12", "12.\uff150"],  # Arabic-Indic, fullwidth
)
def test_digits_other_than_ascii_are_refused(text):
    with pytest.raises(InvalidAmount):
        Money.parse(text, "EUR")
