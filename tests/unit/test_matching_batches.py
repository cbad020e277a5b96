"""Pledges decided together in one batch follow the same rules as pledges decided one by one:
eight threads pledge, pledge again and cancel at once against three small funds of different
kinds on one project (in memory), and every fund still agrees with its events and its pledges."""

from __future__ import annotations

import random
import threading
import time
from uuid import UUID

import pytest

from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.matching_ledger import check_funds, replay
from tests.unit.conftest import Matched

THREADS = 8
PLEDGES_EACH = 12
FUNDS = {
    "ratio": {"kind": "ratio", "factor": "1", "cap_per_pledge": "10.00",
              "cap_per_project": "45.00", "one_per_backer": True},
    "threshold": {"kind": "threshold", "factor": "2", "cap_per_pledge": "6.00",
                  "min_backers": 4, "match_earlier": True, "one_per_backer": True},
    "grant": {"kind": "fixed_grant", "grant": "30.00", "min_backers": 5, "min_percent": 20},
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_threads_pledging_at_once_keep_every_fund_exact(seed):
    campaign = Matched()
    funds = [campaign.fund(rules, pool="50.00", name=name) for name, rules in FUNDS.items()]
    insert = campaign.app.recorder.insert_events
    pledges_per_save: list[int] = []

    def insert_after_a_round_trip(stored_events, **kwargs):
        time.sleep(0.001)  # as a database would take: pledges queue up and go in batches
        pledges_per_save.append(sum(e.topic.endswith("Pledge.Made") for e in stored_events))
        return insert(stored_events, **kwargs)

    campaign.app.recorder.insert_events = insert_after_a_round_trip
    citizens = [campaign.citizen() for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []
    made: list[UUID] = []

    def citizen_at_work(citizen_id: UUID, rng: random.Random) -> None:
        start.wait()
        try:
            with acting_as(Actor(str(citizen_id), "citizen"), "thread"):
                mine = []
                for _ in range(PLEDGES_EACH):
                    pledge_id = campaign.app.make_pledge(
                        project_id=campaign.project, citizen_id=citizen_id,
                        amount=Money(rng.randint(100, 3000), "EUR"),
                        payment_method="pm_card_visa",
                    )
                    made.append(pledge_id)
                    mine.append(pledge_id)
                    if rng.random() < 0.3:
                        victim = mine.pop(rng.randrange(len(mine)))
                        campaign.app.cancel_pledge(victim, citizen_id=citizen_id)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [
        threading.Thread(target=citizen_at_work, args=(c, random.Random(seed * 100 + n)))
        for n, c in enumerate(citizens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(made) == THREADS * PLEDGES_EACH
    assert max(pledges_per_save) >= 2, "no save recorded several pledges: nothing was batched"
    minimum = {campaign.project: campaign.project_state.minimum}
    check_funds(campaign.app, funds, minimum)
    ledgers = replay(campaign.app, minimum)
    ratio, threshold, grant = (ledgers[f] for f in funds)
    # Every kind really matched, and the ratio fund's cap per project was reached.
    assert ratio.matches and threshold.matches and grant.grants
    assert ratio.lowest_available <= 5000 - 4500
    # One live match per backer per fund, whatever the batches held.
    for ledger in (ratio, threshold):
        live = [m["backer"] for m in ledger.matches.values() if m["state"] != "released"]
        assert len(live) == len(set(live))
