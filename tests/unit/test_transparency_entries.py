"""Each stored event's entry and canonical leaf bytes (issue 13)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from adapters.storage import EVENTS_TABLE
from domain.transparency.entries import entry_of, leaf_bytes


def stored(platform) -> list[dict]:
    with platform.engine.connect() as conn:
        rows = conn.execute(sa.text(
            f"SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {EVENTS_TABLE['sqlite']} ORDER BY rowid")).all()
    return [entry_of(r[0], r[1], r[2], r[3], bytes(r[4])) for r in rows]


def test_a_pledge_entry_names_its_actor_amount_and_ids_as_text(world) -> None:
    city = world.city()
    officer = world.officer(city)
    project = world.project(city, officer)
    citizen = world.citizen()
    pledge = world.pledge(project, citizen, "12.50")

    entries = stored(world.platform)
    made = next(e for e in entries if e["topic"].endswith("Pledge.Made"))
    assert made["aggregate_id"] == str(pledge)
    assert made["aggregate_version"] == 1
    assert made["actor"] == {"account_id": str(citizen), "role": "citizen"}
    assert made["correlation_id"] == "test-seed"
    assert made["payload"]["amount"] == {"amount": "12.50", "currency": "EUR"}
    assert made["payload"]["project_id"] == str(project)
    assert made["recorded_at"].startswith("20")
    assert [e["position"] for e in entries] == list(range(1, len(entries) + 1))

    drafted = next(e for e in entries if e["topic"].endswith("Project.Drafted"))
    assert drafted["payload"]["budget_lines"][0]["amount"] == {"amount": "8000.00",
                                                              "currency": "EUR"}


def test_leaf_bytes_are_the_canonical_json_of_the_entry() -> None:
    entry = {"position": 3, "payload": {"title": "Caf\u00e9", "b": 1, "a": [1, 2]}}
    data = leaf_bytes(entry)
    assert data == '{"payload":{"a":[1,2],"b":1,"title":"Caf\u00e9"},"position":3}'.encode()
    assert json.loads(data) == entry


def test_ids_are_written_as_uuid_text_whatever_case_they_were_stored_in() -> None:
    from uuid import uuid4

    ident = uuid4()
    for stored in (ident.hex, ident.hex.upper()):
        entry = entry_of(1, ident, 1, "t", json.dumps(
            {"other": {"_type_": "uuid_hex", "_data_": stored}}))
        assert entry["payload"]["other"] == str(ident)
