"""An account's role has one source, the log: the accounts table's role and city are written
from Account.Registered and Account.RoleChanged by the projection, so the two cannot disagree,
even when the role is changed by another process or the read models are rebuilt."""

from __future__ import annotations

from domain.kernel.context import SYSTEM, acting_as
from tests.conftest import World


def test_a_role_recorded_anywhere_reaches_the_accounts_table(any_platform, clock):
    world = World(any_platform, clock)
    porto = world.city()
    citizen = world.citizen()
    with acting_as(SYSTEM, "elsewhere"):
        # Recorded only in the log, as another process (or a crash before the table) would.
        any_platform.app.change_account_role(citizen, "city", porto)
    assert any_platform.accounts.get(citizen).role == "citizen"

    any_platform.projections.catch_up()

    record = any_platform.accounts.get(citizen)
    assert (record.role, record.city_id) == ("city", porto)


def test_changing_a_role_through_the_platform_shows_at_once_and_survives_a_rebuild(
    any_platform, clock
):
    world = World(any_platform, clock)
    account = world.citizen()
    with acting_as(SYSTEM, "admin"):
        any_platform.change_role(account, "auditor", None)
    assert any_platform.accounts.get(account).role == "auditor"
    any_platform.projections.rebuild()
    assert any_platform.accounts.get(account).role == "auditor"
    assert any_platform.app.get_account(account).role == "auditor"
