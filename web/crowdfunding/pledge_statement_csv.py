"""A citizen's yearly pledge statement as CSV: one row per pledge the year touches (made, charged
or refunded in it), then one `total` row per currency with what was paid in the year (charged
minus refunded). Amounts are decimal strings; dates are in each pilot's city zone."""

from __future__ import annotations

import csv
import io

from domain.crowdfunding.pledge_statements import PledgeStatement
from web.spreadsheet import text_cell

HEADER = ("row", "pilot", "project_id", "pledge_id", "pledged_on", "pledged", "currency",
          "charged_on", "refunded_on", "paid_in_year", "status")


def csv_filename(year: int) -> str:
    return f"civicfund-pledges-{year}.csv"


def _day(day) -> str:
    return day.isoformat() if day else ""


def pledge_statement_csv(statement: PledgeStatement, paid_label: str | None = None) -> str:
    """The total rows are labelled `paid_label` (the page's language), else in English."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in statement.lines:
        writer.writerow((
            "pledge", text_cell(line.project_title), line.project_id, line.pledge_id,
            _day(line.made_on), line.amount.to_decimal_string(), line.amount.currency,
            _day(line.charged_on), _day(line.refunded_on),
            line.paid_in(statement.year).to_decimal_string(), line.status,
        ))
    for paid in statement.paid():
        label = text_cell(paid_label or f"Paid in {statement.year}")
        writer.writerow(("total", label, "", "", "", "", paid.currency,
                         "", "", paid.to_decimal_string(), ""))
    return out.getvalue()
