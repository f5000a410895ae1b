"""The application factory. ``create_app(settings)`` wires every plugin's routes, templates, translations
and permissions into one FastAPI app; nothing here runs at import time.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.templating import Jinja2Templates

import xingcheng
from xingcheng.core.db import Database
from xingcheng.core.events import EventBus
from xingcheng.core.i18n import Catalog, load_builtin
from xingcheng.core.logs import configure_logging
from xingcheng.core.migrate import import_models
from xingcheng.core.permissions import PermissionRegistry
from xingcheng.core.plugins import make_plugin_manager
from xingcheng.core.settings import Settings
from xingcheng.identity.auth import Authenticator
from xingcheng.identity.principal import ANONYMOUS
from xingcheng.identity.service import IdentityService
from xingcheng.web.errors import install_error_handlers
from xingcheng.web.middleware import BodyLimitMiddleware, Metrics, RequestContextMiddleware

__all__ = ["create_app"]

STATIC_DIR = Path(__file__).parent / "static"


def _templates(settings: Settings, dirs: list[str]) -> Jinja2Templates:
    loaders = []
    if settings.template_dir is not None:
        loaders.append(FileSystemLoader(str(settings.template_dir)))
    loaders += [FileSystemLoader(d) for d in dirs]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(), auto_reload=False)
    return Jinja2Templates(env=env)


def create_app(settings: Settings, *, database: Database | None = None) -> FastAPI:
    configure_logging(settings.log_level, settings.log_format)
    pm = make_plugin_manager(settings.plugins)
    import_models(pm)

    app = FastAPI(
        title="Xingcheng 星城",
        version=xingcheng.__version__,
        docs_url=None,  # Swagger UI would load from a CDN; nothing downloads at run time
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/api/openapi.json",
    )
    state = app.state
    state.settings = settings
    state.pm = pm
    state.db = database or Database(settings.resolved_database_url)
    state.events = EventBus()
    state.anonymous = ANONYMOUS

    registry = PermissionRegistry()
    for perms in pm.hook.xingcheng_permissions():
        for perm in perms:
            registry.add(perm)
    state.permissions = registry
    state.identity = IdentityService(settings, registry)
    state.auth = Authenticator(settings, state.identity)

    catalog = Catalog()
    for lang, messages in load_builtin().items():
        catalog.add(lang, messages)
    for contribution in pm.hook.xingcheng_translations():
        for lang, messages in contribution.items():
            catalog.add(lang, messages)
    state.catalog = catalog

    template_dirs = [d for dirs in pm.hook.xingcheng_template_dirs() for d in dirs]
    template_dirs.append(str(Path(__file__).parent / "templates"))
    state.templates = _templates(settings, template_dirs)
    state.nav_items = sorted(
        (item for items in pm.hook.xingcheng_nav_items() for item in items), key=lambda i: i.get("order", 100)
    )

    pm.hook.xingcheng_subscribe(events=state.events, app=app)
    # Who may read registry records (the exchange's grants); None: no plugin decides, so every such read is refused.
    state.read_policy = pm.hook.xingcheng_read_policy(app=app)

    # Routes are matched one by one in this order: plugins in registration order, except that a router may
    # ask to be matched earlier with ``match_order`` (default 100) — the gateway's hot route does.
    ordered = [router for routers in reversed(pm.hook.xingcheng_routers()) for router in routers]
    for router in sorted(ordered, key=lambda r: getattr(r, "match_order", 100)):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")

    install_error_handlers(app)
    metrics = Metrics()
    state.metrics = metrics
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, catalog=catalog, default_lang=settings.language, metrics=metrics)
    return app
