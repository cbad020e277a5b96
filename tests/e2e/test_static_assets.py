"""Static files: content-hashed URLs cached for a year, plain names with a short cache."""

from __future__ import annotations

import re

from tests.conftest import login

STYLE_LINK = re.compile(r'<link rel="stylesheet" href="(/static/style\.([0-9a-f]{8})\.css)">')


def test_the_page_links_its_css_by_a_hash_that_is_cached_for_a_year(world, client):
    world.city("Porto")
    page = client.get("/projects")
    match = STYLE_LINK.search(page.text)
    assert match, "the stylesheet link is not content-hashed"

    css = client.get(match.group(1))

    assert css.status_code == 200
    assert "text/css" in css.content_type
    assert ":focus-visible" in css.text
    cache = css.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    css.close()


def test_a_signed_in_person_gets_the_same_long_cache(world, client):
    # The security headers mark personal answers no-store; a stylesheet is nobody's.
    citizen = world.citizen()
    login(client, world.emails[citizen])
    url = STYLE_LINK.search(client.get("/projects").text).group(1)

    css = client.get(url)

    assert "immutable" in css.headers["Cache-Control"]
    assert "no-store" not in css.headers["Cache-Control"]
    css.close()


def test_the_plain_name_still_works_with_a_short_cache_and_a_wrong_hash_is_not_found(client):
    plain = client.get("/static/style.css")
    assert plain.status_code == 200
    assert "immutable" not in plain.headers["Cache-Control"]
    assert "max-age=300" in plain.headers["Cache-Control"]
    plain.close()

    assert client.get("/static/style.00000000.css").status_code == 404
    assert client.get("/static/nothing.0badc0de.css").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


def test_changing_a_files_content_changes_its_url(platform, tmp_path):
    from web.app import create_app

    def stylesheet_url(content: str) -> tuple[str, str]:
        folder = tmp_path / content
        folder.mkdir()
        (folder / "style.css").write_text(content)
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=platform)
        app.static_folder = str(folder)
        with app.test_request_context():
            from flask import url_for

            url = url_for("static", filename="style.css")
        served = app.test_client().get(url)
        assert served.status_code == 200
        body = served.text
        served.close()
        return url, body

    first, first_body = stylesheet_url("body{color:#111}")
    second, second_body = stylesheet_url("body{color:#222}")

    assert first != second
    assert re.fullmatch(r"/static/style\.[0-9a-f]{8}\.css", first)
    assert (first_body, second_body) == ("body{color:#111}", "body{color:#222}")
