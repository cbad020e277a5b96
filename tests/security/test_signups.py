"""Concurrent sign-ups with one email leave the log and the accounts table in agreement: one
account row and one Account.Registered event per email, whoever wins the race."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from adapters import tables as t
from adapters.accounts import EmailTaken
from domain.kernel.context import SYSTEM, acting_as


def registered_events(platform) -> list:
    notifications = platform.app.recorder.select_notifications(1, 100_000)
    return [n.originator_id for n in notifications if n.topic.endswith("Account.Registered")]


def account_ids(platform) -> set:
    with platform.engine.connect() as conn:
        return set(conn.execute(sa.select(t.accounts.c.id)).scalars())


@pytest.mark.parametrize("any_platform", ["sqlite", "postgres"], indirect=True)
def test_ten_pairs_of_sign_ups_with_one_email_record_ten_accounts(any_platform):
    platform = any_platform
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def sign_up(email: str) -> None:
        start.wait()
        try:
            with acting_as(SYSTEM, "test-signup"):
                platform.register(email=email, name="Twin", password="correct horse battery")
            outcomes.append("made")
        except EmailTaken:
            outcomes.append("taken")

    for pair in range(10):
        email = f"twin-{pair}@example.org"
        threads = [threading.Thread(target=sign_up, args=(email,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(outcomes) == ["made"] * 10 + ["taken"] * 10
    events = registered_events(platform)
    assert len(events) == 10
    assert set(events) == account_ids(platform)


def test_an_account_the_log_refuses_leaves_no_row(platform, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the log is down")

    monkeypatch.setattr(platform.app, "register_account", refuse)
    with pytest.raises(RuntimeError), acting_as(SYSTEM, "test"):
        platform.register(email="ana@example.org", name="Ana", password="correct horse battery")
    assert platform.accounts.by_email("ana@example.org") is None
    assert registered_events(platform) == []
