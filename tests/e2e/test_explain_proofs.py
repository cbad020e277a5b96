"""Explain pages (issue 13): each line links its event's inclusion proof, which verifies against
the signed checkpoint, and, for auditors and administrators, a receipt of that one event."""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from adapters.transparency_keys import open_note
from domain.transparency import merkle
from domain.transparency.notes import parse_verifier_key
from tests.conftest import login

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_receipt.py"
PROOF = re.compile(r'class="inclusion-proof" href="([^"]+)"')
RECEIPT = re.compile(r'class="line-receipt" href="([^"]+)"')


def raised_page(client, world) -> str:
    porto = world.city()
    project = world.project(porto, world.officer(porto), closes_in=timedelta(days=20),
                            lines=(("Sensors", "1000.00", True),))
    for amount in ("40.00", "12.50"):
        world.pledge(project, world.citizen(), amount)
    return f"/explain/project/{project}/raised"


def test_each_line_links_a_proof_that_verifies_against_the_signed_checkpoint(client, world):
    page = client.get(raised_page(client, world))
    assert page.status_code == 200
    links = [html.unescape(link) for link in PROOF.findall(page.text)]
    assert len(links) == 2
    assert not RECEIPT.findall(page.text)  # the events' entries are for auditors
    key = parse_verifier_key(client.get("/transparency/key").text)
    notes = {c["tree_size"]: c["note"]
             for c in client.get("/transparency/checkpoints").get_json()["checkpoints"]}
    for link in links:
        proof = client.get(link)
        assert proof.status_code == 200, link
        body = proof.get_json()
        checkpoint = open_note(notes[body["tree_size"]], key)
        assert merkle.verify_inclusion(
            body["leaf_index"], body["tree_size"], base64.b64decode(body["leaf_hash"]),
            [base64.b64decode(h) for h in body["hashes"]], checkpoint.root_hash)


def test_an_auditor_downloads_a_lines_receipt_that_verifies_offline(client, world, tmp_path):
    auditor = world.account("auditor")
    explained = raised_page(client, world)
    positions = [int(p) for p in re.findall(r"position=(\d+)", client.get(explained).text)]
    assert client.get(f"/explain/receipts/{positions[0]}.json").status_code == 403

    login(client, world.emails[auditor])
    page = client.get(explained)
    links = RECEIPT.findall(page.text)
    assert len(links) == 2
    receipt = client.get(links[-1])
    assert receipt.status_code == 200
    bundle = receipt.get_json()
    assert [e["position"] for e in bundle["entries"]] == [positions[-1]]
    assert bundle["entries"][0]["topic"].endswith("Pledge.Authorised")
    saved = tmp_path / "receipt.json"
    saved.write_text(json.dumps(bundle))
    checked = subprocess.run([sys.executable, str(TOOL), str(saved)], capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.startswith(f"OK: 1 entries (positions {positions[-1]})")
    assert client.get("/explain/receipts/999999.json").status_code == 404
