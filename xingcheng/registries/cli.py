"""``xingcheng registries …``: build the five base registries, show what the last build found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["registries_app"]

registries_app = typer.Typer(help="The five base registries (五大基础库): build, status, issues.", no_args_is_help=True)
console = Console()


@registries_app.command("build")
def build_command(
    source: Annotated[
        Path | None, typer.Option(help="A synthetic city folder to read instead of the configured sources")
    ] = None,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train the linkage models again")] = False,
) -> None:
    """Build (or update) the registries from the departmental sources; print what changed."""
    from xingcheng.cli.context import hub
    from xingcheng.cli.progress import run_with_progress
    from xingcheng.core.events import EventBus
    from xingcheng.registries import service
    from xingcheng.registries.sources import open_sources

    h = hub()
    bus = EventBus()
    with h.db.session() as db:
        reader = open_sources(h.settings, source, db=db)
        outcome = run_with_progress(
            lambda progress: service.run_build(
                db,
                reader,
                events=bus,
                progress=progress,
                retrain=retrain,
                threads=h.settings.registries_threads,
                memory_limit=h.settings.registries_memory_limit,
            )
        )
        metrics = outcome.build.metrics
        console.print(
            f"[green]build {outcome.build.id} ({outcome.build.kind}): {metrics.get('persons', 0):,} persons, "
            f"{metrics.get('companies', 0):,} companies, {len(outcome.events) - 1:,} changes[/green]"
        )


@registries_app.command("status")
def status_command() -> None:
    """Counts of the registries, the last build and the open data-quality issues per department."""
    from xingcheng.cli.context import hub
    from xingcheng.registries import reading

    with hub().db.session() as db:
        data = reading.summary(db)
    table = Table(title="五大基础库 Registries")
    table.add_column("registry")
    table.add_column("count", justify="right")
    for key in ("persons", "companies", "addresses", "components", "buildings", "houses", "open_issues"):
        table.add_row(key, f"{data[key]:,}")
    console.print(table)
    issues = Table(title="open issues")
    for column in ("registry", "department", "kind", "count"):
        issues.add_column(column)
    for row in data["issues"]:
        issues.add_row(row["registry"], row["department_code"], row["kind"], str(row["count"]))
    console.print(issues)
    if data["last_build"]:
        console.print(json.dumps(data["last_build"], ensure_ascii=False, default=str))
