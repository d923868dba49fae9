"""Decoding each field of a zone into its value and the faults it has.

Each decoder takes the field's characters as read and the 1-based position of the first, and
returns the value (or None when there is none to give) with a list of fault messages. A
character that is no MRZ character at all is reported once, by position, elsewhere; the
decoders only give up on the field. Nothing is ever corrected here.
"""

from __future__ import annotations

import calendar
from datetime import date

from kalkan.model.countries import ICAO_SPECIAL_CODES, SPECIMEN_CODES, STATUS_CODES, is_known_code
from kalkan.model.documents import DocumentType
from kalkan.model.mrz_checks import DIGITS, FILLER, LETTERS, MRZ_CHARACTERS
from kalkan.model.mrz_types import MRZDate, Sex

_DOCUMENT_TYPES = {"P": DocumentType.PASSPORT, "I": DocumentType.IDENTITY_CARD, "A": DocumentType.IDENTITY_CARD}
_DOCUMENT_TYPES |= {"C": DocumentType.IDENTITY_CARD, "V": DocumentType.VISA}
_DATE_PARTS = ("year", "month", "day")


def document_type_of(code: str) -> DocumentType:
    """P: passport; I, A, C: identity card; V: visa; anything else: other."""
    return _DOCUMENT_TYPES.get(code[:1], DocumentType.OTHER)


def _is_unreadable(raw: str) -> bool:
    return any(char not in MRZ_CHARACTERS for char in raw)


def _misplaced(raw: str, first_position: int, allowed: frozenset[str], what: str) -> list[str]:
    return [
        f"{char!r} at position {first_position + offset} is not {what}"
        for offset, char in enumerate(raw)
        if char in MRZ_CHARACTERS and char not in allowed
    ]


def decode_document_code(raw: str, first_position: int) -> tuple[str, list[str]]:
    """``P<`` -> ``P``; a code starts with a letter, its second character is a letter or '<'."""
    messages = _misplaced(raw[:1], first_position, LETTERS, "a letter")
    messages += _misplaced(raw[1:], first_position + 1, LETTERS | {FILLER}, "a letter or '<'")
    return raw.rstrip(FILLER), messages


def decode_state(raw: str, first_position: int, *, is_nationality: bool, allow_specimen: bool) -> tuple[str, list[str]]:
    """``D<<`` -> ``D``; the code must be one ``kalkan.model.countries`` knows.

    Status codes (stateless, refugee, unspecified) are nationalities, never issuing states.
    The specimen state 'UTO' passes only with ``allow_specimen``.
    """
    code = raw.rstrip(FILLER)
    messages = _misplaced(raw, first_position, LETTERS | {FILLER}, "a letter")
    if messages or _is_unreadable(raw):
        return code, messages
    if not code:
        return code, ["missing: the field holds only fillers"]
    if code in SPECIMEN_CODES:
        if allow_specimen:
            return code, []
        return code, [f"{code!r} is the code of {SPECIMEN_CODES[code]}, never valid on a real document"]
    if FILLER in code or not is_known_code(code):
        return code, [f"unknown code {raw if FILLER in code else code!r}"]
    if code in STATUS_CODES and not is_nationality:
        return code, [f"{code!r} ({ICAO_SPECIAL_CODES[code]}) is a nationality, not an issuing state"]
    return code, []


def decode_name(raw: str, first_position: int) -> tuple[str, str, bool, list[str]]:
    """Primary identifier, secondary identifiers, whether the field is full (so may be truncated), faults.

    ``ERIKSSON<<ANNA<MARIA<<<`` -> ``ERIKSSON``, ``ANNA MARIA``; '<' inside a part is a space.
    """
    messages = _misplaced(raw, first_position, LETTERS | {FILLER}, "a letter")
    content = raw.rstrip(FILLER)
    if not content:
        messages.append("empty: the field holds only fillers")
    primary, _, secondary = content.partition(FILLER * 2)
    return _words(primary), _words(secondary), raw[-1:] != FILLER, messages


def _words(text: str) -> str:
    return " ".join(word for word in text.split(FILLER) if word)


def decode_document_number(raw: str) -> tuple[str, list[str]]:
    """The number without its fillers (the full number, where it continues in the optional data)."""
    number = raw.replace(FILLER, "")
    return number, [] if number else ["missing: the field holds only fillers"]


def decode_sex(raw: str) -> tuple[Sex | None, list[str]]:
    if raw in ("M", "F"):
        return Sex(raw), []
    if raw in (FILLER, "X"):
        return Sex.UNSPECIFIED, []
    if _is_unreadable(raw):
        return None, []
    return None, [f"{raw!r} is not a sex: M, F, or '<' (or X) when unspecified"]


def _date_parts(raw: str, first_position: int, *, unknown_allowed: bool) -> tuple[tuple[int | None, ...] | None, list[str]]:
    """Year, month and day as two-digit numbers (None when '<<'), or None with the faults."""
    if _is_unreadable(raw):
        return None, []
    values: list[int | None] = []
    messages: list[str] = []
    for index, part in enumerate(_DATE_PARTS):
        pair = raw[2 * index : 2 * index + 2]
        position = first_position + 2 * index
        if pair == FILLER * 2 and unknown_allowed:
            values.append(None)
        elif all(char in DIGITS for char in pair):
            values.append(int(pair))
        elif unknown_allowed and FILLER in pair:
            messages.append(f"{pair!r} at positions {position}-{position + 1}: the {part} is two digits, or '<<' when unknown")
        else:
            messages += _misplaced(pair, position, DIGITS, "a digit")
    return (None if messages else tuple(values)), messages


def _day_fault(year: int | None, month: int | None, day: int | None) -> str | None:
    if month is not None and not 1 <= month <= 12:
        return f"month {month:02d} does not exist"
    if day is None:
        return None
    if month is None:
        last, where = 31, "any month"
    elif year is None:
        last, where = (29 if month == 2 else calendar.monthrange(2001, month)[1]), f"month {month:02d}"
    else:
        last, where = calendar.monthrange(year, month)[1], f"{year:04d}-{month:02d}"
    return None if 1 <= day <= last else f"day {day:02d} does not exist in {where}"


def decode_birth_date(raw: str, first_position: int, today: date) -> tuple[MRZDate | None, list[str]]:
    """YYMMDD, any part '<<' when unknown; the century puts the earliest day it may be no later than ``today``."""
    values, messages = _date_parts(raw, first_position, unknown_allowed=True)
    if values is None:
        return None, messages
    short_year, month, day = values
    year = None
    if short_year is not None:
        year = today.year - today.year % 100 + short_year
        if (year, month or 1, day or 1) > (today.year, today.month, today.day):
            year -= 100
    fault = _day_fault(year, month, day)
    if fault:
        return None, [fault]
    return MRZDate(year, month, day), []


def decode_expiry_date(raw: str, first_position: int, today: date) -> tuple[date | None, list[str]]:
    """YYMMDD, every part known; the century puts it within 49 years before and 50 after ``today``."""
    values, messages = _date_parts(raw, first_position, unknown_allowed=False)
    if values is None:
        return None, messages
    short_year, month, day = values
    if short_year is None or month is None or day is None:  # '<<' is refused above when unknown parts are not allowed
        return None, messages
    year = today.year - today.year % 100 + short_year
    if year > today.year + 50:
        year -= 100
    elif year <= today.year - 50:
        year += 100
    fault = _day_fault(year, month, day)
    if fault:
        return None, [fault]
    return date(year, month, day), []
