"""`GET /api/v1/me/pledge-statements/{year}.csv`: the caller's yearly pledge statement (what the
page /pledges/statements/<year>.csv gives), with its entry in the OpenAPI document."""

from __future__ import annotations

from adapters.statement_queries import statement_year
from web.api import bp
from web.api.http import ApiError, require_caller
from web.crowdfunding.api.pledges import current_read_models
from web.crowdfunding.pledge_statement_csv import csv_filename, pledge_statement_csv
from web.services import platform
from web.spreadsheet import csv_download


@bp.get("/me/pledge-statements/<string:year>.csv")
def my_pledge_statement(year: str):
    user = require_caller()
    wanted = statement_year(year)
    if wanted is None:
        raise ApiError(404, "no_such_year",
                       f"No statement for {year!r}: ask for a year such as 2026")
    current_read_models()
    statement = platform().read.pledge_statement(user.account_id, wanted)
    return csv_download(pledge_statement_csv(statement), csv_filename(wanted))


OPERATIONS: dict[str, dict[str, dict]] = {
    "api.my_pledge_statement": {"get": {
        "summary": "The caller's pledge statement for a calendar year, as CSV, usable as a "
                   "donation record: one row (row = pledge) per pledge made, charged or "
                   "refunded that year (pilot, project_id, pledge_id, pledged_on, pledged, "
                   "currency, charged_on, refunded_on, paid_in_year as a signed decimal "
                   "string, status), then per currency a row (row = total) with what was paid "
                   "that year: charged minus refunded. Dates are in the pilot's city zone. A "
                   "year without pledges is the header row alone",
        "tags": ["pledges"], "security": [{"bearer": []}],
        "parameters": [{"in": "path", "name": "year", "required": True,
                        "description": "The calendar year, four digits (2000 to 2999)",
                        "schema": {"type": "string", "pattern": "^[0-9]{4}$",
                                   "example": "2026"}}],
        "responses": {"200": {"description": "The statement", "content": {
            "text/csv": {"schema": {"type": "string"}}}},
            "401": "Unauthorised",
            "404": {"description": "404 no_such_year: the year is not four digits from 2000 "
                                   "to 2999", "content": {"application/json": {
                                       "schema": {"$ref": "#/components/schemas/Error"}}}}},
    }},
}
