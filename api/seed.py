"""Demo data. Every step is idempotent: seeding twice changes nothing the second time."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import service as auth_service
from api.auth.actor import Actor, ActorKind
from api.auth.models import ApiKey, ApiKeyKind, Role, User
from api.auth.scopes import ROLE_SCOPES
from api.commerce_seed import seed_commerce
from api.db import Database, Domain

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


def seed(database: Database, data_dir: Path) -> DemoCredentials:
    credentials_file = data_dir / "demo-credentials.json"
    with database.transaction(Domain.commerce) as session:
        admin = ensure_user(session, "admin@example.com", Role.admin, "Platform Admin")
        finance = ensure_user(session, "finance@example.com", Role.finance, "Finance Team")
        publishable = ensure_publishable_key(session, credentials_file)
    seed_commerce(database)
    credentials = DemoCredentials(
        admin_email=admin.email, finance_email=finance.email, password=DEMO_PASSWORD, publishable_key=publishable
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(json.dumps(asdict(credentials), indent=2))
    return credentials
