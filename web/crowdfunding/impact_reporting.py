"""Reporting a measured impact value with its evidence, for the pages and the API alike."""

from __future__ import annotations

from uuid import UUID

from domain.crowdfunding.impact import clean_evidence
from web.services import platform


def report_with_evidence(project_id: UUID, *, indicator: object, on: object, value: object,
                         unit: object, evidence: object, links: object) -> UUID:
    """Checks the evidence first (a refusal records nothing), records the value, then keeps
    the evidence under the report id the event names (outside the log)."""
    text, cleaned = clean_evidence(evidence, links)
    report_id = platform().app.report_indicator_value(
        project_id, indicator=indicator, on=on, value=value, unit=unit)
    platform().read.keep_evidence(report_id, text, cleaned)
    return report_id
