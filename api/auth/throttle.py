"""Login throttling: attempts per account and per IP address in a one-minute window, and an exponential
lock-out of an account after repeated failures. Answers 429 with Retry-After; the counters are the
rate limiter's (Redis where configured, in-process otherwise)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import service
from api.auth.models import AuthToken, User
from api.config import Settings
from api.counters import Counters
from api.errors import RateLimited, Unauthorized

_FAILURE_MEMORY_SECONDS = 3600


@dataclass(frozen=True)
class LoginThrottle:
    counters: Counters
    per_account_per_minute: int
    per_ip_per_minute: int
    failures_before_lockout: int
    lockout_base_seconds: int
    lockout_max_seconds: int

    @classmethod
    def from_settings(cls, counters: Counters, settings: Settings) -> LoginThrottle:
        return cls(
            counters,
            settings.login_attempts_per_account_per_minute,
            settings.login_attempts_per_ip_per_minute,
            settings.login_failures_before_lockout,
            settings.login_lockout_base_seconds,
            settings.login_lockout_max_seconds,
        )

    @staticmethod
    def account_key(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]

    async def check(self, email: str, ip: str) -> None:
        """Count this attempt; raise 429 when the account is locked out or a window is used up."""
        account = self.account_key(email)
        locked_for = await self.counters.ttl(f"login:lock:{account}")
        if locked_for:
            raise RateLimited(
                f"Too many failed logins for this account; retry after {locked_for} s.",
                headers={"Retry-After": str(locked_for)},
            )
        now = time.time()
        window = int(now // 60)
        reset_in = str(max(int((window + 1) * 60 - now), 1))
        per_ip = await self.counters.incr(f"login:ip:{ip}:{window}", 120)
        if per_ip > self.per_ip_per_minute:
            raise RateLimited(
                f"More than {self.per_ip_per_minute} login attempts from this address in a minute.",
                headers={"Retry-After": reset_in},
            )
        per_account = await self.counters.incr(f"login:account:{account}:{window}", 120)
        if per_account > self.per_account_per_minute:
            raise RateLimited(
                f"More than {self.per_account_per_minute} login attempts for this account in a minute.",
                headers={"Retry-After": reset_in},
            )

    async def failed(self, email: str) -> None:
        """A wrong password: from the n-th failure in a row on, lock the account for base * 2^(n - limit) s."""
        account = self.account_key(email)
        failures = await self.counters.incr(f"login:failures:{account}", _FAILURE_MEMORY_SECONDS)
        beyond = failures - self.failures_before_lockout
        if beyond >= 0:
            seconds = min(self.lockout_base_seconds * 2 ** min(beyond, 30), self.lockout_max_seconds)
            await self.counters.set(f"login:lock:{account}", 1, seconds)

    async def succeeded(self, email: str) -> None:
        await self.counters.delete(f"login:failures:{self.account_key(email)}")


async def throttled_login(
    throttle: LoginThrottle, session: Session, *, email: str, password: str, ip: str, ttl_seconds: int
) -> tuple[str, AuthToken, User]:
    """`service.login` behind the throttle: for the API's `/auth/token` and the sign-in page alike."""
    await throttle.check(email, ip)
    try:
        result = await run_in_threadpool(service.login, session, email, password, ttl_seconds)
    except Unauthorized:
        await throttle.failed(email)
        raise
    await throttle.succeeded(email)
    return result


def login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle
