"""``xingcheng``: demo, serve, synth, db and the sub-commands that plugins add."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from xingcheng.core.settings import SettingsError, load_settings

__all__ = ["app", "main"]

console = Console(stderr=True)
app = typer.Typer(
    help="Xingcheng 星城 — an open-source city super brain.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="The metadata database: migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="Port to serve on (default 8000)")] = None,
    persons: Annotated[int | None, typer.Option(help="Persons in the synthetic city (default 20,000)")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where everything is written (default ./var)")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic city")] = 2021,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the demo city, then exit")] = False,
) -> None:
    """Build the demo city (when absent) and serve it at http://127.0.0.1:8000."""
    from xingcheng.cli.demo import build_demo, print_accounts, serve_app

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if port is not None:
        overrides["port"] = port
    if persons is not None:
        overrides["demo_persons"] = persons
    settings = load_settings(**overrides)
    accounts = build_demo(settings, seed=seed)
    print_accounts(settings, accounts)
    if not no_serve:
        serve_app(settings)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the hub (the database must be migrated: `xingcheng db upgrade`)."""
    from xingcheng.cli.demo import serve_app

    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    serve_app(load_settings(**overrides), workers=workers)


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Output folder")],
    persons: Annotated[int, typer.Option(help="Number of persons")] = 20000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same city")] = 2021,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: all cores)")] = None,
) -> None:
    """Write the synthetic city's departmental source files and its truth folder."""
    from xingcheng.cli.progress import run_with_progress
    from xingcheng.synth import generate

    manifest = run_with_progress(
        lambda progress: generate(out, persons=persons, seed=seed, workers=workers, progress=progress)
    )
    total = sum(s.records for s in manifest.sources)
    console.print(f"[green]wrote {len(manifest.sources)} sources, {total:,} records to {out}[/green]")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "heads") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from xingcheng.core.migrate import upgrade

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, revision)
    console.print("[green]database at " + revision + "[/green]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and the newest one."""
    from xingcheng.core.db import Database
    from xingcheng.core.migrate import current_revision, head_revision

    db = Database(load_settings().resolved_database_url)
    typer.echo(f"current: {current_revision(db.engine)}\nhead:    {head_revision()}")
    db.dispose()


@db_app.command("check")
def db_check() -> None:
    """Fail when the models and the migrations differ (run in CI)."""
    from xingcheng.core.migrate import check

    check(load_settings().resolved_database_url)
    console.print("[green]models and migrations agree[/green]")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", help="What the migration does")]) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from xingcheng.core.migrate import alembic_config

    command.revision(alembic_config(load_settings().resolved_database_url), message=message, autogenerate=True)


def _add_plugin_commands() -> None:
    from xingcheng.core.plugins import make_plugin_manager

    make_plugin_manager(load_settings().plugins).hook.xingcheng_commands(app=app)


def main() -> None:
    try:
        _add_plugin_commands()
        app()
    except SettingsError as exc:
        console.print(f"[red]Configuration error:[/red] {exc}")
        sys.exit(2)
