"""Public proofs from the transparency log, checked against the published signed checkpoints."""

from __future__ import annotations

import base64

import pytest

from adapters.transparency_keys import open_note
from domain.transparency import merkle
from domain.transparency.notes import parse_verifier_key


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def seed(world, pledges: int = 3) -> None:
    city = world.city()
    project = world.project(city, world.officer(city))
    for _ in range(pledges):
        world.pledge(project, world.citizen(), "10.00")


def published_checkpoint(client):
    verifier = parse_verifier_key(client.get("/transparency/key").text)
    return open_note(client.get("/transparency/checkpoint").text, verifier)


def test_every_event_proves_its_inclusion_in_the_signed_checkpoint(world, client, platform):
    seed(world)
    checkpoint = published_checkpoint(client)
    positions = [n.id for n in platform.app.recorder.select_notifications(1, 10_000)]
    assert checkpoint.tree_size == len(positions)

    for position in positions:
        answer = client.get("/api/v1/transparency/proofs/inclusion",
                            query_string={"position": position,
                                          "tree_size": checkpoint.tree_size})
        assert answer.status_code == 200
        proof = answer.json
        assert set(proof) == {"leaf_index", "tree_size", "leaf_hash", "hashes"}
        assert merkle.verify_inclusion(proof["leaf_index"], proof["tree_size"],
                                       unb64(proof["leaf_hash"]),
                                       [unb64(h) for h in proof["hashes"]],
                                       checkpoint.root_hash)


def test_a_later_checkpoint_proves_it_extends_an_earlier_one(world, client, platform):
    seed(world, pledges=1)
    earlier = published_checkpoint(client)
    seed(world, pledges=4)
    platform.transparency.seal()
    platform.checkpoints.sign()
    later = published_checkpoint(client)
    assert later.tree_size > earlier.tree_size

    answer = client.get("/api/v1/transparency/proofs/consistency",
                        query_string={"from": earlier.tree_size, "to": later.tree_size})

    assert answer.status_code == 200
    hashes = [unb64(h) for h in answer.json["hashes"]]
    assert merkle.verify_consistency(earlier.tree_size, later.tree_size, earlier.root_hash,
                                     later.root_hash, hashes)
    assert not merkle.verify_consistency(earlier.tree_size, later.tree_size,
                                         merkle.leaf_hash(b"rewritten"), later.root_hash, hashes)


@pytest.mark.parametrize(("path", "query", "status", "code"), [
    ("inclusion", {"position": 999, "tree_size": 3}, 404, "unknown_position"),
    ("inclusion", {"position": 1, "tree_size": 999}, 422, "tree_size_beyond_log"),
    ("inclusion", {"position": 5, "tree_size": 3}, 422, "position_beyond_tree_size"),
    ("inclusion", {"position": "one", "tree_size": 3}, 422, "invalid"),
    ("inclusion", {"position": 1}, 422, "invalid"),
    ("inclusion", {"position": 1, "tree_size": 3, "extra": 1}, 422, "invalid"),
    ("inclusion", {"position": 2**70, "tree_size": 3}, 422, "invalid"),
    ("inclusion", {"position": 1, "tree_size": 0}, 422, "position_beyond_tree_size"),
    ("inclusion", {"position": 1, "tree_size": -1}, 422, "invalid"),
    ("consistency", {"from": 4, "to": 2}, 422, "from_after_to"),
    ("consistency", {"from": 1, "to": 999}, 422, "tree_size_beyond_log"),
    ("consistency", {"from": -1, "to": 2}, 422, "invalid"),
    ("consistency", {"from": 1, "to": 2**70}, 422, "invalid"),
    ("consistency", {"from": "x", "to": 2}, 422, "invalid"),
])
def test_impossible_proofs_are_clear_errors(world, client, platform, path, query, status, code):
    seed(world, pledges=1)
    platform.transparency.seal()

    answer = client.get(f"/api/v1/transparency/proofs/{path}", query_string=query)

    assert answer.status_code == status
    assert answer.json["error"]["code"] == code
