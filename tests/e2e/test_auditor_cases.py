"""Auditors' cases (issue 13): an administrator lets one auditor see one person's name and email
for a reason and until a date; the grant is recorded in the log (ids, reason, expiry, no
personal data) and listed on the auditor console."""

from __future__ import annotations

import json

import pytest

from adapters.event_log_queries import EventFilter, EventLog
from tests.conftest import csrf_from, login


@pytest.fixture
def people(world):
    return {
        "admin": world.account("admin", "ada@example.org", name="Ada Admin"),
        "auditor": world.account("auditor", "otto@example.org", name="Otto Auditor"),
        "subject": world.citizen("maria.silva@example.org"),
        "other": world.citizen("joao.costa@example.org"),
    }


def grant(client, world, people, **fields):
    login(client, world.emails[people["admin"]])
    page = client.get("/admin/cases")
    assert page.status_code == 200
    data = {"auditor": str(people["auditor"]), "subject": str(people["subject"]),
            "reason": "Complaint 2026-14 about a refund", "days": "7",
            "csrf_token": csrf_from(page.text), **fields}
    answer = client.post("/admin/cases", data=data)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin").text)})
    return answer


def accounts_as_auditor(client, world, people) -> str:
    login(client, world.emails[people["auditor"]])
    page = client.get("/admin/accounts")
    assert page.status_code == 200
    return page.text


def test_a_case_unmasks_one_persons_data_for_that_auditor_until_it_expires(
        client, world, people, platform, clock):
    before = accounts_as_auditor(client, world, people)
    assert "maria.silva@example.org" not in before and "m…@…" in before
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/admin").text)})

    answer = grant(client, world, people)
    assert answer.status_code == 303

    shown = accounts_as_auditor(client, world, people)
    assert "maria.silva@example.org" in shown
    assert "joao.costa@example.org" not in shown  # the case is on one account only
    console = client.get("/audit")
    assert "Complaint 2026-14 about a refund" in console.text
    assert str(people["subject"]) in console.text

    clock.advance(days=8)
    expired = client.get("/admin/accounts").text
    assert "maria.silva@example.org" not in expired


def test_the_grant_is_an_event_with_ids_and_the_reason_and_no_personal_data(
        client, world, people, platform):
    grant(client, world, people)
    [case] = EventLog(platform.app, platform.engine).events(
        EventFilter(topic="Account.CaseGranted"))
    assert case.aggregate_id == people["auditor"]
    assert case.actor_id == str(people["admin"]) and case.actor_role == "admin"
    assert case.payload["subject_id"] == str(people["subject"])
    assert case.payload["reason"] == "Complaint 2026-14 about a refund"
    stored = json.dumps(case.payload)
    assert "maria" not in stored and "@" not in stored


@pytest.mark.parametrize(("fields", "message"), [
    ({"reason": ""}, "Give the reason for the case"),
    ({"reason": "About maria.silva@example.org"}, "name the matter, not the person"),
    ({"days": "0"}, "A case runs from 1 to 90 days"),
    ({"days": "91"}, "A case runs from 1 to 90 days"),
    ({"auditor": "not-an-id"}, "Choose the auditor"),
])
def test_bad_input_is_explained_and_nothing_recorded(client, world, people, platform,
                                                     fields, message):
    events = platform.app.recorder.max_notification_id()
    answer = grant(client, world, people, **fields)
    assert answer.status_code == 422
    assert message in answer.text
    assert platform.app.recorder.max_notification_id() == events


def test_only_auditors_get_cases(client, world, people, platform):
    events = platform.app.recorder.max_notification_id()
    answer = grant(client, world, people, auditor=str(people["other"]))
    assert answer.status_code == 422
    assert "Cases are granted to auditors only" in answer.text
    assert platform.app.recorder.max_notification_id() == events
