"""Who this hub is when it publishes (federation name, title, public URL, publisher), and the API key as CKAN
clients send it."""

from __future__ import annotations

from fastapi import Request

from xingcheng.core.deps import DbSession
from xingcheng.core.errors import NotAuthenticated
from xingcheng.core.i18n import Catalog
from xingcheng.core.settings import Settings
from xingcheng.identity.security import API_KEY_PREFIX
from xingcheng.ledger.publish.dcat import HubInfo
from xingcheng.standards import divisions

__all__ = ["ckan_key", "hub_info", "hub_info_for"]


def hub_info_for(settings: Settings, base_url: str, catalog: Catalog) -> HubInfo:
    """The hub's identity; titles in the hub's default language (they are catalog data, not page text)."""
    _ = catalog.translator(settings.language)
    city = divisions.find(settings.city_code)
    city_name = city.name if city else settings.city_code
    return HubInfo(
        name=settings.effective_hub_name,
        title=_("publish.hub.title", city=city_name),
        url=(settings.public_url or base_url).rstrip("/"),
        publisher_name=_("publish.hub.publisher", city=city_name),
        city_code=settings.city_code,
    )


def hub_info(request: Request) -> HubInfo:
    cached = getattr(request.state, "publish_hub", None)
    if cached is None:
        state = request.app.state
        cached = hub_info_for(state.settings, str(request.base_url), state.catalog)
        request.state.publish_hub = cached
    return cached


def ckan_key(request: Request, db: DbSession) -> None:
    """CKAN clients send the raw key in ``Authorization`` and ``X-CKAN-API-Key``; our own clients send
    ``Authorization: Bearer`` or ``X-API-Key`` (handled by the hub's authenticator). A key that is present
    but wrong is refused, never silently downgraded to anonymous."""
    auth = request.headers.get("authorization", "").strip()
    key = request.headers.get("x-ckan-api-key", "").strip()
    if not key and auth and not auth.lower().startswith("bearer "):
        key = auth
    if not key:
        return
    principal = request.app.state.identity.principal_for_key(db, key) if key.startswith(API_KEY_PREFIX) else None
    if principal is None:
        raise NotAuthenticated("identity.key.invalid")
    request.state.principal = principal
