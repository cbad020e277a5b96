"""`civicfund audit ...`: checkpoints of the transparency log on demand."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup


def _platform():
    return current_app.extensions["civicfund"]


@click.group("audit", cls=AppGroup)
def audit() -> None:
    """The transparency log: checkpoints, verification, watching a deployment."""


@audit.command("checkpoint")
def checkpoint() -> None:
    """Seal what the log holds into the tree and print a signed checkpoint of it (a new one if
    the tree grew since the last)."""
    platform = _platform()
    platform.transparency.seal()
    click.echo(platform.checkpoints.sign().note, nl=False)
