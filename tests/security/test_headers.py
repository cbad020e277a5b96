"""Security headers on every response of every route: a Content-Security-Policy that frames
nothing in and runs only this site's files (Stripe's too in stripe mode), Permissions-Policy,
HSTS over HTTPS, and no-store on anything personal."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.conftest import login, make_platform

SAMPLE = {"uuid": str(uuid.UUID(int=1)), "int": "1"}
CONVERTER = re.compile(r"<(?:([a-z_]+)(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")


def sample_url(rule: str) -> str:
    return CONVERTER.sub(lambda m: SAMPLE.get(m.group(1) or "", "x"), rule)


def every_request(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            path = sample_url(rule.rule)
            if rule.endpoint == "static":
                path = "/static/style.css"
            yield method, path, rule.endpoint


def assert_protected(response, where: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, where
    assert "default-src 'self'" in policy and "script-src 'self'" in policy, where
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "same-origin", where


def test_every_route_answers_with_the_headers_signed_out(app, client):
    seen = 0
    for method, path, endpoint in every_request(app):
        response = client.open(path, method=method)
        assert response.status_code < 500, (method, path)
        assert_protected(response, f"{method} {path} ({endpoint})")
        seen += 1
    assert seen > 60  # the whole map, not a handful


def test_every_route_answers_signed_in_with_no_store(app, world):
    client = app.test_client()
    login(client, world.emails[world.account("admin")])
    for method, path, endpoint in every_request(app):
        response = client.open(path, method=method)
        where = f"{method} {path} ({endpoint})"
        assert_protected(response, where)
        if endpoint != "static":
            assert response.headers.get("Cache-Control") == "no-store", where


def test_public_pages_signed_out_may_be_cached_but_secrets_may_not(client, world):
    assert "no-store" not in (client.get("/projects").headers.get("Cache-Control") or "")
    citizen = world.citizen()
    issued = client.post("/api/v1/tokens",
                         json={"email": world.emails[citizen], "password": "correct horse battery"})
    assert issued.status_code == 201
    assert issued.headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/password/reset/not-a-token").headers["Cache-Control"] == "no-store"


def test_hsts_only_over_https(app):
    plain = app.test_client().get("/")
    secure = app.test_client().get("/", base_url="https://localhost")
    assert "Strict-Transport-Security" not in plain.headers
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_stripe_is_allowed_only_in_stripe_mode(app, sqlite_url, clock):
    from web.app import create_app

    sandbox = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "stripe" not in sandbox and "frame-src 'none'" in sandbox

    platform = make_platform(sqlite_url, clock, payments="stripe",
                             stripe_secret_key="sk_test_placeholder",
                             stripe_api_base="http://127.0.0.1:9")
    try:
        stripe_app = create_app({"TESTING": True, "SECRET_KEY": "x"}, platform=platform)
        policy = stripe_app.test_client().get("/").headers["Content-Security-Policy"]
    finally:
        platform.close()
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert "https://js.stripe.com" in directives["script-src"]
    assert "https://js.stripe.com" in directives["frame-src"]
    assert "https://hooks.stripe.com" in directives["frame-src"]
    assert "https://api.stripe.com" in directives["connect-src"]
    assert directives["frame-ancestors"] == "'none'"


def test_no_page_carries_an_inline_script_or_style(app, client, world):
    porto = world.city()
    officer = world.officer(porto)
    project = world.project(porto, officer)
    world.pledge(project, world.citizen(), "25.00")
    pages = ["/", "/projects", f"/projects/{project}", "/funds", "/login", "/register"]
    for path in pages:
        html = client.get(path).text
        assert " style=" not in html, path
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\son[a-z]+=", html), path


def test_the_favicon_is_served(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"


@pytest.mark.browser
def test_pages_with_bars_and_scripts_work_under_the_policy(app, world, tmp_path):
    """A real browser reports any CSP violation on the pages that draw bars or run scripts."""
    import threading

    from werkzeug.serving import make_server

    from tests.e2e.test_browser import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    porto = world.city()
    officer = world.officer(porto)
    project = world.project(porto, officer)
    world.pledge(project, world.citizen(), "2500.00")
    citizen_email = world.emails[world.citizen()]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    violations: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            page = browser.new_page(locale="en-GB")
            page.on("console", lambda m: violations.append(m.text)
                    if "Content Security Policy" in m.text else None)
            page.goto(f"{base}/projects/{project}")
            width = page.locator(".progress-bar").first.evaluate(
                "e => getComputedStyle(e).width")
            assert width not in ("0px", "auto")
            page.goto(f"{base}/login")
            page.fill('input[name="email"]', citizen_email)
            page.fill('input[name="password"]', "correct horse battery")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/login" not in url)
            page.goto(f"{base}/projects/{project}/pledge")
            assert page.url.endswith(f"/projects/{project}/pledge")  # signed in: the form
            page.fill('input[name="amount"]', "10.00")
            page.screenshot(path=str(tmp_path / "pledge.png"))
            browser.close()
    finally:
        server.shutdown()
    assert violations == []
