"""What crowdfunding asks of the areas that add money to a campaign beside the crowd's pledges:
matching funds (domain/matching/use_cases.py) and departments' commitments
(domain/procurement/co_funding.py) implement it."""

from __future__ import annotations

from uuid import UUID

from domain.core import CivicfundCore
from domain.crowdfunding.pledge import Pledge
from domain.crowdfunding.project import Project
from domain.kernel.money import Money


class FundingPartners(CivicfundCore):
    def _save_pledge_with_matches(
        self, pledge: Pledge, project: Project, city_funds: list[UUID], *,
        unchanged: dict[UUID, int],
    ) -> None:
        """Save a newly authorised pledge with what each eligible fund adds to it, at once.
        Raises ConcurrentChange if a fund, the project or the city changed meanwhile."""
        raise NotImplementedError

    def _follow_pledge(
        self, pledge: Pledge, *, commit: bool = False, release: str = "",
        project: Project | None = None,
    ) -> None:
        """Save a pledge's change with its matches following it: committed when it was charged,
        released (with the reason) when it will not be paid."""
        raise NotImplementedError

    def _settle_grants(self, project: Project) -> None:
        """A decided project's grants follow its outcome."""
        raise NotImplementedError

    def matched_on(self, project: Project) -> Money:
        """What the partners hold for the project now (reserved and committed)."""
        raise NotImplementedError

    def committed_on(self, project: Project, *, pledge_id: UUID | None = None) -> Money:
        """What the partners committed to the project (or to one of its pledges)."""
        raise NotImplementedError

    # -- departments' commitments (the procurement area implements these) ----------------------

    def co_funded_on(self, project: Project) -> Money:
        """What the city's departments hold for the project (committed and drawn): counted by
        the funding decision beside the crowd and the matches."""
        raise NotImplementedError

    def drawn_on(self, project: Project) -> Money:
        """What the departments' commitments paid to the project (drawn): part of its payout."""
        raise NotImplementedError

    def _settle_commitments(self, project: Project) -> None:
        """A decided (or cancelled) project's commitments follow its outcome."""
        raise NotImplementedError

    # -- investment offers' commitments (the investment area implements these) ------------------

    def invested_on(self, project: Project) -> Money:
        """What investors committed to the project's offers that reached their minimum:
        counted by the funding decision (paid in later, so not part of the payout)."""
        raise NotImplementedError

    def _settle_investments(self, project: Project) -> None:
        """A decided (or cancelled) project's investment commitments follow its outcome."""
        raise NotImplementedError
