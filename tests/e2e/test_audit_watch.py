"""`civicfund audit watch URL` against a served deployment: a log that only grows passes; one
rewritten, rolled back or signed by another key raises the alarm (issue 13)."""

from __future__ import annotations

import json
import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from adapters.transparency_keys import LogKey
from domain.transparency import merkle
from domain.transparency.notes import Checkpoint
from web.cli import cli


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def watch(url: str, state, *extra: str):
    return CliRunner().invoke(cli, ["audit", "watch", url, "--state", str(state), *extra])


def grow(world, platform) -> None:
    world.citizen()
    platform.transparency.seal()
    platform.checkpoints.sign()


def test_a_growing_log_passes_and_a_rewritten_one_raises_the_alarm(world, platform, served,
                                                                    tmp_path):
    state = tmp_path / "watch.json"
    grow(world, platform)
    first = watch(served, state)
    assert first.exit_code == 0, first.output
    assert "verified" in first.output
    grow(world, platform)
    grow(world, platform)
    again = watch(served, state)
    assert again.exit_code == 0, again.output
    assert "consistent with the" in again.output

    # What the watcher saw before claims another history (as if the log had been rewritten
    # since): a checkpoint of the same key over other entries.
    saved = json.loads(state.read_text())
    lines = saved["checkpoint"].split("\n")
    other_root = merkle.root_of([merkle.leaf_hash(b"another history")] * int(lines[1]))
    saved["checkpoint"] = platform.checkpoints.key.sign(
        Checkpoint(lines[0], int(lines[1]) - 1, other_root))
    state.write_text(json.dumps(saved))
    grow(world, platform)

    alarm = watch(served, state)

    assert alarm.exit_code == 1
    assert "does not extend the one of" in alarm.output


def test_a_log_rolled_back_or_signed_by_another_key_raises_the_alarm(world, platform, served,
                                                                      tmp_path):
    state = tmp_path / "watch.json"
    grow(world, platform)
    assert watch(served, state).exit_code == 0
    saved = json.loads(state.read_text())
    lines = saved["checkpoint"].split("\n")
    saved["checkpoint"] = platform.checkpoints.key.sign(
        Checkpoint(lines[0], int(lines[1]) + 5, bytes(32)))
    state.write_text(json.dumps(saved))
    rolled_back = watch(served, state)
    assert rolled_back.exit_code == 1 and "rolled back" in rolled_back.output

    other = LogKey("civicfund.test/log", bytes(32)).verifier.text()
    pinned = watch(served, tmp_path / "fresh.json", "--key", other)
    assert pinned.exit_code == 1 and "another key" in pinned.output


def test_an_unreachable_deployment_is_a_clear_failure(tmp_path):
    result = watch("http://127.0.0.1:9/", tmp_path / "watch.json")
    assert result.exit_code == 1 and "could not fetch" in result.output
