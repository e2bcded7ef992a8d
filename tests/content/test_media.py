"""Uploads: checked by content, sized with Pillow, served with long-lived cache headers."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from api.db import Database, Domain
from api.outbox.models import ContentOutboxEvent
from tests.conftest import assert_problem
from tests.content.conftest import TenantCtx, image_bytes, upload


def test_upload_generates_sizes_and_serves_them(client: TestClient, database: Database, tenant_a: TenantCtx) -> None:
    response = upload(client, tenant_a.headers, image_bytes(2400, 1200, "JPEG"), "wide.jpg")
    assert response.status_code == 201, response.text
    media = response.json()["doc"]
    assert media["mimeType"] == "image/jpeg" and (media["width"], media["height"]) == (2400, 1200)
    sizes = {name: (s["width"], s["height"]) for name, s in media["sizes"].items()}
    assert sizes == {"thumbnail": (400, 200), "card": (800, 400), "hero": (1920, 960)}

    served = client.get(media["sizes"]["card"]["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(served.content)).size == (800, 400)
    again = client.get(media["sizes"]["card"]["url"], headers={"if-none-match": served.headers["etag"]})
    assert again.status_code == 304
    assert client.get(media["url"]).content[:3] == b"\xff\xd8\xff"
    assert_problem(client.get(f"/media/{media['id']}/poster"), 404, "not-found")
    assert_problem(client.get("/media/med_missing/original"), 404, "not-found")

    with database.transaction(Domain.content) as session:
        events = list(session.scalars(select(ContentOutboxEvent).where(ContentOutboxEvent.topic == "media.uploaded")))
    assert [e.entity_id for e in events] == [media["id"]]


def test_small_images_are_never_upscaled(client: TestClient, tenant_a: TenantCtx) -> None:
    media = upload(client, tenant_a.headers, image_bytes(300, 200, "WEBP"), "small.webp").json()["doc"]
    assert all((s["width"], s["height"]) == (300, 200) for s in media["sizes"].values())
    gif = upload(client, tenant_a.headers, image_bytes(500, 500, "GIF"), "anim.gif")
    assert gif.status_code == 201 and gif.json()["doc"]["sizes"]["thumbnail"]["width"] == 400


def test_pdf_documents(client: TestClient, tenant_a: TenantCtx) -> None:
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    response = upload(client, tenant_a.headers, pdf, "spec-sheet.pdf", alt=None)
    assert response.status_code == 201, response.text
    assert response.json()["doc"]["kind"] == "document" and response.json()["doc"]["sizes"] == {}
    assert client.get(response.json()["doc"]["url"]).headers["content-type"] == "application/pdf"


def test_rejected_uploads_change_nothing(client: TestClient, tenant_a: TenantCtx, settings: object) -> None:
    h = tenant_a.headers
    too_big = b"\x00" * (10 * 1024 * 1024 + 1)
    assert_problem(upload(client, h, too_big, "huge.png"), 413, "payload-too-large")
    # Bytes that are not what the name claims.
    assert_problem(upload(client, h, image_bytes(fmt="JPEG"), "photo.png"), 415, "unsupported-media-type")
    assert_problem(upload(client, h, b"<html><script>alert(1)</script>", "photo.png"), 415,
                   "unsupported-media-type")
    assert_problem(upload(client, h, image_bytes(), "report.pdf"), 415, "unsupported-media-type")
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    assert_problem(upload(client, h, buffer.getvalue(), "x.bmp"), 415, "unsupported-media-type")
    assert_problem(upload(client, h, image_bytes()[:200], "cut.png"), 415, "unsupported-media-type")
    # Images need alt text.
    assert_problem(upload(client, h, alt=None), 422, "validation-failed")
    assert_problem(upload(client, h, alt="   "), 422, "validation-failed")
    assert client.get("/api/media", headers=h).json()["totalDocs"] == 0
    # Alt text cannot be removed from an image afterwards either.
    media = upload(client, h).json()["doc"]
    assert_problem(client.patch(f"/api/media/{media['id']}", json={"alt": None}, headers=h), 422,
                   "validation-failed")
