"""Signed checkpoints of the transparency log: the key, signing, publishing (issue 13)."""

from __future__ import annotations

import stat

import pytest
from click.testing import CliRunner

from adapters.settings import Settings
from adapters.transparency_keys import LogKey, load_log_key, open_note
from domain.transparency.notes import NoteError, parse_verifier_key
from tests.conftest import TEST_LOG_KEY, TEST_PASSWORD_METHOD, World


def seed(world: World) -> None:
    city = world.city()
    project = world.project(city, world.officer(city))
    world.pledge(project, world.citizen(), "10.00")


def test_a_key_is_generated_once_into_the_instance_directory(tmp_path):
    settings = Settings(database_url="sqlite:///x", public_url="https://civic.example.org")
    first = load_log_key(settings, tmp_path / "instance")
    again = load_log_key(settings, tmp_path / "instance")
    assert first.text() == again.text()
    assert first.name == "civic.example.org/log"
    path = tmp_path / "instance" / "log_signing_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    given = load_log_key(Settings(database_url="sqlite:///x", log_signing_key=TEST_LOG_KEY),
                         tmp_path / "elsewhere")
    assert given.name == "civicfund.test/log"
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("text", ["", "PRIVATE+KEY+name+00000000+AAAA", "not a key",
                                  TEST_LOG_KEY.replace("civicfund.test", "other.test")])
def test_a_malformed_signing_key_is_refused_with_the_reason(text):
    with pytest.raises(NoteError):
        LogKey.parse(text)


def test_checkpoints_are_signed_notes_of_the_tree_and_only_made_when_it_grew(platform, clock):
    seed(World(platform, clock))
    platform.transparency.seal()
    signed = platform.checkpoints.sign()

    checkpoint = open_note(signed.note, platform.checkpoints.verifier)
    assert checkpoint.origin == "civicfund.test/log"
    assert checkpoint.tree_size == platform.transparency.size() == signed.tree_size
    assert checkpoint.root_hash == platform.transparency.root(signed.tree_size)
    assert platform.checkpoints.sign() == signed

    World(platform, clock).citizen()
    platform.transparency.seal()
    grown = platform.checkpoints.sign()
    assert grown.tree_size == signed.tree_size + 1
    assert [c.tree_size for c in platform.checkpoints.history()] == [grown.tree_size,
                                                                     signed.tree_size]


def test_a_note_signed_by_another_key_or_with_a_flipped_byte_does_not_verify(platform, clock):
    seed(World(platform, clock))
    platform.transparency.seal()
    note = platform.checkpoints.sign().note
    other = LogKey("civicfund.test/log", bytes(32))
    with pytest.raises(NoteError, match="no signature by"):
        open_note(note, other.verifier)
    lines = note.split("\n")
    lines[1] = str(int(lines[1]) + 1)
    with pytest.raises(NoteError, match="does not verify"):
        open_note("\n".join(lines), platform.checkpoints.verifier)


def test_the_checkpoint_and_key_are_published(client, platform, world):
    seed(world)
    key = client.get("/transparency/key")
    assert key.status_code == 200 and key.mimetype == "text/plain"
    verifier = parse_verifier_key(key.text)

    latest = client.get("/transparency/checkpoint")
    assert latest.status_code == 200 and latest.mimetype == "text/plain"
    checkpoint = open_note(latest.text, verifier)
    assert checkpoint.tree_size == platform.app.recorder.max_notification_id()

    history = client.get("/transparency/checkpoints").json["checkpoints"]
    assert history[0]["note"] == latest.text
    assert history[0]["tree_size"] == checkpoint.tree_size

    page = client.get("/transparency/")
    assert page.status_code == 200
    assert verifier.text() in page.text and "/transparency/checkpoint" in page.text


def test_audit_checkpoint_seals_and_prints_a_signed_checkpoint(sqlite_url, monkeypatch, tmp_path,
                                                                clock):
    from tests.conftest import make_platform
    from web.cli import cli

    platform = make_platform(sqlite_url, clock)
    seed(World(platform, clock))
    monkeypatch.setenv("CIVICFUND_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CIVICFUND_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("CIVICFUND_PASSWORD_HASH", TEST_PASSWORD_METHOD)
    monkeypatch.setenv("CIVICFUND_LOG_SIGNING_KEY", TEST_LOG_KEY)
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli, ["audit", "checkpoint"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    checkpoint = open_note(result.output, platform.checkpoints.verifier)
    assert checkpoint.tree_size == platform.app.recorder.max_notification_id()
    platform.close()
