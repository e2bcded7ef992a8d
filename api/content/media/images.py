"""What an upload really is (by its bytes, never its name or client content type), and the image sizes
generated from it with Pillow: fit within the box, keep the aspect ratio, never upscale."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePosixPath

from PIL import Image, ImageOps

from api.errors import PayloadTooLarge, UnsupportedMediaType

IMAGE_FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "JPEG": ("image/jpeg", ("jpg", "jpeg")),
    "PNG": ("image/png", ("png",)),
    "WEBP": ("image/webp", ("webp",)),
    "GIF": ("image/gif", ("gif",)),
}
PDF = ("application/pdf", ("pdf",))
SIZES: dict[str, tuple[int, int]] = {"thumbnail": (400, 400), "card": (800, 600), "hero": (1920, 1080)}
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class Detected:
    kind: str  # image | document
    mime_type: str
    extensions: tuple[str, ...]
    image_format: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


def detect(data: bytes, filename: str) -> Detected:
    """The type of `data` from its content; 415 unless it is an allowed type whose name (if it has an
    extension) agrees with it."""
    detected = _detect(data)
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    if extension and extension not in detected.extensions:
        raise UnsupportedMediaType(
            f"The file's content is {detected.mime_type}, but its name says '.{extension}'.",
            detected=detected.mime_type,
        )
    return detected


def _detect(data: bytes) -> Detected:
    allowed = sorted([mime for mime, _ in IMAGE_FORMATS.values()] + [PDF[0]])
    if data.startswith(b"%PDF-"):
        return Detected("document", *PDF)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PayloadTooLarge(f"Images may have at most {MAX_PIXELS:,} pixels.")
            image.verify()
    except PayloadTooLarge:
        raise
    except Exception:  # Pillow raises many types for bytes that are not an image it can read.
        raise UnsupportedMediaType("The file is not an allowed image or PDF.", allowed=allowed) from None
    if image_format not in IMAGE_FORMATS:
        raise UnsupportedMediaType(f"{image_format or 'This'} images are not allowed.", allowed=allowed)
    mime, extensions = IMAGE_FORMATS[image_format]
    return Detected("image", mime, extensions, image_format, width, height)


def renditions(data: bytes, image_format: str) -> dict[str, Rendition]:
    """Every size of SIZES, in the original's format, orientation applied and metadata dropped."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.seek(0)
            image = ImageOps.exif_transpose(opened)
            out: dict[str, Rendition] = {}
            for name, box in SIZES.items():
                copy = image.copy()
                copy.thumbnail(box)
                buffer = io.BytesIO()
                copy.save(buffer, format=image_format)
                out[name] = Rendition(buffer.getvalue(), copy.width, copy.height)
            return out
    except Exception:  # A truncated or corrupt image can pass verify() and fail to decode.
        raise UnsupportedMediaType("The image could not be decoded.") from None
