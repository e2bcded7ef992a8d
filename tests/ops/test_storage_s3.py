"""Media on a real S3-protocol server (moto's server mode on a loopback port): upload with sizes, presigned
reads, deletion of the files with the record, nothing left behind by a failed transaction, multipart."""

from __future__ import annotations

import io
from collections.abc import Iterator

import boto3
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from api.auth.actor import ANONYMOUS
from api.config import Settings
from api.content.access import Access
from api.content.media import service as media_service
from api.content.media.models import Media
from api.db import Database, Domain
from connectors.storage.s3 import S3Storage
from tests.conftest import free_port
from tests.content.conftest import TenantCtx, image_bytes, make_tenant, tenant_a, upload

__all__ = ["make_tenant", "tenant_a"]

BUCKET = "marketplace-media"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str) -> Settings:
    s3 = settings.model_copy(update={
        "storage_backend": "s3", "s3_endpoint_url": s3_endpoint, "s3_bucket": BUCKET,
        "s3_access_key_id": "AKIDTEST", "s3_secret_access_key": "secret", "s3_session_token": "session-token",
    })
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    try:
        for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    except client.exceptions.NoSuchBucket:
        client.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture
def app(s3_settings: Settings, database: Database) -> FastAPI:
    return create_app(s3_settings, database)


def stored(s3_settings: Settings) -> dict[str, int]:
    storage = S3Storage.from_settings(s3_settings)
    listing = storage.client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {obj["Key"]: obj["Size"] for obj in listing}


def test_media_round_trip(client: TestClient, tenant_a: TenantCtx, s3_settings: Settings) -> None:
    original = image_bytes(2400, 1200, "PNG")
    response = upload(client, tenant_a.headers, original, "wide.png")
    assert response.status_code == 201, response.text
    media = response.json()["doc"]
    files = stored(s3_settings)
    assert files == {
        f"{media['id']}/original.png": len(original),
        **{f"{media['id']}/{name}.png": size["filesize"] for name, size in media["sizes"].items()},
    }

    served = client.get(media["sizes"]["card"]["url"], follow_redirects=False)
    assert served.status_code == 307
    assert served.headers["cache-control"] == "private, no-store"
    presigned = served.headers["location"]
    assert presigned.startswith(s3_settings.s3_endpoint_url or "-")
    assert "X-Amz-Signature=" in presigned and "X-Amz-Security-Token=session-token" in presigned
    card = httpx.get(presigned)
    assert card.status_code == 200
    assert Image.open(io.BytesIO(card.content)).size == (800, 400)
    assert httpx.get(client.get(media["url"], follow_redirects=False).headers["location"]).content == original

    assert client.delete(f"/api/media/{media['id']}", headers=tenant_a.headers).status_code == 200
    assert stored(s3_settings) == {}
    assert client.get(media["url"], follow_redirects=False).status_code == 404


def test_a_failed_transaction_leaves_no_files(
    client: TestClient, database: Database, tenant_a: TenantCtx, s3_settings: Settings
) -> None:
    storage = S3Storage.from_settings(s3_settings)
    access = Access(actor=ANONYMOUS, is_admin=True)
    with pytest.raises(RuntimeError), database.transaction(Domain.content) as session:
        media_service.upload(session, access, storage, filename="a.png", data=image_bytes(), alt="A",
                             tenant_id=tenant_a.id, max_bytes=10 << 20, max_pixels=16_000_000)
        assert len(stored(s3_settings)) == 4  # written, not yet committed
        raise RuntimeError("the request failed after the upload")
    assert stored(s3_settings) == {}

    # A deletion that rolls back keeps the files; one that commits removes them.
    with database.transaction(Domain.content) as session:
        media_id = media_service.upload(session, access, storage, filename="b.png", data=image_bytes(), alt="B",
                                        tenant_id=tenant_a.id, max_bytes=10 << 20, max_pixels=16_000_000).id
    with pytest.raises(RuntimeError), database.transaction(Domain.content) as session:
        media_service.delete(session, access, storage, session.get_one(Media, media_id))
        raise RuntimeError("rolled back")
    assert len(stored(s3_settings)) == 4
    with database.transaction(Domain.content) as session:
        media_service.delete(session, access, storage, session.get_one(Media, media_id))
    assert stored(s3_settings) == {}


def test_large_uploads_go_in_parts_and_the_credential_chain_applies(
    s3_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No keys in the settings: boto3 finds them in the environment (the standard chain), session token included.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCHAIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "chain-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "chain-token")
    chained = s3_settings.model_copy(update={
        "s3_access_key_id": None, "s3_secret_access_key": None, "s3_session_token": None,
        "s3_multipart_threshold_bytes": 5 * 1024 * 1024,
    })
    storage = S3Storage.from_settings(chained)
    data = bytes(range(256)) * (6 * 1024 * 1024 // 256 + 1)
    storage.put("big/file.bin", data, "application/octet-stream")
    head = storage.client.head_object(Bucket=BUCKET, Key="big/file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2")  # the ETag of a two-part multipart upload
    assert storage.get("big/file.bin") == data
    url = storage.download_url("big/file.bin")
    assert url is not None and "AKIDCHAIN" in url and "X-Amz-Security-Token=chain-token" in url
    storage.delete("big/file.bin")
    assert "big/file.bin" not in stored(s3_settings)
