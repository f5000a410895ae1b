"""What a CLI command works with: the settings, the database and the domain services, built lazily."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xingcheng.core.db import Database
from xingcheng.core.migrate import import_models
from xingcheng.core.permissions import PermissionRegistry
from xingcheng.core.plugins import make_plugin_manager
from xingcheng.core.settings import Settings, load_settings
from xingcheng.identity.service import IdentityService

__all__ = ["Hub", "hub", "make_hub"]


@dataclass
class Hub:
    settings: Settings
    db: Database
    identity: IdentityService


def make_hub(settings: Settings) -> Hub:
    pm = make_plugin_manager(settings.plugins)
    import_models(pm)
    registry = PermissionRegistry()
    for perms in pm.hook.xingcheng_permissions():
        for perm in perms:
            registry.add(perm)
    return Hub(settings, Database(settings.resolved_database_url), IdentityService(settings, registry))


@cache
def hub() -> Hub:
    return make_hub(load_settings())
