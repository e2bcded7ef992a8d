"""Fuzzing the whole API (issue 15, finding 11): schemathesis generates requests for every operation of the
OpenAPI document, sent as the principals entitled to call it (and as nobody). No answer may be a server
error, every status must be documented for its operation, every body must have the documented media type,
and a method a path does not have answers 405 with `Allow`. Dagster is not running here, so the routes that
launch runs answer 503, which is documented and says nothing about the query it sent.

Bounded: `EXAMPLES_PER_OPERATION` requests per operation (about 4 minutes on two busy cores)."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from tests.conftest import assert_problem, free_port
from tests.security.conftest import Principal
from tests.security.test_isolation_matrix import _required_scopes

EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES_PER_OPERATION", "4"))
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def no_dagster(app: FastAPI) -> FastAPI:
    """The app with Dagster on a port where nothing listens (3000 may be someone's Dagster on this machine)."""
    app.state.settings = app.state.settings.model_copy(update={"dagster_port": free_port()})
    return app


def _entitled(principals: list[Principal], needs: set[Any]) -> list[Principal]:
    """Who may call an operation: the principals holding its scopes (everyone, for an open route)."""
    return [p for p in principals if needs <= p.scopes] or principals


def _no_server_error(response: Any) -> str | None:
    if response.status_code < 500:
        return None
    body = response.text
    if response.status_code == 503 and _problem_status(body) == 503:  # an outside system is not reachable
        if not any(word in body for word in ("mutation", "query", "Traceback", "graphql", "SELECT")):
            return None
        return f"503 whose detail leaks internals: {body[:300]}"
    return f"{response.status_code}: {body[:300]}"


def _problem_status(body: str) -> Any:
    try:
        return json.loads(body).get("status")
    except (ValueError, AttributeError):
        return None


def test_every_operation_fuzzed_as_its_principals(
    no_dagster: FastAPI, client: TestClient, principals_of_tenant_a: list[Principal]
) -> None:
    app = no_dagster
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    required = _required_scopes(app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) > 100
    for operation in operations:
        entitled = _entitled(principals_of_tenant_a, required.get((operation.method.upper(), operation.path), set()))

        @given(case=operation.as_strategy(), principal=st.sampled_from(entitled))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def fuzz(case: Any, principal: Principal) -> None:
            response = case.call(headers=principal.headers)
            label = f"{case.operation.label} as {principal.name}"
            problem = _no_server_error(response)
            if problem:
                failures.append(f"{label}: {problem}")
                return
            try:
                case.validate_response(response, checks=[status_code_conformance, content_type_conformance])
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis reports a group of failures
                failures.append(f"{label}: {str(exc)[:400]}")

        fuzz()
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures)))


def test_a_method_a_path_does_not_have_answers_405_with_allow(app: FastAPI, client: TestClient) -> None:
    missing: list[str] = []
    for path, operations in app.openapi()["paths"].items():
        declared = {method.upper() for method in operations}
        other = next((m for m in METHODS if m not in declared), None)
        if other is None:
            continue
        url = path.replace("{", "x").replace("}", "")
        response = client.request(other, url)
        allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
        if response.status_code != 405 or not declared <= allow:
            missing.append(f"{other} {url} -> {response.status_code}, Allow: {sorted(allow)}")
    assert not missing, "\n".join(missing)


def test_dagster_unreachable_is_a_documented_503_that_leaks_nothing(
    no_dagster: FastAPI, client: TestClient, admin_headers: dict[str, str]
) -> None:
    document = no_dagster.openapi()
    for path in ("/admin/sync/trigger", "/admin/commissions/calculate"):
        assert "503" in document["paths"][path]["post"]["responses"], path
    response = client.post("/admin/sync/trigger", json={}, headers=admin_headers)
    body = assert_problem(response, 503, "service-unavailable")
    assert "Dagster" in body["detail"]
    for leaked in ("mutation", "query", "LaunchRun", "Connection", "Error", "127.0.0.1"):
        assert leaked not in body["detail"], body["detail"]
