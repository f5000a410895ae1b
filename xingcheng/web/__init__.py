"""The web layer: the application factory, middleware, error rendering, system and home pages."""

from xingcheng.web.app import create_app

__all__ = ["create_app"]
