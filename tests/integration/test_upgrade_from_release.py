"""A database made by the release before the ledger (commit 59ddd04: the demo, one campaign
settled and one cancelled) upgrades, replays its log into the ledger and shows every figure it
showed before: each project's raised, matched, pending, payout and backers, each pledge's match,
each fund's pool, committed, reserved, returned and available (tests/fixtures/release_59ddd04,
figures recorded by that release's own code)."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path
from uuid import UUID

from adapters import migrate
from adapters.bootstrap import build_platform
from adapters.ledger_audit import audit_ledger
from adapters.settings import Settings
from tests.conftest import TEST_PASSWORD_METHOD

RELEASE = Path(__file__).resolve().parents[1] / "fixtures" / "release_59ddd04"


def test_the_previous_releases_database_upgrades_and_shows_the_same_figures(tmp_path):
    path = tmp_path / "civicfund.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(gzip.decompress((RELEASE / "civicfund.sql.gz").read_bytes()).decode())
    expected = json.loads((RELEASE / "figures.json").read_text())
    url = f"sqlite:///{path}"

    migrate.upgrade(url)
    platform = build_platform(Settings(database_url=url, password_method=TEST_PASSWORD_METHOD))
    try:
        platform.projections.catch_up()
        read = platform.read
        for project_id, figures in expected["projects"].items():
            view = read.project(UUID(project_id))
            shown = {
                "raised": view.raised.to_decimal_string(),
                "matched": view.matched.to_decimal_string(),
                "pending": view.pending.to_decimal_string(),
                "payout": view.payout.to_decimal_string() if view.payout is not None else None,
                "backers": view.backers, "status": view.status,
            }
            assert shown == figures, view.title
            for pledge in read.pledges_of_project(view.id):
                assert {"matched": pledge.matched.to_decimal_string(),
                        "status": pledge.status} == expected["pledges"][str(pledge.id)]
        for fund_id, figures in expected["funds"].items():
            fund = read.matching_fund(UUID(fund_id))
            assert {label: getattr(fund, label).to_decimal_string() for label in figures} == (
                figures)
        audit = audit_ledger(platform.app, platform.engine)
        assert audit.ok, (audit.problems, audit.differences)
        assert audit.events == 200  # the money events of the 263 the release recorded
    finally:
        platform.close()
