"""Projections: turn events from the log into SQL read models, exactly once.

The position of the log a projection has reached is stored in `projection_positions` in the same
transaction as the read-model rows it wrote, so a crash can never apply an event twice or skip it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters import tables as t
from adapters.mail import write_mail
from domain.city import City
from domain.pledge import AUTHORISED, CHARGED, PAYMENT_FAILED, Pledge
from domain.project import Project

Handler = Callable[[Connection, Any], None]


def _bucket(status: str) -> str | None:
    if status in (AUTHORISED, CHARGED):
        return "raised"
    if status == PAYMENT_FAILED:
        return "pending"
    return None


class ReadModels:
    """Maintains rm_cities, rm_projects, rm_pledges and rm_project_backers."""

    name = "read_models"
    tables = t.READ_MODELS

    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            City.Added: self.city_added,
            Project.Drafted: self.project_drafted,
            Project.CampaignOpened: self.campaign_opened,
            Pledge.Made: self.pledge_made,
            Pledge.Authorised: self.pledge_authorised,
            Pledge.Cancelled: self.pledge_cancelled,
            Project.CampaignClosed: self.campaign_closed,
            Project.SettlementCompleted: self.settlement_completed,
            Project.PayoutRecorded: self.payout_recorded,
            Project.Cancelled: self.project_cancelled,
            Project.DeliveryStarted: self.delivery_started,
            Project.Completed: self.project_completed,
            Project.MilestonePlanned: self.milestone_planned,
            Project.MilestoneCompleted: self.milestone_completed,
            Project.UpdatePosted: self.update_posted,
            Project.DeliveryOwnerAssigned: self.delivery_owner_assigned,
            Pledge.Charged: self.pledge_charged,
            Pledge.ChargeFailed: self.pledge_charge_failed,
            Pledge.PaymentMethodChanged: self.pledge_card_changed,
            Pledge.Released: self.pledge_released,
            Pledge.Dropped: self.pledge_dropped,
            Pledge.Refunded: self.pledge_refunded,
        }

    def apply(self, conn: Connection, event: Any) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(conn, event)
            write_mail(conn, event)

    # -- cities ----------------------------------------------------------------------------

    def city_added(self, conn: Connection, e: City.Added) -> None:
        conn.execute(
            t.cities.insert().values(
                id=e.originator_id, name=e.name, country=e.country, currency=e.currency,
                timezone=e.timezone, added_at=e.timestamp,
            )
        )

    # -- projects --------------------------------------------------------------------------

    def project_drafted(self, conn: Connection, e: Project.Drafted) -> None:
        city_name = conn.execute(
            sa.select(t.cities.c.name).where(t.cities.c.id == e.city_id)
        ).scalar_one()
        lines = [
            {"label": line.label, "amount": line.amount.minor, "required": line.required}
            for line in e.budget_lines
        ]
        conn.execute(
            t.projects.insert().values(
                id=e.originator_id, city_id=e.city_id, city_name=city_name, area=e.area,
                theme=e.theme, title=e.title, summary=e.summary, proposer=e.proposer,
                currency=e.currency,
                minimum=sum(line["amount"] for line in lines if line["required"]),
                optimum=sum(line["amount"] for line in lines),
                budget_lines=lines, funding_model=e.funding_model, status="draft",
                opens_at=e.opens_at, closes_at=e.closes_at, raised=0, backers=0, pending=0,
                settled=False,
                pledge_count=0, drafted_at=e.timestamp, updated_at=e.timestamp,
            )
        )

    def _set_project(self, conn: Connection, project_id: Any, when: datetime, **values) -> None:
        conn.execute(
            t.projects.update().where(t.projects.c.id == project_id)
            .values(updated_at=when, **values)
        )

    def campaign_opened(self, conn: Connection, e: Project.CampaignOpened) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, status="open")

    # -- pledges ---------------------------------------------------------------------------

    def pledge_made(self, conn: Connection, e: Pledge.Made) -> None:
        conn.execute(
            t.pledges.insert().values(
                id=e.originator_id, project_id=e.project_id, citizen_id=e.citizen_id,
                amount=e.amount.minor, currency=e.amount.currency, status="requested",
                payment_method=e.payment_method, made_at=e.timestamp, updated_at=e.timestamp,
            )
        )

    def _pledge(self, conn: Connection, pledge_id: Any) -> Any:
        return conn.execute(sa.select(t.pledges).where(t.pledges.c.id == pledge_id)).one()

    def _move_pledge(self, conn: Connection, e: Any, status: str, **values) -> None:
        """Change a pledge's status and keep its project's totals and backers in step: authorised
        and charged pledges count as raised, failed payments (still fixable) as pending."""
        pledge = self._pledge(conn, e.originator_id)
        conn.execute(
            t.pledges.update().where(t.pledges.c.id == pledge.id)
            .values(status=status, updated_at=e.timestamp, **values)
        )
        before, after = _bucket(pledge.status), _bucket(status)
        if before == after:
            return
        change: dict[str, Any] = {"updated_at": e.timestamp}
        for bucket, step in ((before, -1), (after, 1)):
            if bucket is not None:
                column = t.projects.c[bucket]
                change[bucket] = change.get(bucket, column) + step * pledge.amount
        was_live, is_live = before is not None, after is not None
        if was_live != is_live:
            step = 1 if is_live else -1
            change["pledge_count"] = t.projects.c.pledge_count + step
            change["backers"] = t.projects.c.backers + self._count_backer(
                conn, pledge.project_id, pledge.citizen_id, step
            )
        conn.execute(
            t.projects.update().where(t.projects.c.id == pledge.project_id).values(**change)
        )

    def _count_backer(self, conn: Connection, project_id: Any, citizen_id: Any, step: int) -> int:
        """Returns +1 when a citizen becomes a backer, -1 when they stop being one, else 0."""
        key = (t.project_backers.c.project_id == project_id) & (
            t.project_backers.c.citizen_id == citizen_id
        )
        live = conn.execute(sa.select(t.project_backers.c.live_pledges).where(key)).scalar()
        if live is None:
            conn.execute(
                t.project_backers.insert().values(
                    project_id=project_id, citizen_id=citizen_id, live_pledges=max(step, 0)
                )
            )
            live = 0
        else:
            conn.execute(t.project_backers.update().where(key).values(live_pledges=live + step))
        after = live + step
        if live == 0 and after > 0:
            return 1
        if live > 0 and after == 0:
            return -1
        return 0

    def pledge_authorised(self, conn: Connection, e: Pledge.Authorised) -> None:
        self._move_pledge(conn, e, "authorised", payment_reference=e.payment_reference)

    def pledge_cancelled(self, conn: Connection, e: Pledge.Cancelled) -> None:
        self._move_pledge(conn, e, "cancelled")

    def pledge_charged(self, conn: Connection, e: Pledge.Charged) -> None:
        self._move_pledge(conn, e, "charged", fix_by=None, failure=None)

    def pledge_charge_failed(self, conn: Connection, e: Pledge.ChargeFailed) -> None:
        self._move_pledge(conn, e, "payment_failed", fix_by=e.fix_by, failure=e.message)

    def pledge_card_changed(self, conn: Connection, e: Pledge.PaymentMethodChanged) -> None:
        conn.execute(
            t.pledges.update().where(t.pledges.c.id == e.originator_id).values(
                payment_method=e.payment_method, payment_reference=e.reference,
                updated_at=e.timestamp,
            )
        )

    def pledge_released(self, conn: Connection, e: Pledge.Released) -> None:
        self._move_pledge(conn, e, "released", fix_by=None)

    def pledge_dropped(self, conn: Connection, e: Pledge.Dropped) -> None:
        self._move_pledge(conn, e, "dropped", fix_by=None)

    def pledge_refunded(self, conn: Connection, e: Pledge.Refunded) -> None:
        self._move_pledge(conn, e, "refunded")

    # -- campaign outcome and delivery -----------------------------------------------------

    def campaign_closed(self, conn: Connection, e: Project.CampaignClosed) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, status=e.outcome)

    def settlement_completed(self, conn: Connection, e: Project.SettlementCompleted) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, settled=True)

    def payout_recorded(self, conn: Connection, e: Project.PayoutRecorded) -> None:
        self._set_project(
            conn, e.originator_id, e.timestamp,
            payout=sa.func.coalesce(t.projects.c.payout, 0) + e.amount.minor,
        )

    def project_cancelled(self, conn: Connection, e: Project.Cancelled) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, status="cancelled", settled=False)

    def delivery_started(self, conn: Connection, e: Project.DeliveryStarted) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, status="delivering")

    def project_completed(self, conn: Connection, e: Project.Completed) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, status="completed")

    def milestone_planned(self, conn: Connection, e: Project.MilestonePlanned) -> None:
        number = conn.execute(
            sa.select(sa.func.count()).select_from(t.milestones)
            .where(t.milestones.c.project_id == e.originator_id)
        ).scalar_one() + 1
        conn.execute(t.milestones.insert().values(
            project_id=e.originator_id, number=number, title=e.title, due=e.due,
        ))

    def milestone_completed(self, conn: Connection, e: Project.MilestoneCompleted) -> None:
        conn.execute(
            t.milestones.update()
            .where(t.milestones.c.project_id == e.originator_id)
            .where(t.milestones.c.number == e.number)
            .values(completed_at=e.at)
        )

    def update_posted(self, conn: Connection, e: Project.UpdatePosted) -> None:
        conn.execute(t.updates.insert().values(
            project_id=e.originator_id, title=e.title, body=e.body, posted_at=e.timestamp,
        ))

    def delivery_owner_assigned(self, conn: Connection, e: Project.DeliveryOwnerAssigned) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, delivery_owner_id=e.account_id)
