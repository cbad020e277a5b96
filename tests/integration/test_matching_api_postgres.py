"""The matching-fund API's main paths again, on PostgreSQL: the same tests as
test_matching_api.py, with the platform behind the web app on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.integration.test_matching_api import (  # noqa: F401 - collected here as well
    porto,
    test_a_closed_fund_cannot_be_amended_topped_up_or_closed_again,
    test_a_funded_project_commits_its_matches_and_the_worker_closes_due_funds,
    test_an_officer_creates_a_fund_and_anyone_reads_it,
    test_an_officer_of_another_city_cannot_touch_a_fund,
    test_every_rule_kind_is_accepted,
    test_overlapping_versions_are_refused,
    test_pledges_show_their_match_and_the_project_its_total,
    test_the_match_preview_says_what_each_fund_adds_and_why,
    test_top_up_amend_and_close,
)


@pytest.fixture
def platform(pg_platform):
    """The web app, the world and the API tests above run on PostgreSQL here."""
    return pg_platform


def test_the_platform_here_is_postgresql(client, platform):
    assert platform.settings.database_url.startswith("postgresql")
    assert client.get("/api/v1/matching-funds").status_code == 200
