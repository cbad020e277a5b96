"""Picture files served to browsers, and the upload and remove forms: a pilot's pictures in the
city console and on the delivery owner's pages, a fund's sponsor logo in the fund console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import Blueprint, Flask, Response, abort, flash, redirect, request, url_for

from adapters.picture_store import valid_key
from domain.kernel.errors import DomainError, NotFound
from domain.pictures.pictures import FUND, LOGO, MAX_BYTES, PROJECT, PictureTooLarge
from web.crowdfunding.console_forms import ActionForm
from web.crowdfunding.delivery_routes import PilotPages
from web.errors import error_page, json_error, status_for, wants_json
from web.pictures.uploading import TOO_LARGE, add_picture, remove_picture
from web.services import platform

bp = Blueprint("pictures", __name__)

# A year: a key names its content (its hash), so a file under it never changes.
IMMUTABLE = "public, max-age=31536000, immutable"
# The upload itself plus room for the form's other fields.
UPLOAD_LIMIT = MAX_BYTES + 64 * 1024
UPLOADS = {"api.add_picture"} | {f"{blueprint}.add_picture"
                                 for blueprint in ("console", "delivery")} | {
    "fund_console.add_logo"}
KIND_WORDS = {"cover": "cover picture", "gallery": "gallery picture", "logo": "logo"}


@bp.get("/pictures/<key>")
def file(key: str):
    data = platform().pictures.get(key) if valid_key(key) and platform().pictures else None
    if data is None:
        abort(404, description="There is no picture at this address.")
    response = Response(data, mimetype="image/webp")
    response.headers["Cache-Control"] = IMMUTABLE
    response.set_etag(key.partition(".")[0])
    return response.make_conditional(request)


def _upload() -> tuple[bytes, str, str]:
    sent = request.files.get("picture")
    data = sent.read(MAX_BYTES + 1) if sent else b""
    return data, request.form.get("kind", ""), request.form.get("alt", "")


def _refusal_status(problem: DomainError) -> int:
    return 413 if isinstance(problem, PictureTooLarge) else status_for(problem)


def add_picture_routes(bp: Blueprint, pages: PilotPages) -> None:
    """Add a picture to a pilot, remove one: the same forms wherever they are served."""

    @bp.post("/projects/<uuid:project_id>/pictures", endpoint="add_picture")
    def add(project_id: UUID):
        project = pages.pilot(project_id)
        if not ActionForm().validate():
            return pages.page(project, status=400, problem="The form was incomplete: try again.")
        data, kind, alt = _upload()
        try:
            add_picture(PROJECT, project_id, kind=kind, data=data, alt=alt)
        except NotFound:
            raise
        except DomainError as problem:
            return pages.page(project, status=_refusal_status(problem),
                              problem=f"The picture was not added: {problem.message}")
        flash(f"The {KIND_WORDS.get(kind, 'picture')} is added: it shows on the pilot's "
              "public page.", "success")
        return pages.back_to(project_id, "#pictures")

    @bp.post("/projects/<uuid:project_id>/pictures/<uuid:picture_id>/remove",
             endpoint="remove_picture")
    def remove(project_id: UUID, picture_id: UUID):
        project = pages.pilot(project_id)
        if not ActionForm().validate():
            return pages.page(project, status=400, problem="The form was incomplete: try again.")
        try:
            remove_picture(PROJECT, project_id, picture_id)
        except NotFound:
            raise
        except DomainError as problem:
            return pages.page(project, status=status_for(problem), problem=problem.message)
        flash("The picture is removed.", "success")
        return pages.back_to(project_id, "#pictures")


def add_fund_logo_routes(bp: Blueprint, own_fund: Callable[[UUID], Any],
                         page: Callable[..., Any]) -> None:
    """The sponsor's logo on a fund, in the fund console."""

    def back(fund_id: UUID):
        return redirect(url_for(f"{bp.name}.fund", fund_id=fund_id) + "#logo", code=303)

    @bp.post("/<uuid:fund_id>/logo", endpoint="add_logo")
    def add(fund_id: UUID):
        fund = own_fund(fund_id)
        if not ActionForm().validate():
            return page(fund, status=400, problem="The form was incomplete: try again.")
        data, _, alt = _upload()
        try:
            add_picture(FUND, fund_id, kind=LOGO, data=data, alt=alt)
        except NotFound:
            raise
        except DomainError as problem:
            return page(fund, status=_refusal_status(problem),
                        problem=f"The logo was not added: {problem.message}")
        flash(f"The sponsor's logo is added: it shows on the fund's page and beside "
              f"{fund.sponsor}'s part of each pilot's capital stack.", "success")
        return back(fund_id)

    @bp.post("/<uuid:fund_id>/logo/<uuid:picture_id>/remove", endpoint="remove_logo")
    def remove(fund_id: UUID, picture_id: UUID):
        fund = own_fund(fund_id)
        if not ActionForm().validate():
            return page(fund, status=400, problem="The form was incomplete: try again.")
        try:
            remove_picture(FUND, fund_id, picture_id)
        except NotFound:
            raise
        except DomainError as problem:
            return page(fund, status=status_for(problem), problem=problem.message)
        flash("The sponsor's logo is removed.", "success")
        return back(fund_id)


def init_app(app: Flask) -> None:
    """Uploads may be larger than other requests (before CSRF reads the form), and an upload
    that is too large gets a page or JSON error that says so."""

    @app.before_request
    def _upload_limit() -> None:
        if request.endpoint in UPLOADS:
            request.max_content_length = UPLOAD_LIMIT

    @app.errorhandler(413)
    def _too_large(error: Any):
        upload = request.endpoint in UPLOADS
        message = TOO_LARGE if upload else error.description
        if wants_json():
            return json_error(413, "too_large", message)
        return error_page(413, "Picture too large" if upload else error.name, message)
