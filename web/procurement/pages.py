"""Procurement pages: the public call list and call page (with the evaluation report once
awarded), the proposer's workspace, the evaluator's scoring page and the officer's call console.
Every form posts with its CSRF token and works without JavaScript; a refusal says why and
records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from adapters.procurement_queries import CallView, ProposalView
from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from domain.procurement.call import STACK, InvalidCall
from domain.procurement.cost_benefit import CostBenefitAnalysis, analyse
from web.errors import status_for
from web.extensions import login_manager
from web.procurement import form_input
from web.procurement.call_json import analysis_of, bcr_of, is_evaluator, may_read
from web.procurement.cba_form import (
    ACTION,
    BENEFIT_COUNT,
    COST_COUNT,
    YEAR_COUNT,
    cba_form_values,
    cba_from_form,
    cba_posted_values,
    wants_more_years,
)
from web.procurement.cba_schemas import cost_benefit_from_json
from web.services import command, platform

bp = Blueprint("calls", __name__)

T = TypeVar("T")
NO_CALL = "There is no call at this address."
# Auditors read what administrators read (web/audit/read_only.py refuses their changes).
SEES_EVERY_CITY = ("admin", "auditor")


def _user():
    return current_user if current_user.is_authenticated else None


def _manages(call: CallView) -> bool:
    user = _user()
    return user is not None and (user.role in SEES_EVERY_CITY or
                                 (user.role == "city" and user.city_id == call.city_id))


def _call(call_id: UUID) -> CallView:
    call = platform().read.call(call_id)
    if call is None or (call.status == "draft" and not _manages(call)):
        abort(404, description=NO_CALL)
    return call


def _timezone(call: CallView) -> str:
    city = platform().read.city(call.city_id)
    return city.timezone if city else "UTC"


def _now():
    return platform().clock.now()


def _run(use_case: Callable[[], T]) -> tuple[T | None, str | None, int]:
    """Run a command; a refusal comes back as its message and HTTP status."""
    try:
        return command(use_case), None, 200
    except DomainError as problem:
        return None, problem.message, status_for(problem)


def _report(call: CallView) -> list[Any]:
    """The evaluation report: each proposal's title, means and reason, no evaluator names."""
    if call.status not in ("awarded", "closed"):
        return []
    read = platform().read
    return read.ranking(call, 1, bcr_of=bcr_of) if len(call.phases) == 1 else [
        row for phase in range(1, call.phase + 1)
        for row in read.ranking(call, phase, bcr_of=bcr_of)
    ]


# -- public ------------------------------------------------------------------------------------

@bp.get("/calls")
def index():
    read = platform().read
    chosen = request.args.get("city", "").strip()
    city = read.city_named(chosen) if chosen else None
    user = _user()
    officer_city = user.city_id if user is not None and user.role == "city" else None
    calls = read.calls(city_id=city.id if city else None, officer_city=officer_city) if (
        city or not chosen) else []
    return render_template("calls/index.html", calls=calls, cities=read.cities(),
                           chosen=chosen, now=_now())


@bp.get("/calls/<uuid:call_id>")
def call_page(call_id: UUID):
    call = _call(call_id)
    read = platform().read
    user = _user()
    mine = ([p for p in read.proposals_of_call(call_id) if p.proposer_id == user.account_id]
            if user is not None and user.role == "proposer" else [])
    awards = read.awards(call_id)
    report = _report(call)
    return render_template(
        "calls/call.html", call=call, now=_now(), timezone=_timezone(call),
        shares=call.phase_shares(), awards=awards, report=report, mine=mine,
        manages=_manages(call), evaluates=is_evaluator(user, call),
        linked_pilots=_pilots_to_link(report, _manages(call)),
    )


def _pilots_to_link(report: list[Any], manages: bool) -> set[UUID]:
    """The awarded pilots this reader can open: a pilot still in draft is only the city's."""
    read = platform().read
    ids = {row.project_id for row in report if getattr(row, "project_id", None)}
    if manages:
        return ids
    return {pilot for pilot in ids
            if (project := read.project(pilot)) is not None and project.status != "draft"}


