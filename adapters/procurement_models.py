"""Read models of procurement: calls, proposals, their scores and the awards, and the mail that
tells each proposer the outcome (keyed by the event, so a rebuild never writes it twice)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from adapters import tables as t
from domain.crowdfunding.project import Project
from domain.kernel.money import Money
from domain.procurement.call import Call
from domain.procurement.proposal import Proposal

OUTCOME = "proposal_outcome"


def content_json(content: dict[str, Any]) -> dict[str, Any]:
    """A proposal's content as the read model keeps it: amounts as decimal strings."""
    return {
        "title": content["title"], "summary": content["summary"], "area": content["area"],
        "theme": content["theme"], "organisation": content["organisation"],
        "budget_lines": [{"label": line.label, "amount": line.amount.to_decimal_string(),
                          "required": line.required} for line in content["budget_lines"]],
        "milestones": [{"title": m["title"], "due": m["due"].isoformat()}
                       for m in content["milestones"]],
        "capital_stack": dict(content["capital_stack"]),
        "cba": content["cba"],
    }


class ProcurementModels:
    def __init__(self) -> None:
        self.handlers = {
            Call.Drafted: self.call_drafted,
            Call.Opened: self.call_status("open"),
            Call.EvaluationStarted: self.call_status("evaluating"),
            Call.Closed: self.call_status("closed"),
            Call.Cancelled: self.call_status("cancelled"),
            Call.EvaluationClosed: self.evaluation_closed,
            Call.EvaluatorAppointed: self.evaluator_appointed,
            Call.Awarded: self.call_awarded,
            Call.PhaseAdvanced: self.phase_advanced,
            Proposal.Drafted: self.proposal_drafted,
            Proposal.Edited: self.proposal_edited,
            Proposal.Submitted: self.proposal_submitted,
            Proposal.Withdrawn: self.proposal_withdrawn,
            Proposal.ConflictDeclared: self.conflict_declared,
            Proposal.Scored: self.scored,
            Proposal.Awarded: self.proposal_awarded,
            Proposal.Rejected: self.proposal_rejected,
            Project.LinkedToCall: self.project_linked,
            Project.CostBenefitAttached: self.cost_benefit_attached,
        }

    # -- calls -----------------------------------------------------------------------------

    def call_drafted(self, conn: Connection, e: Any) -> None:
        conn.execute(t.calls.insert().values(
            id=e.originator_id, city_id=e.city_id, title=e.title, challenge=e.challenge,
            route=e.route, status="draft", currency=e.budget.currency, budget=e.budget.minor,
            capital_stack=dict(e.capital_stack), opens_at=e.opens_at, closes_at=e.closes_at,
            areas=list(e.areas), themes=list(e.themes), criteria=list(e.criteria),
            phases=list(e.phases), phase=1, evaluators=[], evaluation_closed=[], advanced={},
            created_at=e.timestamp, updated_at=e.timestamp,
        ))

    def _call(self, conn: Connection, call_id: Any) -> Any:
        return conn.execute(sa.select(t.calls).where(t.calls.c.id == call_id)).one()

    def _set_call(self, conn: Connection, call_id: Any, when: datetime, **values: Any) -> None:
        conn.execute(t.calls.update().where(t.calls.c.id == call_id)
                     .values(updated_at=when, **values))

    def call_status(self, status: str):
        def handler(conn: Connection, e: Any) -> None:
            self._set_call(conn, e.originator_id, e.timestamp, status=status)
        return handler

    def evaluation_closed(self, conn: Connection, e: Any) -> None:
        row = self._call(conn, e.originator_id)
        self._set_call(conn, e.originator_id, e.timestamp,
                       evaluation_closed=sorted({*row.evaluation_closed, e.phase}))

    def evaluator_appointed(self, conn: Connection, e: Any) -> None:
        row = self._call(conn, e.originator_id)
        self._set_call(conn, e.originator_id, e.timestamp,
                       evaluators=[*row.evaluators, str(e.account_id)])

    def call_awarded(self, conn: Connection, e: Any) -> None:
        conn.execute(t.call_awards.insert().values(
            call_id=e.originator_id, phase=e.phase, proposal_id=e.proposal_id,
            amount=e.amount.minor, reason=e.reason, project_id=e.project_id,
            awarded_at=e.timestamp,
        ))
        self._set_call(conn, e.originator_id, e.timestamp, status="awarded")

    def phase_advanced(self, conn: Connection, e: Any) -> None:
        row = self._call(conn, e.originator_id)
        advanced = {**row.advanced, str(e.phase): [str(p) for p in e.proposal_ids]}
        self._set_call(conn, e.originator_id, e.timestamp, phase=e.phase + 1,
                       advanced=advanced)

    # -- the pilots awards made ------------------------------------------------------------

    def project_linked(self, conn: Connection, e: Any) -> None:
        conn.execute(t.project_cost_benefits.insert().values(
            project_id=e.originator_id, call_id=e.call_id, cba=None))

    def cost_benefit_attached(self, conn: Connection, e: Any) -> None:
        conn.execute(t.project_cost_benefits.update()
                     .where(t.project_cost_benefits.c.project_id == e.originator_id)
                     .values(cba=dict(e.cba)))

    # -- proposals -------------------------------------------------------------------------

    def proposal_drafted(self, conn: Connection, e: Any) -> None:
        conn.execute(t.proposals.insert().values(
            id=e.originator_id, call_id=e.call_id, proposer_id=e.proposer_id,
            title=e.content["title"], status="draft", content=content_json(e.content),
            submitted_content=None, versions=[], version=0, submitted_at=None, conflicts=[],
            reason="", project_id=None,
            created_at=e.timestamp, updated_at=e.timestamp,
        ))

    def _set_proposal(self, conn: Connection, proposal_id: Any, when: datetime,
                      **values: Any) -> None:
        conn.execute(t.proposals.update().where(t.proposals.c.id == proposal_id)
                     .values(updated_at=when, **values))

    def proposal_edited(self, conn: Connection, e: Any) -> None:
        submitted = conn.execute(sa.select(t.proposals.c.submitted_content)
                                 .where(t.proposals.c.id == e.originator_id)).scalar()
        title = {"title": e.content["title"]} if submitted is None else {}
        self._set_proposal(conn, e.originator_id, e.timestamp, content=content_json(e.content),
                           **title)

    def proposal_submitted(self, conn: Connection, e: Any) -> None:
        row = conn.execute(sa.select(t.proposals.c.content, t.proposals.c.versions)
                           .where(t.proposals.c.id == e.originator_id)).one()
        self._set_proposal(
            conn, e.originator_id, e.timestamp, status="submitted", version=e.version,
            submitted_at=e.at, submitted_content=row.content, title=row.content["title"],
            versions=[*row.versions, {"version": e.version, "submitted_at": e.at.isoformat()}])

    def proposal_withdrawn(self, conn: Connection, e: Any) -> None:
        self._set_proposal(conn, e.originator_id, e.timestamp, status="withdrawn")

    def conflict_declared(self, conn: Connection, e: Any) -> None:
        row = conn.execute(sa.select(t.proposals.c.conflicts)
                           .where(t.proposals.c.id == e.originator_id)).one()
        self._set_proposal(conn, e.originator_id, e.timestamp,
                           conflicts=[*row.conflicts, str(e.evaluator_id)])
        s = t.proposal_scores.c
        conn.execute(t.proposal_scores.delete().where(
            s.proposal_id == e.originator_id, s.evaluator_id == e.evaluator_id))

    def scored(self, conn: Connection, e: Any) -> None:
        s = t.proposal_scores.c
        conn.execute(t.proposal_scores.delete().where(
            s.proposal_id == e.originator_id, s.phase == e.phase,
            s.evaluator_id == e.evaluator_id))
        for criterion, (score, justification) in e.sheet.items():
            conn.execute(t.proposal_scores.insert().values(
                proposal_id=e.originator_id, phase=e.phase, evaluator_id=e.evaluator_id,
                criterion=criterion, score=score, justification=justification,
            ))
        self._set_proposal(conn, e.originator_id, e.timestamp)

    def proposal_awarded(self, conn: Connection, e: Any) -> None:
        self._set_proposal(conn, e.originator_id, e.timestamp, status="awarded",
                           reason=e.reason, project_id=e.project_id)
        self._tell(conn, e, awarded=Money(e.amount.minor, e.amount.currency))

    def proposal_rejected(self, conn: Connection, e: Any) -> None:
        self._set_proposal(conn, e.originator_id, e.timestamp, status="rejected",
                           reason=e.reason)
        self._tell(conn, e)

    def _tell(self, conn: Connection, e: Any, awarded: Money | None = None) -> None:
        """The proposer hears the outcome in their outbox (their address is looked up when
        the mail is sent)."""
        row = conn.execute(
            sa.select(t.proposals.c.proposer_id, t.proposals.c.title, t.calls.c.title.label("call"))
            .join(t.calls, t.calls.c.id == t.proposals.c.call_id)
            .where(t.proposals.c.id == e.originator_id)
        ).one()
        if awarded is not None:
            subject = f"Awarded: {row.title}"
            body = (f"Your proposal {row.title} to the call {row.call} was awarded "
                    f"{awarded.display()}. Reason: {e.reason}\n\nIt is now a draft pilot; the "
                    "city will be in touch to plan its campaign.")
        else:
            subject = f"Not awarded: {row.title}"
            body = (f"Your proposal {row.title} to the call {row.call} was not taken "
                    f"forward. {e.reason}.")
        erased = conn.execute(sa.select(t.accounts.c.erased_at)
                              .where(t.accounts.c.id == row.proposer_id)).scalar() is not None
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(insert(t.mail_outbox).values(
            event_key=f"{e.originator_id}:{e.originator_version}", account_id=row.proposer_id,
            pledge_id=None, kind=OUTCOME, subject=("(erased)" if erased else subject)[:200],
            body="" if erased else body, created_at=e.timestamp,
            sent_at=e.timestamp if erased else None,
        ).on_conflict_do_nothing(index_elements=["event_key"]))
