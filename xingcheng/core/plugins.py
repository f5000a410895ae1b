"""The plugin manager: built-in domains first, then installed entry points, then configured modules."""

from __future__ import annotations

import importlib

import pluggy

from xingcheng.core import hookspecs

__all__ = ["BUILTIN_PLUGINS", "make_plugin_manager"]

# Order matters only for display (navigation, home page); every built-in part registers like a plugin.
BUILTIN_PLUGINS = (
    "xingcheng.web.system",
    "xingcheng.identity.plugin",
    "xingcheng.ledger.plugin",
    "xingcheng.ledger.publish.plugin",
    "xingcheng.lake.plugin",
    "xingcheng.registries.plugin",
    "xingcheng.exchange.plugin",
    "xingcheng.web.home",
)


def make_plugin_manager(extra: list[str] | tuple[str, ...] = ()) -> pluggy.PluginManager:
    pm = pluggy.PluginManager("xingcheng")
    pm.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints("xingcheng")
    for name in extra:
        if not pm.has_plugin(name):
            pm.register(importlib.import_module(name), name=name)
    return pm
