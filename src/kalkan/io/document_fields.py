"""The fields of one line of a document file: checked, normalised, each fault named.

``entry_of`` is the reference: it checks every field and names each one at fault.
``values_of`` is the fast path an import takes for each line: it accepts only a line in
the form most lines of a real file have (every value already clean: upper-case number,
known codes, ISO dates, no serial range) and answers the very values ``entry_of`` would;
for anything else it answers None, and the line goes to ``entry_of``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError

from kalkan.errors import Fault, ValidationFailed
from kalkan.model.countries import normalise_issuing_state
from kalkan.model.document_ranges import serial_range
from kalkan.model.documents import DocumentStatus, DocumentType, normalise_document_number
from kalkan.model.restriction import HitDisclosure, Restriction, RestrictionMode
from kalkan.model.validation import faults_of
from kalkan.store.documents import COLUMNS, DocumentEntry, DocumentKey

KEY_REQUIRED = ("issuing_state", "number")
REQUIRED = (*KEY_REQUIRED, "document_status")

#: The most distinct spellings of states and of restrictions remembered once checked.
_REMEMBERED = 10_000

_CLEAN_NUMBER = re.compile(r"[A-Z0-9]{1,30}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_STATES: dict[str, str] = {}
_DAYS: set[str] = set()
#: Distinct days remembered as valid: every day of two centuries.
_REMEMBERED_DAYS = 75_000
_RESTRICTIONS: dict[tuple[Any, Any, Any], tuple[str, str | None, str]] = {}
_TYPES = frozenset(DocumentType)
_STATUSES = frozenset(DocumentStatus)
_DISCLOSURES = frozenset(HitDisclosure)
_UNLISTED_MODES = frozenset({RestrictionMode.ALL.value, RestrictionMode.OWNER.value})
_PASSPORT = DocumentType.PASSPORT.value

Fields = dict[str, Any]
#: A document's values in the order of ``store.documents.COLUMNS``.
Values = tuple[Any, ...]


def _take(fields: Fields, faults: list[Fault], name: str, check: Callable[[str], Any]) -> Any:
    """``fields[name]`` checked, or None (blank, or at fault: the fault added to ``faults``)."""
    value = fields.get(name)
    if value is None or value == "":
        if name in REQUIRED:
            faults.append(Fault(name, "is required"))
        return None
    if not isinstance(value, str):
        faults.append(Fault(name, f"must be text, not {type(value).__name__}"))
        return None
    try:
        return check(value)
    except ValueError as error:
        faults.append(Fault(name, str(error)))
        return None


def _key(fields: Fields, faults: list[Fault]) -> DocumentKey:
    state = _take(fields, faults, "issuing_state", _state)
    number = _take(fields, faults, "number", _number)
    kind = _take(fields, faults, "document_type", _type) or _PASSPORT
    return (state, kind, number)


def key_of(fields: Fields) -> DocumentKey:
    """A document's issuing state, type (default passport) and number, normalised as an import does."""
    faults: list[Fault] = []
    key = _key(fields, faults)
    if faults:
        raise ValidationFailed(faults)
    return key


def entry_of(fields: Fields) -> DocumentEntry:
    """A row's fields (strings or None; blank is None) -> a normalised entry; ValidationFailed names every field at fault."""
    faults: list[Fault] = []
    state, kind, number = _key(fields, faults)
    status = _take(fields, faults, "document_status", _status)
    range_end = _take(fields, faults, "range_end", normalise_document_number)
    issued_on, expires_on, reported_on = (_take(fields, faults, name, _date) for name in ("issued_on", "expires_on", "reported_on"))
    holder_name = _take(fields, faults, "holder_name", _holder_name)
    if number and range_end:
        try:
            serial_range(number, range_end)
        except ValueError as error:
            faults.append(Fault("range_end", str(error)))
    if issued_on and expires_on and expires_on < issued_on:
        faults.append(Fault("expires_on", f"is before issued_on ({issued_on.isoformat()})"))
    mode, agencies, disclosure = _restriction(fields, faults)
    if faults:
        raise ValidationFailed(faults)
    return DocumentEntry(
        issuing_state=state,
        document_type=kind,
        number=number,
        document_status=status,
        range_end=range_end,
        issued_on=issued_on,
        expires_on=expires_on,
        reported_on=reported_on,
        holder_name=holder_name,
        restriction_mode=mode,
        restriction_agencies=agencies,
        hit_disclosure=disclosure,
    )


def values_of(fields: Fields) -> Values | None:
    """``entry_of(fields).values()`` with dates as ISO text, for a line already in clean form; else None.

    None never means a fault: it means "not sure", and ``entry_of`` decides.
    """
    get = fields.get
    if "restriction" in fields:
        return None
    return _clean(
        get("issuing_state"),
        get("number"),
        get("document_type"),
        get("document_status"),
        get("range_end"),
        get("issued_on"),
        get("expires_on"),
        get("reported_on"),
        get("holder_name"),
        get("restriction_mode"),
        get("restriction_agencies"),
        get("hit_disclosure"),
    )


class CsvValues:
    """``values_of`` for the values of a CSV line given as a list in the order of ``header``."""

    def __init__(self, header: Sequence[str]) -> None:
        # A column the file lacks is read from the blank value appended to each line's list.
        at = {name: i for i, name in enumerate(header)}
        self.places = tuple(at.get(name, len(header)) for name in COLUMNS)

    def __call__(self, values: list[str]) -> Values | None:
        values.append("")
        state, kind, number, status, range_end, issued, expires, reported, holder, mode, agencies, disclosure = self.places
        row = _clean(
            values[state],
            values[number],
            values[kind],
            values[status],
            values[range_end],
            values[issued],
            values[expires],
            values[reported],
            values[holder],
            values[mode],
            values[agencies],
            values[disclosure],
        )
        values.pop()
        return row


