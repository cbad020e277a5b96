"""A yearly statement as CSV: one row per cash flow (grouped by holding), then one row per total
of each currency (kind `total_paid_in`, `total_interest`, `total_capital`,
`total_distribution`). Amounts are decimal strings; a year without flows is the header alone."""

from __future__ import annotations

import csv
import io

from adapters.statement_queries import Statement
from web.spreadsheet import text_cell as _text

HEADER = ("date", "pilot", "project_id", "offer_id", "kind", "amount", "currency", "reason",
          "position")


def statement_csv(statement: Statement) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for holding in statement.holdings:
        for line in holding.lines:
            writer.writerow((line.on.isoformat(), _text(line.project_title), line.project_id,
                             line.offer_id, line.kind, line.amount.to_decimal_string(),
                             line.amount.currency, _text(line.reason), line.position))
    for kind, label, currency, amount in statement.totals():
        writer.writerow(("", "", "", "", f"total_{kind}", amount.to_decimal_string(), currency,
                         f"{label} in {statement.year}", ""))
    return out.getvalue()
