"""ANSI/NIST-ITL 1-2011: round trips, each malformed file named by record type and field, the service and the API."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.api.app import create_app
from kalkan.biometrics import Biometrics, nist, synthetic
from kalkan.biometrics.crypto import KeyRing
from kalkan.biometrics.images import decode
from kalkan.biometrics.nist import FS, GS, RS, US, FaceImage, FingerImage, NistFault, TransactionInfo
from kalkan.errors import NotFound, ValidationFailed
from kalkan.settings import Settings
from kalkan.store.biometrics import biometric_samples
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log
from tests import factories
from tests.api.calls import KZ_ANALYST, TJ_ANALYST, UZ_EDITOR, Api, error_of
from tests.biometrics.conftest import photo, png

KEY = "n" * 40
INFO = TransactionInfo("CAR", "UZ-NCB", "KZ-NCB", "TCN-0001", "20240501")


@pytest.fixture(scope="module")
def ridges() -> np.ndarray:
    return synthetic.ridge_image(5)


def _finger(ridges: np.ndarray, **changes: object) -> FingerImage:
    fields: dict[str, object] = {
        "position": 2,
        "impression": 1,
        "width": ridges.shape[1],
        "height": ridges.shape[0],
        "compression": "PNG",
        "data": png(ridges),
    }
    fields.update(changes)
    return FingerImage(**fields)  # type: ignore[arg-type]


def _face() -> FaceImage:
    data = photo("obama__1.jpg")
    image = decode(data)
    return FaceImage(image.width, image.height, "JPEGB", data)


# -- reading and writing -------------------------------------------------------------------


def test_a_transaction_round_trips_with_a_cnt_listing_every_record(ridges: np.ndarray) -> None:
    raw = _finger(ridges, position=7, impression=0, compression="NONE", data=ridges.tobytes(), record_type=4, ppi=None)
    data = nist.write(INFO, [_finger(ridges), raw], [_face()], {18: "DOE, JOHN", 22: "19800101"})
    assert data.startswith(b"1.001:")
    cnt = data.split(GS)[2]
    assert cnt == b"1.003:1" + US + b"4" + RS + RS.join([b"2" + US + b"01", b"14" + US + b"02", b"4" + US + b"03", b"10" + US + b"04"])

    read = nist.parse(data)
    assert read.info == TransactionInfo("CAR", "UZ-NCB", "KZ-NCB", "TCN-0001", "20240501", "0500", "19.69", "19.69")
    assert read.descriptive_text == [{"2.002": "01", "2.018": "DOE, JOHN", "2.022": "19800101"}]
    png_finger, raw_finger = read.fingers
    assert (png_finger.record_type, png_finger.record_number, png_finger.position, png_finger.impression) == (14, 3, 2, 1)
    assert (png_finger.compression, png_finger.ppi, png_finger.data) == ("PNG", 500, png(ridges))
    assert (raw_finger.record_type, raw_finger.record_number, raw_finger.position, raw_finger.compression) == (4, 4, 7, "NONE")
    assert raw_finger.ppi == 500  # from 1.011 NSR 19.69 pixels per millimetre
    assert np.array_equal(decode(nist.finger_image(raw_finger), grey=True).pixels, ridges)
    (face,) = read.faces
    assert (face.record_number, face.image_type, face.compression, face.data) == (5, "FACE", "JPEGB", photo("obama__1.jpg"))
    assert nist.face_image(face) == photo("obama__1.jpg")
    assert read.notes == []


def test_a_record_of_another_defined_type_is_stepped_over_with_a_note(ridges: np.ndarray) -> None:
    minutiae = nist.tagged_record(9, [(2, "02"), (4, "U")])
    data = nist.transaction(INFO, [(14, nist.write(INFO, [_finger(ridges)]).split(FS, 1)[1]), (9, minutiae)])
    read = nist.parse(data)
    assert len(read.fingers) == 1
    assert read.notes == ["Type-9 record 3: not read by Kalkan (skipped)"]


def _with_length(record_type: int, length: bytes) -> Callable[[np.ndarray], bytes]:
    """A transaction whose record of ``record_type`` says ``length`` in its N.001 field."""

    def build(ridges: np.ndarray) -> bytes:
        data = nist.write(INFO, [_finger(ridges)], [_face()])
        start = data.index(f"{FS.decode()}{record_type}.001:".encode()) + 1
        end = data.index(GS, start)
        return data[: start + len(f"{record_type}.001:")] + length + data[end:]

    return build


def _truncated(ridges: np.ndarray) -> bytes:
    return nist.write(INFO, [_finger(ridges)], [_face()])[:-4096]


def _cnt(listed: bytes) -> Callable[[np.ndarray], bytes]:
    def build(ridges: np.ndarray) -> bytes:
        records = nist.write(INFO, [_finger(ridges)]).split(FS, 1)[1]
        return nist.tagged_record(1, [(2, "0500"), (3, listed)]) + records

    return build


def _type4(length: int) -> Callable[[np.ndarray], bytes]:
    def build(ridges: np.ndarray) -> bytes:
        record = nist.type4_record(_finger(ridges, compression="NONE", data=ridges.tobytes(), record_type=4), 1)
        return nist.transaction(INFO, [(4, length.to_bytes(4, "big") + record[4:])])

    return build


def _type14_with(**fields: bytes | None) -> Callable[[np.ndarray], bytes]:
    """A transaction of one Type-14 record whose fields ``f006=...`` are replaced (None: left out)."""

    def build(ridges: np.ndarray) -> bytes:
        finger = _finger(ridges)
        standard: dict[int, str | bytes] = {3: "1", 6: str(finger.width), 7: str(finger.height), 11: "PNG", 13: "2", 999: finger.data}
        for name, value in fields.items():
            standard[int(name[1:])] = value  # type: ignore[assignment]
        record = nist.tagged_record(14, [(tag, value) for tag, value in standard.items() if value is not None])
        return nist.transaction(INFO, [(14, record)])

    return build


def _left_from(marker: bytes, template: str) -> Callable[[bytes], str]:
    """The expected message, with the bytes left from the first ``marker`` (the lying record's start)."""

    def expected(data: bytes) -> str:
        start = data.index(marker)
        length = data[start:].split(b":", 1)[1].split(GS, 1)[0].decode()
        return template.format(left=f"{len(data) - start:,}", length=length)

    return expected


def _left_after_type1(template: str) -> Callable[[bytes], str]:
    return lambda data: template.format(left=f"{len(data) - data.index(FS) - 1:,}")


MALFORMED: list[tuple[str, Callable[[np.ndarray], bytes], str | Callable[[bytes], str]]] = [
    (
        "length longer than the file",
        _with_length(14, b"9999999"),
        _left_from(b"14.001:", "Type-14 record 2, field 14.001: length 9999999 exceeds the {left} bytes left in the file"),
    ),
    ("length negative", _with_length(14, b"-52"), "Type-14 record 2, field 14.001: length -52 is negative"),
    ("length not a number", _with_length(10, b"12a4"), "Type-10 record 3, field 10.001: length '12a4' is not a number"),
    (
        "length shorter than its own field",
        _with_length(14, b"3"),
        "Type-14 record 2, field 14.001: length 3 is shorter than the record's own length field",
    ),
    (
        "length ending inside the record",
        _with_length(14, b"500"),
        "Type-14 record 2, field 14.001: length 500 does not end at the record separator (FS)",
    ),
    (
        "truncated file",
        _truncated,
        _left_from(b"10.001:", "Type-10 record 3, field 10.001: length {length} exceeds the {left} bytes left in the file"),
    ),
    (
        "CNT listing a record that is not there",
        _cnt(b"1" + US + b"2" + RS + b"14" + US + b"01" + RS + b"10" + US + b"02"),
        "Type-1 record 1, field 1.003: lists 2 records after the Type-1 record, but the file ends after 1",
    ),
    (
        "CNT count disagreeing with its list",
        _cnt(b"1" + US + b"3" + RS + b"14" + US + b"01"),
        "Type-1 record 1, field 1.003: says 3 records follow but lists 1",
    ),
    (
        "unknown record type",
        _cnt(b"1" + US + b"2" + RS + b"14" + US + b"01" + RS + b"42" + US + b"02"),
        "Type-1 record 1, field 1.003: record 3 is listed as Type-42, which ANSI/NIST-ITL 1-2011 does not define here",
    ),
    (
        "record of another type than listed",
        _cnt(b"1" + US + b"1" + RS + b"10" + US + b"01"),
        "Type-10 record 2, field 10.001: 1.003 CNT lists a Type-10 record here, but it starts with field 14.001",
    ),
    (
        "bytes after the last listed record",
        lambda ridges: nist.write(INFO, [_finger(ridges)]) + b"14.001:20" + GS + b"14.002:02" + FS,
        "Type-1 record 1, field 1.003: lists 1 records, but 20 bytes follow the last of them",
    ),
    (
        "Type-4 length longer than the file",
        _type4(10 * 1024 * 1024),
        _left_after_type1("Type-4 record 2, field 4.001: length 10485760 exceeds the {left} bytes left in the file"),
    ),
    (
        "Type-4 length shorter than its header",
        _type4(12),
        "Type-4 record 2, field 4.001: length 12 is shorter than the record's 18-byte header",
    ),
    (
        "Type-4 record cut before its length",
        lambda ridges: nist.transaction(INFO, [(4, b"\x00\x00")]),
        "Type-4 record 2, field 4.001: the file ends 2 bytes into the record, before its 4-byte length",
    ),
    ("finger position missing", _type14_with(f013=None), "Type-14 record 2, field 14.013: missing: the record needs it"),
    ("width not a number", _type14_with(f006=b"wide"), "Type-14 record 2, field 14.006: 'wide' is not a whole number"),
    (
        "fields out of order",
        lambda ridges: nist.transaction(INFO, [(14, b"14.001:30" + GS + b"14.006:320" + GS + b"14.003:1" + FS)]),
        "Type-14 record 2, field 14.003: repeated, or out of order (fields go in ascending order)",
    ),
    ("not a transaction at all", lambda ridges: png(ridges), "Type-1 record 1, field 1.001: not an ANSI/NIST-ITL transaction"),
]


@pytest.mark.parametrize(("build", "expected"), [pytest.param(b, e, id=name) for name, b, e in MALFORMED])
def test_a_malformed_file_is_refused_naming_record_type_field_and_fault(
    ridges: np.ndarray, build: Callable[[np.ndarray], bytes], expected: str | Callable[[bytes], str]
) -> None:
    data = build(ridges)
    with pytest.raises(NistFault) as caught:
        nist.parse(data)
    wanted = expected if isinstance(expected, str) else expected(data)
    assert caught.value.message.startswith(wanted), caught.value.message


def test_the_bytes_left_are_counted_from_the_record_that_lies() -> None:
    header = nist.tagged_record(1, [(2, "0500"), (3, b"1" + US + b"1" + RS + b"14" + US + b"01")])
    lying = b"14.001:52000" + GS + b"14.002:01" + FS + b"x" * (4096 - 23)
    with pytest.raises(NistFault, match=r"^Type-14 record 2, field 14\.001: length 52000 exceeds the 4,096 bytes left in the file$"):
        nist.parse(header + lying)


def test_a_ten_megabyte_lying_length_allocates_nothing_like_it() -> None:
    header = nist.tagged_record(1, [(2, "0500"), (3, b"1" + US + b"1" + RS + b"4" + US + b"01")])
    data = header + (10 * 1024 * 1024).to_bytes(4, "big") + bytes(2000)
    tracemalloc.start()
    try:
        with pytest.raises(NistFault, match="length 10485760 exceeds the 2,004 bytes left"):
            nist.parse(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 256 * 1024


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"compression": "WSQ20", "data": b"\xff\xa0\xff\xa8"},
            "Type-14 record 0, field 14.011: WSQ-compressed (WSQ20): no WSQ decoder is installed",
        ),
        ({"compression": "JP2"}, "Type-14 record 0, field 14.011: JPEG 2000 (JP2) is not read by Kalkan"),
        ({"compression": "NONE", "data": b"", "width": 0, "height": 0}, "Type-14 record 0, field 14.999: 0 x 0 pixels is too small"),
        (
            {"compression": "NONE", "data": bytes(100)},
            "Type-14 record 0, field 14.999: 100 bytes of raw pixels, but 320 x 400 x 1 = 128,000",
        ),
        ({"data": photo("obama__1.jpg")}, "Type-14 record 0, field 14.999: the compression field says PNG but the data is a JPEG image"),
        ({"position": 13}, "Type-14 record 0, field 14.013: finger position 13 is not a single finger (0-10)"),
        ({"impression": 20}, "Type-14 record 0, field 14.003: impression 20 is not a ten-print capture"),
        ({"ppi": 1000}, "Type-14 record 0, field 14.009: 1000 pixels per inch: Kalkan reads 500 ppi prints"),
        ({"data": b"GIF89a" + bytes(40)}, "Type-14 record 0, field 14.999: not a PNG or JPEG image: the bytes are a GIF image"),
    ],
)
def test_an_image_record_that_cannot_be_enrolled_names_itself(ridges: np.ndarray, changes: dict[str, object], expected: str) -> None:
    with pytest.raises(NistFault) as caught:
        nist.finger_image(_finger(ridges, **changes))
    assert caught.value.message.startswith(expected), caught.value.message