# -- the proposer's workspace ------------------------------------------------------------------

def _proposers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != "proposer":
        abort(403, description="Proposals are written from a proposer's account.")
    return None


@bp.get("/proposals")
def workspace():
    refused = _proposers_only()
    if refused is not None:
        return refused
    read = platform().read
    proposals = read.proposals_of(current_user.account_id)
    calls = {p.call_id: read.call(p.call_id) for p in proposals}
    open_calls = [c for c in read.calls() if c.takes_proposals(_now())]
    return render_template("calls/workspace.html", proposals=proposals, calls=calls,
                           open_calls=open_calls)


def _proposal_input(call: CallView) -> dict[str, Any]:
    form = request.form
    timezone = _timezone(call)
    stack = {name: form_input.whole(form.get(f"stack_{name}", ""), name) for name in STACK}
    return {
        "title": form.get("title", ""), "summary": form.get("summary", ""),
        "area": form.get("area", ""), "theme": form.get("theme", ""),
        "organisation": form.get("organisation", "") or None,
        "budget_lines": form_input.budget_lines(form.get("budget_lines", ""), call.currency),
        "milestones": form_input.milestones(form.get("milestones", ""), timezone),
        "capital_stack": stack if any(stack.values()) else {},
        "cba": _cba_input(call),
    }


_CBA_HIDDEN = (YEAR_COUNT, COST_COUNT, BENEFIT_COUNT, ACTION)


def _cba_input(call: CallView) -> CostBenefitAnalysis | None:
    """The cost-benefit table as typed: None when left blank; InvalidCostBenefitForm (its
    `errors` per input) when it cannot be read."""
    form = request.form
    typed = [value for name, value in form.items()
             if name.startswith("cba_") and name not in _CBA_HIDDEN and value.strip()]
    if not typed:
        return None
    return cost_benefit_from_json(cba_from_form(form, call.currency), call.currency)


def _cba_values(proposal: ProposalView | None, *, more_years: bool = False) -> dict[str, str]:
    if request.method == "POST":
        return cba_posted_values(request.form, more_years=more_years)
    return cba_form_values(analysis_of(proposal.content) if proposal else None)


def _shown(content: dict[str, Any]) -> dict[str, Any]:
    """The analysis and its results, for the cost-benefit partial."""
    analysis = analysis_of(content)
    return {"analysis": analysis, "results": analyse(analysis) if analysis else None}


def _typed(proposal: ProposalView | None) -> dict[str, Any]:
    if request.method == "POST":
        return request.form.to_dict()
    if proposal is None:
        return {}
    c = proposal.content
    return {
        "title": c["title"], "summary": c["summary"], "area": c["area"], "theme": c["theme"],
        "organisation": c["organisation"],
        "budget_lines": "\n".join(
            f"{b['label']} | {b['amount']} | {'required' if b['required'] else 'optional'}"
            for b in c["budget_lines"]),
        "milestones": "\n".join(f"{m['due'][:10]} | {m['title']}" for m in c["milestones"]),
        **{f"stack_{k}": v for k, v in (c.get("capital_stack") or {}).items()},
    }


@bp.route("/calls/<uuid:call_id>/propose", methods=["GET", "POST"])
def propose(call_id: UUID):
    refused = _proposers_only()
    if refused is not None:
        return refused
    call = _call(call_id)
    problem, status, errors = None, 200, {}
    more_years = request.method == "POST" and wants_more_years(request.form)
    if request.method == "POST" and not more_years:
        try:
            data = _proposal_input(call)
        except DomainError as error:
            problem, status = error.message, 422
            errors = getattr(error, "errors", {})
        else:
            proposal_id, problem, status = _run(
                lambda: platform().app.draft_proposal(call_id, data))
            if proposal_id is not None:
                flash("Your proposal is saved as a draft. Submit it before the window closes.",
                      "success")
                return redirect(url_for("calls.proposal_page", proposal_id=proposal_id),
                                code=303)
    return render_template("calls/proposal_form.html", call=call, proposal=None,
                           typed=_typed(None), problem=problem, stack=STACK,
                           cba_values=_cba_values(None, more_years=more_years),
                           cba_errors=errors), status