def _clean(
    state: Any,
    number: Any,
    kind: Any,
    status: Any,
    range_end: Any,
    issued_on: Any,
    expires_on: Any,
    reported_on: Any,
    holder_name: Any,
    mode: Any,
    agencies: Any,
    disclosure: Any,
) -> Values | None:
    """The normalised values when every one is already clean and remembered; else None."""
    kind = kind or _PASSPORT
    if not (state.__class__ is number.__class__ is kind.__class__ is status.__class__ is str) or range_end:
        return None
    state = _STATES.get(state)
    if state is None or kind not in _TYPES or status not in _STATUSES or not _CLEAN_NUMBER.fullmatch(number):
        return None
    issued_on = issued_on or None
    expires_on = expires_on or None
    reported_on = reported_on or None
    for day in (issued_on, expires_on, reported_on):
        if day is not None and (day.__class__ is not str or not _is_day(day)):
            return None
    if issued_on and expires_on and expires_on < issued_on:
        return None
    holder_name = holder_name or None
    if holder_name is not None and (holder_name.__class__ is not str or len(holder_name) > 300 or holder_name != holder_name.strip()):
        return None
    if not (mode is None or mode.__class__ is str) or not (agencies is None or agencies.__class__ is str):
        return None
    if not (disclosure is None or disclosure.__class__ is str):
        return None
    restriction = _RESTRICTIONS.get((mode or None, agencies or None, disclosure or None))
    if restriction is None:
        return None
    return (state, kind, number, status, None, issued_on, expires_on, reported_on, holder_name, *restriction)


def _is_day(value: str) -> bool:
    """Whether ``value`` is a real day written YYYY-MM-DD."""
    if value in _DAYS:
        return True
    if not _ISO_DAY.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    if len(_DAYS) < _REMEMBERED_DAYS:
        _DAYS.add(value)
    return True


def _state(value: str) -> str:
    code = _STATES.get(value)
    if code is None:
        code = normalise_issuing_state(value)
        if len(_STATES) < _REMEMBERED:
            _STATES[value] = code
    return code


def _number(value: str) -> str:
    return value if _CLEAN_NUMBER.fullmatch(value) else normalise_document_number(value)


def _type(value: str) -> str:
    return _choice(value, _TYPES, "type")


def _status(value: str) -> str:
    return _choice(value, _STATUSES, "status")


def _choice(value: str, allowed: frozenset[str], what: str) -> str:
    text = value.strip().lower()
    if text not in allowed:
        raise ValueError(f"unknown {what} {value!r} (one of {', '.join(sorted(allowed))})")
    return text


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _holder_name(value: str) -> str | None:
    text = value.strip()
    if len(text) > 300:
        raise ValueError(f"has {len(text)} characters, at most 300 allowed")
    return text or None


def _restriction(fields: Fields, faults: list[Fault]) -> tuple[str, str | None, str]:
    nested = fields.get("restriction")
    if isinstance(nested, dict):
        fields = {f"restriction_{k}" if k in ("mode", "agencies") else k: v for k, v in nested.items()}
        if isinstance(fields.get("restriction_agencies"), list):
            fields["restriction_agencies"] = " ".join(str(a) for a in fields["restriction_agencies"])
        return _restriction_of(fields, faults)
    if nested is not None:
        faults.append(Fault("restriction", "must be an object with mode, agencies and hit_disclosure"))
        return _restriction_of(fields, faults)
    spelled = _spelled(fields)
    if spelled is None:
        return _restriction_of(fields, faults)
    remembered = _RESTRICTIONS.get(spelled)
    if remembered is not None:
        return remembered
    found: list[Fault] = []
    restriction = _restriction_of(fields, found)
    if found:
        faults += found
    elif len(_RESTRICTIONS) < _REMEMBERED:
        _RESTRICTIONS[spelled] = restriction
    return restriction


def _spelled(fields: Fields) -> tuple[str | None, str | None, str | None] | None:
    """The restriction's three fields as given (blank as None), when they are text or absent: what can be remembered."""
    if "restriction" in fields:
        return None
    spelled = (fields.get("restriction_mode") or None, fields.get("restriction_agencies") or None, fields.get("hit_disclosure") or None)
    if any(value is not None and value.__class__ is not str for value in spelled):
        return None
    return spelled


def _restriction_of(fields: Fields, faults: list[Fault]) -> tuple[str, str | None, str]:
    for name in ("restriction_mode", "restriction_agencies", "hit_disclosure"):
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            faults.append(Fault(name, f"must be text, not {type(value).__name__}"))
            fields = {**fields, name: None}
    mode = (fields.get("restriction_mode") or RestrictionMode.OWNER.value).strip().lower()
    agencies = (fields.get("restriction_agencies") or "").replace(",", " ").replace(";", " ").split()
    disclosure = (fields.get("hit_disclosure") or HitDisclosure.NOTHING.value).strip().lower()
    if mode in _UNLISTED_MODES and not agencies and disclosure in _DISCLOSURES:
        return mode, None, disclosure
    try:
        restriction = Restriction.model_validate({"mode": mode, "agencies": agencies, "hit_disclosure": disclosure})
    except ValidationError as error:
        for fault in faults_of(error):
            name = {"mode": "restriction_mode", "agencies": "restriction_agencies"}.get(fault.field.split(".")[0], fault.field)
            faults.append(Fault(name or "restriction_mode", fault.fault))
        return mode, None, disclosure
    return restriction.mode.value, " ".join(restriction.agencies) or None, restriction.hit_disclosure.value
