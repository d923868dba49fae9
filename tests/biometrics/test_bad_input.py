"""The issue's bad inputs, end to end: corrupt and truncated images, a PNG that is something else,
a 200-megapixel image, an ANSI/NIST-ITL file with lying lengths. Each is refused with the field
and the fault, without a crash or the memory the image claims, and nothing is enrolled."""

from __future__ import annotations

import base64
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.api.app import create_app
from kalkan.biometrics import Biometrics, nist, synthetic
from kalkan.biometrics.crypto import KeyRing
from kalkan.biometrics.images import decode
from kalkan.biometrics.nist import FingerImage, NistFault, TransactionInfo
from kalkan.errors import ValidationFailed
from kalkan.settings import Settings
from kalkan.store.biometrics import biometric_samples
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from tests import factories
from tests.api.calls import UZ_EDITOR, Api, error_of
from tests.biometrics.conftest import photo, png

KEY = "q" * 40
INFO = TransactionInfo("CAR", "UZ-NCB", "KZ-NCB", "TCN-0002", "20240501")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A real, valid 20,000 x 10,000 grey PNG (200 megapixels) that compresses to about 200 kB."""
    row = bytes(1 + 20_000)  # filter byte + a black row
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(10_000)) + packer.flush()
    header = struct.pack(">IIBBBBB", 20_000, 10_000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def _jpeg_claiming(width: int, height: int) -> bytes:
    """The development photo with its frame header changed to claim ``width`` x ``height``."""
    data = bytearray(photo("obama__2.jpg"))
    at = next(i for i in range(2, len(data) - 9) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


_MEASURE = """
import resource, sys
from kalkan.biometrics.images import decode
from kalkan.errors import ValidationFailed
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    decode(data, grey=sys.argv[2] == "grey")
except ValidationFailed as error:
    print(error.faults[0].fault)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