def test_a_type10_record_that_is_not_a_face_is_named() -> None:
    face = _face()
    tattoo = FaceImage(face.width, face.height, "JPEGB", face.data, image_type="SMT", record_number=4)
    with pytest.raises(NistFault, match=r"^Type-10 record 4, field 10\.003: image type 'SMT' is not a face"):
        nist.face_image(tattoo)


# -- the service, on SQLite and PostgreSQL ---------------------------------------------------


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.ANALYST))


def _person(db: Database, world: factories.World, agency: str = "UZ-NCB", **restriction: object) -> str:
    with db.transaction() as conn:
        record = factories.person(restriction=restriction or {"mode": "all"})
        return RecordStore(conn, world.scope(agency, Role.EDITOR)).create(record).id


def _samples(db: Database, record_id: str) -> list[tuple[str, int | None, str | None, str | None]]:
    with db.transaction() as conn:
        rows = conn.execute(
            select(biometric_samples.c.modality, biometric_samples.c.position, biometric_samples.c.impression, biometric_samples.c.source)
            .where(biometric_samples.c.record_id == record_id)
            .order_by(biometric_samples.c.id)
        ).all()
    return [tuple(row) for row in rows]


def test_export_then_import_carries_fingers_and_faces_to_another_record(db: Database, world: factories.World, ridges: np.ndarray) -> None:
    service = Biometrics(KeyRing(KEY))
    editor = world.scope("UZ-NCB", Role.EDITOR)
    source, target = _person(db, world), _person(db, world)
    with db.transaction() as conn:
        service.enrol_finger(conn, editor, source, png(ridges), position=4)
        service.enrol_faces(conn, editor, source, [photo("obama__1.jpg")])
    with db.transaction() as conn:
        data = service.export_nist(conn, world.scope("KZ-NCB", Role.ANALYST), source)
    exported = nist.parse(data)
    assert exported.info.originator == "KZ-NCB"
    assert exported.info.control_number.endswith(source[:16])
    assert [(f.record_type, f.position, f.compression) for f in exported.fingers] == [(14, 4, "PNG")]
    assert exported.faces[0].data == photo("obama__1.jpg")

    with db.transaction() as conn:
        result = service.import_nist(conn, editor, target, data)
    assert result.complete
    assert [(e.modality, e.position) for e in result.enrolled] == [("finger", 4), ("face", None)]
    tcn = f"ANSI/NIST-ITL TCN {exported.info.control_number}"
    assert _samples(db, target) == [("finger", 4, "plain", tcn), ("face", None, None, tcn)]
    with db.transaction() as conn:
        assert service.image_of(conn, editor, result.enrolled[1].sample_id) == ("jpeg", photo("obama__1.jpg"))
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.action.like("biometrics.nist_%")).order_by(audit_log.c.seq))
        assert [a for (a,) in actions] == ["biometrics.nist_export", "biometrics.nist_import"]


