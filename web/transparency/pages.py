"""Public: the latest signed checkpoint, the checkpoints' history and the verifier key, as
plain text (the C2SP formats) and JSON for tools, with a short page saying what they are."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from web.services import platform

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

HISTORY = 1000


def latest_note() -> str:
    """The latest signed checkpoint; the first is signed on demand (after sealing what the log
    holds), so a fresh deployment answers too."""
    latest = platform().checkpoints.latest()
    if latest is None:
        platform().transparency.seal()
        latest = platform().checkpoints.sign()
    return latest.note


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain", headers={"Cache-Control": "no-cache"})


@bp.get("/")
def about():
    checkpoints = platform().checkpoints
    return render_template("transparency/about.html", key=checkpoints.verifier.text(),
                           history=checkpoints.history(20))


@bp.get("/checkpoint")
def checkpoint():
    return _text(latest_note())


@bp.get("/key")
def key():
    return _text(platform().checkpoints.verifier.text() + "\n")


@bp.get("/checkpoints")
def checkpoints():
    return jsonify({"checkpoints": [
        {"tree_size": c.tree_size, "root_hash": c.note.split("\n")[2],
         "signed_at": c.signed_at.isoformat(), "note": c.note}
        for c in platform().checkpoints.history(HISTORY)
    ]})
