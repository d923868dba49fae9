"""Untrusted image bytes -> pixels, refusing what is not a sound, reasonably sized image.

The format is read from the bytes themselves (never from a file name or a content type);
the dimensions are read from the header and checked before a single pixel is decoded, so a
200-megapixel image or a decompression bomb is refused without the memory it would take.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kalkan.biometrics.extra import require
from kalkan.errors import ValidationFailed

#: The largest image accepted, in pixels (a 24-megapixel camera's photo fits).
MAX_PIXELS = 40_000_000
MAX_BYTES = 30 * 1024 * 1024
MIN_SIDE = 32

_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
}

#: What some common non-images start with, to say what was sent instead.
_OTHERS = {
    b"PK\x03\x04": "a ZIP archive",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image (not accepted: send PNG or JPEG)",
    b"BM": "a BMP image (not accepted: send PNG or JPEG)",
    b"II*\x00": "a TIFF image (not accepted: send PNG or JPEG)",
    b"MM\x00*": "a TIFF image (not accepted: send PNG or JPEG)",
    b"\x7fELF": "an executable",
    b"<": "text or markup",
    b"{": "JSON text",
}


@dataclass(frozen=True, slots=True)
class DecodedImage:
    format: str  # "png" or "jpeg"
    width: int
    height: int
    pixels: npt.NDArray[np.uint8]  # H x W x 3 (RGB) or H x W (grey)


def sniff(data: bytes) -> str:
    """The format of ``data`` from its first bytes: "png" or "jpeg"; anything else is refused."""
    for signature, name in _SIGNATURES.items():
        if data.startswith(signature):
            return name
    for signature, what in _OTHERS.items():
        if data.startswith(signature):
            raise ValidationFailed.one("image", f"not a PNG or JPEG image: the bytes are {what}")
    raise ValidationFailed.one("image", "not a PNG or JPEG image: the bytes start with no known image signature")


def decode(data: bytes, *, field: str = "image", grey: bool = False, declared: str | None = None) -> DecodedImage:
    """Decode PNG or JPEG bytes into RGB (or grey) pixels, refusing anything unsound."""
    if not data:
        raise ValidationFailed.one(field, "empty: no image bytes were sent")
    if len(data) > MAX_BYTES:
        raise ValidationFailed.one(field, f"{len(data)} bytes is more than the {MAX_BYTES} accepted")
    kind = sniff(data)
    if declared is not None and declared.lower().replace("jpg", "jpeg") != kind:
        raise ValidationFailed.one(field, f"declared as {declared} but the bytes are a {kind.upper()} image")
    declared_size = header_size(data, kind)
    if declared_size is None:
        raise ValidationFailed.one(field, f"corrupt or truncated {kind.upper()} image: no image size in its header")
    _check_size(field, *declared_size)
    image_module: Any = require("PIL.Image")
    ops: Any = require("PIL.ImageOps")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", image_module.DecompressionBombWarning)
            opened = image_module.open(io.BytesIO(data), formats=["PNG" if kind == "png" else "JPEG"])
            width, height = opened.size  # from the header: nothing decoded yet
            if width * height > MAX_PIXELS:
                raise ValidationFailed.one(
                    field,
                    f"{width} x {height} pixels ({width * height / 1e6:.0f} megapixels) is more than the {MAX_PIXELS / 1e6:.0f} accepted",
                )
            if min(width, height) < MIN_SIDE:
                raise ValidationFailed.one(field, f"{width} x {height} pixels is too small (at least {MIN_SIDE} on each side)")
            opened.load()
            upright = ops.exif_transpose(opened)
            converted = upright.convert("L" if grey else "RGB")
            pixels = np.asarray(converted, dtype=np.uint8).copy()
    except ValidationFailed:
        raise
    except (image_module.DecompressionBombError, image_module.DecompressionBombWarning):
        raise ValidationFailed.one(field, "the image declares more pixels than can be decoded safely (decompression bomb)") from None
    except image_module.UnidentifiedImageError:
        raise ValidationFailed.one(field, f"corrupt {kind.upper()} image: its header cannot be read") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as error:
        raise ValidationFailed.one(field, f"corrupt or truncated {kind.upper()} image: {error}") from None
    return DecodedImage(kind, int(pixels.shape[1]), int(pixels.shape[0]), pixels)


def _check_size(field: str, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ValidationFailed.one(
            field, f"{width} x {height} pixels ({width * height / 1e6:.0f} megapixels) is more than the {MAX_PIXELS / 1e6:.0f} accepted"
        )
    if min(width, height) < MIN_SIDE:
        raise ValidationFailed.one(field, f"{width} x {height} pixels is too small (at least {MIN_SIDE} on each side)")


#: JPEG start-of-frame markers, which carry the image's size.
_JPEG_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def header_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """(width, height) as the header declares it, read without decoding; None if absent."""
    if kind == "png":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    offset = 2
    while offset + 9 <= len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        if marker in _JPEG_FRAMES:
            return int.from_bytes(data[offset + 7 : offset + 9], "big"), int.from_bytes(data[offset + 5 : offset + 7], "big")
        if length < 2:
            return None
        offset += 2 + length
    return None


def encode_png(pixels: npt.NDArray[np.uint8]) -> bytes:
    """Pixels (grey or RGB) as PNG bytes: for images that arrive raw, as in ANSI/NIST records."""
    image_module: Any = require("PIL.Image")
    buffer = io.BytesIO()
    image_module.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()
