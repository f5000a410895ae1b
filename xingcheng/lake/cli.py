"""``xingcheng ingest`` and ``xingcheng lake …``: loads with Rich progress bars, versions, retention, pulls.

``xingcheng ingest RESOURCE_CODE FILE`` exits 0 only when the load created a version: 1 when it was refused
(too many failing rows; the quarantine report is kept), 2 when the file could not be used, 3 when another
load of the resource is running.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from xingcheng.core.errors import XingchengError

__all__ = ["ingest", "lake_app"]

lake_app = typer.Typer(
    help="The lake: versions, quality, retention, source profiles, database pulls.", no_args_is_help=True
)
pulls_app = typer.Typer(help="Scheduled pulls from department databases.", no_args_is_help=True)
lake_app.add_typer(pulls_app, name="pulls")
console = Console()
err = Console(stderr=True)


def _context() -> tuple[Any, Any, Any]:
    from xingcheng.cli.context import hub
    from xingcheng.core.i18n import Catalog, load_builtin
    from xingcheng.lake.service import LakeService

    h = hub()
    catalog = Catalog()
    for package in ("xingcheng.core", "xingcheng.lake"):
        for lang, messages in load_builtin(package).items():
            catalog.add(lang, messages)
    return h, LakeService(h.settings), catalog.translator(h.settings.language)


def ingest(
    resource_code: Annotated[str, typer.Argument(help="The resource's catalog code")],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GBK), XLSX, JSON lines or Parquet")],
    mode: Annotated[
        str, typer.Option(help="full: the file is the whole resource; upsert: replace rows by key")
    ] = "full",
) -> None:
    """Load FILE into resource RESOURCE_CODE: validate, quarantine failing rows, create a version."""
    from xingcheng.cli.progress import run_with_progress
    from xingcheng.lake import repository as repo

    h, svc, _ = _context()
    if not file.is_file():
        err.print(f"[red]{_('lake.file.missing')}[/red]")
        raise typer.Exit(2)
    try:
        with h.db.session() as db:
            load_id = svc.start_load(db, resource_code, file.resolve(), mode=mode, source_kind="cli", by="cli").id
        run_with_progress(lambda progress: svc.run_load_job(h.db, load_id, progress))
    except XingchengError as exc:
        err.print(f"[red]{_(exc.detail_key or exc.title_key, **exc.params)}[/red]")
        raise typer.Exit(3 if exc.status_code == 409 else 2) from None
    with h.db.session() as db:
        load = repo.load_by_id(db, load_id)
        assert load is not None
        version = repo.version_of_load(db, load_id)
        table = Table(show_header=False)
        table.add_row(_("lake.state"), _(f"lake.status.{load.status}") + (f" · v{version.number}" if version else ""))
        table.add_row(_("lake.rows_read"), f"{load.rows_read:,}")
        table.add_row(_("lake.rows_loaded"), f"{load.rows_loaded:,}")
        table.add_row(_("lake.rows_failed"), f"{load.rows_failed:,}")
        for rc in repo.rule_counts(db, load_id)[:10]:
            table.add_row(f"  {rc.field}", f"{_('lake.rule.' + rc.rule)}: {rc.count:,}")
        console.print(table)
        if load.error_key:
            err.print(f"[red]{_(load.error_key, ratio=f'{load.max_failure_ratio:.1%}')}[/red]")
            for e in load.errors:
                err.print(
                    f"  {e.get('field', '')}: {_(e.get('message_key', 'error.field_invalid'), **e.get('params', {}))}"
                )
        status = load.status
    if status == "committed":
        return
    raise typer.Exit(1 if status == "refused" else 2)


@lake_app.command("versions")
def versions(resource_code: str) -> None:
    """List a resource's versions with their scorecards."""
    from xingcheng.lake import repository as repo

    h, svc, _ = _context()
    with h.db.session() as db:
        svc.schema(db, resource_code)
        table = Table("version", "snapshot", "rows", "created", "score", "state")
        rows = repo.list_versions(db, resource_code)
        quality = repo.quality_of_versions(db, [v.id for v in rows])
        for v in rows:
            q = quality.get(v.id)
            table.add_row(
                f"v{v.number}",
                str(v.snapshot_id),
                f"{v.rows:,}",
                v.created_at.strftime("%Y-%m-%d %H:%M"),
                f"{q.score:.3f}" if q and q.score is not None else "—",
                "expired" if v.expired_at else "live",
            )
    console.print(table)


@lake_app.command("expire")
def expire() -> None:
    """Apply the retention policy to every resource and remove files no snapshot needs."""
    h, svc, _ = _context()
    with h.db.session() as db:
        gone = svc.expire(db)
    removed = svc.cleanup()
    console.print(f"expired {len(gone)} versions; removed {removed} unreferenced files")


