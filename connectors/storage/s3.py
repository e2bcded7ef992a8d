"""An S3-compatible object store (AWS S3, MinIO, R2...) over httpx, requests signed with AWS Signature
Version 4. Path-style addressing: `{endpoint}/{bucket}/{key}`."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote, urlsplit

import httpx

from api.clock import utcnow
from api.config import Settings
from connectors.storage.base import StorageError, StorageNotFound, check_key


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def sign(
    method: str,
    url: str,
    headers: dict[str, str],
    payload_sha256: str,
    *,
    access_key: str,
    secret_key: str,
    region: str,
    now: datetime,
    service: str = "s3",
) -> dict[str, str]:
    """The headers of a SigV4-signed request (`headers` plus host, x-amz-date, x-amz-content-sha256 and
    Authorization). The URL's path must already be URI-encoded; query strings are not used here."""
    parts = urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    signed = {k.lower(): v.strip() for k, v in headers.items()}
    signed.update({"host": parts.netloc, "x-amz-date": amz_date, "x-amz-content-sha256": payload_sha256})
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            parts.path or "/",
            parts.query,
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            payload_sha256,
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return signed


class S3Storage:
    def __init__(
        self, endpoint: str, bucket: str, region: str, access_key: str, secret_key: str, timeout: float = 10.0
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.client = httpx.Client(timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        missing = [
            name
            for name in ("s3_endpoint_url", "s3_bucket", "s3_access_key_id", "s3_secret_access_key")
            if not getattr(settings, name)
        ]
        if missing:
            raise StorageError(f"STORAGE_BACKEND=s3 needs {', '.join(m.upper() for m in missing)}")
        assert settings.s3_endpoint_url and settings.s3_bucket
        assert settings.s3_access_key_id and settings.s3_secret_access_key
        return cls(
            settings.s3_endpoint_url,
            settings.s3_bucket,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key,
        )

    def _request(self, method: str, key: str, data: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
        url = f"{self.endpoint}/{quote(self.bucket)}/{quote(check_key(key))}"
        signed = sign(
            method,
            url,
            headers or {},
            hashlib.sha256(data).hexdigest(),
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            now=utcnow(),
        )
        signed.pop("host")
        try:
            response = self.client.request(method, url, content=data or None, headers=signed)
        except httpx.HTTPError as exc:
            raise StorageError(f"{method} {key}: {exc.__class__.__name__}") from exc
        if response.status_code == 404:
            raise StorageNotFound(key)
        if response.status_code >= 300:
            raise StorageError(f"{method} {key}: HTTP {response.status_code}")
        return response.content

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._request("PUT", key, data, {"content-type": content_type})

    def get(self, key: str) -> bytes:
        return self._request("GET", key)

    def delete(self, key: str) -> None:
        self._request("DELETE", key)
