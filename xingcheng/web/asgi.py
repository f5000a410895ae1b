"""ASGI entry point for process managers (``uvicorn xingcheng.web.asgi:app``): settings from the environment."""

from xingcheng.core.settings import load_settings
from xingcheng.web.app import create_app

app = create_app(load_settings())
