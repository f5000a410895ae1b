"""Translations: every user-facing string is a key looked up in a catalog (zh-CN default, en).

Catalogs are flat JSON files ``locales/<lang>.json``; plugins add theirs through the ``xingcheng_translations``
hook. Parameters are substituted by name, so no sentence is assembled with an f-string.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["LANGUAGES", "Catalog", "Translator", "load_builtin"]

LANGUAGES = ("zh-CN", "en")


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalog:
    def __init__(self) -> None:
        self.messages: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}

    def add(self, lang: str, messages: dict[str, str]) -> None:
        self.messages.setdefault(lang, {}).update(messages)

    def translator(self, lang: str) -> Translator:
        return Translator(lang if lang in self.messages else LANGUAGES[0], self)


class Translator:
    def __init__(self, lang: str, catalog: Catalog) -> None:
        self.lang = lang
        self._own = catalog.messages.get(lang, {})
        self._fallback = catalog.messages.get(LANGUAGES[0], {})

    def __call__(self, key: str, **params: Any) -> str:
        text = self._own.get(key) or self._fallback.get(key) or key
        return text.format_map(_Missing(params)) if params else text


def load_builtin(package: str = "xingcheng.core") -> dict[str, dict[str, str]]:
    """Read ``locales/*.json`` of a package: {lang: {key: text}}."""
    out: dict[str, dict[str, str]] = {}
    folder = resources.files(package) / "locales"
    for lang in LANGUAGES:
        path = folder / f"{lang}.json"
        if path.is_file():
            out[lang] = json.loads(path.read_text(encoding="utf-8"))
    return out
