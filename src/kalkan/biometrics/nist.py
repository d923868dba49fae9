"""ANSI/NIST-ITL 1-2011 transactions in the traditional encoding: read and write, no database.

A transaction is a Type-1 record (whose field 1.003 CNT lists the records that follow) and
those records. Tagged records are fields ``N.NNN:value`` separated by GS (0x1D), subfields by
RS (0x1E), information items by US (0x1F), the record ending in FS (0x1C); the binary data of
field ``N.999`` is raw bytes up to the record's end, which its length field (``N.001``)
gives. Types 3-8 are binary: a 4-byte big-endian length first (Type-4: an 18-byte header of
LEN, IDC, IMP, FGP (6 bytes), ISR, HLL, VLL, GCA, then the image).

Read: Type-1 (transaction information), Type-2 (descriptive text, kept as text), Type-4 and
Type-14 (fingerprints), Type-10 (faces). Other types defined by the standard are stepped over
with a note. Every length is checked against the bytes actually left before anything is
sliced, so a lying length costs nothing; a fault raises ``NistFault`` naming the record type,
its place in the file, the field and what is wrong. ``image_of`` turns an image record into
PNG or JPEG bytes for enrolment, and refuses what cannot be decoded here (WSQ, JPEG 2000),
naming the record, so a caller may skip that one record.

Written: Type-1 with a CNT that lists every record, optional Type-2 text, Type-14 (or
Type-4) per finger and Type-10 per face.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np

from kalkan.biometrics.images import MAX_PIXELS, MIN_SIDE, decode, encode_png, sniff
from kalkan.errors import Fault, ValidationFailed

FS, GS, RS, US = b"\x1c", b"\x1d", b"\x1e", b"\x1f"
VERSION: Final = "0500"
MAX_BYTES: Final = 64 * 1024 * 1024
#: Record types ANSI/NIST-ITL 1-2011 defines; 3, 5 and 6 are deprecated but still met.
DEFINED_TYPES: Final = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 98, 99})
BINARY_TYPES: Final = frozenset({3, 4, 5, 6, 7, 8})
_BINARY_HEADER: Final = {3: 18, 4: 18, 5: 18, 6: 18, 7: 5, 8: 12}
#: Type-4 compression codes (GCA, one byte) and their Type-10/14 names.
TYPE4_COMPRESSION: Final = {0: "NONE", 1: "WSQ20", 2: "JPEGB", 3: "JPEGL", 4: "JP2", 5: "JP2L", 6: "PNG"}
_TAG = re.compile(rb"([0-9]{1,2})\.([0-9]{1,3})")
_NUMBER = re.compile(r"[0-9]{1,9}")
_TEXT_SEPARATORS = str.maketrans("", "", "\x1c\x1d\x1e\x1f")
#: Pixels per inch Kalkan's fingerprint extractor is tuned for, and the tolerance accepted.
FINGER_PPI, PPI_TOLERANCE = 500, 10


class NistFault(ValidationFailed):
    """A transaction, or one of its records, that cannot be read: names type, record and field."""

    def __init__(self, record_type: int | None, record_number: int, tag: str | None, fault: str) -> None:
        where = f"Type-{record_type} record {record_number}" if record_type is not None else f"record {record_number}"
        if tag:
            where += f", field {tag}"
        self.record_type, self.record_number, self.tag = record_type, record_number, tag
        super().__init__(Fault(where, fault))


@dataclass(frozen=True, slots=True)
class TransactionInfo:
    """Type-1: what the transaction is, who sent it to whom, and its control number."""

    transaction_type: str
    originator: str
    destination: str
    control_number: str
    date: str  # YYYYMMDD
    version: str = VERSION
    native_resolution: str = "00.00"  # pixels per millimetre of Type-4 images (1.011 NSR)
    transmitting_resolution: str = "00.00"  # 1.012 NTR


@dataclass(frozen=True, slots=True)
class FingerImage:
    """A Type-4 or Type-14 finger image: position (FGP), impression (IMP), compression (CGA)."""

    position: int
    impression: int
    width: int
    height: int
    compression: str  # "NONE", "PNG", "JPEGB", "WSQ20", ...
    data: bytes
    ppi: int | None = FINGER_PPI  # None when the record states no scale
    bits_per_pixel: int = 8
    record_type: int = 14
    record_number: int = 0
    source: str = ""


@dataclass(frozen=True, slots=True)
class FaceImage:
    """A Type-10 image: IMT "FACE" for a face, CGA its compression, CSP its colour space."""

    width: int
    height: int
    compression: str  # "JPEGB", "PNG", "NONE", ...
    data: bytes
    image_type: str = "FACE"
    colour_space: str = "SRGB"
    record_number: int = 0
    source: str = ""


@dataclass(frozen=True, slots=True)
class Transaction:
    info: TransactionInfo
    descriptive_text: list[dict[str, str]] = field(default_factory=list)  # one per Type-2 record: tag -> value
    fingers: list[FingerImage] = field(default_factory=list)
    faces: list[FaceImage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # records read but not carried


# -- reading ---------------------------------------------------------------------------


def parse(data: bytes) -> Transaction:
    """Read a whole transaction, or raise ``NistFault`` (never more memory than ``data``)."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed.one("file", f"{len(data):,} bytes is more than the {MAX_BYTES:,} accepted for one transaction")
    if not data.startswith(b"1.0"):
        raise NistFault(1, 1, "1.001", "not an ANSI/NIST-ITL transaction: the file does not start with field 1.001 (LEN)")
    first, offset = _tagged(data, 0, 1, 1)
    _require(first, 1, 1, (2, 3))
    info = TransactionInfo(
        transaction_type=_text(first, 1, 1, 4, ""),
        originator=_text(first, 1, 1, 8, ""),
        destination=_text(first, 1, 1, 7, ""),
        control_number=_text(first, 1, 1, 9, ""),
        date=_text(first, 1, 1, 5, ""),
        version=_text(first, 1, 1, 2),
        native_resolution=_text(first, 1, 1, 11, "00.00"),
        transmitting_resolution=_text(first, 1, 1, 12, "00.00"),
    )
    listed = _content(_text(first, 1, 1, 3))
    result = Transaction(info)
    for number, record_type in enumerate(listed, start=2):
        if offset >= len(data):
            raise NistFault(1, 1, "1.003", f"lists {len(listed)} records after the Type-1 record, but the file ends after {number - 2}")
        if record_type in BINARY_TYPES:
            end = offset + _binary_length(data, offset, record_type, number)
            if record_type == 4:
                result.fingers.append(_type4(data, offset, end, number, info))
            else:
                result.notes.append(f"Type-{record_type} record {number}: not read by Kalkan (skipped)")
        else:
            fields, end = _tagged(data, offset, record_type, number)
            if record_type == 2:
                result.descriptive_text.append({f"2.{tag:03d}": _text(fields, 2, number, tag) for tag in fields if tag not in (1, 999)})
            elif record_type == 14:
                result.fingers.append(_type14(fields, number))
            elif record_type == 10:
                result.faces.append(_type10(fields, number))
            else:
                result.notes.append(f"Type-{record_type} record {number}: not read by Kalkan (skipped)")
        offset = end
    if offset < len(data):
        raise NistFault(1, 1, "1.003", f"lists {len(listed)} records, but {len(data) - offset:,} bytes follow the last of them")
    return result