@lake_app.command("import-profiles")
def import_profiles(
    manifest: Annotated[Path, typer.Argument(help="manifest.json of a synthetic city")],
    mapping: Annotated[list[str], typer.Option(help="SOURCE_ID=RESOURCE_CODE (repeat)")] = [],  # noqa: B006
) -> None:
    """Write source profiles (column map, encoding, date formats) from a synth manifest."""
    from xingcheng.lake.profiles import profile_from_manifest
    from xingcheng.synth import read_manifest

    h, svc, _ = _context()
    pairs = dict(m.split("=", 1) for m in mapping)
    data = read_manifest(manifest)
    with h.db.session() as db:
        for source in data.get("sources", []):
            code = pairs.get(source["id"])
            if code is None:
                continue
            svc.set_profile(db, code, profile_from_manifest(source, svc.schema(db, code)), origin="manifest", by="cli")
            console.print(f"{source['id']} → {code}")


@pulls_app.command("list")
def pulls_list() -> None:
    """List database pulls (URLs without passwords)."""
    from xingcheng.lake import pulls
    from xingcheng.lake import repository as repo

    h, _svc, _ = _context()
    table = Table("id", "resource", "name", "url", "every (min)", "next run", "enabled")
    with h.db.session() as db:
        for p in repo.list_pulls(db):
            table.add_row(
                str(p.id),
                p.resource_code,
                p.name,
                pulls.public_url(p.url),
                str(p.interval_minutes),
                p.next_run_at.strftime("%Y-%m-%d %H:%M"),
                "yes" if p.enabled else "no",
            )
    console.print(table)


@pulls_app.command("add")
def pulls_add(
    resource_code: str,
    name: Annotated[str, typer.Option(help="A name for the pull")],
    url: Annotated[str, typer.Option(help="SQLAlchemy URL of the department database")],
    query: Annotated[str, typer.Option(help="A table name or one SELECT query")],
    mode: Annotated[str, typer.Option(help="full or upsert")] = "full",
    every: Annotated[int, typer.Option(help="Interval in minutes")] = 1440,
) -> None:
    """Schedule a pull from a department database into a resource."""
    from xingcheng.lake import pulls
    from xingcheng.lake.schemas import PullIn

    h, svc, _ = _context()
    with h.db.session() as db:
        svc.schema(db, resource_code)
        pull = pulls.create_pull(
            db, resource_code, PullIn(name=name, url=url, query=query, mode=mode, interval_minutes=every), by="cli"
        )
        console.print(f"pull {pull.id} scheduled every {every} minutes")


@pulls_app.command("run")
def pulls_run(pull_id: int) -> None:
    """Run one pull now."""
    from xingcheng.lake import pulls

    h, svc, _ = _context()
    load = pulls.run_pull(svc, h.db, pull_id, by="cli")
    console.print(f"load {load.id}: {load.status} ({load.rows_loaded:,} of {load.rows_read:,} rows)")
    if load.status != "committed":
        raise typer.Exit(1)


@pulls_app.command("run-due")
def pulls_run_due() -> None:
    """Run every pull that is due (call from cron or a systemd timer)."""
    ran = _run_due()
    console.print(f"ran {ran} pulls")


def _run_due() -> int:
    from xingcheng.lake import pulls

    h, svc, _ = _context()
    with h.db.session() as db:
        due = pulls.due(db)
    for pull_id in due:
        try:
            pulls.run_pull(svc, h.db, pull_id, by="scheduler")
        except XingchengError as exc:
            err.print(f"pull {pull_id}: {exc.detail_key or exc.title_key}")
    return len(due)


@lake_app.command("scheduler")
def scheduler(
    interval: Annotated[int, typer.Option(help="Seconds between checks")] = 60,
    once: Annotated[bool, typer.Option("--once", help="Check once and exit")] = False,
) -> None:
    """Run due pulls in a loop (a small scheduler for a single machine)."""
    while True:
        _run_due()
        if once:
            return
        time.sleep(interval)


@lake_app.command("parity")
def parity(resource_code: str) -> None:
    """Run the validation-and-aggregation job on DuckDB and on Spark; fail when the results differ."""
    from xingcheng.lake.query import parity_check

    h, svc, _ = _context()
    with h.db.session() as db:
        result = parity_check(svc, db, resource_code)
    console.print(f"duckdb rows: {len(result.duckdb)}; spark rows: {len(result.spark)}; equal: {result.equal}")
    if not result.equal:
        raise typer.Exit(1)