def _readable(proposal_id: UUID) -> tuple[ProposalView, CallView]:
    read = platform().read
    proposal = read.proposal(proposal_id)
    call = read.call(proposal.call_id) if proposal else None
    if proposal is None or call is None:
        abort(404, description="There is no proposal at this address.")
    if not may_read(_user(), proposal, call):
        if _user() is not None and current_user.role == "proposer":
            abort(403, description="This is another proposer's proposal.")
        abort(404, description="There is no proposal at this address.")
    return proposal, call


@bp.route("/proposals/<uuid:proposal_id>", methods=["GET", "POST"])
def proposal_page(proposal_id: UUID):
    proposal, call = _readable(proposal_id)
    user = _user()
    own = user is not None and user.role == "proposer" and proposal.proposer_id == user.account_id
    problem, status, errors = None, 200, {}
    more_years = request.method == "POST" and wants_more_years(request.form)
    if request.method == "POST" and not own:
        abort(403, description="Only the proposer who wrote it can change a proposal.")
    if request.method == "POST" and not more_years:
        try:
            data = _proposal_input(call)
        except DomainError as error:
            problem, status = error.message, 422
            errors = getattr(error, "errors", {})
        else:
            _, problem, status = _run(lambda: platform().app.edit_proposal(proposal_id, data))
            if problem is None:
                flash("Your changes are saved. Submit again to make them the version the "
                      "evaluators read.", "success")
                return redirect(url_for("calls.proposal_page", proposal_id=proposal_id),
                                code=303)
    editable = own and proposal.status in ("draft", "submitted") and call.takes_proposals(
        _now())
    return render_template(
        "calls/proposal.html", call=call, proposal=proposal, own=own, editable=editable,
        typed=_typed(proposal), problem=problem, stack=STACK,
        content=proposal.shown_to(own), **_shown(proposal.shown_to(own)),
        cba_values=_cba_values(proposal, more_years=more_years), cba_errors=errors,
        timezone=_timezone(call),
    ), status


@bp.post("/proposals/<uuid:proposal_id>/submit")
def submit(proposal_id: UUID):
    refused = _proposers_only()
    if refused is not None:
        return refused
    _readable(proposal_id)
    version, problem, _ = _run(lambda: platform().app.submit_proposal(proposal_id))
    if problem:
        flash(f"Not submitted: {problem}", "error")
    else:
        flash(f"Submitted: version {version} is the one the evaluators will read.", "success")
    return redirect(url_for("calls.proposal_page", proposal_id=proposal_id), code=303)


@bp.post("/proposals/<uuid:proposal_id>/withdraw")
def withdraw(proposal_id: UUID):
    refused = _proposers_only()
    if refused is not None:
        return refused
    _readable(proposal_id)
    _, problem, _ = _run(lambda: platform().app.withdraw_proposal(proposal_id))
    flash(f"Not withdrawn: {problem}" if problem else "Your proposal is withdrawn.",
          "error" if problem else "success")
    return redirect(url_for("calls.proposal_page", proposal_id=proposal_id), code=303)


# -- the evaluator's scoring page --------------------------------------------------------------

def _signed_in():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.get("/evaluate")
def evaluations():
    refused = _signed_in()
    if refused is not None:
        return refused
    read = platform().read
    calls = read.calls_evaluated_by(current_user.account_id)
    rows = []
    for call in calls:
        proposals = read.in_phase(call, call.phase) if call.status_at(_now()) in (
            "evaluating", "awarded") else []
        scores = read.scores([p.id for p in proposals], call.phase)
        rows.append((call, [(p, str(current_user.account_id) in scores[p.id],
                             str(current_user.account_id) in p.conflicts) for p in proposals]))
    return render_template("calls/evaluations.html", rows=rows, now=_now())


