"""What OFAC's SDN list writes in its remarks column, read into a record's fields.

The remarks are ``;``-separated statements: ``a.k.a. 'NAME'`` (also ``f.k.a.``, ``n.k.a.``),
``DOB 13 Sep 1972`` (also ``Sep 1972``, ``1972``, ``circa 1972``, ``1960 to 1962``),
``POB Tehran, Iran``, ``nationality Iran``, ``citizen Iran``, ``Passport E0470542 (Maldives)
expires 04 Dec 2018``, ``National ID No. 592945001464 (Belgium)``, ``Gender Male``; each may
start with ``alt.``. The rest (registration numbers, ``Linked To:``, sanctions information)
stays in the record's remarks, which keep the whole text.
"""

from __future__ import annotations

import re
from typing import Any

from kalkan.io.list_entries import ListItem
from kalkan.io.list_values import (
    SHORT_TEXT,
    add_country,
    add_description,
    add_document,
    add_name,
    add_unique,
    approximate,
    between,
    clean,
    clip,
    exact,
    partial_date,
)
from kalkan.model.documents import DocumentType
from kalkan.model.names import NameKind

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}

_ALIAS = re.compile(r"^(?:[afn]\.k\.a\.)\s*(.+)$", re.IGNORECASE)
_DOB = re.compile(r"^(?:alt\.\s*)?DOB\s+(.+)$")
_POB = re.compile(r"^(?:alt\.\s*)?POB\s+(.+)$")
_NATIONALITY = re.compile(r"^(?:alt\.\s*)?(?:nationality|citizen)\s+(.+)$")
_GENDER = re.compile(r"^Gender\s+(Male|Female)$")
_DOCUMENT_START = re.compile(r"^(?:alt\.\s*)?(Passport|National ID No\.)\s+(.+)$")
_DOCUMENT = re.compile(r"^(?P<number>.+?)(?:\s+\((?P<country>[^()]*)\))?(?P<rest>(?:\s+(?:issued|expires)\b.*)?)$")
_ISSUED = re.compile(r"\bissued\s+([0-9]{1,2}\s+[A-Za-z]{3}\s+[0-9]{4})")
_EXPIRES = re.compile(r"\bexpires\s+([0-9]{1,2}\s+[A-Za-z]{3}\s+[0-9]{4})")


def ofac_date(text: str) -> str | None:
    """``13 Sep 1972`` -> ``1972-09-13``, ``Sep 1972`` -> ``1972-09``, ``1972`` -> ``1972``; None otherwise."""
    parts = text.split()
    try:
        if len(parts) == 3:
            day, month, year = int(parts[0]), _MONTHS[parts[1][:3].lower()], int(parts[2])
            return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None
        if len(parts) == 2:
            month, year = _MONTHS[parts[0][:3].lower()], int(parts[1])
            return f"{year:04d}-{month:02d}"
        if len(parts) == 1 and len(parts[0]) == 4:
            return f"{int(parts[0]):04d}"
    except (KeyError, ValueError):
        return None
    return None


def date_of_birth(text: str) -> dict[str, Any] | None:
    """A ``DOB`` statement's date, with its kind; None when it cannot be read."""
    value = clean(text)
    kind = "exact"
    if value.lower().startswith("circa "):
        kind, value = "approximate", value[6:]
    first, to, last = value.partition(" to ")
    if to:
        start, end = ofac_date(first), ofac_date(last)
        start, end = (partial_date(start), partial_date(end)) if start and end else (None, None)
        return between(start, end) if start and end else None
    found = ofac_date(value)
    found = partial_date(found) if found else None
    if found is None:
        return None
    return approximate(found) if kind == "approximate" else exact(found)


def split_remarks(remarks: str) -> list[str]:
    """The statements of a remarks text, without their closing full stop."""
    return [p for p in (part.strip().removesuffix(".").strip() for part in remarks.split(";")) if p]


def apply_remarks(item: ListItem, remarks: str, *, individual: bool) -> None:
    """Read the statements of ``remarks`` into ``item``'s fields."""
    for statement in split_remarks(remarks):
        if alias := _ALIAS.match(statement):
            name = alias[1].strip()
            if len(name) >= 2 and name[0] == name[-1] == "'":
                name = name[1:-1]
            add_name(item, "Remarks: a.k.a.", natural_order(name) if individual else name, NameKind.ALIAS)
        elif dob := _DOB.match(statement):
            found = date_of_birth(dob[1])
            if found is None:
                item.note("Remarks: DOB", f"{dob[1]!r} is not a date Kalkan can read: kept in the remarks")
            else:
                add_unique(item, "dates_of_birth", found)
        elif pob := _POB.match(statement):
            add_unique(item, "places_of_birth", clip(clean(pob[1]), SHORT_TEXT))
        elif nationality := _NATIONALITY.match(statement):
            if individual:
                add_country(item, "nationalities", "Remarks: nationality", nationality[1], what="nationality")
            else:
                add_country(item, "countries", "Remarks: nationality", nationality[1], what="country")
        elif gender := _GENDER.match(statement):
            if individual:
                item.fields["gender"] = gender[1].lower()
        elif document := _DOCUMENT_START.match(statement):
            if individual:
                _document(item, document[1], document[2])
            else:
                add_description(item, statement)


def _document(item: ListItem, label: str, text: str) -> None:
    parts = _DOCUMENT.match(text)
    if parts is None:
        return
    rest = parts["rest"] or ""
    issued, expires = _ISSUED.search(rest), _EXPIRES.search(rest)
    add_document(
        item,
        f"Remarks: {label}",
        document_type=DocumentType.PASSPORT if label == "Passport" else DocumentType.IDENTITY_CARD,
        number=parts["number"],
        issuing_country=parts["country"],
        label=label,
        issued_on=ofac_date(issued[1]) if issued else None,
        expires_on=ofac_date(expires[1]) if expires else None,
    )


def natural_order(name: str) -> str:
    """OFAC writes persons as ``SURNAME, Given Names``: -> ``Given Names SURNAME``; other forms stay."""
    surname, comma, given = name.partition(",")
    if not comma or "," in given or not surname.strip() or not given.strip():
        return name
    return f"{given.strip()} {surname.strip()}"
