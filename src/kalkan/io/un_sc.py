"""The UN Security Council consolidated sanctions list (its official XML) -> persons, organisations, documents.

The layout is ``CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL`` and ``.../ENTITIES/ENTITY``. Each
entry keeps its ``REFERENCE_NUMBER`` (``QDi.431``) as the external reference ``un:QDi.431``;
its passports and identity cards become travel documents of status ``holder_listed``
linked to the person (``un:QDi.431#passport:IRQ:A1234567``).

- names: ``FIRST_NAME`` .. ``FOURTH_NAME`` joined (primary), ``NAME_ORIGINAL_SCRIPT``
  (original script), aliases by ``QUALITY``: ``Good``, ``a.k.a.`` and ``f.k.a.`` are aliases,
  ``Low`` weak aliases;
- dates of birth by ``TYPE_OF_DATE``: ``EXACT`` (``DATE`` or ``YEAR``), ``APPROXIMATELY``
  (within a year), ``BETWEEN`` (``FROM_YEAR`` to ``TO_YEAR``);
- nationalities and issuing states are country names, mapped to codes (``country_names``);
- places of birth and addresses as text; ``COMMENTS1`` as remarks; the list, listing date,
  designations and titles as descriptions.

The file is read with defusedxml: a list comes from outside, and one that declares a DTD or
entities (which the UN's never does; entity expansion is how "billion laughs" files exhaust
memory) is refused before anything is read, whatever the XML library underneath guards against.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from kalkan.io.list_entries import ListImportSummary, ListItem, MalformedList
from kalkan.io.list_import import ListImportOptions, import_list
from kalkan.io.list_values import (
    LONG_TEXT,
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
from kalkan.store.database import Database

SCHEME = "un"
SOURCE = "UN Security Council consolidated list"

_ALIAS_KINDS = {"good": NameKind.ALIAS, "a.k.a.": NameKind.ALIAS, "f.k.a.": NameKind.ALIAS, "low": NameKind.WEAK_ALIAS, "": NameKind.ALIAS}
_GENDERS = {"male": "male", "female": "female"}
#: Lists whose entries are terrorists: the ISIL (Da'esh) and Al-Qaida list, and the Taliban (1988) list.
_TERRORISM_LISTS = frozenset({"al-qaida", "1988"})


def import_un_sc(db: Database, agency: str, stream: BinaryIO, options: ListImportOptions | None = None) -> ListImportSummary:
    """Import a consolidated list into ``agency`` (see ``list_import``); the file is read whole before anything is written."""
    summary = ListImportSummary(SOURCE)
    items = list(read_un_sc(stream, summary))
    return import_list(db, agency, SCHEME, items, summary, options)


def read_un_sc(stream: BinaryIO, summary: ListImportSummary | None = None) -> Iterator[ListItem]:
    """Yield one item per INDIVIDUAL and ENTITY; raise MalformedList when the file is not a well-formed list."""
    summary = summary if summary is not None else ListImportSummary(SOURCE)
    last = "the start of the file"
    root_seen = False
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            tag = _local(element.tag)
            if event == "start":
                if not root_seen and tag != "CONSOLIDATED_LIST":
                    raise MalformedList(f"not a UN consolidated list: the root element is <{tag}>, not <CONSOLIDATED_LIST>")
                root_seen = True
                continue
            if tag in ("INDIVIDUAL", "ENTITY"):
                summary.entries += 1
                item = _individual(element) if tag == "INDIVIDUAL" else _entity(element)
                last = item.entry
                element.clear()
                yield item
    except ParseError as error:
        line, column = error.position
        raise MalformedList(f"the file is not well-formed XML at line {line}, column {column} (after {last}): {_reason(error)}") from None
    except DefusedXmlException as error:
        raise MalformedList(f"the file declares a DTD or entities, which a UN list never does; refused ({error})") from None
    if not root_seen:
        raise MalformedList("the file is empty")


def _reason(error: ParseError) -> str:
    message = str(error).split(":", 1)[0]
    if "invalid token" in message:
        return f"{message} (a byte that is not UTF-8, or a character XML does not allow)"
    if "no element found" in message:
        return f"{message} (the file ends too early: truncated?)"
    return message


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(element: Element, path: str) -> str:
    return clean(element.findtext(path))


def _values(element: Element, path: str) -> list[str]:
    return [v for v in (clean(e.text) for e in element.findall(path)) if v]


def _start(element: Element, kind: str, label: str) -> ListItem:
    reference = _text(element, "REFERENCE_NUMBER")
    dataid = _text(element, "DATAID")
    ident = reference or (f"DATAID {dataid}" if dataid else "(no reference)")
    entry = f"{label} {ident}"
    item = ListItem(key=reference, entry=entry, fields={"kind": kind})
    if not reference:
        item.fault("REFERENCE_NUMBER", "missing: without it the entry cannot be kept up to date")
    return item


def _common(item: ListItem, element: Element) -> None:
    list_type = _text(element, "UN_LIST_TYPE")
    listed_on = _text(element, "LISTED_ON")
    if list_type or listed_on:
        add_description(
            item, f"UN Security Council sanctions list {list_type}".rstrip() + (f", listed on {listed_on}" if listed_on else "")
        )
    comments = _text(element, "COMMENTS1")
    if comments:
        if len(comments) > LONG_TEXT:
            item.note("COMMENTS1", f"{len(comments)} characters, more than {LONG_TEXT}: cut")
        item.fields["remarks"] = clip(comments, LONG_TEXT)


def _individual(element: Element) -> ListItem:
    item = _start(element, "person", "INDIVIDUAL")
    parts = [_text(element, f"{n}_NAME") for n in ("FIRST", "SECOND", "THIRD", "FOURTH")]
    if not add_name(item, "FIRST_NAME", " ".join(p for p in parts if p), NameKind.PRIMARY):
        item.fault("FIRST_NAME", "the entry has no name (FIRST_NAME to FOURTH_NAME are empty)")
    add_name(item, "NAME_ORIGINAL_SCRIPT", _text(element, "NAME_ORIGINAL_SCRIPT"), NameKind.ORIGINAL_SCRIPT)
    for alias in element.findall("INDIVIDUAL_ALIAS"):
        _alias(item, alias)
    item.fields["gender"] = _GENDERS.get(_text(element, "GENDER").lower(), "unknown")
    for birth in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        _date_of_birth(item, birth)
    for place in element.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        add_unique(item, "places_of_birth", clip(_place(place), SHORT_TEXT))
    for nationality in _values(element, "NATIONALITY/VALUE"):
        add_country(item, "nationalities", "NATIONALITY", nationality, what="nationality")
    for address in element.findall("INDIVIDUAL_ADDRESS"):
        add_unique(item, "addresses", clip(_place(address), SHORT_TEXT), limit=50)
    _common(item, element)
    for title in _values(element, "TITLE/VALUE"):
        add_description(item, f"title: {title}")
    for designation in _values(element, "DESIGNATION/VALUE"):
        add_description(item, f"designation: {designation}")
    if _text(element, "UN_LIST_TYPE").lower() in _TERRORISM_LISTS:
        item.fields["categories"] = ["terrorism"]
    for document in element.findall("INDIVIDUAL_DOCUMENT"):
        _document(item, document)
    return item


def _entity(element: Element) -> ListItem:
    item = _start(element, "organisation", "ENTITY")
    if not add_name(item, "FIRST_NAME", _text(element, "FIRST_NAME"), NameKind.PRIMARY):
        item.fault("FIRST_NAME", "the entry has no name")
    for alias in element.findall("ENTITY_ALIAS"):
        _alias(item, alias)
    for address in element.findall("ENTITY_ADDRESS"):
        add_unique(item, "addresses", clip(_place(address), SHORT_TEXT), limit=50)
        add_country(item, "countries", "ENTITY_ADDRESS/COUNTRY", _text(address, "COUNTRY"), what="country")
    _common(item, element)
    if _text(element, "UN_LIST_TYPE").lower() in _TERRORISM_LISTS:
        item.fields["organisation_kind"] = "terrorist_group"
    return item


def _alias(item: ListItem, alias: Element) -> None:
    quality = _text(alias, "QUALITY").lower()
    kind = _ALIAS_KINDS.get(quality)
    if kind is None:
        item.note(f"{_local(alias.tag)}/QUALITY", f"unknown quality {quality!r}: read as a weak alias")
        kind = NameKind.WEAK_ALIAS
    add_name(item, f"{_local(alias.tag)}/ALIAS_NAME", _text(alias, "ALIAS_NAME"), kind)


def _date_of_birth(item: ListItem, birth: Element) -> None:
    kind = _text(birth, "TYPE_OF_DATE").upper()
    day, year = _text(birth, "DATE"), _text(birth, "YEAR")
    first, last = _text(birth, "FROM_YEAR"), _text(birth, "TO_YEAR")
    if not (day or year or first or last):
        return
    found: dict[str, Any] | None = None
    if kind == "BETWEEN":
        start, end = partial_date(first), partial_date(last)
        found = between(start, end) if start and end else None
    else:
        value = partial_date(day or year)
        if value is not None:
            found = approximate(value) if kind == "APPROXIMATELY" else exact(value)
    if found is None:
        given = " ".join(
            f"{n}={v}" for n, v in (("TYPE_OF_DATE", kind), ("DATE", day), ("YEAR", year), ("FROM_YEAR", first), ("TO_YEAR", last)) if v
        )
        item.note("INDIVIDUAL_DATE_OF_BIRTH", f"{given} is not a date Kalkan can read: kept as text")
        add_description(item, f"date of birth as listed: {given}")
        return
    add_unique(item, "dates_of_birth", found)


def _place(element: Element) -> str:
    parts = [_text(element, tag) for tag in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")]
    text = ", ".join(p for p in parts if p)
    note = _text(element, "NOTE")
    return f"{text} ({note})" if text and note else text or note


def _document(item: ListItem, document: Element) -> None:
    kind_text = _text(document, "TYPE_OF_DOCUMENT")
    lowered = kind_text.lower()
    if "passport" in lowered:
        document_type = DocumentType.PASSPORT
    elif "identi" in lowered:
        document_type = DocumentType.IDENTITY_CARD
    else:
        document_type = DocumentType.OTHER
    detail = [v for v in (_text(document, "TYPE_OF_DOCUMENT2"), _text(document, "NOTE"), _text(document, "CITY_OF_ISSUE")) if v]
    add_document(
        item,
        "INDIVIDUAL_DOCUMENT",
        document_type=document_type,
        number=_text(document, "NUMBER"),
        issuing_country=_text(document, "ISSUING_COUNTRY") or _text(document, "COUNTRY_OF_ISSUE"),
        label=kind_text or "document",
        issued_on=_text(document, "DATE_OF_ISSUE"),
        remarks="; ".join(detail) or None,
    )