def test_a_wsq_record_is_skipped_with_a_note_and_strict_imports_nothing(db: Database, world: factories.World, ridges: np.ndarray) -> None:
    service = Biometrics(KeyRing(KEY))
    editor = world.scope("UZ-NCB", Role.EDITOR)
    record = _person(db, world)
    data = nist.write(INFO, [_finger(ridges, position=3), _finger(ridges, position=5, compression="WSQ20", data=b"\xff\xa0")])
    with pytest.raises(ValidationFailed, match=r"Type-14 record 3, field 14\.011: WSQ-compressed"), db.transaction() as conn:
        service.import_nist(conn, editor, record, data, strict=True)
    assert _samples(db, record) == []
    with db.transaction() as conn:
        result = service.import_nist(conn, editor, record, data)
    assert [e.position for e in result.enrolled] == [3]
    assert not result.complete
    assert result.skipped == [
        "Type-14 record 3, field 14.011: WSQ-compressed (WSQ20): no WSQ decoder is installed, so Kalkan cannot read it; send PNG or raw"
    ]
    assert [row[1] for row in _samples(db, record)] == [3]


def test_a_malformed_file_enrols_nothing(db: Database, world: factories.World, ridges: np.ndarray) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _person(db, world)
    data = nist.write(INFO, [_finger(ridges)])[:-100]
    with pytest.raises(NistFault, match=r"^Type-14 record 2, field 14\.001: length \d+ exceeds"), db.transaction() as conn:
        service.import_nist(conn, world.scope("UZ-NCB", Role.EDITOR), record, data)
    assert _samples(db, record) == []


