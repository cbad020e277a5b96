"""The README's API examples, run as written: bash and curl against a served platform with the
demo loaded, and the `civicfund` command on the same database for the tokens.

The README's rules-amendment example once sent `{rules, effective_from}` where the API wants the
rules' fields flat; a reader copying it got a 422. Running the examples keeps them true.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_PASSWORD_METHOD, make_platform
from web.app import create_app
from web.demo import load_demo

README = Path(__file__).resolve().parents[2] / "README.md"
DEMO_ADDRESS = "http://127.0.0.1:5000"
# Every curl fails on an HTTP error (and says why), and every line must succeed.
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --show-error "$@"; }
"""


def api_examples() -> str:
    """The shell blocks of the README's API section, in order."""
    section = README.read_text().split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))


@pytest.fixture
def served(sqlite_url):
    """The demo, served over HTTP on a free port, on the real clock (the examples' dates are
    computed from today)."""
    platform = make_platform(sqlite_url)
    load_demo(platform)
    app = create_app({"TESTING": True, "SECRET_KEY": "readme-test"}, platform=platform)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield platform, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    platform.close()


def run_examples(base: str, database_url: str, workdir: Path) -> subprocess.CompletedProcess:
    venv = Path(sys.executable).parent
    script = api_examples().replace(DEMO_ADDRESS, base).replace(
        ".venv/bin/civicfund", str(venv / "civicfund")
    )
    env = {
        **os.environ,
        "PATH": f"{venv}{os.pathsep}{os.environ.get('PATH', '')}",
        "CIVICFUND_DATABASE_URL": database_url,
        "CIVICFUND_SECRET_KEY": "readme-test",
        "CIVICFUND_PASSWORD_HASH": TEST_PASSWORD_METHOD,
    }
    return subprocess.run(
        ["bash", "-c", PRELUDE + script], cwd=workdir, env=env, capture_output=True, text=True,
        timeout=180, check=False,
    )


def test_the_api_examples_use_every_shell_block_of_the_section():
    examples = api_examples()
    assert "/pledges" in examples and "/matching-funds" in examples
    assert "/rules" in examples and "/top-ups" in examples and "/close" in examples
    assert "{rules" not in examples  # the amendment is sent flat


def test_the_readmes_api_examples_work_as_written(served, sqlite_url, tmp_path):
    platform, base = served
    citizen = platform.accounts.by_email("citizen@demo.civicfund.org")
    pledges_before = len(platform.read.pledges_of(citizen.id))

    result = run_examples(base, sqlite_url, tmp_path)

    assert result.returncode == 0, f"{result.stderr}\n{result.stdout}"
    platform.projections.catch_up()
    made = platform.read.pledges_of(citizen.id)
    assert len(made) == pledges_before + 1
    assert made[0].amount.to_decimal_string() == "25.00"
    [fund] = [f for f in platform.read.matching_funds() if f.name == "Neighbourhood Match"]
    assert fund.city_name == "Porto" and fund.status == "closed"
    assert fund.pool.to_decimal_string() == "6000.00"  # 5,000.00 and a top-up of 1,000.00
    versions = platform.read.fund_rule_versions(fund.id)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].rules["factor"] == "2" and versions[1].effective_from > fund.opens_at


def test_the_readme_says_auditors_read_everything_and_change_nothing():
    """What tests/e2e/test_auditor_read_only.py checks: the README's auditor row says so."""
    [row] = [line for line in README.read_text().splitlines() if line.startswith("| auditor |")]
    assert "reads everything and changes nothing" in row
    assert "## Auditors" in README.read_text()
