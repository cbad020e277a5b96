"""Each stored event's entry and canonical leaf bytes (issue 13)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from adapters.storage import EVENTS_TABLE
from domain.transparency.entries import entry_of, leaf_bytes, leaf_hashes, leaf_of
from domain.transparency.merkle import leaf_hash
from web.demo import load_demo


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


def test_the_quick_leaf_is_the_entrys_canonical_bytes_for_every_event_of_the_demo(platform):
    load_demo(platform)
    with platform.engine.connect() as conn:
        rows = [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in conn.execute(sa.text(
            f"SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {EVENTS_TABLE['sqlite']} ORDER BY rowid"))]
    assert len({row[3] for row in rows}) > 40  # a rich world: many kinds of event

    assert [leaf_of(*row) for row in rows] == [leaf_bytes(entry_of(*row)) for row in rows]
    assert leaf_hashes(rows) == [leaf_hash(leaf_bytes(entry_of(*row))) for row in rows]


def test_the_quick_leaf_reads_nested_typed_values_odd_stamps_and_accents_alike() -> None:
    from uuid import uuid4

    ident = uuid4()
    states = [
        {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-01-01T00:00:00+00:00"},
         "actor_id": "a", "actor_role": "citizen", "correlation_id": None,
         "title": "Caf\u00e9 \u2615", "lines": [{"amount": {"_type_": "money", "_data_": {
             "minor": 1250, "currency": "EUR"}}, "id": {"_type_": "uuid_hex",
                                                      "_data_": ident.hex.upper()}}],
         "wrapped": {"_type_": "value", "_data_": {"_type_": "uuid_hex", "_data_": ident.hex}},
         "not_typed": {"_type_": "uuid_hex", "_data_": ident.hex, "extra": 1}},
        {"actor_id": {"_type_": "uuid_hex", "_data_": ident.hex}, "actor_role": 3},
    ]
    for state in states:
        data = json.dumps(state, ensure_ascii=False).encode()
        assert leaf_of(7, ident.hex, 2, "x", data) == leaf_bytes(entry_of(7, ident.hex, 2, "x",
                                                                          data))
        assert leaf_of(7, ident, 2, "x", data.decode()) == leaf_bytes(entry_of(7, ident, 2, "x",
                                                                               data))


def test_the_sealers_orjson_leaf_is_the_entrys_canonical_bytes_for_every_event_of_the_demo(
        platform):
    from adapters import transparency_leaves

    load_demo(platform)
    with platform.engine.connect() as conn:
        rows = [(r[0], r[1], r[2], r[3], bytes(r[4])) for r in conn.execute(sa.text(
            f"SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {EVENTS_TABLE['sqlite']} ORDER BY rowid"))]
    assert len({row[3] for row in rows}) > 40

    assert ([transparency_leaves.leaf_of(*row) for row in rows]
            == [leaf_bytes(entry_of(*row)) for row in rows])
    assert transparency_leaves.leaf_hashes(rows) == [leaf_hash(leaf_bytes(entry_of(*row)))
                                                     for row in rows]


def test_the_orjson_leaf_agrees_on_every_character_floats_big_numbers_and_odd_stamps() -> None:
    from uuid import uuid4

    from adapters.transparency_leaves import leaf_of as quick_leaf_of

    ident = uuid4()
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    texts = [every[i:i + 4000] for i in range(0, len(every), 4000)]
    states = [{"actor_id": "a", "actor_role": "citizen", "correlation_id": "c",
               "text": text, text[:3]: [text[-3:]]} for text in texts]
    states += [
        {"actor_id": "a", "ratio": 0.1, "big": 1e16, "small": 1e-7, "whole": 2.0},
        {"actor_id": "a", "huge": 2**70, "negative": -(2**63), "top": 2**64 - 1},
        {"actor_id": 1, "actor_role": ["x"], "correlation_id": {"_type_": "uuid_hex",
                                                                "_data_": ident.hex}},
        {"amount": {"_type_": "money", "_data_": {"minor": -5, "currency": "JPY"}},
         "typed": {"_type_": 3, "_data_": "x"}, "bare": {"_data_": 1, "other": 2},
         "ids": [{"_type_": "uuid_hex", "_data_": ident.hex.upper()}], "flag": True},
    ]
    for state in states:
        data = json.dumps(state, ensure_ascii=False).encode()
        assert quick_leaf_of(9, ident.hex, 3, "t", data) == leaf_bytes(entry_of(9, ident.hex, 3,
                                                                                "t", data))