def test_only_the_owner_imports_and_only_those_who_may_see_export(db: Database, world: factories.World, ridges: np.ndarray) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _person(db, world, mode="only", agencies=["KZ-NCB"])
    data = nist.write(INFO, [_finger(ridges)])
    with pytest.raises(Exception, match="only its owner"), db.transaction() as conn:
        service.import_nist(conn, world.scope("KZ-NCB", Role.EDITOR), record, data)
    with db.transaction() as conn:
        service.import_nist(conn, world.scope("UZ-NCB", Role.EDITOR), record, data)
    with pytest.raises(NotFound), db.transaction() as conn:
        service.export_nist(conn, world.scope("TJ-NCB", Role.ANALYST), record)
    with db.transaction() as conn:
        assert nist.parse(service.export_nist(conn, world.scope("KZ-NCB", Role.ANALYST), record)).fingers[0].position == 2
        assert (
            conn.execute(select(func.count()).select_from(audit_log).where(audit_log.c.action == "biometrics.nist_export")).scalar_one()
            == 1
        )


# -- the API ---------------------------------------------------------------------------------


@pytest.fixture
def api(database_url: str, world: factories.World) -> Iterator[Api]:
    settings = Settings(database_url=database_url, max_request_bytes=4 * 1024 * 1024, biometric_key=KEY)
    with TestClient(create_app(settings)) as client:
        yield Api(client, world)


