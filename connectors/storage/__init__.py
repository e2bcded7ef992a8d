"""Object storage behind one interface: the local filesystem (default) or any S3-compatible service."""

from connectors.storage.base import Storage, StorageError, StorageNotFound, storage_from_settings

__all__ = ["Storage", "StorageError", "StorageNotFound", "storage_from_settings"]
