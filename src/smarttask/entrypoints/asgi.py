"""ASGI entry point for servers: `uvicorn smarttask.entrypoints.asgi:app`."""

from smarttask.app import create_app
from smarttask.kit.logging import configure_logging
from smarttask.settings import get_settings

_settings = get_settings()
configure_logging(_settings.log_level, json_lines=_settings.log_json)
app = create_app(_settings, background=True)
