"""An S3-compatible object store (AWS S3, MinIO, R2, ...) through boto3.

Credentials come from the settings when given (`S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`, optional
`S3_SESSION_TOKEN`), else from boto3's standard chain (environment, shared config and credentials files,
container and instance roles). Calls retry in botocore's `standard` mode; uploads above
`S3_MULTIPART_THRESHOLD_BYTES` go up in parts; downloads are handed out as short-lived presigned URLs."""

from __future__ import annotations

import io
from typing import Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from api.config import Settings
from connectors.storage.base import StorageError, StorageNotFound, check_key

_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        max_attempts: int = 5,
        timeout_seconds: float = 10.0,
        multipart_threshold_bytes: int = 8 * 1024 * 1024,
        presign_seconds: int = 300,
    ) -> None:
        self.bucket = bucket
        self.presign_seconds = presign_seconds
        session = boto3.session.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token,
            region_name=region,
        )
        self.client: Any = session.client(
            "s3",
            endpoint_url=endpoint_url,
            config=Config(
                retries={"max_attempts": max_attempts, "mode": "standard"},
                connect_timeout=timeout_seconds,
                read_timeout=timeout_seconds,
                signature_version="s3v4",
                # Path-style URLs work with every S3-compatible service (and with a bucket name holding dots).
                s3={"addressing_style": "path"},
            ),
        )
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold_bytes, multipart_chunksize=max(multipart_threshold_bytes, 5 << 20)
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        if not settings.s3_bucket:
            raise StorageError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        if bool(settings.s3_access_key_id) != bool(settings.s3_secret_access_key):
            raise StorageError("Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (credential chain)")
        return cls(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            session_token=settings.s3_session_token,
            max_attempts=settings.s3_max_attempts,
            multipart_threshold_bytes=settings.s3_multipart_threshold_bytes,
            presign_seconds=settings.s3_presign_seconds,
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.upload_fileobj(
                io.BytesIO(data), self.bucket, check_key(key), ExtraArgs={"ContentType": content_type},
                Config=self.transfer,
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"PUT {key}: {exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise StorageNotFound(key) from None
            raise StorageError(f"GET {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"GET {key}: {exc}") from exc
        return body

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"DELETE {key}: {exc}") from exc

    def download_url(self, key: str, filename: str | None = None) -> str | None:
        """A presigned GET URL valid for `presign_seconds`: the app checks who may read, S3 serves the bytes."""
        params: dict[str, str] = {"Bucket": self.bucket, "Key": check_key(key)}
        if filename:
            params["ResponseContentDisposition"] = f'inline; filename="{filename}"'
        url: str = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.presign_seconds)
        return url
