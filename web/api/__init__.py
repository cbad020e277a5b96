"""JSON API v1: bearer tokens only (so exempt from CSRF), marshmallow schemas, OpenAPI 3.

The blueprint and what every area's API shares (plumbing in http.py, common schemas, the OpenAPI
document) live here; each area adds its routes in its own package (web/<area>/api...), and
web/blueprints.py imports them all before the blueprint is registered."""

from flask import Blueprint
from marshmallow import ValidationError

from web.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from web.api.http import ApiError, invalid  # noqa: E402


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error.response()


@bp.errorhandler(ValidationError)
def _validation_error(error: ValidationError):
    return invalid(error).response()
