"""A citizen pledges to a pilot, sees the pledge, and cancels it while the campaign is open."""

from __future__ import annotations

import logging
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import InputRequired, ValidationError

from adapters.idempotency import Answer, Claim, KeyInUse, KeyReused, fingerprint
from adapters.queries import PledgeView, ProjectView
from domain.crowdfunding.pledge import can_cancel as pledge_can_be_cancelled
from domain.crowdfunding.pledge import can_fix, pledge_id_for_request, pledge_limit
from domain.kernel.errors import CampaignNotOpen, DomainError, NotFound, Unavailable
from domain.kernel.money import Money
from domain.kernel.text import has_control_characters
from domain.matching.use_cases import PreviewedMatch
from web.crowdfunding.public import visible_project
from web.crowdfunding.stripe_element import collects_cards_with_stripe, is_payment_method_id
from web.errors import json_error, status_for
from web.filters import local_datetime, money, when_charged
from web.i18n.messages import localised
from web.matching.funds import funds_applying_to
from web.matching.preview_json import preview_json
from web.services import command, platform

log = logging.getLogger(__name__)
bp = Blueprint("pledges", __name__)

DEFAULT_CARD = "pm_card_visa"


class PledgeForm(FlaskForm):
    amount = StringField(
        _l("Amount"), validators=[InputRequired(_l("Enter the amount you pledge"))]
    )
    # One per rendering of the form: sending it twice (a double click, a retry after a lost
    # answer) records one pledge.
    idempotency_key = HiddenField()
    # Radio buttons of the sandbox's test cards; a plain field so the check below owns the message.
    payment_method = StringField(
        _l("Payment method"),
        default=DEFAULT_CARD,
        validators=[InputRequired(_l("Choose a payment method"))],
    )
    # The person's backer-wall setting (web/conversation), offered where they back a pilot.
    on_backer_wall = BooleanField(_l("Show my display name on this pilot's backer wall"))

    def validate_payment_method(self, field) -> None:
        if collects_cards_with_stripe():
            if not is_payment_method_id(field.data):
                raise ValidationError(_l("Enter your card details in the card form"))
            return
        if field.data not in dict(platform().test_cards):
            raise ValidationError(_l("Choose one of the sandbox test cards listed"))


class CardForm(FlaskForm):
    """Another card for a pledge whose charge failed."""

    payment_method = StringField(
        _l("Card to charge"),
        default=DEFAULT_CARD,
        validators=[InputRequired(_l("Choose a card"))],
    )

    def validate_payment_method(self, field) -> None:
        if collects_cards_with_stripe():
            if not is_payment_method_id(field.data):
                raise ValidationError(_l("Enter your new card's details in the card form"))
            return
        if field.data not in dict(platform().test_cards):
            raise ValidationError(_l("Choose one of the sandbox test cards listed"))


def _test_cards() -> list[tuple[str, str]]:
    """The sandbox's test cards, named in the reader's language."""
    return [(card, gettext(name)) for card, name in platform().test_cards]


def _citizens_only(what: str, project: ProjectView | None = None):
    return render_template("pledges/citizens_only.html", what=what, project=project), 403


def _add_error(field, message: str) -> None:
    field.errors = [*field.errors, message]


@dataclass(frozen=True)
class MatchPreview:
    """What the funds would add to the amount in the form, fund by fund."""

    pledge: Money
    matches: list[PreviewedMatch]

    @property
    def added(self) -> Money:
        return sum((m.amount for m in self.matches), Money.zero(self.pledge.currency))

    @property
    def total(self) -> Money:
        return self.pledge + self.added


def _pledge_form_page(
    project: ProjectView, form: PledgeForm, status: int, message=None,
    preview: MatchPreview | None = None,
):
    form.idempotency_key.data = new_form_key()
    return render_template(
        "pledges/new.html",
        project=project,
        form=form,
        limit=pledge_limit(project.currency),
        cards=_test_cards(),
        stripe_publishable_key=platform().settings.stripe_publishable_key,
        form_error=message,
        funds=funds_applying_to(project),
        preview=preview,
    ), status


