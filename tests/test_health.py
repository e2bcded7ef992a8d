from __future__ import annotations

from fastapi.testclient import TestClient

from api.app import create_app
from api.config import Settings
from api.db import Database, DatabaseUrls
from tests.conftest import assert_problem

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def test_health_answers_without_touching_the_database(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"].startswith("req_")


def test_ready_when_both_databases_answer(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"commerce": "ok", "content": "ok"}}


def test_ready_fails_clearly_when_the_content_database_is_down(urls: DatabaseUrls, settings: Settings) -> None:
    split = Settings(
        commerce_database_url=urls.commerce,
        content_database_url=UNREACHABLE,
        db_connect_timeout_seconds=2,
        _env_file=None,
    )
    database = Database(DatabaseUrls(commerce=urls.commerce, content=UNREACHABLE), split)
    with TestClient(create_app(split, database), raise_server_exceptions=False) as client:
        response = client.get("/ready")
    body = assert_problem(response, 503, "service-unavailable")
    assert body["checks"]["commerce"] == "ok"
    assert body["checks"]["content"].startswith("unavailable")
    assert "content" in body["detail"]
    database.dispose()


def test_a_request_needing_a_down_database_answers_503_not_500(urls: DatabaseUrls) -> None:
    down = Settings(database_url=UNREACHABLE, db_connect_timeout_seconds=2, _env_file=None)
    database = Database(DatabaseUrls(commerce=UNREACHABLE, content=UNREACHABLE), down)
    with TestClient(create_app(down, database), raise_server_exceptions=False) as client:
        response = client.post("/auth/token", json={"email": "a@example.com", "password": "x"})
    assert_problem(response, 503, "service-unavailable")
    database.dispose()


def test_openapi_tags_every_route_by_domain(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation.get("tags"), f"{method.upper()} {path} has no tag"
    assert client.get("/docs").status_code == 200
