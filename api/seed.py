"""Demo data. Every step is idempotent: seeding twice changes nothing the second time."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.actor import Actor, ActorKind
from api.auth.models import ApiKey, ApiKeyKind, Role, User
from api.auth.scopes import ROLE_SCOPES
from api.catalog.models import Product
from api.commerce_seed import seed_catalog, seed_orders
from api.config import InsecureSettings, Settings
from api.content.seed import seed_content, seed_product_content
from api.db import Database, Domain
from api.sync import runner as sync_runner
from api.sync import service as sync_service
from api.vendors.models import Vendor, VendorStatus

DEMO_PASSWORD = "demo-password-123"
SYSTEM_ACTOR = Actor(kind=ActorKind.user, id=None, scopes=ROLE_SCOPES[Role.admin], role=Role.admin)


@dataclass
class DemoCredentials:
    admin_email: str
    finance_email: str
    password: str
    publishable_key: str


def ensure_user(session: Session, email: str, role: Role, full_name: str, password: str = DEMO_PASSWORD) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = auth_service.create_user(session, email=email, password=password, role=role, full_name=full_name)
    return user


def ensure_publishable_key(session: Session, credentials_file: Path) -> str:
    if credentials_file.exists():
        saved = json.loads(credentials_file.read_text())
        key: str = saved["publishable_key"]
        if session.scalar(select(ApiKey).where(ApiKey.secret_hash == auth_service.sha256(key))):
            return key
    _, secret = auth_service.create_api_key(
        session, SYSTEM_ACTOR, name="Demo storefront", kind=ApiKeyKind.publishable, scopes=None
    )
    return secret


def seed_content_and_sync(database: Database, settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Branded tenants, pages, posts, menus, categories and product content for the demo vendors, the
    internal sync subscriptions, and a first full sync of vendors, products and content links through the
    sync mapping."""
    with database.transaction(Domain.commerce) as session:
        products = [
            {"id": p.id, "vendor_id": p.vendor_id, "title": p.title, "handle": p.handle, "status": p.status}
            for p in session.scalars(select(Product).order_by(Product.id))
        ]
        vendors = [
            {"id": v.id, "name": v.name, "slug": v.slug,
             "product_ids": [p["id"] for p in products if p["vendor_id"] == v.id and p["status"] == "published"]}
            for v in session.scalars(select(Vendor).where(Vendor.status == VendorStatus.approved).order_by(Vendor.slug))
        ]
        sync_service.ensure_internal_subscriptions(session, settings)
    seed_content(database, vendors, settings)
    seed_product_content(database, products)
    echo(f"content: tenants, pages and posts for {len(vendors)} vendors, content for {len(products)} products")
    reports = [
        sync_runner.sync_vendors(database, full=True),
        sync_runner.sync_products(database, full=True),
        sync_runner.sync_content_links(database, full=True),
    ]
    echo("first sync: " + ", ".join(f"{r.name} {r.applied}/{r.scanned} applied" for r in reports))


def seed_foundation(database: Database, settings: Settings, echo: Callable[[str], None] = print) -> DemoCredentials:
    """Users, the storefront key, the catalog and the content: enough for the store, the pages and the
    portals to answer. The order history comes after (`seed_history`)."""
    if settings.environment == "production":
        raise InsecureSettings("Demo data (users with a published demo password) is never seeded in production.")
    data_dir = settings.data_dir
    credentials_file = data_dir / "demo-credentials.json"
    with database.transaction(Domain.commerce) as session:
        admin = ensure_user(session, "admin@example.com", Role.admin, "Platform Admin")
        finance = ensure_user(session, "finance@example.com", Role.finance, "Finance Team")
        publishable = ensure_publishable_key(session, credentials_file)
    seed_catalog(database, echo)
    seed_content_and_sync(database, settings, echo)
    credentials = DemoCredentials(
        admin_email=admin.email, finance_email=finance.email, password=DEMO_PASSWORD, publishable_key=publishable
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(json.dumps(asdict(credentials), indent=2))
    return credentials


def seed_history(database: Database, echo: Callable[[str], None] = print) -> None:
    """The order history, B2B companies and quotes, and their sync to the content store."""
    seed_orders(database, echo)
    report = sync_runner.sync_orders(database, full=True)
    echo(f"order sync: {report.applied}/{report.scanned} applied")


def seed(database: Database, settings: Settings, echo: Callable[[str], None] = print) -> DemoCredentials:
    credentials = seed_foundation(database, settings, echo)
    seed_history(database, echo)
    return credentials