def test_the_api_imports_a_raw_transaction_and_exports_it_only_to_agencies_that_may_see_it(api: Api, ridges: np.ndarray) -> None:
    record = api.create(factories.person(restriction={"mode": "only", "agencies": ["KZ-NCB"]}), UZ_EDITOR)["id"]
    data = nist.write(INFO, [_finger(ridges), _finger(ridges, position=5, compression="WSQ20", data=b"\xff\xa0")])
    headers = {"Content-Type": "application/octet-stream"}
    imported = api.post(f"/v1/biometrics/nist/import?record_id={record}", UZ_EDITOR, content=data, headers=headers)
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert [s["position"] for s in body["samples"]] == [2]
    assert body["complete"] is False
    assert body["skipped"][0].startswith("Type-14 record 3, field 14.011: WSQ-compressed")

    exported = api.get(f"/v1/biometrics/records/{record}/nist", KZ_ANALYST)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "application/octet-stream"
    assert [f.position for f in nist.parse(exported.content).fingers] == [2]
    error_of(api.get(f"/v1/biometrics/records/{record}/nist", TJ_ANALYST), 404)

    malformed = api.post(f"/v1/biometrics/nist/import?record_id={record}", UZ_EDITOR, content=data[:-50], headers=headers)
    assert error_of(malformed, 422)["faults"][0]["field"] == "Type-14 record 3, field 14.001"
    refused = api.post(f"/v1/biometrics/nist/import?record_id={record}", TJ_ANALYST, content=data, headers=headers)
    assert refused.status_code == 403
