"""The ASGI application for uvicorn: `uvicorn api.main:app`."""

from api.app import create_app
from api.config import get_settings
from api.logs import configure_logging

_settings = get_settings()
configure_logging(_settings.log_level, _settings.log_json)
app = create_app(_settings)
