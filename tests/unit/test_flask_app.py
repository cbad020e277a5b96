"""The application class. Addresses are built once per process and kept: the kept path is the
one Flask builds, for every kind of value, and what cannot be kept (external addresses, relative
endpoints, values that cannot be keys) is built by Flask each time. The session cookie's signer
is made once per secret key and follows a new one."""

from __future__ import annotations

from uuid import uuid4

from flask import Flask, url_for

from web.flask_app import CivicfundFlask


def apps() -> tuple[Flask, Flask]:
    made = []
    for cls in (Flask, CivicfundFlask):
        app = cls(__name__)
        app.add_url_rule("/projects/<uuid:project_id>", "project", lambda project_id: "")
        app.add_url_rule("/cities/<name>/areas/<path:area>", "area", lambda name, area: "")
        made.append(app)
    return made[0], made[1]


def test_kept_addresses_are_flasks_own():
    plain, kept = apps()
    project = uuid4()
    calls = [
        ("project", {"project_id": project}),
        ("project", {"project_id": project, "page": 2, "q": "bänk & co"}),
        ("project", {"project_id": project, "_anchor": "pledge"}),
        ("area", {"name": "Porto", "area": "Baixa/Sé"}),
        ("project", {"project_id": project, "_external": True}),
        ("project", {"project_id": project, "tags": ["a", "b"]}),
    ]
    for script_root in ("", "/civic"):
        for app in (plain, kept):
            app.config["APPLICATION_ROOT"] = script_root or "/"
        for endpoint, values in calls:
            expected = []
            for app in (plain, kept, kept):
                with app.test_request_context("/", base_url=f"http://x.test{script_root}/"):
                    expected.append(url_for(endpoint, **values))
            assert expected[0] == expected[1] == expected[2], (endpoint, values)
    assert len(kept.__dict__["_kept_urls"]) == 8  # four kept paths under each script root


def test_the_kept_session_signer_follows_the_secret_key():
    app = CivicfundFlask(__name__)
    app.secret_key = "first secret"

    @app.get("/set")
    def set_value():
        from flask import session
        session["n"] = 7
        return ""

    @app.get("/get")
    def get_value():
        from flask import session
        return str(session.get("n"))

    client = app.test_client()
    client.get("/set")
    assert client.get("/get").text == "7"
    app.secret_key = "second secret"  # a cookie signed under the old key no longer counts
    assert client.get("/get").text == "None"
