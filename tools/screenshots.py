"""Screenshots of the main pages at phone and desktop widths, for the README.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Loads the demo into a throwaway SQLite database, serves it on a loopback port, and drives
Debian's chromium through Playwright, signed in as the role each page is for. The PNGs are
reduced to a 256-colour palette so each stays small enough to commit.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from adapters import migrate  # noqa: E402
from adapters.bootstrap import Platform, build_platform  # noqa: E402
from adapters.settings import Settings  # noqa: E402
from adapters.transparency_keys import LogKey  # noqa: E402
from web.demo import (  # noqa: E402
    AUDITOR_PASSWORD,
    CITIZEN_PASSWORD,
    DOMAIN,
    INVESTOR_PASSWORD,
    OFFICER_PASSWORD,
    load_demo,
)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PEOPLE = {
    "citizen": (f"citizen@{DOMAIN}", CITIZEN_PASSWORD),
    "officer": (f"porto@{DOMAIN}", OFFICER_PASSWORD),
    "investor": (f"investor@{DOMAIN}", INVESTOR_PASSWORD),
    "auditor": (f"auditor@{DOMAIN}", AUDITOR_PASSWORD),
}


@dataclass(frozen=True)
class Shot:
    name: str
    title: str
    who: str | None  # the PEOPLE key, or None for a visitor not signed in
    path: Callable[[Platform], str]


def _porto_pilot(platform: Platform):
    """An open Porto pilot that the matching fund tops up: the richest pilot page."""
    now = platform.clock.now()
    porto = [p for p in platform.read.projects(limit=1000)
             if p.city_name == "Porto" and p.is_taking_pledges(now)]
    return max(porto, key=lambda p: p.backers)


SHOTS = (
    Shot("home", "Home page", None, lambda _: "/"),
    Shot("pilot", "A pilot's page", None, lambda pf: f"/projects/{_porto_pilot(pf).id}"),
    Shot("pledge", "The pledge form", "citizen",
         lambda pf: f"/projects/{_porto_pilot(pf).id}/pledge"),
    Shot("my-pledges", "My pledges", "citizen", lambda _: "/me/pledges"),
    Shot("fund", "A matching fund", None,
         lambda pf: f"/funds/{pf.read.matching_funds()[0].id}"),
    Shot("city-console", "The city console", "officer", lambda _: "/console"),
    Shot("portfolio", "An investor's portfolio", "investor", lambda _: "/invest/mine"),
    Shot("audit", "The audit console", "auditor", lambda _: "/audit"),
    Shot("transparency", "The transparency log", None, lambda _: "/transparency/"),
    # Last: ?lang= keeps the anonymous visitor's choice in a cookie for the shots after it.
    Shot("pilot-pt", "A pilot's page in Portuguese", None,
         lambda pf: f"/projects/{_porto_pilot(pf).id}?lang=pt"),
)


@contextmanager
def demo_server(folder: Path) -> Iterator[tuple[str, Platform]]:
    """The demo on a loopback port, from a thread, as the browser tests serve the app."""
    from web.app import create_app

    url = f"sqlite:///{folder / 'demo.sqlite3'}"
    migrate.upgrade(url)
    platform = build_platform(Settings(
        database_url=url, rate_limits="off", insecure_cookies=True,
        password_method="pbkdf2:sha256:1000",  # noqa: S106 - throwaway accounts, hashed quickly
        log_signing_key=LogKey.generate("civicfund.screenshots/log").text(),
    ))
    load_demo(platform)
    app = create_app({"SECRET_KEY": LogKey.generate("civicfund.screenshots/s").text()},
                     platform=platform)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", platform
    finally:
        server.shutdown()
        thread.join(timeout=10)
        platform.close()


def compress(path: Path) -> int:
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path.stat().st_size


def sign_in(page, base: str, who: str) -> None:
    email, password = PEOPLE[who]
    page.goto(f"{base}/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    page.locator('form[action="/login"] button[type="submit"]').click()
    page.wait_for_url(lambda url: "/login" not in url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        parser.error("Debian's chromium is needed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    started = time.monotonic()
    with (tempfile.TemporaryDirectory() as folder, demo_server(Path(folder)) as (base, platform),
          sync_playwright() as p):
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for width, viewport in WIDTHS.items():
                contexts = {}
                for shot in SHOTS:
                    if shot.who not in contexts:
                        contexts[shot.who] = browser.new_context(viewport=viewport)
                        page = contexts[shot.who].new_page()
                        if shot.who:
                            sign_in(page, base, shot.who)
                    page = contexts[shot.who].pages[0]
                    answer = page.goto(base + shot.path(platform))
                    if answer is None or not answer.ok:
                        sys.exit(f"{shot.title}: {page.url} answered "
                                 f"{answer.status if answer else 'nothing'}")
                    target = args.out / f"{shot.name}-{width}.png"
                    page.screenshot(path=str(target))
                    print(f"{target.name} {compress(target) // 1024} KB")
                for context in contexts.values():
                    context.close()
        finally:
            browser.close()
    print(f"{len(SHOTS) * len(WIDTHS)} screenshots in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