def _content(value: str) -> list[int]:
    """The record types 1.003 CNT lists after the Type-1 record, in file order."""
    subfields = value.split(RS.decode())
    first = subfields[0].split(US.decode())
    if len(first) != 2 or first[0] != "1" or not _NUMBER.fullmatch(first[1]):
        raise NistFault(1, 1, "1.003", f"its first subfield must be '1<US>count', not {_shown(subfields[0])}")
    if int(first[1]) != len(subfields) - 1:
        raise NistFault(1, 1, "1.003", f"says {int(first[1])} records follow but lists {len(subfields) - 1}")
    types = []
    for number, subfield in enumerate(subfields[1:], start=2):
        items = subfield.split(US.decode())
        if len(items) != 2 or not _NUMBER.fullmatch(items[0]) or not _NUMBER.fullmatch(items[1]):
            raise NistFault(1, 1, "1.003", f"subfield {number} must be 'record type<US>IDC', not {_shown(subfield)}")
        record_type = int(items[0])
        if record_type not in DEFINED_TYPES or record_type == 1:
            raise NistFault(
                1, 1, "1.003", f"record {number} is listed as Type-{record_type}, which ANSI/NIST-ITL 1-2011 does not define here"
            )
        types.append(record_type)
    return types


def _tagged(data: bytes, offset: int, record_type: int, number: int) -> tuple[dict[int, str | bytes], int]:
    """The fields of the tagged record at ``offset`` (text, or bytes for N.999) and its end."""
    left = len(data) - offset
    length_tag = f"{record_type}.001"
    colon = data.find(b":", offset, offset + 8)
    match = _TAG.fullmatch(data, offset, colon) if colon >= 0 else None
    if match is None:
        raise NistFault(
            record_type, number, length_tag, f"the record does not start with field {length_tag}: {_shown(data[offset : offset + 12])}"
        )
    if int(match[1]) != record_type:
        raise NistFault(
            record_type,
            number,
            length_tag,
            f"1.003 CNT lists a Type-{record_type} record here, but it starts with field {match[0].decode()}",
        )
    if int(match[2]) != 1:
        raise NistFault(record_type, number, length_tag, f"the first field must be {length_tag} (LEN), not {match[0].decode()}")
    stop = min(len(data), colon + 1 + 20)
    ends = [i for i in (data.find(GS, colon, stop), data.find(FS, colon, stop)) if i >= 0]
    if not ends:
        raise NistFault(record_type, number, length_tag, "the length does not end within 20 characters (or the file is truncated)")
    text = data[colon + 1 : min(ends)].decode("ascii", errors="replace").strip()
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise NistFault(record_type, number, length_tag, f"length {text} is negative")
    if not (text.isascii() and text.isdigit()):
        raise NistFault(record_type, number, length_tag, f"length {_shown(text)} is not a number")
    length = int(text)
    if length > left:
        raise NistFault(record_type, number, length_tag, f"length {length} exceeds the {left:,} bytes left in the file")
    if length < min(ends) + 1 - offset:
        raise NistFault(record_type, number, length_tag, f"length {length} is shorter than the record's own length field")
    end = offset + length
    if data[end - 1 : end] != FS:
        raise NistFault(record_type, number, length_tag, f"length {length} does not end at the record separator (FS)")
    fields: dict[int, str | bytes] = {}
    position = offset
    while position < end - 1:
        colon = data.find(b":", position, min(end - 1, position + 8))
        match = _TAG.fullmatch(data, position, colon) if colon >= 0 else None
        if match is None:
            raise NistFault(
                record_type,
                number,
                None,
                f"byte {position - offset} of the record: {_shown(data[position : position + 12])} is not a field tag 'N.NNN:'",
            )
        tag = f"{int(match[1])}.{int(match[2]):03d}"
        if int(match[1]) != record_type:
            raise NistFault(record_type, number, tag, "a field of another record type inside this record")
        field_number = int(match[2])
        if fields and field_number <= max(fields):
            raise NistFault(record_type, number, tag, "repeated, or out of order (fields go in ascending order)")
        if field_number == 999:
            fields[field_number], position = data[colon + 1 : end - 1], end - 1
            continue
        separator = data.find(GS, colon, end - 1)
        stop = separator if separator >= 0 else end - 1
        fields[field_number] = data[colon + 1 : stop].decode("utf-8", errors="replace")
        position = stop + 1
    return fields, end


