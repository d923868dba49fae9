from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from kalkan.biometrics.images import decode
from kalkan.errors import ValidationFailed
from tests.biometrics.conftest import photo, png


def _png_header(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk declaring ``width`` x ``height``, with no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk


def _fault(data: bytes, **kwargs: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        decode(data, **kwargs)  # type: ignore[arg-type]
    assert caught.value.faults[0].field == "image"
    return caught.value.faults[0].fault


def test_a_photo_decodes_to_rgb_pixels() -> None:
    image = decode(photo("obama__2.jpg"))
    assert image.format == "jpeg"
    assert image.pixels.shape == (image.height, image.width, 3)


def test_a_200_megapixel_image_is_refused_from_its_header() -> None:
    fault = _fault(_png_header(20_000, 10_000))
    assert "megapixels" in fault or "decompression bomb" in fault


def test_a_truncated_image_is_refused() -> None:
    data = photo("obama__2.jpg")
    assert "corrupt or truncated" in _fault(data[: len(data) // 3])


def test_a_corrupt_png_is_refused() -> None:
    data = bytearray(png(np.full((64, 64), 128, dtype=np.uint8)))
    data[40:60] = b"\x00" * 20
    assert "corrupt" in _fault(bytes(data))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP archive"),
        (b"%PDF-1.7\n" + b"\x00" * 100, "PDF document"),
        (b"GIF89a" + b"\x00" * 100, "GIF image"),
        (b"hello", "no known image signature"),
    ],
)
def test_bytes_that_are_not_png_or_jpeg_are_named(data: bytes, expected: str) -> None:
    assert expected in _fault(data)


def test_a_png_that_is_really_a_jpeg_is_refused() -> None:
    assert "declared as png but the bytes are a JPEG" in _fault(photo("obama__2.jpg"), declared="png")


def test_an_empty_body_is_refused() -> None:
    assert "empty" in _fault(b"")
