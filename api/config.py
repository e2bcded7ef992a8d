"""Settings, read from the environment and an optional `.env` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # One server for both domains, or one per domain. With none set, an embedded PostgreSQL
    # (pgserver) is started under `data_dir`.
    database_url: str | None = None
    commerce_database_url: str | None = None
    content_database_url: str | None = None
    redis_url: str | None = None
    data_dir: Path = PROJECT_ROOT / ".data"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    dagster_port: int = 3000
    public_base_url: str = "http://127.0.0.1:8000"

    token_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    api_key_rotation_overlap_seconds: int = Field(default=24 * 3600, ge=0)
    rate_limit_per_minute: int = Field(default=1200, gt=0)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    db_pool_size: int = 10
    db_connect_timeout_seconds: int = 5
    log_level: str = "INFO"
    log_json: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()
