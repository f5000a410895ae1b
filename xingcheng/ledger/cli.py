"""``xingcheng ledger …``: import a catalog file, write the import template, rebuild the search index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["ledger_app"]

ledger_app = typer.Typer(
    help="The data ledger (数据一本帐): catalog import, template, search index.", no_args_is_help=True
)
console = Console()
err_console = Console(stderr=True)


def _translator(language: str):
    from xingcheng.core.i18n import Catalog, load_builtin

    catalog = Catalog()
    for package in ("xingcheng.core", "xingcheng.ledger"):
        for lang, messages in load_builtin(package).items():
            catalog.add(lang, messages)
    return catalog.translator(language)


@ledger_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="Catalog spreadsheet (.xlsx) or YAML file", exists=True, dir_okay=False)],
    department: Annotated[str | None, typer.Option(help="Provider department code for rows that name none")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing")] = False,
) -> None:
    """Import a catalog file: all or nothing, with a row-level error list."""
    from xingcheng.cli.context import hub
    from xingcheng.core.errors import ValidationFailed, XingchengError
    from xingcheng.ledger import importer
    from xingcheng.ledger.service import SYSTEM, GradePolicy

    h = hub()
    _ = _translator(h.settings.language)
    try:
        with h.db.session() as db:
            report = importer.import_catalog(
                db,
                file.read_bytes(),
                file.name,
                SYSTEM,
                department_code=department,
                policy=GradePolicy.from_settings(h.settings),
                max_rows=h.settings.ledger_import_max_rows,
                dry_run=dry_run,
            )
    except ValidationFailed as exc:
        table = Table("sheet", "row", "column", "problem", title=_(exc.detail_key or exc.title_key, **exc.params))
        for e in exc.errors:
            table.add_row(
                str(e.get("sheet") or ""),
                str(e.get("row") or ""),
                str(e.get("column") or ""),
                _(e["message_key"], **e.get("params", {})),
            )
        err_console.print(table)
        raise typer.Exit(1) from None
    except XingchengError as exc:
        err_console.print(f"[red]{_(exc.detail_key or exc.title_key, **exc.params)}[/red]")
        raise typer.Exit(1) from None
    verb = "would create" if dry_run else "created"
    console.print(f"{verb} {len(report.created)}, updated {len(report.updated)} resources")
    for code in report.created:
        console.print(f"  + {code}")
    for code in report.updated:
        console.print(f"  ~ {code}")


@ledger_app.command("template")
def template(out: Annotated[Path, typer.Argument(help="Where to write the XLSX template")]) -> None:
    """Write the catalog import template (XLSX) departments fill in."""
    from xingcheng.ledger.importer import template_bytes

    out.write_bytes(template_bytes())
    console.print(f"wrote {out}")


@ledger_app.command("reindex")
def reindex() -> None:
    """Rebuild the catalog's full-text search index."""
    from xingcheng.cli.context import hub
    from xingcheng.ledger.service import reindex as run

    h = hub()
    with h.db.session() as db:
        n = run(db)
    console.print(f"indexed {n} resources")