def _binary_length(data: bytes, offset: int, record_type: int, number: int) -> int:
    left, header = len(data) - offset, _BINARY_HEADER[record_type]
    tag = f"{record_type}.001"
    if left < 4:
        raise NistFault(record_type, number, tag, f"the file ends {left} bytes into the record, before its 4-byte length")
    length = int.from_bytes(data[offset : offset + 4], "big")
    if length > left:
        raise NistFault(record_type, number, tag, f"length {length} exceeds the {left:,} bytes left in the file")
    if length < header:
        raise NistFault(record_type, number, tag, f"length {length} is shorter than the record's {header}-byte header")
    return length


def _type4(data: bytes, offset: int, end: int, number: int, info: TransactionInfo) -> FingerImage:
    header = data[offset : offset + 18]
    compression = TYPE4_COMPRESSION.get(header[17])
    if compression is None:
        raise NistFault(4, number, "4.008", f"compression code {header[17]} is not one ANSI/NIST-ITL 1-2011 defines (0-6)")
    scale = info.native_resolution if header[12] == 0 else info.transmitting_resolution
    try:
        per_mm = float(scale)
    except ValueError:
        raise NistFault(1, 1, "1.011" if header[12] == 0 else "1.012", f"resolution {_shown(scale)} is not a number") from None
    return FingerImage(
        position=header[6],
        impression=header[5],
        width=int.from_bytes(header[13:15], "big"),
        height=int.from_bytes(header[15:17], "big"),
        compression=compression,
        data=data[offset + 18 : end],
        ppi=round(per_mm * 25.4) if per_mm > 0 else None,
        record_type=4,
        record_number=number,
        source=info.control_number,
    )


