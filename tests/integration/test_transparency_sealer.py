"""The sealer appends every event to the transparency log's tree, once, in log order (issue 13)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from adapters.follower import read_log
from adapters.transparency_log import TransparencyLog
from domain.transparency import merkle
from domain.transparency.entries import entry_of, leaf_bytes
from tests.conftest import World, bearer, make_platform


def recomputed(platform) -> tuple[list[int], bytes]:
    """Every stored event's position and the root of their leaves, from the events alone."""
    with platform.engine.connect() as conn:
        events = read_log(conn, after=0, limit=10**9)
    hashes = [merkle.leaf_hash(leaf_bytes(entry_of(
        n.id, n.originator_id, n.originator_version, n.topic, n.state))) for n in events]
    return [n.id for n in events], merkle.root_of(hashes)


def seed(world: World, pledges: int = 3) -> None:
    city = world.city()
    project = world.project(city, world.officer(city))
    for _ in range(pledges):
        world.pledge(project, world.citizen(), "10.00")


def test_sealing_builds_the_tree_of_every_event_and_is_idempotent(any_platform, clock):
    seed(World(any_platform, clock))
    tlog = any_platform.transparency
    positions, root = recomputed(any_platform)

    assert tlog.seal() == len(positions)
    assert tlog.seal() == 0
    assert tlog.size() == len(positions)
    assert tlog.root(len(positions)) == root
    assert tlog.positions(positions) == {p: i for i, p in enumerate(positions)}

    # Every earlier size's root is the tree over that prefix, and proofs verify against it.
    with any_platform.engine.connect() as conn:
        events = read_log(conn, after=0, limit=10**9)
    hashes = [merkle.leaf_hash(leaf_bytes(entry_of(
        n.id, n.originator_id, n.originator_version, n.topic, n.state))) for n in events]
    for size in range(1, len(positions) + 1):
        assert tlog.root(size) == merkle.root_of(hashes[:size])
        proof = tlog.inclusion(positions[size - 1], len(positions))
        assert merkle.verify_inclusion(proof.leaf_index, proof.tree_size, proof.leaf_hash,
                                       proof.hashes, root)
        assert merkle.verify_consistency(size, len(positions), tlog.root(size), root,
                                         tlog.consistency(size, len(positions)))


def test_a_command_in_the_web_process_seals_its_events(world, client, platform):
    city = world.city()
    project = world.project(city, world.officer(city))
    citizen = world.citizen()
    pledge_id = world.pledge(project, citizen, "10.00")
    platform.transparency.seal()
    before = platform.transparency.size()

    response = client.delete(f"/api/v1/pledges/{pledge_id}",
                             headers=bearer(world.token(citizen)))

    assert response.status_code == 200
    head = platform.app.recorder.max_notification_id()
    assert platform.transparency.size() > before
    assert head in platform.transparency.positions([head])


def test_the_worker_round_seals(platform, clock):
    from web.cli import work_rounds

    seed(World(platform, clock), pledges=1)
    stop = threading.Event()
    worker = threading.Thread(target=work_rounds, args=(platform, stop, 0.05), daemon=True)
    worker.start()
    try:
        positions, root = recomputed(platform)
        for _ in range(200):
            if platform.transparency.size() == len(positions):
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(5)
    assert platform.transparency.root(len(positions)) == root
    # Its first round also signed a checkpoint of what it sealed.
    assert platform.checkpoints.latest().root_hash == root


@pytest.mark.postgres
def test_two_processes_sealing_while_citizens_pledge_seal_each_event_once(postgres_url, clock):
    first, second = make_platform(postgres_url, clock), make_platform(postgres_url, clock)
    try:
        world = World(first, clock)
        city = world.city()
        project = world.project(city, world.officer(city))
        citizens = [world.citizen() for _ in range(8)]
        stop = threading.Event()
        sealers = [TransparencyLog(p.engine) for p in (first, second)]

        def keep_sealing(sealer: TransparencyLog) -> None:
            while not stop.is_set():
                sealer.seal()

        threads = [threading.Thread(target=keep_sealing, args=(s,)) for s in sealers]
        for thread in threads:
            thread.start()
        try:
            for citizen in citizens:
                world.pledge(project, citizen, "5.00")
        finally:
            stop.set()
            for thread in threads:
                thread.join(10)
        sealers[0].seal()

        positions, root = recomputed(first)
        assert first.transparency.size() == len(positions)
        assert first.transparency.root(len(positions)) == root
        with first.engine.connect() as conn:
            sealed = conn.execute(sa.text("SELECT position FROM tlog_leaves ORDER BY leaf_index"))
            assert [row[0] for row in sealed] == positions
    finally:
        first.close()
        second.close()


def test_proofs_from_remembered_subtrees_still_verify_as_the_tree_grows(any_platform, clock):
    world = World(any_platform, clock)
    seed(world, pledges=2)
    tlog = any_platform.transparency
    tlog.seal()
    first_positions, first_root = recomputed(any_platform)
    first = len(first_positions)
    for position in first_positions:  # every subtree of the first tree is now remembered
        tlog.inclusion(position, first)

    seed(world, pledges=3)
    tlog.seal()
    positions, root = recomputed(any_platform)
    assert len(positions) > first

    for position in positions:
        proof = tlog.inclusion(position, len(positions))
        assert merkle.verify_inclusion(proof.leaf_index, proof.tree_size, proof.leaf_hash,
                                       proof.hashes, root)
    for position in first_positions:
        proof = tlog.inclusion(position, first)
        assert merkle.verify_inclusion(proof.leaf_index, first, proof.leaf_hash, proof.hashes,
                                       first_root)
    assert tlog.root(first) == first_root and tlog.root(len(positions)) == root
    assert merkle.verify_consistency(first, len(positions), first_root, root,
                                     tlog.consistency(first, len(positions)))
