"""Delivering a funded pilot: its owner, milestones and updates."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.core import CivicfundCore
from domain.crowdfunding.project import Project
from domain.kernel.context import current_actor
from domain.kernel.errors import (
    InvalidProject,
    NotFound,
    NotPermitted,
)


class Delivering(CivicfundCore):
    """Delivering a funded pilot: milestones, updates, its delivery owner."""

    # -- delivery --------------------------------------------------------------------------

    def _manage(self, project_id: UUID) -> Project:
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        return project

    def _deliver(self, project_id: UUID) -> Project:
        """A project whose delivery the actor runs: an officer of its city, an admin, or the
        proposer account the city made its delivery owner."""
        project = self.get_project(project_id)
        actor = current_actor()
        if actor.role != "proposer":
            self._require_officer_of(project.city_id)
            return project
        if project.delivery_owner_id is None or actor.account_id != str(
            project.delivery_owner_id
        ):
            raise NotPermitted("Only this project's delivery owner or its city's officers can "
                               "do this")
        if self.get_account(project.delivery_owner_id).role != "proposer":
            raise NotPermitted("This account no longer holds the proposer role")
        return project

    def assign_delivery_owner(self, project_id: UUID, account_id: UUID) -> None:
        """An officer makes a proposer's account the owner of the project's delivery."""
        project = self._manage(project_id)
        try:
            account = self.get_account(account_id)
        except NotFound:
            raise InvalidProject("There is no account with that id", field="account") from None
        if account.role != "proposer":
            raise InvalidProject("Only a proposer's account can own a project's delivery",
                                 field="account")
        project.assign_delivery_owner(account.id)
        self.save(project)

    def start_delivery(self, project_id: UUID) -> None:
        project = self._manage(project_id)
        project.start_delivery()
        self.save(project)

    def plan_milestone(self, project_id: UUID, *, title: str, due: datetime) -> None:
        project = self._deliver(project_id)
        project.plan_milestone(title=title, due=due, now=self.clock.now())
        self.save(project)

    def complete_milestone(self, project_id: UUID, number: int) -> None:
        project = self._deliver(project_id)
        project.complete_milestone(number, now=self.clock.now())
        self.save(project)

    def post_update(self, project_id: UUID, *, title: str, body: str) -> None:
        project = self._deliver(project_id)
        project.post_update(title=title, body=body)
        self.save(project)

    def complete_project(self, project_id: UUID) -> None:
        project = self._manage(project_id)
        project.complete()
        self.save(project)

