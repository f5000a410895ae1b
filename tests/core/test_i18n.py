"""Every translation key exists in both languages, and no template uses a key that has no text."""

import re
from pathlib import Path

from xingcheng.core.i18n import Catalog, load_builtin

ROOT = Path(__file__).parents[2] / "xingcheng"


def _catalog(app) -> Catalog:
    return app.state.catalog


def test_both_languages_have_the_same_keys(app) -> None:
    cat = _catalog(app)
    zh, en = set(cat.messages["zh-CN"]), set(cat.messages["en"])
    assert zh - en == set(), "keys missing in en"
    assert en - zh == set(), "keys missing in zh-CN"


def test_literal_keys_in_templates_and_code_exist(app) -> None:
    known = set(_catalog(app).messages["zh-CN"])
    pattern = re.compile(r"""_\(\s*["']([a-z][a-z0-9_.]+)["']""")
    keyish = re.compile(
        r"""["']((?:identity|error|pillar|perm|nav|home|login|client|department|user|me|role)\.[a-z0-9_.]+)["']"""
    )
    missing = set()
    for path in list(ROOT.rglob("*.html")) + list(ROOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for key in pattern.findall(text):
            if key not in known and not key.endswith("."):
                missing.add((path.name, key))
        if path.suffix == ".py" and "standards" not in path.parts and "synth" not in path.parts:
            for key in keyish.findall(text):
                if key not in known and not key.endswith((".", ".html")):
                    missing.add((path.name, key))
    # Permission names are not message keys; their descriptions are.
    missing = {(f, k) for f, k in missing if not any(k == p.name for p in app.state.permissions.all())}
    assert not missing, sorted(missing)


def test_builtin_catalog_loads() -> None:
    assert load_builtin()["zh-CN"]["app.name"].startswith("星城")
