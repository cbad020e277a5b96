"""A citizen's yearly statement of their pledges, charges and refunds: a printable page and
the same as CSV, usable as a donation record."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext
from flask_login import current_user, login_required

from adapters.statement_queries import statement_year
from web.crowdfunding.pledge_statement_csv import csv_filename, pledge_statement_csv
from web.errors import error_page
from web.services import platform
from web.spreadsheet import csv_download

bp = Blueprint("pledge_statements", __name__, url_prefix="/pledges/statements")


def _no_statement(year: str):
    return error_page(404, gettext("No such statement"), gettext(
        "There is no statement for \"%(year)s\": statements are by calendar year, such as "
        "/pledges/statements/2026.", year=year))


@bp.get("/<string:year>")
@login_required
def page(year: str):
    wanted = statement_year(year)
    if wanted is None:
        return _no_statement(year)
    read = platform().read
    return render_template(
        "pledges/statement.html",
        statement=read.pledge_statement(current_user.account_id, wanted),
        years=read.pledge_statement_years(current_user.account_id),
        printed_on=platform().clock.now().date(),
    )


@bp.get("/<string:year>.csv")
@login_required
def csv(year: str):
    wanted = statement_year(year)
    if wanted is None:
        return _no_statement(year)
    statement = platform().read.pledge_statement(current_user.account_id, wanted)
    return csv_download(
        pledge_statement_csv(statement, gettext("Paid in %(year)s", year=wanted)),
        csv_filename(wanted))
