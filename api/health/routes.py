from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.db import Domain
from api.deps import get_database
from api.errors import ErrorCode, problem_response
from api.routing import Router

router = Router(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/health", response_model=Health, summary="The process is alive")
async def health() -> Health:
    return Health(status="ok")


@router.get(
    "/ready",
    response_model=Readiness,
    summary="Both databases answer",
    responses={503: {"description": "A database does not answer; `checks` says which"}},
)
async def ready(request: Request) -> Readiness | JSONResponse:
    database = get_database(request)
    checks: dict[str, str] = {}
    for domain in Domain:
        try:
            await run_in_threadpool(database.ping, domain)
            checks[domain.value] = "ok"
        except Exception as exc:
            checks[domain.value] = f"unavailable: {exc.__class__.__name__}"
    if all(value == "ok" for value in checks.values()):
        return Readiness(status="ready", checks=checks)
    failing = ", ".join(name for name, value in checks.items() if value != "ok")
    return problem_response(
        503,
        ErrorCode.service_unavailable,
        detail=f"Not ready: the {failing} database does not answer.",
        instance="/ready",
        extra={"checks": checks},
    )
