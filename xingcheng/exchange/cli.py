"""``xingcheng exchange …`` (services, deadlines) and ``xingcheng audit …`` (verify and sign the audit log)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["audit_app", "exchange_app"]

exchange_app = typer.Typer(help="The data-service exchange: services and request deadlines.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit log: verify, sign.", no_args_is_help=True)
console = Console()


def _runtime():
    from xingcheng.cli.context import hub
    from xingcheng.exchange.runtime import Runtime

    h = hub()
    return h, Runtime.build(h.settings)


@exchange_app.command("sync")
def sync() -> None:
    """Give every published resource its data services (and retire those of retired resources)."""
    from xingcheng.exchange.service import sync_services

    h, rt = _runtime()
    with h.db.session() as db:
        made, retired = sync_services(db)
    rt.close()
    h.db.dispose()
    console.print(f"[green]{made} services made, {retired} retired[/green]")


@exchange_app.command("sweep")
def sweep() -> None:
    """Remind providers of near deadlines and escalate overdue requests to the data bureau (run from cron)."""
    from xingcheng.exchange.service import sweep_deadlines

    h, rt = _runtime()
    with h.db.session() as db:
        counts = sweep_deadlines(db, rt)
    rt.close()
    h.db.dispose()
    console.print(f"[green]{counts['reminded']} reminded, {counts['escalated']} escalated[/green]")


@audit_app.command("verify")
def verify(quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar")] = False) -> None:
    """Check every entry, the hash chain, the head and every signed tree head; exit 1 on any problem."""
    from xingcheng.cli.progress import run_with_progress
    from xingcheng.exchange.audit.verify import verify_log

    h, rt = _runtime()
    with h.db.session() as db:
        if quiet:
            report = verify_log(db, rt.audit.key)
        else:
            report = run_with_progress(
                lambda progress: verify_log(db, rt.audit.key, progress=lambda d, t: progress("verify", d, t))
            )
    rt.close()
    h.db.dispose()
    if report.ok:
        console.print(
            f"[green]audit log intact: {report.entries:,} entries, {report.heads_checked} signed heads[/green]"
        )
        return
    for p in report.problems[:50]:
        console.print(f"[red]{p.kind}[/red] at {p.seq}: {p.detail}")
    console.print(f"[red]audit log damaged: {len(report.problems)} problems ({', '.join(report.kinds)})[/red]")
    sys.exit(1)


@audit_app.command("sign")
def sign() -> None:
    """Sign the current tree head now (when entries were added since the last signed head)."""
    h, rt = _runtime()
    with h.db.session() as db:
        head = rt.audit.sign_now(db)
    rt.close()
    h.db.dispose()
    console.print(f"signed tree head of {head.tree_size:,} entries" if head else "nothing new to sign")
