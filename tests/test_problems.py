from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import assert_problem


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/no/such/route"), 404, "not-found")
    assert body["instance"] == "/no/such/route"


def test_wrong_method_is_a_405_problem(client: TestClient) -> None:
    assert_problem(client.put("/health"), 405, "method-not-allowed")


def test_validation_errors_name_each_field(client: TestClient) -> None:
    body = assert_problem(client.post("/auth/token", json={"email": "not-an-email"}), 422, "validation-failed")
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert set(fields) == {"body.email", "body.password"}
    assert all(fields.values())


def test_malformed_json_is_a_422_problem(client: TestClient) -> None:
    response = client.post("/auth/token", content=b"{not json", headers={"content-type": "application/json"})
    body = assert_problem(response, 422, "validation-failed")
    assert body["errors"]


def test_conflict_is_a_409_problem(client: TestClient, admin_headers: dict[str, str]) -> None:
    key = client.post("/admin/api-keys", json={"name": "a", "kind": "publishable"}, headers=admin_headers).json()
    client.post(f"/admin/api-keys/{key['id']}/revoke", headers=admin_headers)
    assert_problem(client.post(f"/admin/api-keys/{key['id']}/revoke", headers=admin_headers), 409, "conflict")


def test_an_unexpected_error_is_a_500_problem_without_a_stack_trace(app: FastAPI) -> None:
    @app.get("/boom", tags=["health"])
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "trace-me-123"})
    body = assert_problem(response, 500, "internal-error")
    assert body["request_id"] == "trace-me-123"
    assert "secret internals" not in response.text and "Traceback" not in response.text


def test_problem_types_are_listed_in_the_openapi_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "Problem" in spec["components"]["schemas"]
    responses = spec["paths"]["/admin/api-keys"]["post"]["responses"]
    assert "application/problem+json" in responses["409"]["content"]