def _type14(fields: Mapping[int, str | bytes], number: int) -> FingerImage:
    _require(fields, 14, number, (6, 7, 11, 13, 999))
    position = _first(_text(fields, 14, number, 13))
    return FingerImage(
        position=_number(position, 14, number, 13),
        impression=_number(_text(fields, 14, number, 3, "0"), 14, number, 3),
        width=_number(_text(fields, 14, number, 6), 14, number, 6),
        height=_number(_text(fields, 14, number, 7), 14, number, 7),
        compression=_text(fields, 14, number, 11).strip().upper(),
        data=_bytes(fields, 14, number),
        ppi=_ppi(fields, 14, number),
        bits_per_pixel=_number(_text(fields, 14, number, 12, "8"), 14, number, 12),
        record_number=number,
        source=_text(fields, 14, number, 4, ""),
    )


def _type10(fields: Mapping[int, str | bytes], number: int) -> FaceImage:
    _require(fields, 10, number, (3, 6, 7, 11, 999))
    return FaceImage(
        width=_number(_text(fields, 10, number, 6), 10, number, 6),
        height=_number(_text(fields, 10, number, 7), 10, number, 7),
        compression=_text(fields, 10, number, 11).strip().upper(),
        data=_bytes(fields, 10, number),
        image_type=_text(fields, 10, number, 3).strip().upper(),
        colour_space=_text(fields, 10, number, 12, "SRGB").strip().upper(),
        record_number=number,
        source=_text(fields, 10, number, 4, ""),
    )


def _require(fields: Mapping[int, object], record_type: int, number: int, wanted: Sequence[int]) -> None:
    for tag in wanted:
        if tag not in fields:
            raise NistFault(record_type, number, f"{record_type}.{tag:03d}", "missing: the record needs it")


def _text(fields: Mapping[int, str | bytes], record_type: int, number: int, tag: int, default: str | None = None) -> str:
    value = fields.get(tag, default)
    if not isinstance(value, str):
        raise NistFault(record_type, number, f"{record_type}.{tag:03d}", "missing: the record needs it")
    return value


def _bytes(fields: Mapping[int, str | bytes], record_type: int, number: int) -> bytes:
    value = fields[999]
    if not isinstance(value, bytes) or not value:
        raise NistFault(record_type, number, f"{record_type}.999", "empty: the record holds no image data")
    return value


def _first(value: str) -> str:
    return value.split(RS.decode())[0].split(US.decode())[0]


def _number(value: str, record_type: int, number: int, tag: int) -> int:
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        raise NistFault(record_type, number, f"{record_type}.{tag:03d}", f"{_shown(text)} is not a whole number")
    return int(text)


def _ppi(fields: Mapping[int, str | bytes], record_type: int, number: int) -> int | None:
    """Pixels per inch from SLC (1 ppi, 2 ppcm) and THPS; None when no scale is given (SLC 0)."""
    unit = _number(_text(fields, record_type, number, 8, "0"), record_type, number, 8)
    if unit == 0:
        return None
    horizontal = _number(_text(fields, record_type, number, 9), record_type, number, 9)
    return horizontal if unit == 1 else round(horizontal * 2.54)


def _shown(value: str | bytes) -> str:
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return repr(text[:24] + ("..." if len(text) > 24 else ""))


# -- images for enrolment ----------------------------------------------------------------


def finger_image(finger: FingerImage) -> bytes:
    """A finger record's image as PNG or JPEG bytes Kalkan can enrol, or a fault naming the record."""
    kind, number = finger.record_type, finger.record_number
    if not 0 <= finger.position <= 10:
        tag = "4.004" if kind == 4 else "14.013"
        raise NistFault(kind, number, tag, f"finger position {finger.position} is not a single finger (0-10): segment slaps before import")
    if finger.impression not in (0, 1, 2, 3):
        raise NistFault(kind, number, f"{kind}.003", f"impression {finger.impression} is not a ten-print capture (plain or rolled, 0-3)")
    if finger.ppi is not None and abs(finger.ppi - FINGER_PPI) > PPI_TOLERANCE:
        raise NistFault(kind, number, "14.009" if kind == 14 else "1.011", f"{finger.ppi} pixels per inch: Kalkan reads 500 ppi prints")
    if finger.bits_per_pixel != 8:
        raise NistFault(kind, number, "14.012", f"{finger.bits_per_pixel} bits per pixel: Kalkan reads 8-bit grey prints")
    return _image(kind, number, finger.compression, finger.data, finger.width, finger.height, channels=1)


