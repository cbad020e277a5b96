"""Money: integer minor units plus an ISO 4217 currency. Never a float."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from domain.kernel.errors import CurrencyMismatch, InvalidAmount, UnknownCurrency

# ISO 4217 minor-unit exponents for the currencies the platform accepts.
CURRENCY_EXPONENTS: dict[str, int] = {
    "EUR": 2, "GBP": 2, "USD": 2, "CHF": 2, "NOK": 2, "SEK": 2, "DKK": 2, "PLN": 2,
    "CZK": 2, "HUF": 2, "RON": 2, "BGN": 2, "ISK": 0, "CAD": 2, "AUD": 2, "NZD": 2,
    "JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "BRL": 2, "MXN": 2, "ZAR": 2, "INR": 2,
    "SGD": 2, "HKD": 2, "TRY": 2, "KWD": 3, "BHD": 3, "JOD": 3, "TND": 3,
}

_DECIMAL_TEXT = re.compile(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")


def currency_exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        raise UnknownCurrency(f"{currency!r} is not a currency civicfund accepts") from None


def is_currency(code: str) -> bool:
    return code in CURRENCY_EXPONENTS


@dataclass(frozen=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise InvalidAmount("Money takes integer minor units, never a bare number or float")
        currency_exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a decimal string such as "12.50" in `currency`'s major units."""
        exponent = currency_exponent(currency)
        if not isinstance(text, str):
            raise InvalidAmount("Write the amount as a decimal string, e.g. \"25.00\"")
        if not _DECIMAL_TEXT.match(text):
            raise InvalidAmount(
                f"{text.strip()!r} is not an amount: use digits and a decimal point"
            )
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            raise InvalidAmount(f"{text!r} is not an amount") from None
        places = -value.as_tuple().exponent if value.as_tuple().exponent < 0 else 0
        if places > exponent:
            if exponent == 0:
                raise InvalidAmount(f"{currency} has no minor unit: use whole amounts")
            raise InvalidAmount(f"{currency} amounts have at most {exponent} decimal places")
        # Exact integer arithmetic: Decimal.scaleb would round to the context's 28 digits.
        sign, digits, value_exponent = value.as_tuple()
        minor = int("".join(map(str, digits))) * 10 ** (value_exponent + exponent)
        return cls(-minor if sign else minor, currency)

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def to_decimal_string(self) -> str:
        """The amount as the API writes it: "1234.50" (no grouping, no symbol)."""
        exponent = self.exponent
        sign = "-" if self.minor < 0 else ""
        whole, part = divmod(abs(self.minor), 10**exponent) if exponent else (abs(self.minor), 0)
        if exponent == 0:
            return f"{sign}{whole}"
        return f"{sign}{whole}.{part:0{exponent}d}"

    def display(self) -> str:
        """Human form with thousands separators: "EUR 12,500.00"."""
        text = self.to_decimal_string()
        sign = "-" if text.startswith("-") else ""
        text = text.lstrip("-")
        whole, _, part = text.partition(".")
        grouped = f"{int(whole):,}"
        return f"{self.currency} {sign}{grouped}{'.' + part if part else ''}"

    def __str__(self) -> str:
        return self.display()

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise InvalidAmount("Money only combines with Money, never a bare number")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same_currency(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same_currency(other).minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same_currency(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same_currency(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._same_currency(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._same_currency(other).minor

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def is_positive(self) -> bool:
        return self.minor > 0

    def allocate(self, weights: list[int]) -> list[Money]:
        """Split by integer weights with the largest-remainder rule: parts sum to the whole."""
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise InvalidAmount("allocation needs non-negative weights with a positive sum")
        total = sum(weights)
        sign = -1 if self.minor < 0 else 1
        amount = abs(self.minor)
        floors = [amount * w // total for w in weights]
        remainders = [amount * w % total for w in weights]
        short = amount - sum(floors)
        # Largest remainder first; ties go to the earlier part so results are deterministic.
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in order[:short]:
            floors[i] += 1
        return [Money(sign * part, self.currency) for part in floors]


def total(amounts: list[Money], currency: str) -> Money:
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
