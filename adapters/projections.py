"""Projections: turn events from the log into SQL read models, exactly once.

The position of the log a projection has reached is stored in `projection_positions` in the same
transaction as the read-model rows it wrote, so a crash can never apply an event twice or skip it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters import tables as t
from adapters.agreement_models import AgreementModels
from adapters.conversation_mail import write_update_mail
from adapters.conversation_models import ConversationModels
from adapters.department_models import DepartmentModels
from adapters.impact_models import ImpactModels
from adapters.ledger import LedgerModels
from adapters.mail import MAIL_CACHE, write_held_mail, write_mail
from adapters.many_rows import ManyRows
from adapters.offer_models import OfferModels
from adapters.picture_models import PictureModels
from adapters.portfolio_models import PortfolioModels
from adapters.procurement_models import ProcurementModels
from adapters.search import index_project
from domain.accounts.account import Account
from domain.cities.city import City
from domain.crowdfunding.pledge import AUTHORISED, CHARGED, PAYMENT_FAILED, Pledge
from domain.crowdfunding.project import Project
from domain.matching.fund import MatchingFund

Handler = Callable[[Connection, Any], None]


LIVE = (AUTHORISED, CHARGED, PAYMENT_FAILED)
BATCH_ROWS = "civicfund_batch_rows"
# Events whose read-model writes a batch holds back until something else needs them.
HELD_BACK = (Pledge.Made, Pledge.Authorised)


@dataclass
class PledgeRow:
    id: UUID
    project_id: UUID
    citizen_id: UUID
    status: str
    amount: int
    currency: str


@dataclass
class ProjectChange:
    """What a batch's pledges changed on one project, written once when the batch's pledge
    writes are flushed (the last change's time, as one UPDATE per pledge would leave it)."""

    updated_at: datetime
    pledge_count: int = 0


@dataclass
class BatchRows:
    """Rows a batch of events has read or written, kept while it runs, and the pledge writes it
    holds back (`flush_pledges`): a run of pledges costs a few statements, not a few each."""

    pledges: dict[UUID, PledgeRow] = field(default_factory=dict)
    new_pledges: dict[UUID, dict[str, Any]] = field(default_factory=dict)  # rows to insert
    live_changes: dict[tuple[UUID, UUID], int] = field(default_factory=dict)  # backer rows
    projects: dict[UUID, ProjectChange] = field(default_factory=dict)
    mail: list[tuple[str, Any, Any]] = field(default_factory=list)  # (kind, event, pledge)


def batch_rows(conn: Connection) -> BatchRows:
    """The batch's rows (outside a batch, nothing is kept: a new, empty set each time)."""
    return conn.info.get(BATCH_ROWS) or BatchRows()


_NEW_PLEDGES = ManyRows(t.pledges.insert())


def _backer_counts(insert: Any) -> Any:
    statement = insert(t.project_backers)
    return statement.on_conflict_do_update(
        index_elements=["project_id", "citizen_id"],
        set_={"live_pledges": statement.excluded.live_pledges},
    )


_BACKER_COUNTS = ManyRows(_backer_counts)


def flush_pledges(conn: Connection, rows: BatchRows) -> None:
    """Write what pledge events held back: new pledge rows (as their batch left them), their
    mail, each (project, citizen)'s count of live pledges, and each project's pledge count,
    backers and time. A citizen is a backer of a project while they have a live pledge on it, so the
    backers move by whether that count was above zero before and after."""
    if rows.new_pledges:
        _NEW_PLEDGES.run(conn, list(rows.new_pledges.values()))
        rows.new_pledges.clear()
    changes = {pair: step for pair, step in rows.live_changes.items() if step}
    rows.live_changes.clear()
    backers: dict[UUID, int] = {}
    if changes:
        b = t.project_backers.c
        before: dict[tuple[UUID, UUID], int] = {}
        pairs = list(changes)
        for start in range(0, len(pairs), 500):
            before |= {
                (row.project_id, row.citizen_id): row.live_pledges
                for row in conn.execute(
                    sa.select(b.project_id, b.citizen_id, b.live_pledges)
                    .where(sa.tuple_(b.project_id, b.citizen_id).in_(pairs[start:start + 500]))
                )
            }
        counts = []
        for (project_id, citizen_id), step in changes.items():
            live = before.get((project_id, citizen_id))
            after = (live or 0) + step
            counts.append({"project_id": project_id, "citizen_id": citizen_id,
                           "live_pledges": max(after, 0) if live is None else after})
            moved = (after > 0) - ((live or 0) > 0)
            if moved:
                backers[project_id] = backers.get(project_id, 0) + moved
        _BACKER_COUNTS.run(conn, counts)
    if rows.projects:
        p = t.projects.c
        conn.execute(
            t.projects.update().where(p.id == sa.bindparam("project"))
            .values(updated_at=sa.bindparam("when"),
                    pledge_count=p.pledge_count + sa.bindparam("pledges"),
                    backers=p.backers + sa.bindparam("backers")),
            [{"project": project_id, "when": change.updated_at,
              "pledges": change.pledge_count, "backers": backers.get(project_id, 0)}
             for project_id, change in rows.projects.items()],
        )
        rows.projects.clear()
    write_held_mail(conn, rows.mail)


class ReadModels:
    """Maintains rm_cities, rm_projects, rm_pledges and rm_project_backers (and, through
    FundModels, the matching funds' tables, and through LedgerModels the ledger, which holds
    every money figure)."""

    name = "read_models"
    tables = t.READ_MODELS

    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            City.Added: self.city_added,
            Account.Registered: self.account_role,
            Account.RoleChanged: self.account_role,
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
            Project.SuggestedAmountsSet: self.suggested_amounts_set,
            Pledge.Charged: self.pledge_charged,
            Pledge.ChargeFailed: self.pledge_charge_failed,
            Pledge.PaymentMethodChanged: self.pledge_card_changed,
            Pledge.Released: self.pledge_released,
            Pledge.Dropped: self.pledge_dropped,
            Pledge.Refunded: self.pledge_refunded,
            **FundModels().handlers,
            **DepartmentModels().handlers,
            **ProcurementModels().handlers,
            **OfferModels().handlers,
            **AgreementModels().handlers,
            **ConversationModels().handlers,
            **ImpactModels().handlers,
            **PictureModels().handlers,
        }
        self.ledger = LedgerModels()
        self.portfolio = PortfolioModels()

    def begin(self, conn: Connection) -> None:
        """A batch of events starts: rows it reads are kept for the batch (the batch is the only
        writer of the read models while it runs), and the ledger gathers its writes until
        `end`."""
        conn.info[BATCH_ROWS] = BatchRows()
        conn.info[MAIL_CACHE] = {}
        self.ledger.begin(conn)

    def end(self, conn: Connection) -> None:
        flush_pledges(conn, batch_rows(conn))
        self.ledger.end(conn)
        conn.info.pop(BATCH_ROWS, None)
        conn.info.pop(MAIL_CACHE, None)

    def abandon(self, conn: Connection) -> None:
        """The batch failed (its transaction rolls back): forget what it kept."""
        self.ledger.abandon(conn)
        conn.info.pop(BATCH_ROWS, None)
        conn.info.pop(MAIL_CACHE, None)

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        handler = self.handlers.get(type(event))
        if handler is not None:
            rows = conn.info.get(BATCH_ROWS)
            alone = rows is None
            if alone:  # outside a batch: the event's own rows, written before it returns
                rows = conn.info[BATCH_ROWS] = BatchRows()
            elif type(event) not in HELD_BACK:
                # Anything else may read or write the rows pledges hold back: write them first.
                flush_pledges(conn, rows)
            try:
                handler(conn, event)
                write_mail(conn, event, rows.pledges.get(event.originator_id), rows.mail)
                write_update_mail(conn, event)
                if alone:
                    flush_pledges(conn, rows)
            finally:
                if alone:
                    conn.info.pop(BATCH_ROWS, None)
        self.portfolio.apply(conn, event, position)
        self.ledger.apply(conn, event, position)

    # -- accounts --------------------------------------------------------------------------

    def account_role(self, conn: Connection, e: Any) -> None:
        """The accounts table's role and city follow the log (the row itself, with the person's
        details, is written when they register)."""
        conn.execute(
            t.accounts.update().where(t.accounts.c.id == e.originator_id)
            .values(role=e.role, city_id=e.city_id if e.role == "city" else None)
        )

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
                opens_at=e.opens_at, closes_at=e.closes_at, backers=0, settled=False,
                pledge_count=0, drafted_at=e.timestamp, updated_at=e.timestamp,
            )
        )
        index_project(conn, e.originator_id, e.title, e.summary, e.area, e.proposer)

    def _set_project(self, conn: Connection, project_id: Any, when: datetime, **values) -> None:
        conn.execute(
            t.projects.update().where(t.projects.c.id == project_id)
            .values(updated_at=when, **values)
        )

    def campaign_opened(self, conn: Connection, e: Project.CampaignOpened) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, status="open")

    # -- pledges ---------------------------------------------------------------------------

    def pledge_made(self, conn: Connection, e: Pledge.Made) -> None:
        row = {
            "id": e.originator_id, "project_id": e.project_id, "citizen_id": e.citizen_id,
            "amount": e.amount.minor, "currency": e.amount.currency, "status": "requested",
            "payment_method": e.payment_method, "made_at": e.timestamp,
            "updated_at": e.timestamp,
        }
        rows = self._rows(conn)
        rows.new_pledges[e.originator_id] = row
        rows.pledges[e.originator_id] = PledgeRow(
            e.originator_id, e.project_id, e.citizen_id, "requested", e.amount.minor,
            e.amount.currency,
        )

    @staticmethod
    def _rows(conn: Connection) -> BatchRows:
        """The batch's rows (`apply` sets them up for an event applied outside a batch)."""
        return conn.info[BATCH_ROWS]

    def _pledge(self, conn: Connection, pledge_id: Any) -> PledgeRow:
        kept = self._rows(conn).pledges
        if pledge_id not in kept:
            p = t.pledges.c
            row = conn.execute(
                sa.select(p.id, p.project_id, p.citizen_id, p.status, p.amount, p.currency)
                .where(p.id == pledge_id)
            ).one()
            kept[pledge_id] = PledgeRow(*row)
        return kept[pledge_id]

    def _move_pledge(self, conn: Connection, e: Any, status: str, **values) -> None:
        """Change a pledge's status and keep its project's count of live pledges and backers in
        step (authorised, charged and still-fixable failed pledges are live). The money is the
        ledger's."""
        rows = self._rows(conn)
        pledge = self._pledge(conn, e.originator_id)
        held = rows.new_pledges.get(pledge.id)
        if held is not None:  # made in this batch and not written yet: written as it ends up
            held.update(status=status, updated_at=e.timestamp, **values)
        else:
            conn.execute(
                t.pledges.update().where(t.pledges.c.id == pledge.id)
                .values(status=status, updated_at=e.timestamp, **values)
            )
        was_live, is_live = pledge.status in LIVE, status in LIVE
        pledge.status = status
        change = rows.projects.setdefault(pledge.project_id, ProjectChange(e.timestamp))
        change.updated_at = e.timestamp
        if was_live != is_live:
            step = 1 if is_live else -1
            change.pledge_count += step
            pair = (pledge.project_id, pledge.citizen_id)
            rows.live_changes[pair] = rows.live_changes.get(pair, 0) + step

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
        self._set_project(conn, e.originator_id, e.timestamp)

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

    def suggested_amounts_set(self, conn: Connection, e: Project.SuggestedAmountsSet) -> None:
        self._set_project(conn, e.originator_id, e.timestamp,
                          suggested_amounts=[amount.minor for amount in e.amounts] or None)

    def delivery_owner_assigned(self, conn: Connection, e: Project.DeliveryOwnerAssigned) -> None:
        self._set_project(conn, e.originator_id, e.timestamp, delivery_owner_id=e.account_id)