def face_image(face: FaceImage) -> bytes:
    if face.image_type != "FACE":
        raise NistFault(10, face.record_number, "10.003", f"image type {_shown(face.image_type)} is not a face (FACE)")
    channels = {"GRAY": 1, "SRGB": 3, "RGB": 3}.get(face.colour_space)
    if face.compression == "NONE" and channels is None:
        raise NistFault(
            10, face.record_number, "10.012", f"colour space {_shown(face.colour_space)} of raw pixels: Kalkan reads GRAY or SRGB"
        )
    return _image(10, face.record_number, face.compression, face.data, face.width, face.height, channels=channels or 3)


def _image(record_type: int, number: int, compression: str, data: bytes, width: int, height: int, *, channels: int) -> bytes:
    compression_tag, data_tag = {4: ("4.008", "4.009"), 10: ("10.011", "10.999"), 14: ("14.011", "14.999")}[record_type]
    if compression == "WSQ20":
        raise NistFault(
            record_type,
            number,
            compression_tag,
            "WSQ-compressed (WSQ20): no WSQ decoder is installed, so Kalkan cannot read it; send PNG or raw",
        )
    if compression in ("JP2", "JP2L"):
        raise NistFault(record_type, number, compression_tag, f"JPEG 2000 ({compression}) is not read by Kalkan; send PNG, JPEG or raw")
    if compression == "NONE":
        if min(width, height) < MIN_SIDE:
            raise NistFault(record_type, number, data_tag, f"{width} x {height} pixels is too small (at least {MIN_SIDE} on each side)")
        if width * height > MAX_PIXELS:
            raise NistFault(record_type, number, data_tag, f"{width} x {height} pixels is more than the {MAX_PIXELS:,} accepted")
        if len(data) != width * height * channels:
            raise NistFault(
                record_type,
                number,
                data_tag,
                f"{len(data):,} bytes of raw pixels, but {width} x {height} x {channels} = {width * height * channels:,}",
            )
        shape = (height, width) if channels == 1 else (height, width, channels)
        return encode_png(np.frombuffer(data, dtype=np.uint8).reshape(shape))
    expected = {"PNG": "png", "JPEGB": "jpeg", "JPEGL": "jpeg"}.get(compression)
    if expected is None:
        raise NistFault(
            record_type, number, compression_tag, f"compression {_shown(compression)} is not one Kalkan reads (NONE, PNG, JPEGB)"
        )
    try:
        found = sniff(data)
    except ValidationFailed as error:
        raise NistFault(record_type, number, data_tag, error.faults[0].fault) from None
    if found != expected:
        raise NistFault(record_type, number, data_tag, f"the compression field says {compression} but the data is a {found.upper()} image")
    return data


# -- writing -----------------------------------------------------------------------------


def write(
    info: TransactionInfo,
    fingers: Sequence[FingerImage] = (),
    faces: Sequence[FaceImage] = (),
    descriptive_text: Mapping[int, str] | None = None,
) -> bytes:
    """One transaction: Type-1, Type-2 (when text is given), a record per finger and per face."""
    if any(finger.record_type == 4 for finger in fingers) and info.native_resolution == "00.00":
        info = replace(info, native_resolution="19.69", transmitting_resolution="19.69")  # 500 ppi, as Type-4 images are
    records: list[tuple[int, bytes]] = []
    if descriptive_text is not None:
        text_fields = [(2, "01")] + [(tag, value) for tag, value in sorted(descriptive_text.items()) if tag > 2]
        records.append((2, tagged_record(2, text_fields)))
    for finger in fingers:
        idc = len(records) + 1
        records.append((finger.record_type, type4_record(finger, idc) if finger.record_type == 4 else _type14_record(finger, idc, info)))
    for face in faces:
        records.append((10, _type10_record(face, len(records) + 1, info)))
    return transaction(info, records)


