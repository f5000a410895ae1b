"""The demo city: synthesise Changsha, migrate the database, let every plugin add its part, serve.

Everything goes under the data dir; a second run reuses what the first one built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from xingcheng.cli.context import make_hub
from xingcheng.cli.progress import run_with_progress
from xingcheng.core.migrate import upgrade
from xingcheng.core.plugins import make_plugin_manager
from xingcheng.core.settings import Settings
from xingcheng.identity.service import IdentityService

__all__ = ["DEMO_PASSWORD", "DemoContext", "build_demo", "print_accounts", "serve_app"]

DEMO_PASSWORD = "Xingcheng@2026"  # noqa: S105 - printed for the demo on purpose
console = Console()


@dataclass
class DemoContext:
    settings: Settings
    session: Any
    identity: IdentityService
    password: str = DEMO_PASSWORD
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def synth_dir(self):
        return self.settings.synth_dir


def _state_file(settings: Settings) -> Any:
    return settings.data_dir / "demo.json"


def build_demo(settings: Settings, *, seed: int = 2021) -> list[dict[str, str]]:
    """Build the demo city if absent; return the accounts to print."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    state_file = _state_file(settings)
    if state_file.exists():
        console.print(f"[dim]demo city found in {settings.data_dir}; delete that folder to rebuild it[/dim]")
        upgrade(settings.resolved_database_url)
        return json.loads(state_file.read_text(encoding="utf-8"))["accounts"]

    manifest = settings.synth_dir / "manifest.json"
    if not manifest.exists():
        from xingcheng.synth import generate

        console.print(f"synthesising a city of {settings.demo_persons:,} persons …")
        run_with_progress(
            lambda progress: generate(settings.synth_dir, persons=settings.demo_persons, seed=seed, progress=progress)
        )
    upgrade(settings.resolved_database_url)
    hub = make_hub(settings)
    pm = make_plugin_manager(settings.plugins)
    with hub.db.session() as session:
        context = DemoContext(settings=settings, session=session, identity=hub.identity)
        for impl in reversed(pm.hook.xingcheng_demo_build.get_hookimpls()):
            impl.function(context=context)
            session.flush()
        accounts = [a for group in reversed(pm.hook.xingcheng_demo_accounts(context=context)) for a in group]
    hub.db.dispose()
    state_file.write_text(json.dumps({"accounts": accounts}, ensure_ascii=False, indent=2), encoding="utf-8")
    return accounts


def print_accounts(settings: Settings, accounts: list[dict[str, str]]) -> None:
    table = Table(title="演示账号 Demo accounts", show_lines=False)
    for column in ("username", "password", "role", "department"):
        table.add_column(column)
    for a in accounts:
        table.add_row(a["username"], a["password"], a["role"], a["department"])
    console.print(table)
    console.print(f"[bold green]星城 Xingcheng: http://{settings.host}:{settings.port}[/bold green]")


def serve_app(settings: Settings, workers: int = 1) -> None:
    import uvicorn

    from xingcheng.web.app import create_app

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if workers > 1:
        # Each worker builds its own app from the same environment.
        uvicorn.run(
            "xingcheng.web.asgi:app",
            host=settings.host,
            port=settings.port,
            workers=workers,
            access_log=False,
            proxy_headers=True,
        )
        return
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, access_log=False)
