"""Writing zones from their fields, check digits computed (ICAO Doc 9303 parts 3 to 7)."""

from __future__ import annotations

import re
from datetime import date

from kalkan.errors import Fault
from kalkan.model.documents import normalise_document_number
from kalkan.model.mrz_checks import FILLER, LETTERS, MRZ_CHARACTERS, check_digit
from kalkan.model.mrz_fields import decode_state
from kalkan.model.mrz_layout import LAYOUTS, Span
from kalkan.model.mrz_types import MRZDate, MRZError, MRZFields, MRZFormat

_NAME_SEPARATORS = re.compile(r"[\s\-]+")
_VISAS = (MRZFormat.MRVA, MRZFormat.MRVB)


def build_mrz(fields: MRZFields, format: MRZFormat, *, allow_specimen: bool = False) -> tuple[str, ...]:
    """The lines of a zone of ``format`` holding ``fields``; raises MRZError naming every field that does not fit.

    A name longer than its field is cut at the field's end (the reader then flags it as
    possibly truncated). Numbers of more than 9 characters continue in the optional data in
    TD1 and TD2, as Doc 9303 prescribes; other formats refuse them.
    """
    layout = LAYOUTS[format]
    faults: list[Fault] = []
    cells = [[FILLER] * layout.width for _ in range(layout.line_count)]

    def put(span: Span, text: str, name: str = "") -> None:
        if len(text) > span.length:
            faults.append(Fault(name, f"{len(text)} characters, at most {span.length} in {format.a_label}"))
            return
        row = cells[span.line - 1]
        row[span.position - 1 : span.position - 1 + len(text)] = list(text)

    put(layout.document_code, _document_code(fields.document_code, format, faults))
    put(layout.issuing_state, _state(fields.issuing_state, "issuing_state", faults, allow_specimen=allow_specimen))
    put(layout.nationality, _state(fields.nationality, "nationality", faults, allow_specimen=allow_specimen))
    put(layout.name, _name(fields.primary_identifier, fields.secondary_identifiers, layout.name.length, faults))
    put(layout.birth_date, _birth_date(fields.birth_date))
    put(layout.birth_check, check_digit(_birth_date(fields.birth_date)) or FILLER)
    put(layout.sex, fields.sex.mrz_character)
    expiry = _yymmdd(fields.expiry_date)
    put(layout.expiry_date, expiry)
    put(layout.expiry_check, check_digit(expiry) or FILLER)

    optional = _optional(fields.optional_data, "optional_data", faults)
    number = _number(fields.document_number, faults)
    short = layout.document_number.length
    if len(number) <= short:
        put(layout.document_number, number)
        put(layout.number_check, check_digit(number.ljust(short, FILLER)) or FILLER)
        put(layout.optional_data, optional, "optional_data")
    elif layout.number_overflows:
        # the rest of the number, its check digit, a filler, then the optional data proper
        continued = number[short:] + (check_digit(number) or FILLER)
        put(layout.document_number, number[:short])
        if len(continued) > layout.optional_data.length:
            most = short + layout.optional_data.length - 1
            faults.append(Fault("document_number", f"{len(number)} characters, at most {most} in {format.a_label}"))
        elif optional:
            put(layout.optional_data, continued + FILLER + optional, "optional_data (with the document number's continuation)")
        else:
            put(layout.optional_data, continued)
    else:
        faults.append(Fault("document_number", f"{len(number)} characters, at most {short} in {format.a_label}"))
    if layout.optional_check:
        padded = optional.ljust(layout.optional_data.length, FILLER)
        put(layout.optional_check, check_digit(padded) or FILLER if optional.strip(FILLER) else FILLER)
    if layout.optional_data_2:
        optional_2 = _optional(fields.optional_data_2, "optional_data_2", faults)
        put(layout.optional_data_2, optional_2, "optional_data_2")
    elif fields.optional_data_2:
        faults.append(Fault("optional_data_2", f"only a TD1 has a second optional data field, not {format.a_label}"))

    if faults:
        raise MRZError(faults)
    lines = ["".join(row) for row in cells]
    if layout.composite:
        put(layout.composite, check_digit("".join(span.of(lines) for span in layout.composite_covers)) or FILLER)
        lines = ["".join(row) for row in cells]
    return tuple(lines)


def _document_code(code: str, format: MRZFormat, faults: list[Fault]) -> str:
    code = code.upper()
    if not 1 <= len(code) <= 2 or code[0] not in LETTERS or any(c not in LETTERS | {FILLER} for c in code):
        faults.append(Fault("document_code", f"{code!r}: one letter, then a letter or nothing"))
    elif (format in _VISAS) != code.startswith("V"):
        faults.append(Fault("document_code", f"{code!r}: visas (MRV-A, MRV-B), and only they, have codes starting with 'V'"))
    return code[:2]


def _state(code: str, name: str, faults: list[Fault], *, allow_specimen: bool) -> str:
    code = code.strip().upper()
    if len(code) > 3:
        faults.append(Fault(name, f"unknown code {code!r}"))
        return ""
    padded = code.ljust(3, FILLER)
    _, messages = decode_state(padded, 1, is_nationality=name == "nationality", allow_specimen=allow_specimen)
    faults.extend(Fault(name, message) for message in messages)
    return padded


def _identifier(text: str, name: str, faults: list[Fault]) -> str:
    words = _NAME_SEPARATORS.sub(FILLER, text.strip().upper().replace("'", "")).strip(FILLER)
    if any(char not in LETTERS | {FILLER} for char in words):
        faults.append(Fault(name, f"{text!r}: only letters A-Z, spaces, hyphens and apostrophes (transliterate first)"))
    return words


def _name(primary: str, secondary: str, length: int, faults: list[Fault]) -> str:
    name = _identifier(primary, "primary_identifier", faults)
    given = _identifier(secondary, "secondary_identifiers", faults)
    if not name and not given:
        faults.append(Fault("primary_identifier", "a name is required"))
    if given:
        name += FILLER * 2 + given
    return name[:length]


def _number(number: str, faults: list[Fault]) -> str:
    try:
        return normalise_document_number(number)
    except ValueError as error:
        faults.append(Fault("document_number", str(error)))
        return ""


def _optional(text: str, name: str, faults: list[Fault]) -> str:
    text = text.upper().rstrip(FILLER)
    if any(char not in MRZ_CHARACTERS for char in text):
        faults.append(Fault(name, f"{text!r}: only A-Z, 0-9 and '<'"))
    return text


def _yymmdd(day: date) -> str:
    return f"{day.year % 100:02d}{day.month:02d}{day.day:02d}"


def _birth_date(birth: MRZDate) -> str:
    parts = (birth.year % 100 if birth.year is not None else None, birth.month, birth.day)
    return "".join(FILLER * 2 if part is None else f"{part:02d}" for part in parts)