def transaction(info: TransactionInfo, records: Sequence[tuple[int, bytes]]) -> bytes:
    """Type-1 listing ``records`` (type, encoded record) in 1.003 CNT, then the records; IDC = place."""
    count = US.join([b"1", str(len(records)).encode()])
    listed = [US.join([str(record_type).encode(), f"{idc:02d}".encode()]) for idc, (record_type, _) in enumerate(records, start=1)]
    header = tagged_record(
        1,
        [
            (2, info.version),
            (3, RS.join([count, *listed])),
            (4, info.transaction_type),
            (5, info.date),
            (7, info.destination),
            (8, info.originator),
            (9, info.control_number),
            (11, info.native_resolution),
            (12, info.transmitting_resolution),
        ],
    )
    return header + b"".join(record for _, record in records)


def tagged_record(record_type: int, fields: Sequence[tuple[int, str | bytes]]) -> bytes:
    """A tagged record with its length (N.001) computed; fields after 001, in ascending order, N.999 last."""
    body = b"".join(
        GS + f"{record_type}.{tag:03d}:".encode() + (value if isinstance(value, bytes) else value.translate(_TEXT_SEPARATORS).encode())
        for tag, value in sorted(fields, key=lambda f: f[0])
    )
    prefix = f"{record_type}.001:".encode()
    length = len(prefix) + len(body) + 1
    while len(prefix) + len(str(length)) + len(body) + 1 != length:
        length = len(prefix) + len(str(length)) + len(body) + 1
    return prefix + str(length).encode() + body + FS


def type4_record(finger: FingerImage, idc: int) -> bytes:
    """A binary Type-4 record: the 18-byte header, then the image."""
    code = {name: code for code, name in TYPE4_COMPRESSION.items()}[finger.compression]
    header = (
        (18 + len(finger.data)).to_bytes(4, "big")
        + bytes([idc, finger.impression, finger.position, 255, 255, 255, 255, 255, 0])
        + finger.width.to_bytes(2, "big")
        + finger.height.to_bytes(2, "big")
        + bytes([code])
    )
    return header + finger.data


def _type14_record(finger: FingerImage, idc: int, info: TransactionInfo) -> bytes:
    return tagged_record(
        14,
        [
            (2, f"{idc:02d}"),
            (3, str(finger.impression)),
            (4, finger.source or info.originator),
            (5, info.date),
            (6, str(finger.width)),
            (7, str(finger.height)),
            (8, "1" if finger.ppi else "0"),
            (9, str(finger.ppi or 1)),
            (10, str(finger.ppi or 1)),
            (11, finger.compression),
            (12, str(finger.bits_per_pixel)),
            (13, str(finger.position)),
            (999, finger.data),
        ],
    )


def _type10_record(face: FaceImage, idc: int, info: TransactionInfo) -> bytes:
    return tagged_record(
        10,
        [
            (2, f"{idc:02d}"),
            (3, face.image_type),
            (4, face.source or info.originator),
            (5, info.date),
            (6, str(face.width)),
            (7, str(face.height)),
            (8, "0"),
            (9, "1"),
            (10, "1"),
            (11, face.compression),
            (12, face.colour_space),
            (999, face.data),
        ],
    )


def finger_for_export(image: bytes, position: int, impression: int, source: str = "") -> FingerImage:
    """A stored finger image as a Type-14 record's content: 8-bit grey PNG (converted if need be)."""
    if image.startswith(b"\x89PNG\r\n\x1a\n") and image[24:26] == b"\x08\x00":  # bit depth 8, colour type grey
        width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
        return FingerImage(position, impression, width, height, "PNG", image, source=source)
    grey = decode(image, grey=True)
    return FingerImage(position, impression, grey.width, grey.height, "PNG", encode_png(grey.pixels), source=source)


def face_for_export(image: bytes, width: int, height: int, source: str = "") -> FaceImage:
    """A stored face image as a Type-10 record's content, passed through unchanged (JPEGB or PNG)."""
    kind = sniff(image)
    grey = (kind == "png" and image[25:26] in (b"\x00", b"\x04")) or (kind == "jpeg" and _jpeg_components(image) == 1)
    return FaceImage(width, height, "JPEGB" if kind == "jpeg" else "PNG", image, colour_space="GRAY" if grey else "SRGB", source=source)


def _jpeg_components(data: bytes) -> int | None:
    offset = 2
    while offset + 10 <= len(data) and data[offset] == 0xFF:
        marker = data[offset + 1]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            return data[offset + 9]
        offset += 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
    return None
