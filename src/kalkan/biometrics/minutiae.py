"""Finger minutiae templates and their ISO/IEC 19794-2:2005 record (the "FMR" format).

A template is an array of minutiae, one row each: x, y (pixels), angle (radians, 0 along
+x, counter-clockwise with y pointing down as in the image) and type (1 ridge ending,
2 bifurcation, 0 other), with the finger's position, impression, size and quality.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from kalkan.errors import ValidationFailed

ENDING = 1
BIFURCATION = 2

#: Pixels per centimetre of a 500 ppi image, as ISO/IEC 19794-2 writes resolutions.
PIXELS_PER_CM_500_PPI = 197


class Impression(IntEnum):
    """ANSI/NIST-ITL impression types (IMP) that Kalkan keeps."""

    LIVE_SCAN_PLAIN = 0
    LIVE_SCAN_ROLLED = 1
    NONLIVE_SCAN_PLAIN = 2
    NONLIVE_SCAN_ROLLED = 3

    @property
    def label(self) -> str:
        return "rolled" if self in (Impression.LIVE_SCAN_ROLLED, Impression.NONLIVE_SCAN_ROLLED) else "plain"


#: ANSI/NIST-ITL finger position codes (FGP) 0-10.
FINGER_POSITIONS = {
    0: "unknown",
    1: "right thumb",
    2: "right index",
    3: "right middle",
    4: "right ring",
    5: "right little",
    6: "left thumb",
    7: "left index",
    8: "left middle",
    9: "left ring",
    10: "left little",
}


def check_position(position: int, field: str = "position") -> int:
    if position not in FINGER_POSITIONS:
        raise ValidationFailed.one(field, f"finger position {position} is not an ANSI/NIST code 0-10 (1 right thumb ... 10 left little)")
    return position


@dataclass(frozen=True, slots=True)
class FingerTemplate:
    minutiae: npt.NDArray[np.float32]  # N x 4: x, y, angle, type
    width: int
    height: int
    position: int = 0
    impression: Impression = Impression.LIVE_SCAN_PLAIN
    quality: int = 0

    def __len__(self) -> int:
        return int(self.minutiae.shape[0])

    def to_bytes(self) -> bytes:
        """Kalkan's stored form: the ISO record (it carries everything a template holds)."""
        return to_iso19794_2(self)

    @staticmethod
    def from_bytes(data: bytes) -> FingerTemplate:
        return from_iso19794_2(data)


def to_iso19794_2(template: FingerTemplate) -> bytes:
    """One finger view as an ISO/IEC 19794-2:2005 finger minutiae record."""
    rows = template.minutiae[:255]
    body = bytearray()
    for x, y, angle, kind in rows:
        kind_bits = {ENDING: 0b01, BIFURCATION: 0b10}.get(int(kind), 0b00)
        xi, yi = min(max(round(float(x)), 0), 0x3FFF), min(max(round(float(y)), 0), 0x3FFF)
        # The standard counts angles counter-clockwise in units of 1.40625 degrees.
        code = round(float(angle % (2 * math.pi)) / (2 * math.pi) * 256) % 256
        body += struct.pack(">HHBB", (kind_bits << 14) | xi, yi, code, 0)
    view = struct.pack(">BBBB", template.position, int(template.impression) & 0x0F, template.quality, len(rows))
    length = 24 + len(view) + len(body) + 2
    header = (
        b"FMR\x00"
        + b" 20\x00"
        + struct.pack(">IHHHHHBB", length, 0, template.width, template.height, PIXELS_PER_CM_500_PPI, PIXELS_PER_CM_500_PPI, 1, 0)
    )
    return bytes(header + view + body + b"\x00\x00")


def from_iso19794_2(data: bytes, field: str = "template") -> FingerTemplate:
    """Read the first finger view of an ISO/IEC 19794-2:2005 record, checking every length."""
    if len(data) < 30 or not data.startswith(b"FMR\x00"):
        raise ValidationFailed.one(field, "not an ISO/IEC 19794-2 finger minutiae record (it must start with 'FMR')")
    (length, _equipment, width, height, _rx, _ry, views, _reserved) = struct.unpack(">IHHHHHBB", data[8:24])
    if length != len(data):
        raise ValidationFailed.one(field, f"the record says it is {length} bytes long but {len(data)} were given")
    if views < 1:
        raise ValidationFailed.one(field, "the record holds no finger view")
    position, view_impression, quality, count = struct.unpack(">BBBB", data[24:28])
    if 28 + 6 * count + 2 > len(data):
        raise ValidationFailed.one(field, f"the view declares {count} minutiae but the record is too short for them")
    rows = np.zeros((count, 4), dtype=np.float32)
    for i in range(count):
        first, second, code, _quality = struct.unpack(">HHBB", data[28 + 6 * i : 34 + 6 * i])
        kind = {0b01: ENDING, 0b10: BIFURCATION}.get(first >> 14, 0)
        rows[i] = (first & 0x3FFF, second & 0x3FFF, code / 256 * 2 * math.pi, kind)
    impression = view_impression & 0x0F
    return FingerTemplate(
        rows,
        width,
        height,
        position if position in FINGER_POSITIONS else 0,
        Impression(impression) if impression in Impression._value2member_map_ else Impression.LIVE_SCAN_PLAIN,
        quality,
    )
