"""Quadratic-funding rounds: sharing a round's pool among its pilots when it ends, and
estimating a pilot's share before that."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any
from uuid import UUID

from domain.core import CivicfundCore
from domain.crowdfunding.pledge import AUTHORISED, CHARGED
from domain.crowdfunding.project import CANCELLED, Project
from domain.kernel.money import Money
from domain.matching.fund import MatchingFund
from domain.matching.quadratic import share_pool


class MatchingRounds(CivicfundCore):
    """Part of the Civicfund application (a mixin: `self` is the application)."""

    def _share_round(self, fund_id: UUID) -> None:
        fund = self._fund_now(fund_id)
        rules = fund.current.rules
        contributions, caps = self._round_contributions(fund)
        shares = share_pool(
            contributions, pool=fund.available, cap=caps, min_contribution=rules.min_contribution
        )
        reasons = {
            p: f"quadratic share: {len(contributions[p])} backers" for p in contributions
        }
        self._change_fund(fund_id, lambda f: f.share_round(shares, reasons))

    def _round_contributions(
        self, fund: MatchingFund
    ) -> tuple[dict[Any, dict[Any, int]], dict[Any, int | None]]:
        """A quadratic round's eligible pilots: each backer's total there, and each cap."""
        rules = fund.current.rules
        contributions: dict[Any, dict[Any, int]] = {}
        caps: dict[Any, int | None] = {}
        for project_id in self.pledge_index.projects_in(fund.city_id):
            project = self.get_project(project_id)
            if project.status in ("draft", CANCELLED) or not fund.covers(
                city_id=project.city_id, currency=project.currency, theme=project.theme,
                area=project.area, call_id=getattr(project, "call_id", None),
            ):
                continue
            backers: dict[Any, int] = {}
            for pledge_id in self.pledge_index.pledges_of(project_id):
                pledge = self.get_pledge(pledge_id)
                if pledge.status not in (AUTHORISED, CHARGED, "payment_failed"):
                    continue
                backers[pledge.citizen_id] = backers.get(pledge.citizen_id, 0) + pledge.amount.minor
            if backers:
                contributions[project_id] = backers
                caps[project_id] = rules.project_cap(project.minimum)
        return contributions, caps

    def _round_estimate(
        self, fund: MatchingFund, project: Project, citizen_id: UUID | None, amount: int,
        zone: tzinfo,
    ) -> str:
        """What a quadratic round would give this pilot if it ended now, without and with the
        pledge being previewed (nothing is reserved for it until the round ends)."""
        rules = fund.current.rules
        contributions, caps = self._round_contributions(fund)
        caps.setdefault(project.id, rules.project_cap(project.minimum))

        def share(of: dict[Any, dict[Any, int]]) -> Money:
            shares = share_pool(
                of, pool=fund.available, cap=caps, min_contribution=rules.min_contribution
            )
            return Money(shares.get(project.id, 0), fund.currency)

        with_pledge = {p: dict(backers) for p, backers in contributions.items()}
        backers = with_pledge.setdefault(project.id, {})
        backer = citizen_id or "a new backer"
        backers[backer] = backers.get(backer, 0) + amount
        return (
            "shared among the round's pilots when it ends on "
            f"{fund.closes_at.astimezone(zone):%d %B %Y}; "
            f"were it to end now, this pilot's share would be {share(contributions).display()}, "
            f"or {share(with_pledge).display()} with this pledge"
        )
