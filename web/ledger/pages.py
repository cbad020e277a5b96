"""Explain this number: each money figure on the project, fund and offer pages links to the
ledger postings that make it up, in log order with a running sum and each event's position.

For everyone, like the figures themselves: these are the public owners' accounts (a project's,
a fund's, an offer's), and their postings name accounts and events, never a person."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, jsonify, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup

from adapters.ledger_explain import FIGURES, LABELS, explain
from adapters.transparency_receipts import covering_checkpoint, event_bundle
from web.audit.read_only import is_auditor
from web.crowdfunding.public import may_see_draft
from web.services import platform

bp = Blueprint("explain", __name__, url_prefix="/explain")

NOTHING = "There is no such figure to explain."


def _owner(owner: str, owner_id: UUID) -> tuple[str, str, str]:
    """The owner's title, currency and page, or a 404 for unknown ids and others' drafts."""
    read = platform().read
    if owner == "project":
        project = read.project(owner_id)
        if project is None or (project.status == "draft" and not (
                may_see_draft(project) or is_auditor())):
            abort(404, description=NOTHING)
        return project.title, project.currency, url_for("public.project", project_id=owner_id)
    if owner == "fund":
        fund = read.matching_fund(owner_id)
        if fund is None:
            abort(404, description=NOTHING)
        return fund.name, fund.currency, url_for("funds.fund", raw_id=owner_id)
    offer = read.offer(owner_id)
    if offer is None or (offer.project_status == "draft" and not is_auditor()):
        abort(404, description=NOTHING)
    return (f"Offer on {offer.project_title}", offer.currency,
            url_for("invest.offer", offer_id=owner_id))


@bp.get("/<any(project, fund, offer):owner>/<uuid:owner_id>/<figure>")
def figure(owner: str, owner_id: UUID, figure: str):
    if figure not in FIGURES[owner]:
        abort(404, description=NOTHING)
    title, currency, back = _owner(owner, owner_id)
    p = platform()
    lines = explain(p.engine, owner, owner_id, figure, currency)
    checkpoint, leaves = covering_checkpoint(p.transparency, p.checkpoints,
                                             [line.position for line in lines])
    return render_template(
        "ledger/explain.html", title=title, back=back, figure=figure, label=LABELS[figure],
        lines=lines, parts=FIGURES[owner][figure], owner=owner, owner_id=owner_id,
        currency=currency, tree_size=checkpoint.tree_size, sealed=leaves,
        receipts=may_download_receipts(),
    )


def may_download_receipts() -> bool:
    """An event's entry names the accounts that acted (ids, never names): like the event
    browser, for auditors and administrators."""
    return is_auditor() or bool(current_user and current_user.is_authenticated
                                and current_user.has_role("admin"))


@bp.get("/receipts/<int:position>.json")
def receipt(position: int):
    """One line's receipt bundle: its event's entry, the entry's inclusion proof, the signed
    checkpoint it verifies against and the key (tools/verify_receipt.py checks it offline)."""
    if not may_download_receipts():
        abort(403, description="Receipts of single events are for auditors and administrators.")
    p = platform()
    bundle = event_bundle(p.transparency, p.checkpoints, position)
    if bundle is None:
        abort(404, description=f"The log has no event at position {position}.")
    response = jsonify(bundle)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="civicfund-receipt-position-{position}.json"')
    return response


@bp.app_template_global()
def explained(owner: str, owner_id: UUID, figure: str) -> Markup:
    """A small link from a figure to the postings behind it."""
    href = url_for("explain.figure", owner=owner, owner_id=owner_id, figure=figure)
    return Markup('<a class="explain-link small" href="{0}" title="{1}">{2}'
                  '<span class="visually-hidden"> ({3})</span></a>'
                  ).format(href, gettext("The ledger postings behind this figure"),
                           gettext("how it adds up"), gettext(LABELS[figure]))