"""


@pytest.mark.parametrize("grey", [False, True], ids=["face", "finger"])
def test_a_200_megapixel_png_is_refused_from_its_header_without_decoding(bomb: bytes, grey: bool, tmp_path: Path) -> None:
    assert len(bomb) < 1_000_000
    with pytest.raises(ValidationFailed) as caught:
        decode(bomb, grey=grey)
    assert caught.value.faults[0].field == "image"
    assert caught.value.faults[0].fault == "20000 x 10000 pixels (200 megapixels) is more than the 40 accepted"
    # In a fresh process, whose peak memory is not already high from other tests: decoding
    # would take 200 MB grey, 600 MB in colour.
    (tmp_path / "bomb.png").write_bytes(bomb)
    run = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(tmp_path / "bomb.png"), "grey" if grey else "rgb"], capture_output=True, text=True, check=True
    )
    fault, growth = run.stdout.splitlines()
    assert fault.startswith("20000 x 10000 pixels")
    assert int(growth) < 50 * 1024 * 1024


def test_a_jpeg_whose_header_claims_200_megapixels_is_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"20000 x 10000 pixels \(200 megapixels\) is more than the 40 accepted"):
        decode(_jpeg_claiming(20_000, 10_000))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"<html><body>not an image</body></html>", "corrupt or truncated PNG image: no image size in its header"),
        (b"\x89PNG\r\n\x1a\n" + photo("obama__2.jpg")[:2000], "corrupt or truncated PNG image: no image size in its header"),
        (b"<?xml version='1.0'?><svg/>", "not a PNG or JPEG image: the bytes are text or markup"),
        (b"PK\x03\x04" + bytes(200), "not a PNG or JPEG image: the bytes are a ZIP archive"),
        (b"\xff\xd8\xff\xe0" + bytes(30), "declared as png but the bytes are a JPEG image"),
    ],
    ids=["PNG signature then HTML", "PNG signature then JPEG bytes", "SVG named .png", "ZIP named .png", "JPEG named .png"],
)
def test_a_png_that_is_really_something_else_is_named(data: bytes, expected: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        decode(data, declared="png")
    assert caught.value.faults[0].fault == expected


def test_a_png_cut_mid_pixels_is_refused_as_truncated() -> None:
    data = png(synthetic.ridge_image(1))
    with pytest.raises(ValidationFailed, match=r"^.*corrupt or truncated PNG image"):
        decode(data[: len(data) // 2], grey=True)


# -- through the service and the API: nothing enrolled -------------------------------------------


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.ANALYST))


def _record(db: Database, world: factories.World) -> str:
    with db.transaction() as conn:
        return RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR)).create(factories.person()).id


def _stored(db: Database) -> int:
    with db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(biometric_samples)).scalar_one())


def test_a_refused_finger_image_enrols_nothing(db: Database, world: factories.World, bomb: bytes) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _record(db, world)
    scope = world.scope("UZ-NCB", Role.EDITOR)
    cut = png(synthetic.ridge_image(2))[:3000]
    for data, field in ((bomb, "image"), (cut, "image"), (photo("obama__2.jpg")[:100], "image"), (b"%PDF-1.4", "image")):
        with pytest.raises(ValidationFailed) as caught, db.transaction() as conn:
            service.enrol_finger(conn, scope, record, data, position=2)
        assert caught.value.faults[0].field == field
    assert _stored(db) == 0


def test_a_transaction_carrying_a_200_megapixel_print_skips_it_and_strict_enrols_nothing(
    db: Database, world: factories.World, bomb: bytes
) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _record(db, world)
    scope = world.scope("UZ-NCB", Role.EDITOR)
    ridges = synthetic.ridge_image(5)
    good = FingerImage(2, 1, ridges.shape[1], ridges.shape[0], "PNG", png(ridges))
    huge = FingerImage(3, 1, 20_000, 10_000, "PNG", bomb)
    data = nist.write(INFO, [good, huge])
    with pytest.raises(ValidationFailed) as caught, db.transaction() as conn:
        service.import_nist(conn, scope, record, data, strict=True)
    assert caught.value.faults[0].field == "Type-14 record 3, field 14.999"
    assert "200 megapixels" in caught.value.faults[0].fault
    assert _stored(db) == 0
    with db.transaction() as conn:
        result = service.import_nist(conn, scope, record, data)
    assert [e.position for e in result.enrolled] == [2]
    assert result.skipped[0].startswith("Type-14 record 3, field 14.999: 20000 x 10000 pixels (200 megapixels)")


def test_a_transaction_whose_lengths_lie_enrols_nothing(db: Database, world: factories.World) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _record(db, world)
    ridges = synthetic.ridge_image(5)
    data = bytearray(nist.write(INFO, [FingerImage(2, 1, ridges.shape[1], ridges.shape[0], "PNG", png(ridges))]))
    at = data.index(b"14.001:") + len(b"14.001:")
    end = data.index(b"\x1d", at)
    data[at:end] = b"999999999"  # the Type-14 record claims a gigabyte
    lying = r"^Type-14 record 2, field 14\.001: length 999999999 exceeds the [\d,]+ bytes left"
    with pytest.raises(NistFault, match=lying), db.transaction() as conn:
        service.import_nist(conn, world.scope("UZ-NCB", Role.EDITOR), record, bytes(data))
    assert _stored(db) == 0


@pytest.fixture
def api(database_url: str, world: factories.World) -> Iterator[Api]:
    settings = Settings(database_url=database_url, max_request_bytes=4 * 1024 * 1024, biometric_key=KEY)
    with TestClient(create_app(settings)) as client:
        yield Api(client, world)


def test_the_api_refuses_a_200_megapixel_photo_naming_it_and_enrols_nothing(api: Api, db: Database, bomb: bytes) -> None:
    record = api.create(factories.person(), UZ_EDITOR)["id"]
    images = [base64.b64encode(photo("obama__1.jpg")).decode(), base64.b64encode(bomb).decode()]
    response = api.post("/v1/biometrics/faces/enrol", UZ_EDITOR, json={"record_id": record, "images": images})
    fault = error_of(response, 422)["faults"][0]
    assert fault["field"] == "images[1]"
    assert "200 megapixels" in fault["fault"]
    assert _stored(db) == 0
    truncated = base64.b64encode(np.frombuffer(photo("obama__1.jpg"), dtype=np.uint8)[:4000].tobytes()).decode()
    response = api.post("/v1/biometrics/fingers/enrol", UZ_EDITOR, json={"record_id": record, "image": truncated, "position": 1})
    assert "corrupt or truncated JPEG" in error_of(response, 422)["faults"][0]["fault"]
    assert _stored(db) == 0
