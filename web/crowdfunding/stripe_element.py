"""What the pledge page needs when cards are collected by Stripe's Payment Element."""

from __future__ import annotations

import re

from web.services import platform

# What stripe.createPaymentMethod gives the page back: a PaymentMethod id.
PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,77}$")


def collects_cards_with_stripe() -> bool:
    return platform().settings.payments == "stripe"


def is_payment_method_id(value: str | None) -> bool:
    return bool(value and PAYMENT_METHOD_ID.match(value))