@bp.route("/evaluate/<uuid:proposal_id>", methods=["GET", "POST"])
def score(proposal_id: UUID):
    refused = _signed_in()
    if refused is not None:
        return refused
    read = platform().read
    proposal = read.proposal(proposal_id)
    call = read.call(proposal.call_id) if proposal else None
    if proposal is None or call is None or not is_evaluator(_user(), call):
        abort(404, description="There is no proposal for you to score at this address.")
    problem, status = None, 200
    if request.method == "POST":
        conflict = request.form.get("conflict") == "yes"
        sheet = [{"criterion": c["name"],
                  "score": _score_number(request.form.get(f"score-{n}", "")),
                  "justification": request.form.get(f"justification-{n}", "")}
                 for n, c in enumerate(call.criteria)]
        _, problem, status = _run(lambda: platform().app.score_proposal(
            proposal_id, conflict_of_interest=conflict, scores=sheet))
        if problem is None:
            flash("Conflict declared: you will not score this proposal." if conflict else
                  "Your scores are recorded. They stay sealed until every evaluator has "
                  "scored.", "success")
            return redirect(url_for("calls.evaluations"), code=303)
    mine = read.score_sheet(proposal_id, call.phase, current_user.account_id)
    return render_template(
        "calls/score.html", call=call, proposal=proposal, mine=mine, problem=problem,
        typed=request.form if request.method == "POST" else {},
        conflicted=str(current_user.account_id) in proposal.conflicts,
        content=proposal.shown_to(False), **_shown(proposal.shown_to(False)),
    ), status


def _score_number(text: str) -> Any:
    text = text.strip()
    return int(text) if text.isdigit() else text or None


# -- the officer's call console ----------------------------------------------------------------

def _officers():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in ("city", *SEES_EVERY_CITY):
        abort(403, description="The call console is for city officers.")
    return None


def _managed(call_id: UUID) -> CallView:
    call = _call(call_id)
    if not _manages(call):
        abort(403, description="This call belongs to another city: only its officers manage "
                               "it.")
    return call


@bp.get("/console/calls")
def console_home():
    refused = _officers()
    if refused is not None:
        return refused
    read = platform().read
    city_id = current_user.city_id if current_user.role == "city" else None
    calls = read.calls(city_id=city_id, public_only=False) if city_id or (
        current_user.role in SEES_EVERY_CITY) else []
    return render_template("calls/console_home.html", calls=calls, now=_now())


@bp.route("/console/calls/new", methods=["GET", "POST"])
def console_new():
    refused = _officers()
    if refused is not None:
        return refused
    read = platform().read
    city = read.city(current_user.city_id) if current_user.city_id else None
    if city is None:
        abort(403, description="Your account is not tied to a city.")
    problem, status = None, 200
    if request.method == "POST":
        form = request.form
        try:
            tz = city.timezone
            data = dict(
                city_id=city.id, title=form.get("title", ""),
                challenge=form.get("challenge", ""), route=form.get("route", ""),
                budget=Money.parse(form.get("budget", ""), city.currency),
                capital_stack={n: form_input.whole(form.get(f"stack_{n}", ""), n)
                               for n in STACK},
                opens_at=_now(), closes_at=form_input.day_end(
                    form.get("closes_on", ""), tz, "closes_at", InvalidCall),
                areas=form_input.names(form.get("areas", "")),
                themes=form_input.names(form.get("themes", "")),
                criteria=form_input.criteria(form.get("criteria", "")),
                phases=form_input.phases(form.get("phases", "")),
            )
        except DomainError as error:
            problem, status = error.message, 422
        else:
            call_id, problem, status = _run(lambda: platform().app.draft_call(**data))
            if call_id is not None:
                flash("The call is saved as a draft. Appoint evaluators and open it when "
                      "ready.", "success")
                return redirect(url_for("calls.console_call", call_id=call_id), code=303)
    return render_template("calls/console_new.html", city=city, typed=request.form,
                           problem=problem, stack=STACK), status


@bp.get("/console/calls/<uuid:call_id>")
def console_call(call_id: UUID):
    refused = _officers()
    if refused is not None:
        return refused
    return _console_page(_managed(call_id))


