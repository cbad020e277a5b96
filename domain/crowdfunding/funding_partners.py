"""What crowdfunding asks of the areas that add money to a campaign beside the crowd's pledges:
matching funds (domain/matching/use_cases.py), departments' commitments
(domain/procurement/co_funding.py) and investment offers (domain/investment/investing.py)
implement it. Each operation is declared here and defined by its area; `Civicfund` composes
them all (tests/unit/test_architecture.py checks that every one is defined)."""

from __future__ import annotations

from collections.abc import Callable

from domain.core import CivicfundCore
from domain.crowdfunding.project import Project
from domain.kernel.money import Money


class FundingPartners(CivicfundCore):
    # -- matching funds (the matching area defines these) -------------------------------------

    # Save a newly authorised pledge with what each eligible fund adds to it, at once
    # (pledge, project, city_funds, *, unchanged). Raises ConcurrentChange if a fund, the
    # project or the city changed meanwhile.
    _save_pledge_with_matches: Callable[..., None]
    # Save a pledge's change with its matches following it (pledge, *, commit=False,
    # release="", project=None): committed when it was charged, released (with the reason)
    # when it will not be paid.
    _follow_pledge: Callable[..., None]
    # A decided project's grants follow its outcome.
    _settle_grants: Callable[[Project], None]
    # What the partners hold for the project now (reserved and committed).
    matched_on: Callable[[Project], Money]
    # What the partners committed to the project, or to one of its pledges (pledge_id=).
    committed_on: Callable[..., Money]

    # -- departments' commitments (the procurement area defines these) -------------------------

    # What the city's departments hold for the project (committed and drawn): counted by the
    # funding decision beside the crowd and the matches.
    co_funded_on: Callable[[Project], Money]
    # What the departments' commitments paid to the project (drawn): part of its payout.
    drawn_on: Callable[[Project], Money]
    # A decided (or cancelled) project's commitments follow its outcome.
    _settle_commitments: Callable[[Project], None]

    # -- investment offers' commitments (the investment area defines these) ---------------------

    # What investors committed to the project's offers that reached their minimum: counted by
    # the funding decision (paid in later, so not part of the payout).
    invested_on: Callable[[Project], Money]
    # A decided (or cancelled) project's investment commitments follow its outcome.
    _settle_investments: Callable[[Project], None]
