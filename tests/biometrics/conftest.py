"""Fixtures of the biometric tests: the face photos kept with the tests, generated prints."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dlib", reason="the 'biometrics' extra is not installed")

DATA = Path(__file__).parent / "data"


def photo(name: str) -> bytes:
    return (DATA / name).read_bytes()


def png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def obama() -> tuple[bytes, bytes]:
    return photo("obama__1.jpg"), photo("obama__2.jpg")


@pytest.fixture(scope="session")
def kit() -> tuple[bytes, bytes]:
    return photo("kit_harington__2.jpg"), photo("kit_harington__3.jpg")
