"""Finding 7: an upload's decoded size is bounded from its header before decoding, sizes are made without
full-size copies, and upload bytes are capped (413) before the body is read."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.app import create_app
from api.config import Settings
from api.db import Database
from tests.conftest import PROJECT_ROOT, assert_problem
from tests.content.conftest import TenantCtx, image_bytes, upload


def _bomb(width: int, height: int) -> bytes:
    """A single-colour PNG: a few kilobytes on the wire, width x height pixels once decoded."""
    buffer = io.BytesIO()
    Image.new("1", (width, height), 1).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def test_a_small_file_with_too_many_pixels_is_refused_before_decoding(
    client: TestClient, tenant_a: TenantCtx, settings: Settings
) -> None:
    side = 6000  # 36 MP: under the old 40 MP bound, far over the upload limit
    assert side * side > settings.media_max_image_pixels
    bomb = _bomb(side, side)
    assert len(bomb) < 200_000
    started = time.perf_counter()
    answer = upload(client, tenant_a.headers, bomb, "flat.png")
    body = assert_problem(answer, 413, "payload-too-large")
    assert body["max_pixels"] == settings.media_max_image_pixels
    assert time.perf_counter() - started < 2.0  # nothing was decoded (the old code took seconds)
    assert client.get("/api/media", headers=tenant_a.headers).json()["totalDocs"] == 0


def test_the_pixel_limit_is_a_setting(settings: Settings, database: Database, tenant_a: TenantCtx) -> None:
    strict = settings.model_copy(update={"media_max_image_pixels": 500 * 500})
    with TestClient(create_app(strict, database), raise_server_exceptions=False) as client:
        assert_problem(upload(client, tenant_a.headers, image_bytes(600, 500), "a.png"), 413, "payload-too-large")
        assert upload(client, tenant_a.headers, image_bytes(500, 500), "b.png").status_code == 201


def test_upload_bytes_are_capped_before_the_body_is_read(
    settings: Settings, database: Database, tenant_a: TenantCtx
) -> None:
    small = settings.model_copy(update={"media_max_bytes": 200_000})
    with TestClient(create_app(small, database), raise_server_exceptions=False) as client:
        too_big = b"\x89PNG" + b"\x00" * 400_000
        assert_problem(upload(client, tenant_a.headers, too_big, "big.png"), 413, "payload-too-large")
        # Anonymous too: refused for its size before authentication.
        anonymous = client.post("/api/media", files={"file": ("big.png", too_big, "image/png")})
        assert_problem(anonymous, 413, "payload-too-large")


_MEASURE = """
import io, resource, sys
from PIL import Image
from api.content.media import images
fmt = sys.argv[1]
buffer = io.BytesIO()
Image.new("RGB", (4000, 3000), "#336699").save(buffer, format=fmt)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
made = images.renditions(buffer.getvalue(), fmt, 16_000_000)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024, *(f"{n}={r.width}x{r.height}" for n, r in sorted(made.items())))
"""


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_sizes_are_made_without_full_size_copies(fmt: str) -> None:
    """Peak memory of making every size of a 12 MP image (36 MB decoded as RGB), in a fresh process that
    has already made such an image once (so the allocator is warm). A full copy per size, as before, grew the
    peak by over 100 MB; now JPEG is decoded at a reduced scale and PNG is shrunk in place."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, fmt], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    ).stdout.split()
    assert out[1:] == ["card=800x600", "hero=1440x1080", "thumbnail=400x300"]
    assert int(out[0]) < 35, f"peak grew by {out[0]} MB"
