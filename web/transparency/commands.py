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


@audit.command("verify")
def verify() -> None:
    """Recompute every event's leaf and check the tree and every signed checkpoint; name each
    modified, reordered, deleted or inserted event by its position. Exits 1 on any problem."""
    report = _platform().verify_log()
    click.echo(f"{report.events} events, {report.sealed} sealed, {report.unsealed} not sealed "
               f"yet; {report.checkpoints} checkpoints; {report.seconds:.2f} s")
    for problem in report.problems:
        where = f"position {problem.position}: " if problem.position is not None else ""
        click.echo(f"{problem.kind.upper()}: {where}{problem.message}")
    if not report.ok:
        click.echo(f"The log does NOT verify: {len(report.problems)} problem(s).")
        raise SystemExit(1)
    click.echo("The log verifies.")
