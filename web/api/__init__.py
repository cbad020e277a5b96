"""JSON API v1: bearer tokens only (so exempt from CSRF), marshmallow schemas, OpenAPI 3."""

from flask import Blueprint
from marshmallow import ValidationError

from web.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from web.api import (  # noqa: E402, F401  (register the routes)
    delivery,
    ledger,
    matching,
    openapi,
    pledges,
    privacy,
    projects,
    settlement,
    tokens,
)
from web.api.http import ApiError, invalid  # noqa: E402


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error.response()


@bp.errorhandler(ValidationError)
def _validation_error(error: ValidationError):
    return invalid(error).response()
