"""The registries' part of the demo city: build all five from the departmental sources, show the conflicts."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from xingcheng.registries import service
from xingcheng.registries.sources import open_sources

__all__ = ["build"]

console = Console()


def build(context: Any) -> None:
    settings = context.settings
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
