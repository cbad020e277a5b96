"""An awarded pilot's capital stack against its call's intended shares counts the investors'
real figure (what they committed to offers that reached their minimum)."""

from __future__ import annotations

from types import SimpleNamespace

from domain.kernel.money import Money
from web.crowdfunding.public import shares_against_the_call


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_investors_share_is_their_real_figure():
    project = SimpleNamespace(committed=eur("2000.00"), matched=eur("0.00"),
                              raised=eur("5000.00"), invested=eur("3000.00"))
    call = SimpleNamespace(capital_stack={"city": 20, "matching": 10, "crowd": 40,
                                          "investors": 30})
    assert shares_against_the_call(project, call) == [
        ("The city's departments", 20, 20), ("Matching funds", 10, 0),
        ("The crowd", 40, 50), ("Investors", 30, 30),
    ]
