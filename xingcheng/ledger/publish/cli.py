"""``xingcheng ledger harvest|publish-up|peers …``: federation from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xingcheng.core.i18n import Catalog, load_builtin
from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish import service
from xingcheng.ledger.publish.dcat import HubInfo
from xingcheng.ledger.publish.errors import HarvestFailed
from xingcheng.ledger.publish.harvest import publish_up as _publish_up
from xingcheng.ledger.publish.hub import hub_info_for
from xingcheng.ledger.publish.schemas import HarvestSourceIn

__all__ = ["register"]

console = Console()
peers_app = typer.Typer(help="Hubs this one harvests (peers, lower hubs) or publishes up to.", no_args_is_help=True)


def _hub():
    from xingcheng.cli.context import hub

    return hub()


def _identity(settings) -> HubInfo:
    catalog = Catalog()
    for lang, messages in load_builtin("xingcheng.ledger.publish").items():
        catalog.add(lang, messages)
    return hub_info_for(settings, f"http://{settings.host}:{settings.port}", catalog)


def harvest(
    peer: Annotated[str | None, typer.Argument(help="Source name (default: every enabled peer and lower hub)")] = None,
    full: Annotated[bool, typer.Option("--full", help="Fetch everything and withdraw what the peer dropped")] = False,
) -> None:
    """Harvest peer hubs incrementally through their CKAN API."""
    h = _hub()
    me = _identity(h.settings)
    with h.db.session() as db:
        if peer:
            names = [service.get_source(db, peer).name]
        else:
            names = [s.name for s in repo.list_sources(db, ["peer", "lower"]) if s.enabled]
    if not names:
        console.print("no harvest sources: add one with `xingcheng ledger peers add`")
        return
    failed = False
    for name in names:
        with h.db.session() as db:  # one source, one transaction
            source = service.get_source(db, name)
            run = service.run_harvest(db, h.settings, me, source, trigger="cli", actor="cli", full=full)
            line = (
                f"{name}: {run.status} — seen {run.seen}, created {run.created}, updated {run.updated}, "
                f"unchanged {run.unchanged}, skipped {run.skipped}, withdrawn {run.withdrawn}, "
                f"errors {len(run.errors)}, requests {run.requests}"
            )
            if run.error_key:
                line += f" ({run.error_key})"
            failed = failed or run.status == "failed"
        console.print(line)
    if failed:
        raise typer.Exit(1)


def publish_up(
    to: Annotated[str | None, typer.Option("--to", help="The upper hub's source name (default: the only one)")] = None,
) -> None:
    """Ask the higher hub to harvest our shareable catalog now (it pulls through our CKAN API)."""
    h = _hub()
    with h.db.session() as db:
        uppers = [s for s in repo.list_sources(db, ["upper"]) if s.enabled and (to is None or s.name == to)]
        if len(uppers) != 1:
            console.print("name the upper hub with --to (sources of kind upper: `xingcheng ledger peers list`)")
            raise typer.Exit(2)
        source = uppers[0]
        db.expunge(source)
    try:
        job = _publish_up(h.settings, source, h.settings.effective_hub_name)
    except HarvestFailed as exc:
        console.print(f"publish-up to {source.name} failed: {exc.detail_key}")
        raise typer.Exit(1) from None
    stats = job.get("stats", {})
    console.print(
        f"{source.name} harvested us: {job.get('status')} — added {stats.get('added')}, updated "
        f"{stats.get('updated')}, unchanged {stats.get('not modified')}, errors {stats.get('errored')}"
    )
    if job.get("run_status") == "failed":
        raise typer.Exit(1)


@peers_app.command("list")
def peers_list() -> None:
    """List harvest sources and upper hubs."""
    h = _hub()
    table = Table("name", "kind", "url", "private", "cursor", "last run")
    with h.db.session() as db:
        for s in repo.list_sources(db):
            table.add_row(
                s.name,
                s.kind,
                s.url,
                "yes" if s.include_private else "no",
                s.cursor.isoformat() if s.cursor else "—",
                s.last_status,
            )
    console.print(table)


@peers_app.command("add")
def peers_add(
    name: str,
    url: str,
    title: Annotated[str | None, typer.Option(help="Display title")] = None,
    kind: Annotated[str, typer.Option(help="peer, lower or upper")] = "peer",
    department: Annotated[str | None, typer.Option(help="Department code standing for that hub here")] = None,
    public_only: Annotated[bool, typer.Option("--public-only", help="Ask only for the open entries")] = False,
) -> None:
    """Add a hub to harvest (peer, lower) or to publish up to (upper)."""
    h = _hub()
    data = HarvestSourceIn(
        name=name,
        title=title or name,
        url=url,
        kind=kind,  # type: ignore[arg-type]
        department_code=department,
        include_private=not public_only,
    )
    with h.db.session() as db:
        service.add_source(db, data)
    console.print(f"added {kind} {name} ({url})")


@peers_app.command("remove")
def peers_remove(name: str) -> None:
    """Remove a source (its harvested entries stay, read-only)."""
    h = _hub()
    with h.db.session() as db:
        service.remove_source(db, name)
    console.print(f"removed {name}")


def register(app: typer.Typer) -> None:
    """Join the ``ledger`` command group (created by the ledger plugin, or here when it has none)."""
    group = next((g.typer_instance for g in app.registered_groups if g.name == "ledger"), None)
    if group is None:
        group = typer.Typer(help="The data ledger (数据一本帐).", no_args_is_help=True)
        app.add_typer(group, name="ledger")
    if any(c.name == "harvest" for c in group.registered_commands):
        return
    group.command("harvest")(harvest)
    group.command("publish-up")(publish_up)
    group.add_typer(peers_app, name="peers")
