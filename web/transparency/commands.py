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


@audit.command("watch", with_appcontext=False)
@click.argument("url")
@click.option("--state", "state_file", type=click.Path(dir_okay=False), default=None,
              help="Where the last checkpoint seen is kept (default: civicfund-watch-HOST.json)")
@click.option("--key", "key", default=None,
              help="The verifier key to trust (else the one first seen is kept)")
def watch(url: str, state_file: str | None, key: str | None) -> None:
    """Fetch a deployment's latest checkpoint, check its signature and that it extends the last
    one seen; exit 1 with the reason if the log was rewritten, rolled back or forked."""
    from pathlib import Path
    from urllib.parse import urlsplit

    from adapters.transparency_watch import Alarm
    from adapters.transparency_watch import watch as watch_log

    host = (urlsplit(url).netloc or "log").replace(":", "_")
    path = Path(state_file or f"civicfund-watch-{host}.json")
    try:
        click.echo(watch_log(url, path, pinned_key=key))
    except Alarm as alarm:
        click.echo(f"ALARM: {alarm}", err=True)
        raise SystemExit(1) from None


@audit.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
def export(directory: str) -> None:
    """Write the log's entries (JSON Lines, in log order) up to a new signed checkpoint, and a
    manifest with the checkpoint, the key, the counts and every project's and fund's figures.
    Check it with tools/verify_export.py DIRECTORY."""
    from pathlib import Path

    from adapters.transparency_export import ExportRefused
    from adapters.transparency_export import export as export_log

    try:
        manifest = export_log(_platform(), Path(directory))
    except ExportRefused as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Exported {manifest['entries']} entries up to the checkpoint of "
               f"{manifest['tree_size']} to {directory}.")


@audit.command("import")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
def import_(directory: str) -> None:
    """Write an export's events back into this empty database (same positions, same bytes),
    then rebuild the read models and the tree. Refuses a database that holds anything, and an
    export that does not verify. Exits 1 unless the root and the figures come out the same."""
    from pathlib import Path

    from adapters.transparency_import import ImportRefused, import_export

    try:
        imported = import_export(_platform(), Path(directory))
    except ImportRefused as error:
        raise click.ClickException(f"Nothing imported: {error}") from None
    click.echo(f"Imported {imported.events} events; the tree of {imported.tree_size} was "
               "rebuilt and the read models replayed.")
    for difference in imported.figure_differences:
        click.echo(f"DIFFERENCE: {difference}")
    if not imported.root_matches:
        click.echo("The rebuilt root is NOT the export's signed root.")
    if not imported.root_matches or imported.figure_differences:
        raise SystemExit(1)
    click.echo("The root is the export's signed root and the figures are the export's.")
