"""The registries' part of the demo city: the five registries as ledger resources, built from the departmental
sources, with their conflicts (the exchange's demo grants them to departments)."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from xingcheng.registries import catalog, service
from xingcheng.registries.sources import open_sources

__all__ = ["build"]

console = Console()


def build(context: Any) -> None:
    settings = context.settings
    codes = catalog.ensure_registered(context.session)  # ledger resources, granted by the exchange's demo
    if codes:
        console.print("registries in the ledger: " + ", ".join(f"{k} {v}" for k, v in sorted(codes.items())))
    if not (settings.synth_dir / "manifest.json").exists():
        return
    outcome = service.run_build(
        context.session,
        open_sources(settings, db=context.session),
        threads=settings.registries_threads,
        memory_limit=settings.registries_memory_limit,
    )
    m = outcome.build.metrics
    console.print(
        f"registries: {m.get('persons', 0):,} persons, {m.get('companies', 0):,} companies, "
        f"{m.get('addresses', 0):,} addresses, {m.get('components', 0):,} components, {m.get('houses', 0):,} houses"
    )
    context.shared["registry_build"] = outcome.build.id
