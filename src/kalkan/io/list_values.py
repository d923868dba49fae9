"""Building a record's fields from the values a published list gives, keeping what does not fit.

Shared by the list readers: names with their kind, countries by name, partial dates, a
listed person's documents. A value Kalkan cannot hold as a typed field (an unknown country,
a document with no issuing state) is never guessed at: it is noted for the import's report
and kept as text in the record's ``descriptions``.
"""

from __future__ import annotations

import re
from typing import Any

from kalkan.io.country_names import code_of_name
from kalkan.io.list_entries import ListItem
from kalkan.io.list_import import DERIVED
from kalkan.model.dates import parse_partial_date
from kalkan.model.documents import DocumentStatus, DocumentType, normalise_document_number
from kalkan.model.names import MAX_NAME_LENGTH, NameKind, detect_script

SHORT_TEXT = 300
LONG_TEXT = 10_000

#: "About 1966" covers 1965 to 1967.
APPROXIMATE_MARGIN_YEARS = 1

_SPACES = re.compile(r"\s+")
_ZERO_PADDED = re.compile(r"^([0-9]{4})(?:-00(?:-00)?|-([0-9]{2})-00)$")


def clean(text: str | None) -> str:
    """Whitespace collapsed; '' for None."""
    return _SPACES.sub(" ", text).strip() if text else ""


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def add_description(item: ListItem, text: str) -> None:
    text = clip(clean(text), LONG_TEXT)
    descriptions: list[str] = item.fields.setdefault("descriptions", [])
    if text and text not in descriptions and len(descriptions) < 20:
        descriptions.append(text)


def add_name(item: ListItem, source_field: str, value: str | None, kind: NameKind) -> bool:
    """Add a name of ``kind`` unless it is empty or already there; note one that is not a name."""
    text = clean(value)
    if not text:
        return False
    try:
        detect_script(text)
    except ValueError:
        item.note(source_field, f"{text!r} has no letters: left out")
        return False
    if len(text) > MAX_NAME_LENGTH:
        item.note(source_field, f"a name of {len(text)} characters is longer than {MAX_NAME_LENGTH}: cut")
        text = text[:MAX_NAME_LENGTH].rstrip()
    names: list[dict[str, str]] = item.fields.setdefault("names", [])
    if any(n["value"].casefold() == text.casefold() for n in names) or len(names) >= 200:
        return False
    names.append({"value": text, "kind": kind.value})
    return True


def add_country(item: ListItem, field_name: str, source_field: str, name: str | None, *, what: str) -> str | None:
    """Add the code of a country ``name`` to the list field ``field_name``; note and describe an unknown one."""
    text = clean(name)
    if not text:
        return None
    code = code_of_name(text)
    if code is None:
        item.note(source_field, f"{text!r} is not a country Kalkan knows: kept as text")
        add_description(item, f"{what} as listed: {text}")
        return None
    codes: list[str] = item.fields.setdefault(field_name, [])
    if code not in codes:
        codes.append(code)
    return code


def add_unique(item: ListItem, field_name: str, value: Any, limit: int = 20) -> None:
    if not value:
        return
    values: list[Any] = item.fields.setdefault(field_name, [])
    if value not in values and len(values) < limit:
        values.append(value)


def partial_date(text: str | None) -> str | None:
    """``1970``, ``1970-05``, ``1970-05-17`` (also ``1970-00-00``, ``1970-05-00``) as a partial date; None if not one."""
    value = clean(text)
    padded = _ZERO_PADDED.match(value)
    if padded:
        value = f"{padded[1]}-{padded[2]}" if padded[2] else padded[1]
    try:
        parse_partial_date(value)
    except ValueError:
        return None
    return value


def exact(value: str) -> dict[str, Any]:
    return {"value": value}


def approximate(value: str) -> dict[str, Any]:
    return {"kind": "approximate", "value": value, "margin_years": APPROXIMATE_MARGIN_YEARS}


def between(first: str, last: str) -> dict[str, Any] | None:
    first_day, _, _ = parse_partial_date(first)
    _, last_day, _ = parse_partial_date(last)
    return {"kind": "range", "value": first, "until": last} if first_day <= last_day else None


def _day(text: str | None) -> str | None:
    """A full ISO date, or None."""
    value = partial_date(text)
    return value if value is not None and len(value) == 10 else None


def add_document(
    item: ListItem,
    source_field: str,
    *,
    document_type: DocumentType,
    number: str | None,
    issuing_country: str | None,
    label: str,
    issued_on: str | None = None,
    expires_on: str | None = None,
    remarks: str | None = None,
) -> None:
    """Attach a travel document of the listed person; note (and describe) one that cannot be a record.

    ``label`` is how the list names the document ("Passport", "National ID No.").
    """
    raw_number = clean(number)
    country_text = clean(issuing_country)
    as_listed = f"{label} {raw_number}" + (f" ({country_text})" if country_text else "")
    if not raw_number:
        return
    try:
        normalised = normalise_document_number(raw_number)
    except ValueError as error:
        item.note(source_field, f"{as_listed}: {error}; kept as text")
        add_description(item, f"document as listed: {as_listed}")
        return
    issuing = code_of_name(country_text) if country_text else None
    if issuing is None or issuing in ("XXA", "XXB", "XXC", "XXX"):
        reason = "no issuing state given" if not country_text else f"{country_text!r} is not a state Kalkan knows"
        item.note(source_field, f"{as_listed}: {reason}; kept as text, not as a travel document")
        add_description(item, f"document as listed: {as_listed}")
        return
    key = f"{item.key}{DERIVED}{document_type.value}:{issuing}:{normalised}"
    if any(a.key == key for a in item.attached):
        return
    names = item.fields.get("names") or [{"value": ""}]
    fields: dict[str, Any] = {
        "kind": "travel_document",
        "issuing_state": issuing,
        "document_type": document_type.value,
        "number": normalised,
        "document_status": DocumentStatus.HOLDER_LISTED.value,
        "holder_name": clip(names[0]["value"], SHORT_TEXT) or None,
    }
    issued, expires = _day(issued_on), _day(expires_on)
    if issued and (expires is None or issued <= expires):
        fields["issued_on"] = issued
    if expires:
        fields["expires_on"] = expires
    if remarks and clean(remarks):
        fields["remarks"] = clip(clean(remarks), LONG_TEXT)
    item.attached.append(ListItem(key=key, entry=item.entry, fields=fields, pointers={"holder_id": item.key}))
