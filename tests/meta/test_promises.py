"""Promises the project keeps, checked: hooks documented, CLI documented, README's two commands,
CI calls the test command, no CDN in templates."""

from pathlib import Path

from typer.main import get_command

from xingcheng.core import hookspecs

ROOT = Path(__file__).parents[2]


def test_every_hook_has_a_docstring_and_is_documented() -> None:
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    hooks = [name for name in dir(hookspecs) if name.startswith("xingcheng_")]
    assert hooks
    for name in hooks:
        assert getattr(hookspecs, name).__doc__, name
        assert name in doc, f"{name} missing from docs/plugins.md"


def test_every_cli_command_is_documented() -> None:
    from xingcheng.cli.main import _add_plugin_commands, app

    _add_plugin_commands()
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    root = get_command(app)

    def walk(cmd, prefix):
        for name, sub in getattr(cmd, "commands", {}).items():
            full = f"{prefix} {name}"
            yield full
            yield from walk(sub, full)

    for full in walk(root, "xingcheng"):
        assert f"`{full}" in doc, f"{full} missing from docs/cli.md"


def test_readme_quick_start_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_templates_load_nothing_from_the_network() -> None:
    for path in (ROOT / "xingcheng").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path


def test_every_decision_page_has_the_four_parts() -> None:
    pages = sorted((ROOT / "docs" / "decisions").glob("*.md"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8").lower()
        for part in ("context", "decision", "consequences", "alternatives"):
            assert f"## {part}" in text, f"{page.name} lacks '## {part.title()}'"
