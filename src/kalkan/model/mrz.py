"""Machine-readable zones of travel documents (ICAO Doc 9303): read, validate, write.

    mrz = parse_mrz(scanned_text)        # strict: MRZError names every fault
    reading = read_mrz(scanned_text)     # lenient: fields, faults and suggestions on the result
    lines = build_mrz(fields, MRZFormat.TD3)

Formats: TD1 (3 x 30), TD2 (2 x 36), TD3 passports (2 x 44), MRV-A (2 x 44) and MRV-B
(2 x 36) visas. Input is taken as scanners send it (any line ends, spaces, lower case, one
line run together). Characters OCR confuses (0/O, 1/I, 5/S, 8/B, 2/Z) are never changed: a
swap that would mend the reading is offered as a ``Suggestion``.

The internals live in ``mrz_layout`` (positions, input), ``mrz_fields`` (decoding fields),
``mrz_checks`` (check digits), ``mrz_reading`` and ``mrz_writer``.
"""

from __future__ import annotations

from kalkan.model.mrz_checks import OCR_CONFUSIONS, check_digit
from kalkan.model.mrz_layout import MAX_INPUT_CHARACTERS
from kalkan.model.mrz_reading import MRZ, MRZReading, parse_mrz, read_mrz
from kalkan.model.mrz_types import CheckDigit, MRZDate, MRZError, MRZFields, MRZFormat, Sex, Suggestion
from kalkan.model.mrz_writer import build_mrz

__all__ = [
    "MAX_INPUT_CHARACTERS",
    "MRZ",
    "OCR_CONFUSIONS",
    "CheckDigit",
    "MRZDate",
    "MRZError",
    "MRZFields",
    "MRZFormat",
    "MRZReading",
    "Sex",
    "Suggestion",
    "build_mrz",
    "check_digit",
    "parse_mrz",
    "read_mrz",
]
