"""The pledge index port (domain/crowdfunding/settlement.py `PledgeIndex`) answered from the
read models, caught up with the log first so that none is missing."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.follower import ProjectionFollower


class ReadModelPledgeIndex:
    """A project's pledges from rm_pledges, caught up with the log first so none is missing."""

    def __init__(self, engine: sa.Engine, projections: ProjectionFollower | None = None):
        self.engine = engine
        self.projections = projections

    def pledges_of(self, project_id: UUID) -> list[UUID]:
        if self.projections is not None:
            self.projections.catch_up()
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(t.pledges.c.id).where(t.pledges.c.project_id == project_id)
                .order_by(t.pledges.c.made_at, t.pledges.c.id)
            ).scalars())

    def projects_in(self, city_id: UUID) -> list[UUID]:
        if self.projections is not None:
            self.projections.catch_up()
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(t.projects.c.id).where(t.projects.c.city_id == city_id)
                .order_by(t.projects.c.drafted_at, t.projects.c.id)
            ).scalars())

    def pledges_by(self, citizen_id: UUID) -> list[UUID]:
        if self.projections is not None:
            self.projections.catch_up()
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(t.pledges.c.id).where(t.pledges.c.citizen_id == citizen_id)
                .order_by(t.pledges.c.made_at, t.pledges.c.id)
            ).scalars())

    def cities(self) -> list[UUID]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(t.cities.c.id).order_by(t.cities.c.name)).scalars())
