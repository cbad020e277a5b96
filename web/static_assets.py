"""Static files under content-hashed names, cached for a year.

Templates keep writing `url_for('static', filename='style.css')`; the URL becomes
/static/style.3f9a2c1b.css, the first eight hex digits of the SHA-256 of the file's content
(computed once per process, so every gunicorn worker serving the same files agrees). A hashed
URL never changes content, so browsers and proxies may keep it for a year without asking again;
a new release changes the content, hence the URL. The plain name still works, with a short
cache, for links from outside; a hashed name whose hash is not the file's answers 404.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, send_from_directory
from werkzeug.security import safe_join

YEAR = 31536000
SHORT = 300  # the plain names: five minutes
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{8})(?P<suffix>\.[A-Za-z0-9]+)$")
_EXTENSION = "civicfund.static_hashes"


def _digest(app: Flask, filename: str) -> str | None:
    """The file's content hash, or None when there is no such file."""
    hashes: dict[str, str | None] = app.extensions.setdefault(_EXTENSION, {})
    if filename not in hashes:
        path = safe_join(app.static_folder or "", filename)
        if path is None or not Path(path).is_file():
            return None
        hashes[filename] = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:8]
    return hashes[filename]


def hashed_name(app: Flask, filename: str) -> str:
    digest = _digest(app, filename)
    if digest is None:
        return filename
    stem, suffix = posixpath.splitext(filename)
    return f"{stem}.{digest}{suffix}"


def serve(filename: str):
    app = current_app
    folder = app.static_folder or ""
    match = HASHED.match(filename)
    if match and _digest(app, filename) is None:
        original = match["stem"] + match["suffix"]
        if _digest(app, original) != match["digest"]:
            abort(404)
        response = send_from_directory(folder, original, max_age=YEAR)
        response.cache_control.public = True
        response.cache_control.immutable = True
        return response
    response = send_from_directory(folder, filename, max_age=SHORT)
    response.cache_control.public = True
    return response


def init_app(app: Flask) -> None:
    @app.url_defaults
    def _hash_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = hashed_name(app, values["filename"])

    app.view_functions["static"] = serve
