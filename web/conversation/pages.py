"""The conversation's forms on a pilot's page: ask or comment, answer (its proposer or city),
report, hide (the city's officers), follow; one-click unsubscribe from mail; a person's update
mail and backer-wall settings. A refused form comes back as the pilot's page with the message
next to the field and what was typed kept; nothing is recorded."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from domain.conversation.following import DIGESTS
from domain.kernel.context import Actor
from domain.kernel.errors import DomainError, NotFound
from web.conversation.unsubscribe import read_token
from web.crowdfunding.console_forms import ActionForm
from web.crowdfunding.public import project_page, visible_project
from web.errors import status_for
from web.extensions import csrf
from web.i18n.messages import localised
from web.services import command, platform

bp = Blueprint("conversation", __name__)

BAD_FORM = "The form was incomplete or too old: reload the page and try again."


def _back(project_id: UUID, anchor: str = "conversation"):
    return redirect(url_for("public.project", project_id=project_id) + f"#{anchor}", code=303)


def _refused(project_id: UUID, problem: DomainError | None, *, status: int | None = None,
             form: str, message: str | None = None, **typed):
    text = message or (localised(problem) if problem else BAD_FORM)
    return project_page(project_id, status or (status_for(problem) if problem else 400),
                        errors={form: text}, **typed)


def _run(project_id: UUID, use_case, *, form: str, **typed):
    """(result, None) or (None, the pilot's page with the refusal)."""
    if not ActionForm().validate():
        return None, _refused(project_id, None, form=form, **typed)
    try:
        return command(use_case), None
    except NotFound:
        raise
    except DomainError as problem:
        return None, _refused(project_id, problem, form=form, **typed)


@bp.post("/projects/<uuid:project_id>/comments")
@login_required
def post_comment(project_id: UUID):
    visible_project(project_id)
    text = request.form.get("text", "")
    kind = request.form.get("kind", "question")
    _, refused = _run(project_id, lambda: platform().app.post_comment(
        project_id, kind=kind, text=text), form="comment", text=text, kind=kind)
    if refused:
        return refused
    flash("Thank you: your question is posted." if kind == "question"
          else "Thank you: your comment is posted.", "success")
    return _back(project_id)


def _comment_on_a_visible_pilot(comment_id: UUID):
    comment = platform().read.comment(comment_id)
    if comment is None:
        abort(404, description="There is no such question or comment.")
    visible_project(comment.project_id)
    return comment


@bp.post("/comments/<uuid:comment_id>/answers")
@login_required
def answer(comment_id: UUID):
    comment = _comment_on_a_visible_pilot(comment_id)
    text = request.form.get("text", "")
    _, refused = _run(comment.project_id, lambda: platform().app.answer_comment(
        comment_id, text=text), form=f"answer-{comment_id}", answer_text=text,
        answering=str(comment_id))
    if refused:
        return refused
    flash("Your answer is posted.", "success")
    return _back(comment.project_id, f"comment-{comment_id}")


@bp.post("/comments/<uuid:comment_id>/report")
@login_required
def report(comment_id: UUID):
    comment = _comment_on_a_visible_pilot(comment_id)
    new, refused = _run(comment.project_id, lambda: platform().app.report_comment(comment_id),
                        form=f"report-{comment_id}")
    if refused:
        return refused
    flash("Thank you: the city's officers will look at it." if new
          else "You have already reported this; the city's officers will look at it.", "success")
    return _back(comment.project_id, f"comment-{comment_id}")


@bp.post("/comments/<uuid:comment_id>/hide")
@login_required
def hide(comment_id: UUID):
    comment = _comment_on_a_visible_pilot(comment_id)
    reason = request.form.get("reason", "")
    _, refused = _run(comment.project_id, lambda: platform().app.hide_comment(
        comment_id, reason=reason), form=f"hide-{comment_id}", reason=reason,
        hiding=str(comment_id))
    if refused:
        return refused
    flash("Hidden. Its author still sees it, with your reason.", "success")
    return _back(comment.project_id, f"comment-{comment_id}")


@bp.post("/projects/<uuid:project_id>/follow")
@login_required
def follow(project_id: UUID):
    visible_project(project_id)
    wanted = request.form.get("following", "yes") != "no"
    _, refused = _run(project_id, lambda: platform().app.follow_project(project_id, wanted),
                      form="follow")
    if refused:
        return refused
    flash("You follow this pilot: its delivery updates come by mail." if wanted
          else "You no longer get this pilot's updates by mail.", "success")
    return _back(project_id, "follow")


# -- one-click unsubscribe ----------------------------------------------------------------------

def _unsubscribe_page(token: str, status: int = 200, **extra):
    named = read_token(token)
    if named is None:
        return render_template("conversation/unsubscribe.html", invalid=True), 404
    account_id, project_id = named
    project = platform().read.project(project_id)
    if project is None or platform().accounts.get(account_id) is None:
        return render_template("conversation/unsubscribe.html", invalid=True), 404
    return render_template("conversation/unsubscribe.html", invalid=False, project=project,
                           token=token, **extra), status


@bp.get("/unsubscribe/<token>")
def unsubscribe_form(token: str):
    return _unsubscribe_page(token)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    """The link is the proof: no sign-in, and no CSRF token (RFC 8058 one-click posts none)."""
    named = read_token(token)
    if named is None:
        return _unsubscribe_page(token)
    account_id, project_id = named
    record = platform().accounts.get(account_id)
    if record is None or record.erased_at is not None:
        return _unsubscribe_page(token)
    command(lambda: platform().app.unsubscribe(project_id, account_id),
            actor=Actor(account_id=str(account_id), role=record.role))
    return _unsubscribe_page(token, done=True)


# -- settings ---------------------------------------------------------------------------------

@bp.route("/account/conversation", methods=["GET", "POST"])
@login_required
def settings():
    read = platform().read
    if request.method == "GET":
        return render_template("conversation/settings.html", digests=DIGESTS,
                               chosen=read.conversation_preferences_of(current_user.account_id),
                               display_name=platform().profiles.display_name_of(
                                   current_user.account_id))
    digest = request.form.get("digest", "")
    shown = request.form.get("on_backer_wall") == "yes"
    problem = None
    if not ActionForm().validate():
        problem = BAD_FORM
    else:
        try:
            command(lambda: platform().app.set_conversation_preferences(
                digest=digest, on_backer_wall=shown))
        except DomainError as refused:
            problem = localised(refused)
    if problem:
        chosen = read.conversation_preferences_of(current_user.account_id)
        return render_template("conversation/settings.html", digests=DIGESTS, chosen=chosen,
                               problem=problem), 422 if problem != BAD_FORM else 400
    flash("Your settings are saved.", "success")
    return redirect(url_for("conversation.settings"), code=303)
