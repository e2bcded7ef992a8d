"""Settings, read from the environment and an optional `.env` file."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


DEFAULT_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DEFAULT_MEDIA_MAX_IMAGE_PIXELS = 16_000_000
# Answers that are not pages (JSON, files) may load nothing and be framed by nobody.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # `production` refuses to start with demo secrets or defaults (see `production_problems`).
    environment: Literal["development", "test", "production"] = "development"
    # Content-Security-Policy of HTML pages: scripts only from this app (no inline script); styles may be inline
    # (tenant branding is set through CSS custom properties).
    content_security_policy: str = DEFAULT_PAGE_CSP
    # HSTS on answers over https (and on every answer when public_base_url is https).
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)
    # Browser origins allowed to call the API cross-origin (CORS), e.g. ["https://shop.example.com"]. None by default.
    cors_allowed_origins: list[str] = Field(default_factory=list)

    # One server for both domains, or one per domain. With none set, an embedded PostgreSQL
    # (pgserver) is started under `data_dir`.
    database_url: str | None = None
    commerce_database_url: str | None = None
    content_database_url: str | None = None
    # The API connects as the login role `marketplace_app` (created by the migrations; it owns nothing and
    # is subject to row-level security) on the same servers; its password, when the server wants one.
    app_database_password: str | None = None
    redis_url: str | None = None
    data_dir: Path = PROJECT_ROOT / ".data"

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    dagster_port: int = 3000
    public_base_url: str = "http://127.0.0.1:8000"

    token_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    api_key_rotation_overlap_seconds: int = Field(default=24 * 3600, ge=0)
    rate_limit_per_minute: int = Field(default=1200, gt=0)
    # Logins: attempts per account and per IP address in a minute; after this many failures in a row an
    # account is locked for base * 2^(failures - limit) seconds, at most max (each answer 429 + Retry-After).
    login_attempts_per_account_per_minute: int = Field(default=10, gt=0)
    login_attempts_per_ip_per_minute: int = Field(default=30, gt=0)
    login_failures_before_lockout: int = Field(default=5, gt=0)
    login_lockout_base_seconds: int = Field(default=2, gt=0)
    login_lockout_max_seconds: int = Field(default=900, gt=0)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    # Each client (credential, else IP) keeps at most its newest N idempotency keys.
    idempotency_max_keys_per_client: int = Field(default=1000, gt=0)
    # Request bodies above this are refused (413) before anything reads them; uploads use media_max_bytes.
    max_request_body_bytes: int = Field(default=1024 * 1024, gt=0)
    # The pools: the API's uvicorn workers (uvicorn's own WEB_CONCURRENCY; `marketplace serve/demo` set it)
    # share DB_MAX_CONNECTIONS connections per database, so that workers x pool stays under the server's
    # max_connections (100 by default, and dbt, Dagster and the dispatcher need some). DB_POOL_SIZE fixes the
    # per-worker pool instead. A worker runs at most as many requests in threads as its pools can serve
    # without waiting (api/db.py: `Database.max_concurrent_requests`), so no request ever holds one
    # connection while it waits for a second one.
    web_concurrency: int = Field(default=1, ge=1)
    db_max_connections: int = Field(default=60, ge=2)
    db_pool_size: int = Field(default=0, ge=0)  # 0: DB_MAX_CONNECTIONS // WEB_CONCURRENCY (at least 2)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    db_pool_recycle_seconds: int = Field(default=1800, gt=0)
    db_connect_timeout_seconds: int = 5
    log_level: str = "INFO"
    log_json: bool = True
    # Observability: traces go over OTLP/HTTP to this collector (e.g. http://otel-collector:4318) when set;
    # `/metrics` asks for `Authorization: Bearer <METRICS_TOKEN>` when that is set.
    otel_exporter_otlp_endpoint: str | None = None
    metrics_token: str | None = None

    # Content media: upload limit, and where files go (`local` under data_dir/media, or `s3`). Without S3 keys,
    # boto3's credential chain applies (environment, config files, container or instance role).
    media_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # Decoded pixels an uploaded image may have (read from its header before decoding): 16 MP, e.g. 4096 x 4096.
    media_max_image_pixels: int = Field(default=DEFAULT_MEDIA_MAX_IMAGE_PIXELS, gt=0)
    storage_backend: Literal["local", "s3"] = "local"
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_session_token: str | None = None
    s3_max_attempts: int = Field(default=5, ge=1, le=20)
    s3_multipart_threshold_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024)
    s3_presign_seconds: int = Field(default=300, gt=0, le=7 * 24 * 3600)

    # Secrets that must be read back (webhook signing secrets) are encrypted with this Fernet key;
    # without one, a key is generated once under `data_dir`.
    secret_encryption_key: str | None = None
    # Outgoing webhooks: retries with exponential back-off and full jitter, then `dead`.
    webhook_max_attempts: int = Field(default=12, ge=1, le=50)
    webhook_backoff_base_seconds: float = Field(default=1.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=900.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    dispatcher_poll_seconds: float = Field(default=0.1, gt=0)
    # Webhooks go to public addresses only; these networks (e.g. ["127.0.0.1/32"] for the demo's own
    # receivers) are allowed as well. JSON list in the environment: WEBHOOK_ALLOWED_NETWORKS='["127.0.0.1/32"]'.
    webhook_allowed_networks: list[str] = Field(default_factory=list)
    # Sync between the stores: the signing secret of the internal webhook subscriptions (generated
    # under `data_dir` when unset), and how old a drift may get before the reconciliation check fails.
    sync_webhook_secret: str | None = None
    sync_drift_tolerance_seconds: int = Field(default=900, gt=0)
    dagster_host: str = "127.0.0.1"

    # E-mail notifications (`marketplace notify`): through this SMTP server, or, with none, kept in the local
    # mailbox (GET /admin/mailbox). Retries back off exponentially; the grace period lets transactions that
    # began earlier commit before the notifier moves past their outbox position.
    smtp_url: str | None = None
    mail_from: str = "Marketplace <no-reply@marketplace.local>"
    platform_name: str = "Marketplace"
    notify_max_attempts: int = Field(default=8, ge=1, le=50)
    notify_backoff_base_seconds: float = Field(default=30.0, gt=0)
    notify_grace_seconds: float = Field(default=5.0, ge=0)
    notify_poll_seconds: float = Field(default=0.5, gt=0)

    # Payments: `manual` (authorise now, an admin captures) or `stripe` (PaymentIntents, manual capture).
    payment_provider: Literal["manual", "stripe"] = "manual"
    stripe_api_key: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: str | None = None

    # Vendor payouts: `manual` (finance pays outside, approval marks paid) or `stripe` (Connect transfers,
    # using STRIPE_API_KEY / STRIPE_API_BASE). The smallest payout a vendor may request, in minor units.
    payout_provider: Literal["manual", "stripe"] = "manual"
    payout_minimum_amount: int = Field(default=5000, ge=0)

    # Web pages: the key that signs CSRF tokens and flash messages (generated once under `data_dir` when unset).
    web_secret_key: str | None = None

    @model_validator(mode="after")
    def _pool_size_per_worker(self) -> Settings:
        if not self.db_pool_size:
            self.db_pool_size = max(2, self.db_max_connections // self.web_concurrency)
        return self

    @field_validator("database_url", "commerce_database_url", "content_database_url", mode="before")
    @classmethod
    def _empty_url_is_unset(cls, value: object) -> object:
        # `DATABASE_URL=` (an empty value, e.g. a blank line of a .env template) means "not set": the embedded server.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError -> a settings error naming the entry
        return value


DEMO_SECRETS = frozenset({"demo-password-123", "change-me", "secret", "test"})


def production_problems(settings: Settings) -> list[str]:
    """Why these settings may not run in production; empty when they may (or when not in production)."""
    if settings.environment != "production":
        return []
    problems = []
    if not (settings.database_url or settings.commerce_database_url):
        problems.append("DATABASE_URL is not set (the embedded PostgreSQL is for development only)")
    for name in ("secret_encryption_key", "sync_webhook_secret"):
        value = getattr(settings, name)
        if not value or value in DEMO_SECRETS:
            problems.append(f"{name.upper()} must be set to a secret of your own (it is generated or a demo value)")
    if not settings.public_base_url.startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be https")
    if any(origin == "*" for origin in settings.cors_allowed_origins):
        problems.append("CORS_ALLOWED_ORIGINS may not be '*'")
    if settings.payment_provider == "stripe" and (settings.stripe_api_key or "").startswith("sk_test_"):
        problems.append("STRIPE_API_KEY is a test key")
    return problems


class InsecureSettings(RuntimeError):
    """Production mode with demo secrets or development defaults: the process refuses to start."""


def ensure_fit_for_environment(settings: Settings) -> None:
    problems = production_problems(settings)
    if problems:
        raise InsecureSettings("Refusing to start in production: " + "; ".join(problems) + ".")


@lru_cache
def get_settings() -> Settings:
    return Settings()
