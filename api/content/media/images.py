"""What an upload really is (by its bytes, never its name or client content type), and the image sizes
generated from it with Pillow: fit within the box, keep the aspect ratio, never upscale.

Decompression bombs: the pixel count is read from the header and checked against the upload limit before
any pixel is decoded (Pillow's own process-wide MAX_IMAGE_PIXELS is far higher); sizes are made from one
working image, decoded at a reduced scale where the format allows (`draft`, JPEG) and shrunk in place
(`thumbnail`) from the largest size to the smallest, never copied at full size."""

from __future__ import annotations

import io
import math
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
# Largest first: each size is shrunk from the one before it.
_SIZES_LARGEST_FIRST = sorted(SIZES.items(), key=lambda item: item[1][0] * item[1][1], reverse=True)


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


def _check_pixels(image: Image.Image, max_pixels: int) -> None:
    """From the header alone (nothing decoded yet): 413 for an image with more pixels than allowed."""
    width, height = image.size
    frames = max(getattr(image, "n_frames", 1), 1) if image.format == "GIF" else 1
    if width * height > max_pixels or width * height * frames > 4 * max_pixels:
        raise PayloadTooLarge(f"Images may have at most {max_pixels:,} pixels.", max_pixels=max_pixels)


def detect(data: bytes, filename: str, max_pixels: int) -> Detected:
    """The type of `data` from its content; 415 unless it is an allowed type whose name (if it has an
    extension) agrees with it; 413 for an image with more than `max_pixels` pixels."""
    detected = _detect(data, max_pixels)
    extension = PurePosixPath(filename).suffix.lower().lstrip(".")
    if extension and extension not in detected.extensions:
        raise UnsupportedMediaType(
            f"The file's content is {detected.mime_type}, but its name says '.{extension}'.",
            detected=detected.mime_type,
        )
    return detected


def _detect(data: bytes, max_pixels: int) -> Detected:
    allowed = sorted([mime for mime, _ in IMAGE_FORMATS.values()] + [PDF[0]])
    if data.startswith(b"%PDF-"):
        return Detected("document", *PDF)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            width, height = image.size
            _check_pixels(image, max_pixels)
            image.verify()
    except PayloadTooLarge:
        raise
    except Exception:  # Pillow raises many types for bytes that are not an image it can read.
        raise UnsupportedMediaType("The file is not an allowed image or PDF.", allowed=allowed) from None
    if image_format not in IMAGE_FORMATS:
        raise UnsupportedMediaType(f"{image_format or 'This'} images are not allowed.", allowed=allowed)
    mime, extensions = IMAGE_FORMATS[image_format]
    return Detected("image", mime, extensions, image_format, width, height)


def _largest_needed(size: tuple[int, int]) -> tuple[int, int]:
    """The largest rendition's size in the stored orientation, whichever way EXIF turns the image."""
    width, height = size
    box_w, box_h = _SIZES_LARGEST_FIRST[0][1]
    scale = min(1.0, max(min(box_w / width, box_h / height), min(box_h / width, box_w / height)))
    return math.ceil(width * scale), math.ceil(height * scale)


def renditions(data: bytes, image_format: str, max_pixels: int) -> dict[str, Rendition]:
    """Every size of SIZES, in the original's format, orientation applied and metadata dropped."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            _check_pixels(image, max_pixels)
            image.seek(0)
            image.draft(image.mode, _largest_needed(image.size))  # JPEG: decode at 1/2, 1/4, 1/8 scale
            ImageOps.exif_transpose(image, in_place=True)
            out: dict[str, Rendition] = {}
            for name, box in _SIZES_LARGEST_FIRST:
                image.thumbnail(box)
                buffer = io.BytesIO()
                image.save(buffer, format=image_format)
                out[name] = Rendition(buffer.getvalue(), image.width, image.height)
            return out
    except PayloadTooLarge:
        raise
    except Exception:  # A truncated or corrupt image can pass verify() and fail to decode.
        raise UnsupportedMediaType("The image could not be decoded.") from None