# -- matching funds ---------------------------------------------------------------------------

def match_id(fund_id: UUID, *, pledge_id: UUID | None = None, project_id: UUID | None = None
             ) -> UUID:
    """A match's row id: one per pledge (or, for a grant, per project) and fund, the same on
    every rebuild."""
    if pledge_id is not None:
        return uuid5(NAMESPACE_URL, f"civicfund:match:{fund_id}:{pledge_id}")
    return uuid5(NAMESPACE_URL, f"civicfund:grant:{fund_id}:{project_id}")


class FundModels:
    """Maintains rm_matching_funds, rm_fund_rule_versions and rm_matches (each match and grant
    with its reason and state; the money is the ledger's)."""

    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            MatchingFund.Created: self.fund_created,
            City.MatchingFundAdded: self.fund_added_to_city,
            MatchingFund.ToppedUp: self.topped_up,
            MatchingFund.ToppedUpByBenefits: self.topped_up,
            MatchingFund.RulesAmended: self.rules_amended,
            MatchingFund.Closed: self.closed,
            MatchingFund.MatchReserved: self.match_reserved,
            MatchingFund.MatchCommitted: self.match_committed,
            MatchingFund.MatchReleased: self.match_released,
            MatchingFund.GrantReserved: self.grant_reserved,
            MatchingFund.GrantCommitted: self.grant_committed,
            MatchingFund.GrantReleased: self.grant_released,
            MatchingFund.RoundShared: self.round_shared,
        }

    # -- the fund ------------------------------------------------------------------------------

    def fund_created(self, conn: Connection, e: MatchingFund.Created) -> None:
        conn.execute(t.matching_funds.insert().values(
            id=e.originator_id, city_id=e.city_id, position=None, name=e.name,
            sponsor=e.sponsor, currency=e.currency, status="open", opens_at=e.opens_at,
            closes_at=e.closes_at,
            themes=list(e.themes), areas=list(e.areas), calls=list(getattr(e, "calls", None) or []),
            kind=e.rules["kind"], rule_version=1,
            rules=e.rules, created_at=e.timestamp, updated_at=e.timestamp,
        ))
        conn.execute(t.fund_rule_versions.insert().values(
            fund_id=e.originator_id, version=1, rules=e.rules, effective_from=e.opens_at,
            amended_at=e.timestamp,
        ))

    def fund_added_to_city(self, conn: Connection, e: City.MatchingFundAdded) -> None:
        f = t.matching_funds.c
        last = conn.execute(
            sa.select(sa.func.max(f.position)).where(f.city_id == e.originator_id)
        ).scalar()
        conn.execute(
            t.matching_funds.update().where(f.id == e.fund_id).values(position=(last or 0) + 1)
        )

    def _set_fund(self, conn: Connection, fund_id: Any, when: datetime, **values) -> None:
        conn.execute(
            t.matching_funds.update().where(t.matching_funds.c.id == fund_id)
            .values(updated_at=when, **values)
        )

    def topped_up(self, conn: Connection,
                  e: MatchingFund.ToppedUp | MatchingFund.ToppedUpByBenefits) -> None:
        self._set_fund(conn, e.originator_id, e.timestamp)

    def rules_amended(self, conn: Connection, e: MatchingFund.RulesAmended) -> None:
        conn.execute(t.fund_rule_versions.insert().values(
            fund_id=e.originator_id, version=e.version, rules=e.rules,
            effective_from=e.effective_from, amended_at=e.timestamp,
        ))
        self._set_fund(conn, e.originator_id, e.timestamp, rule_version=e.version,
                       rules=e.rules, kind=e.rules["kind"])

    def closed(self, conn: Connection, e: MatchingFund.Closed) -> None:
        self._set_fund(conn, e.originator_id, e.timestamp, status="closed")

    # -- matches and grants --------------------------------------------------------------------

    def _reserve(self, conn: Connection, e: Any, *, kind: str, project_id: UUID, amount: int,
                 rule_version: int, reason: str, pledge_id: UUID | None = None,
                 backer_id: UUID | None = None) -> None:
        conn.execute(t.matches.insert().values(
            id=match_id(e.originator_id, pledge_id=pledge_id, project_id=project_id),
            fund_id=e.originator_id, pledge_id=pledge_id, project_id=project_id,
            backer_id=backer_id, amount=amount, rule_version=rule_version, reason=reason,
            state="reserved", kind=kind, recorded_at=e.timestamp,
        ))
        self._set_fund(conn, e.originator_id, e.timestamp)

    def _commit(self, conn: Connection, e: Any, match: UUID) -> None:
        conn.execute(t.matches.update().where(t.matches.c.id == match).values(state="committed"))
        self._set_fund(conn, e.originator_id, e.timestamp)

    def _release(self, conn: Connection, e: Any, match: UUID) -> None:
        conn.execute(t.matches.update().where(t.matches.c.id == match).values(state="released"))
        self._set_fund(conn, e.originator_id, e.timestamp)

    def match_reserved(self, conn: Connection, e: MatchingFund.MatchReserved) -> None:
        self._reserve(conn, e, kind="match", project_id=e.project_id, amount=e.amount,
                      rule_version=e.rule_version, reason=e.reason, pledge_id=e.pledge_id,
                      backer_id=e.backer_id)

    def match_committed(self, conn: Connection, e: MatchingFund.MatchCommitted) -> None:
        self._commit(conn, e, match_id(e.originator_id, pledge_id=e.pledge_id))

    def match_released(self, conn: Connection, e: MatchingFund.MatchReleased) -> None:
        self._release(conn, e, match_id(e.originator_id, pledge_id=e.pledge_id))

    def grant_reserved(self, conn: Connection, e: MatchingFund.GrantReserved) -> None:
        self._reserve(conn, e, kind="grant", project_id=e.project_id, amount=e.amount,
                      rule_version=e.rule_version, reason=e.reason)

    def grant_committed(self, conn: Connection, e: MatchingFund.GrantCommitted) -> None:
        self._commit(conn, e, match_id(e.originator_id, project_id=e.project_id))

    def grant_released(self, conn: Connection, e: MatchingFund.GrantReleased) -> None:
        self._release(conn, e, match_id(e.originator_id, project_id=e.project_id))

    def round_shared(self, conn: Connection, e: MatchingFund.RoundShared) -> None:
        for project, amount in e.shares.items():
            self._reserve(conn, e, kind="quadratic", project_id=UUID(project), amount=amount,
                          rule_version=e.rule_version, reason=e.reasons.get(project, ""))