def _console_page(call: CallView, problem: str | None = None, status: int = 200):
    read = platform().read
    now = _now()
    evaluating = call.status_at(now) in ("evaluating", "awarded")
    sealed = read.is_sealed(call) if evaluating else True
    accounts = platform().accounts
    evaluators = []
    for account_id in call.evaluators:
        record = accounts.get(UUID(account_id))
        evaluators.append(record.name if record is not None else "a former member")
    proposals = read.in_phase(call, call.phase)
    awards = read.awards(call.id)
    awarded = [Money(sum(a.amount.minor for a in awards if a.phase == n), call.currency)
               for n in range(1, len(call.phases) + 1)]
    return render_template(
        "calls/console_call.html", call=call, now=now, status_now=call.status_at(now),
        evaluators=evaluators, sealed=sealed, progress=read.progress(call),
        proposals={p.id: p for p in proposals},
        ranking=[] if sealed or not evaluating else read.ranking(call, bcr_of=bcr_of),
        awards=awards, awarded=awarded, shares=call.phase_shares(), problem=problem,
        all_proposals=read.proposals_of_call(call.id),
    ), status


def _console_action(call_id: UUID, use_case: Callable[[], Any], done: str):
    refused = _officers()
    if refused is not None:
        return refused
    call = _managed(call_id)
    _, problem, status = _run(use_case)
    if problem is not None:
        return _console_page(platform().read.call(call.id), problem, status)
    flash(done, "success")
    return redirect(url_for("calls.console_call", call_id=call_id), code=303)


@bp.post("/console/calls/<uuid:call_id>/open")
def console_open(call_id: UUID):
    return _console_action(call_id, lambda: platform().app.open_call(call_id),
                           "The call is open for proposals.")


@bp.post("/console/calls/<uuid:call_id>/close")
def console_close(call_id: UUID):
    return _console_action(call_id, lambda: platform().app.close_call(call_id),
                           "Done: the call moved to its next stage.")


@bp.post("/console/calls/<uuid:call_id>/cancel")
def console_cancel(call_id: UUID):
    reason = request.form.get("reason", "")
    return _console_action(call_id, lambda: platform().app.cancel_call(call_id, reason),
                           "The call is cancelled.")


@bp.post("/console/calls/<uuid:call_id>/evaluators")
def console_evaluator(call_id: UUID):
    refused = _officers()
    if refused is not None:
        return refused
    call = _managed(call_id)
    account = platform().accounts.by_email(request.form.get("email", "").strip())
    if account is None:
        return _console_page(call, "There is no account with that email.", 422)
    return _console_action(call_id, lambda: platform().app.appoint_evaluator(call_id,
                                                                             account.id),
                           "The evaluator is appointed.")


@bp.post("/console/calls/<uuid:call_id>/awards")
def console_award(call_id: UUID):
    refused = _officers()
    if refused is not None:
        return refused
    call = _managed(call_id)
    try:
        proposal_id = UUID(request.form.get("proposal_id", ""))
        amount = Money.parse(request.form.get("amount", ""), call.currency)
    except ValueError:
        return _console_page(call, "Choose a proposal to award.", 422)
    except DomainError as error:
        return _console_page(call, error.message, 422)
    reason = request.form.get("reason", "")
    return _console_action(call_id, lambda: platform().app.award(
        call_id, proposal_id, amount=amount, reason=reason),
        f"Awarded {amount.display()}: the proposal is now a draft pilot.")


@bp.post("/console/calls/<uuid:call_id>/advance")
def console_advance(call_id: UUID):
    refused = _officers()
    if refused is not None:
        return refused
    call = _managed(call_id)
    try:
        kept = [UUID(v) for v in request.form.getlist("proposal_ids")]
    except ValueError:
        return _console_page(call, "Choose the proposals to keep.", 422)
    return _console_action(call_id, lambda: platform().app.advance_phase(
        call_id, call.phase, kept), "The kept proposals go on to the next phase.")
