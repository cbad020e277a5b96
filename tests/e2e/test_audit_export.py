"""`civicfund audit export DIR` and tools/verify_export.py (issue 13)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from adapters.transparency_export import export
from domain.kernel.clock import FixedClock
from tests.conftest import START, TEST_LOG_KEY, TEST_PASSWORD_METHOD, World, make_platform
from web.cli import cli
from web.demo import load_demo

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "verify_export.py"
FIGURES = ROOT / "tools" / "export_figures.py"


def verify(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), str(directory), *args],
                          capture_output=True, text=True, check=False)


def exported(sqlite_url, clock, monkeypatch, tmp_path) -> tuple[Path, object]:
    platform = make_platform(sqlite_url, clock)
    world = World(platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city))
    for amount in ("10.00", "15.50"):
        world.pledge(project, world.citizen(), amount)
    monkeypatch.setenv("CIVICFUND_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CIVICFUND_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("CIVICFUND_PASSWORD_HASH", TEST_PASSWORD_METHOD)
    monkeypatch.setenv("CIVICFUND_LOG_SIGNING_KEY", TEST_LOG_KEY)
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "export"
    result = CliRunner().invoke(cli, ["audit", "export", str(directory)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return directory, platform, project


def test_an_export_verifies_offline_and_carries_the_figures(sqlite_url, clock, monkeypatch,
                                                            tmp_path):
    directory, platform, project = exported(sqlite_url, clock, monkeypatch, tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text())
    lines = (directory / "entries.jsonl").read_text().splitlines()
    assert manifest["entries"] == len(lines) == platform.app.recorder.max_notification_id()
    assert manifest["figures"]["projects"][str(project)]["raised"] == "25.50"
    assert manifest["topics"]["domain.crowdfunding.pledge:Pledge.Made"] == 2

    result = verify(directory, "--key", platform.checkpoints.verifier.text())
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(f"OK: {len(lines)} entries")

    again = CliRunner().invoke(cli, ["audit", "export", str(directory)])
    assert again.exit_code == 1 and "already holds an export" in again.output
    platform.close()


def test_a_changed_or_removed_entry_is_a_difference(sqlite_url, clock, monkeypatch, tmp_path):
    directory, platform, _ = exported(sqlite_url, clock, monkeypatch, tmp_path)
    entries = directory / "entries.jsonl"
    lines = entries.read_text().splitlines()
    entries.write_text("\n".join([lines[0].replace('"Porto"', '"Lisbon"'), *lines[1:]]) + "\n")
    changed = verify(directory)
    assert changed.returncode == 1
    assert "the entries' root is not the signed root" in changed.stdout

    entries.write_text("\n".join(lines[:-1]) + "\n")
    removed = verify(directory)
    assert removed.returncode == 1
    assert f"holds {len(lines) - 1} entries; the checkpoint signs {len(lines)}" in removed.stdout
    platform.close()


def test_the_tool_does_not_import_civicfund():
    for source in (TOOL, FIGURES):
        tree = ast.parse(source.read_text())
        imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert imported <= set(sys.stdlib_module_names) | {"__future__", "verify_receipt",
                                                           "export_figures"}


def demo_exported(tmp_path) -> tuple[Path, object]:
    """The demo (pledges charged and settled, a matching fund, departments' commitments,
    investment offers called to pay in), exported."""
    platform = make_platform(f"sqlite:///{tmp_path / 'demo.sqlite3'}", FixedClock(START))
    assert load_demo(platform) is True
    directory = tmp_path / "export"
    export(platform, directory)
    return directory, platform


def test_the_figures_of_a_rich_world_are_recomputed_from_the_entries(tmp_path):
    directory, platform = demo_exported(tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text())
    projects = manifest["figures"]["projects"]
    assert any(p["matched"] != "0.00" for p in projects.values())
    assert any(p["committed"] != "0.00" for p in projects.values())
    assert any(p["invested"] != "0.00" for p in projects.values())

    result = verify(directory)
    assert result.returncode == 0, result.stdout
    assert (f"the figures of {len(projects)} projects and {len(manifest['figures']['funds'])} "
            "funds recomputed from the entries match the manifest") in result.stdout
    platform.close()


def test_a_tampered_figure_or_entry_is_reported(tmp_path):
    directory, platform = demo_exported(tmp_path)
    manifest_file = directory / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    project, figures = next((k, v) for k, v in manifest["figures"]["projects"].items()
                            if v["invested"] != "0.00")
    original = figures["invested"]
    figures["invested"] = "1.00"
    manifest_file.write_text(json.dumps(manifest))
    result = verify(directory)
    assert result.returncode == 1
    assert (f"project {project}: the manifest says invested 1.00, the entries make it "
            f"{original}") in result.stdout
    figures["invested"] = original
    manifest_file.write_text(json.dumps(manifest))

    entries = directory / "entries.jsonl"
    lines = entries.read_text().splitlines()
    made = next(i for i, line in enumerate(lines) if "Pledge.Made" in line)
    entry = json.loads(lines[made])
    amount = entry["payload"]["amount"]
    raised_before = manifest["figures"]["projects"][entry["payload"]["project_id"]]["raised"]
    amount["amount"] = str(Decimal(amount["amount"]) + 1000)
    lines[made] = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    entries.write_text("\n".join(lines) + "\n")
    result = verify(directory)
    assert result.returncode == 1
    assert "the entries' root is not the signed root" in result.stdout
    assert (f"project {entry['payload']['project_id']}: the manifest says raised "
            f"{raised_before}, the entries make it "
            f"{Decimal(raised_before) + 1000:.2f}") in result.stdout
    platform.close()
