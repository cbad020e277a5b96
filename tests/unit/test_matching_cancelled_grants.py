"""A grant follows its project all the way: when a funded project is cancelled and its crowd
refunded, its grant goes back to the pool like its pledges' matches do."""

from __future__ import annotations

from tests.unit.conftest import Matched


def test_a_committed_grant_goes_back_to_the_pool_when_the_funded_project_is_cancelled():
    campaign = Matched()
    ratio = campaign.fund({"kind": "ratio", "factor": "1"}, name="Ratio")
    grant = campaign.fund({"kind": "fixed_grant", "grant": "40.00", "min_backers": 1},
                          name="Grant")
    campaign.pledge("60.00")
    campaign.after_deadline()
    assert campaign.settle().outcome == "funded"
    assert campaign.app.get_matching_fund(grant).grants[campaign.project].state == "committed"

    with campaign.as_officer():
        campaign.app.start_delivery(campaign.project)
        campaign.app.cancel_project(campaign.project, reason="The supplier went bankrupt")

    assert campaign.balances(ratio) == (100000, 0, 0, 100000)  # the pledge's match came back
    assert campaign.app.get_matching_fund(grant).grants[campaign.project].state == "released"
    assert campaign.balances(grant) == (100000, 0, 0, 100000)
    assert campaign.app.matched_on(campaign.project_state).minor == 0
