"""A citizen's pledge page names its events' positions in the transparency log and offers a
receipt bundle that tools/verify_receipt.py checks offline (issue 13)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from adapters.transparency_keys import LogKey
from domain.transparency.notes import Checkpoint
from tests.conftest import login

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "verify_receipt.py"


def check(bundle: dict, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return subprocess.run([sys.executable, str(TOOL), str(path), *args], capture_output=True,
                          text=True, cwd=tmp_path, check=False)


def pledged(world, client):
    city = world.city()
    project = world.project(city, world.officer(city))
    citizen = world.citizen()
    pledge_id = world.pledge(project, citizen, "12.50")
    login(client, world.emails[citizen])
    return pledge_id


def test_the_pledge_page_names_its_positions_and_the_receipt_verifies(world, client, platform,
                                                                      tmp_path):
    pledge_id = pledged(world, client)
    positions = platform.log_positions(pledge_id)
    assert len(positions) == 2  # made and authorised

    page = client.get(f"/pledges/{pledge_id}")
    assert page.status_code == 200
    assert f"{positions[0]}, {positions[1]}" in page.text
    assert f"/pledges/{pledge_id}/receipt.json" in page.text

    answer = client.get(f"/pledges/{pledge_id}/receipt.json")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    bundle = answer.json
    assert [e["position"] for e in bundle["entries"]] == positions
    assert bundle["entries"][0]["payload"]["amount"] == {"amount": "12.50", "currency": "EUR"}

    result = check(bundle, tmp_path, "--key", client.get("/transparency/key").text)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(f"OK: 2 entries (positions {positions[0]}, {positions[1]})")


def test_a_tampered_receipt_or_a_foreign_key_does_not_verify(world, client, tmp_path):
    pledge_id = pledged(world, client)
    bundle = client.get(f"/pledges/{pledge_id}/receipt.json").json

    changed = json.loads(json.dumps(bundle))
    changed["entries"][0]["payload"]["amount"]["amount"] = "1250.00"
    result = check(changed, tmp_path)
    assert result.returncode == 1
    assert "DOES NOT VERIFY: the entry at position" in result.stdout

    flipped = json.loads(json.dumps(bundle))
    hashes = flipped["proofs"][0]["hashes"]
    hashes[0] = ("B" if hashes[0][0] == "A" else "A") + hashes[0][1:]
    result = check(flipped, tmp_path)
    assert result.returncode == 1 and "not in the signed tree" in result.stdout

    impostor = LogKey("civicfund.test/log", bytes(32))
    forged = json.loads(json.dumps(bundle))
    lines = forged["checkpoint"].split("\n")
    forged["checkpoint"] = impostor.sign(Checkpoint(lines[0], int(lines[1]), bytes(32)))
    forged["verifier_key"] = impostor.verifier.text()
    result = check(forged, tmp_path, "--key", bundle["verifier_key"])
    assert result.returncode == 1 and "not the key you gave" in result.stdout

    assert check({"entries": []}, tmp_path).returncode == 1


def test_someone_elses_receipt_is_not_found(world, client):
    pledge_id = pledged(world, client)
    client.get("/logout")
    login(client, world.emails[world.citizen()])
    assert client.get(f"/pledges/{pledge_id}/receipt.json").status_code == 404


def test_the_tool_does_not_import_civicfund():
    tree = ast.parse(TOOL.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= set(sys.stdlib_module_names) | {"cryptography", "__future__"}


def test_the_api_gives_the_pledges_owner_the_same_receipt(world, client, tmp_path):
    from tests.conftest import bearer

    city = world.city()
    project = world.project(city, world.officer(city))
    citizen = world.citizen()
    pledge_id = world.pledge(project, citizen, "7.00")
    answer = client.get(f"/api/v1/pledges/{pledge_id}/receipt",
                        headers=bearer(world.token(citizen)))
    assert answer.status_code == 200
    assert check(answer.json, tmp_path).returncode == 0
    other = world.token(world.citizen())
    assert client.get(f"/api/v1/pledges/{pledge_id}/receipt",
                      headers=bearer(other)).status_code == 404


def test_an_investment_statement_line_names_its_positions_and_its_receipt_verifies(
    world, client, platform, tmp_path
):
    from domain.kernel.context import Actor, acting_as
    from domain.kernel.money import Money
    from tests.e2e.test_invest_pages import offered

    offer = offered(world)
    investor = world.account("investor")
    with acting_as(Actor(str(investor), "investor"), "test-seed"):
        world.app.pass_appropriateness(answers={"capital_at_risk": "yes",
                                                "deposit_guarantee": "no",
                                                "unfunded_pilot": "released"},
                                       risk_warning_accepted=True)
        commitment = world.app.commit_to_offer(offer, amount=Money.parse("250.00", "EUR"),
                                               payment_method="pm_card_visa")
    platform.projections.catch_up()
    login(client, world.emails[investor])

    page = client.get("/invest/mine")
    positions = platform.log_positions(offer, {"commitment_id": str(commitment)})
    assert positions and f"position {positions[0]}" in page.text
    bundle = client.get(f"/invest/commitments/{commitment}/receipt.json").json
    assert [e["position"] for e in bundle["entries"]] == positions
    assert all(e["payload"]["commitment_id"] == str(commitment) for e in bundle["entries"])
    assert check(bundle, tmp_path).returncode == 0
    client.get("/logout")
    login(client, world.emails[world.account("investor")])
    assert client.get(f"/invest/commitments/{commitment}/receipt.json").status_code == 404