def _preview_page(project: ProjectView, form: PledgeForm):
    """The form again, with what each fund would add to the amount typed; records nothing."""
    text = (form.amount.data or "").strip()
    if not text:
        _add_error(form.amount, gettext("Enter the amount you pledge to see what the funds add"))
        return _pledge_form_page(project, form, 422)
    try:
        amount = Money.parse(text, project.currency)
        matches = platform().app.match_preview(
            project.id, amount, citizen_id=current_user.account_id
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        _add_error(form.amount, localised(error))
        return _pledge_form_page(project, form, status_for(error))
    return _pledge_form_page(project, form, 200, preview=MatchPreview(amount, matches))


@bp.get("/projects/<uuid:project_id>/pledge/preview")
@login_required
def live_preview(project_id: UUID):
    """The form's live preview as the amount is typed: the API's answer, for the signed-in
    citizen (one match per backer and thresholds depend on who pledges). Records nothing."""
    project = visible_project(project_id)
    if not current_user.has_role("citizen"):
        return json_error(403, "forbidden", "Only citizens pledge")
    try:
        amount = Money.parse(request.args.get("amount", ""), project.currency)
        matches = platform().app.match_preview(
            project.id, amount, citizen_id=current_user.account_id
        )
    except DomainError as error:
        return json_error(status_for(error), error.code, error.message)
    return jsonify(preview_json(amount, matches))


@bp.route("/projects/<uuid:project_id>/pledge", methods=["GET", "POST"])
@login_required
def pledge(project_id: UUID):
    project = visible_project(project_id)
    if not current_user.has_role("citizen"):
        return _citizens_only(gettext("pledge to a pilot"), project)
    if not current_user.email_verified:
        return render_template("pledges/confirm_first.html", project=project), 403
    form = PledgeForm()
    now = platform().clock.now()
    if not project.is_taking_pledges(now):
        reason = (
            gettext("Pledges open on %(when)s.",
                    when=local_datetime(project.opens_at, project.timezone))
            if project.status == "open" and now < project.opens_at
            else gettext("This pilot's campaign is not taking pledges.")
        )
        return _pledge_form_page(project, form, 409, reason)
    if request.method == "GET":
        form.on_backer_wall.data = platform().read.conversation_preferences_of(
            current_user.account_id).on_backer_wall
        # A suggested amount's link (?amount=25.00) fills the field; it is checked when sent.
        chosen = request.args.get("amount", "").strip()
        if chosen and len(chosen) <= 20 and not has_control_characters(chosen):
            form.amount.data = chosen
        return _pledge_form_page(project, form, 200)
    if request.form.get("action") == "preview":
        return _preview_page(project, form)
    if not form.validate():
        return _pledge_form_page(project, form, 422)
    amount_text, method = form.amount.data, form.payment_method.data
    key = (form.idempotency_key.data or "").strip()
    claim: Claim | None = None
    if key:
        try:
            outcome = platform().idempotency.claim(
                current_user.account_id, key, "pledge form",
                fingerprint(str(project.id), amount_text.strip(), method),
            )
        except KeyInUse:
            return _pledge_form_page(project, form, 409, gettext(
                "This pledge is being recorded right now. Look at your pledges in a moment "
                "before you pledge again."
            ))
        except KeyReused:
            form.idempotency_key.data = new_form_key()
            return _pledge_form_page(project, form, 409, gettext(
                "This form was already sent with other details. Check the amount and card, "
                "then pledge again."
            ))
        if isinstance(outcome, Answer):
            flash(gettext("That pledge was already recorded; here it is."), "info")
            return redirect(outcome.location or url_for("pledges.mine"), 303)
        claim = outcome
    try:
        amount = Money.parse(amount_text, project.currency)
        made = command(
            lambda: platform().app.record_pledge(
                project_id=project.id,
                citizen_id=current_user.account_id,
                amount=amount,
                payment_method=method,
                pledge_id=(pledge_id_for_request(current_user.account_id, claim.key)
                           if claim else None),
                execution=claim.execution if claim else 0,
            ),
            catch_up=False,  # the next page waits for this position (read-your-writes)
        )
    except CampaignNotOpen as error:
        _let_go(claim)
        return _pledge_form_page(project, form, 409, localised(error))
    except NotFound:
        _let_go(claim)
        abort(404)
    except DomainError as error:
        _let_go(claim)
        if isinstance(error, Unavailable):
            raise
        field = form.payment_method if error.field == "payment_method" else form.amount
        _add_error(field, localised(error))
        return _pledge_form_page(project, form, status_for(error))
    except Exception:
        _let_go(claim)
        raise
    pledge_id = made.id
    if claim is not None:
        with suppress(Exception):
            platform().idempotency.keep(
                current_user.account_id, claim.key, status=303, body="",
                location=url_for("pledges.detail", pledge_id=pledge_id),
            )
    _keep_backer_wall_choice(bool(form.on_backer_wall.data))
    # Answered from the log: the pledge's page, next, waits for the read models to have it.
    matched = Money.zero(project.currency)
    with suppress(Exception):
        matched = platform().app.matched_to(made)
    added = (" " + gettext("The matching funds add %(amount)s to it.", amount=money(matched))
             if matched.is_positive() else "")
    flash(
        gettext("Thank you! You pledged %(amount)s to %(title)s.", amount=money(amount),
                title=project.title) + f"{added} {when_charged(project.funding_model)}",
        "success",
    )
    return redirect(url_for("pledges.detail", pledge_id=pledge_id), 303)


def _keep_backer_wall_choice(shown: bool) -> None:
    """The tick is the person's backer-wall setting; the pledge stands whatever happens here."""
    chosen = platform().app.conversation_preferences(current_user.account_id)
    if (chosen.on_backer_wall if chosen else False) == shown:
        return
    try:
        command(lambda: platform().app.set_conversation_preferences(on_backer_wall=shown),
                catch_up=False)
    except Exception:
        log.warning("backer-wall choice not recorded with a pledge", exc_info=True)


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def _let_go(claim: Claim | None) -> None:
    """A refused (or failed) pledge's key may be sent again: the form is shown again as it was."""
    if claim is not None:
        with suppress(Exception):
            platform().idempotency.let_go(current_user.account_id, claim.key)


def _own_pledge(pledge_id: UUID) -> PledgeView:
    """The signed-in citizen's pledge (any, to an auditor); anyone else's, or none, is a 404."""
    found = platform().read.pledge(pledge_id)
    auditing = current_user.has_role("auditor")
    if found is None or (found.citizen_id != current_user.account_id and not auditing):
        abort(404, description="There is no pledge of yours at this address.")
    return found


def can_cancel(pledge: PledgeView) -> bool:
    # A pledge exists only once its campaign opened: open and before the close is enough.
    taking = pledge.project_status == "open" and platform().clock.now() < pledge.closes_at
    return pledge_can_be_cancelled(pledge.status, campaign_taking_pledges=taking)


def can_fix_card(pledge: PledgeView) -> bool:
    return can_fix(pledge.status, pledge.fix_by, platform().clock.now())


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    body: str
    created_at: datetime


def _messages(pledge_id: UUID) -> list[Message]:
    """What the outbox holds for this pledge, newest first (times made UTC-aware: SQLite
    gives them back naive)."""
    outbox = platform().outbox
    rows = outbox.messages(pledge_id=pledge_id) if outbox is not None else []
    return [
        Message(row.kind, row.subject, row.body, _aware(row.created_at)) for row in rows
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _detail_page(
    pledge: PledgeView, *, form: CardForm | None = None, status: int = 200,
    problem: str | None = None,
):
    return render_template(
        "pledges/detail.html",
        pledge=pledge,
        project=platform().read.project(pledge.project_id),
        card_names=dict(_test_cards()),
        cards=_test_cards(),
        cancellable=can_cancel(pledge),
        fixable=can_fix_card(pledge),
        card_form=form or CardForm(formdata=None),
        stripe_publishable_key=platform().settings.stripe_publishable_key,
        messages=_messages(pledge.id),
        problem=problem,
        log_positions=platform().log_positions(pledge.id),
    ), status


@bp.get("/pledges/<uuid:pledge_id>")
@login_required
def detail(pledge_id: UUID):
    return _detail_page(_own_pledge(pledge_id))


@bp.get("/pledges/<uuid:pledge_id>/receipt.json")
@login_required
def receipt(pledge_id: UUID):
    """The pledge's entries in the transparency log with their inclusion proofs, a signed
    checkpoint and its key: tools/verify_receipt.py checks it without trusting civicfund."""
    pledge = _own_pledge(pledge_id)
    response = jsonify(platform().receipt(pledge.id))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="civicfund-receipt-{pledge.id}.json"')
    return response


@bp.post("/pledges/<uuid:pledge_id>/card")
@login_required
def change_card(pledge_id: UUID):
    pledge = _own_pledge(pledge_id)
    form = CardForm()
    if not can_fix_card(pledge):
        return _detail_page(pledge, status=409, problem=(
            gettext("This pledge's card can no longer be changed: its payment is not waiting "
                    "for a new card.") if pledge.status != "payment_failed"
            else gettext("This pledge's card can no longer be changed: the time to fix it has "
                         "passed.")
        ))
    if not form.validate():
        return _detail_page(pledge, form=form, status=422)
    try:
        charged = command(lambda: platform().app.change_pledge_card(
            pledge_id, citizen_id=current_user.account_id,
            payment_method=form.payment_method.data,
        ))
    except NotFound:
        abort(404)
    except DomainError as error:
        fresh = platform().read.pledge(pledge_id) or pledge
        if error.field == "payment_method":
            _add_error(form.payment_method, localised(error))
            return _detail_page(fresh, form=form, status=status_for(error))
        return _detail_page(fresh, status=status_for(error), problem=localised(error))
    fresh = platform().read.pledge(pledge_id) or pledge
    if charged:
        flash(gettext("Thank you: your new card was charged %(amount)s for %(title)s.",
                      amount=money(pledge.amount), title=pledge.project_title), "success")
    else:
        reason = (fresh.failure or gettext("the charge did not go through")).rstrip(".")
        deadline = (" " + gettext("Try another card before %(when)s.",
                                  when=local_datetime(fresh.fix_by, fresh.timezone))
                    if fresh.fix_by else "")
        flash(gettext("Your card is still failing: %(reason)s.", reason=reason) + deadline,
              "error")
    return redirect(url_for("pledges.detail", pledge_id=pledge_id), 303)


def _my_pledges_page(status: int = 200, error: str | None = None):
    pledges = platform().read.pledges_of(current_user.account_id)
    return render_template(
        "pledges/mine.html",
        pledges=pledges,
        cancellable={p.id for p in pledges if can_cancel(p)},
        fixable={p.id for p in pledges if can_fix_card(p)},
        error=error,
        statement_years=platform().read.pledge_statement_years(current_user.account_id, pledges),
    ), status


def has_own_pledges() -> bool:
    """Whether the signed-in person has pledges to see: every citizen (an empty list says how to
    start), and anyone who pledged as a citizen before their role changed."""
    if not current_user.is_authenticated:
        return False
    return current_user.has_role("citizen") or platform().read.has_pledges(
        current_user.account_id
    )


@bp.app_context_processor
def _my_pledges_link() -> dict:
    return {"has_own_pledges": has_own_pledges}


@bp.get("/me/pledges")
@login_required
def mine():
    # A role change keeps a person's pledges theirs: they still see and cancel them here.
    if not has_own_pledges():
        return _citizens_only(gettext("have pledges"))
    return _my_pledges_page()


# The confirmation page's form sends this; a POST without it (a stray click, an old form)
# cancels nothing and shows the confirmation instead.
CONFIRMED = "yes"


@bp.route("/pledges/<uuid:pledge_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(pledge_id: UUID):
    """GET asks "Cancel your pledge of ...?"; its form POSTs the cancel, confirmed."""
    pledge = _own_pledge(pledge_id)
    if request.method == "GET" or request.form.get("confirm") != CONFIRMED:
        return render_template(
            "pledges/cancel.html", pledge=pledge, cancellable=can_cancel(pledge),
            unconfirmed=request.method == "POST",
        ), 200 if request.method == "GET" else 400
    try:
        command(
            lambda: platform().app.cancel_pledge(pledge_id, citizen_id=current_user.account_id)
        )
    except NotFound:
        abort(404)
    except DomainError as error:
        return _my_pledges_page(status_for(error), gettext(
            "Your pledge was not cancelled: %(reason)s", reason=localised(error)))
    flash(
        gettext("Your pledge of %(amount)s to %(title)s is cancelled. You will not be charged.",
                amount=money(pledge.amount), title=pledge.project_title),
        "success",
    )
    return redirect(url_for("pledges.mine"), 303)
