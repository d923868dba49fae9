"""FollowTheMoney entities as JSON lines (the format of OpenSanctions and Aleph) -> records.

One entity per line: ``{"id": "...", "schema": "Person", "properties": {"name": [...], ...}}``,
every property a list of strings. Each record keeps the entity's id as the external
reference ``ftm:ID``.

- ``Person`` -> person: ``name`` (the ``caption`` or the first name is primary; further
  names in a non-Latin script are original-script names, others aliases), ``alias``,
  ``previousName`` (aliases), ``weakAlias`` (weak aliases), ``birthDate``, ``birthPlace``,
  ``nationality`` and ``citizenship`` (codes such as ``ru``), ``gender``, ``address``,
  ``position``, ``notes``; ``topics`` give categories.
- ``Organization``, ``Company``, ``LegalEntity``, ``PublicBody`` -> organisation, with
  ``country``, ``jurisdiction`` and ``mainCountry`` as its countries.
- ``Passport`` and ``Identification`` -> a travel document (status ``holder_listed``) of
  its ``holder``.
- ``Ownership``, ``Directorship``, ``Family``, ``Associate``, ``Membership`` -> links, when
  both ends are in the file.

Other schemata (addresses, sanctions, vessels...) are skipped and counted. The file is read
twice: persons and organisations first, then documents and links, which may come before the
entities they point to. A line that is not UTF-8 or not JSON means the file is damaged
(truncated, or not JSON lines): nothing is imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from kalkan.io.country_names import code_of_alpha2
from kalkan.io.lines import read_lines
from kalkan.io.list_entries import ListImportSummary, ListItem, MalformedList
from kalkan.io.list_import import ListImportOptions, import_list
from kalkan.io.list_values import (
    LONG_TEXT,
    SHORT_TEXT,
    add_description,
    add_name,
    add_unique,
    clean,
    clip,
    exact,
    partial_date,
)
from kalkan.model.documents import DocumentStatus, DocumentType, normalise_document_number
from kalkan.model.names import NameKind, Script, detect_script
from kalkan.store.database import Database

SCHEME = "ftm"
SOURCE = "FollowTheMoney entities"

PERSONS = frozenset({"Person"})
ORGANISATIONS = {"Organization": "other", "Company": "company", "LegalEntity": "other", "PublicBody": "other"}
DOCUMENTS = {"Passport": DocumentType.PASSPORT, "Identification": DocumentType.IDENTITY_CARD}
#: schema -> (link type, property of the source end, property of the target end)
LINKS = {
    "Ownership": ("owns", "owner", "asset"),
    "Directorship": ("leader_of", "director", "organization"),
    "Family": ("family", "person", "relative"),
    "Associate": ("associate_of", "person", "associate"),
    "Membership": ("member_of", "member", "organization"),
}
_TOPIC_CATEGORIES = {
    "crime.terror": "terrorism",
    "crime.traffick.drug": "drug_trafficking",
    "crime.traffick.human": "human_trafficking",
    "crime.cyber": "cybercrime",
}
_GENDERS = {"male": "male", "female": "female", "other": "other"}

Entity = tuple[str, str, dict[str, list[str]], str | None]  # id, schema, properties, caption


def import_ftm(db: Database, agency: str, stream: BinaryIO, options: ListImportOptions | None = None) -> ListImportSummary:
    """Import entities into ``agency`` (see ``list_import``), streaming: a damaged line rolls everything back."""
    summary = ListImportSummary(SOURCE)
    return import_list(db, agency, SCHEME, read_ftm(stream, summary), summary, options)


def read_ftm(stream: BinaryIO, summary: ListImportSummary | None = None) -> Iterator[ListItem]:
    """Yield persons and organisations, then documents and links; raise MalformedList on a damaged file."""
    summary = summary if summary is not None else ListImportSummary(SOURCE)
    if not stream.seekable():
        raise MalformedList("FollowTheMoney entities are read twice (documents and links after the entities they name): give a file")
    start = stream.tell()
    holders: dict[str, str] = {}  # entity id -> primary name, for the documents
    for number, entity in _entities(stream):
        summary.entries += 1
        if isinstance(entity, ListItem):
            yield entity
            continue
        entity_id, schema, _, _ = entity
        if schema in PERSONS or schema in ORGANISATIONS:
            item = _party(number, entity)
            if item.fields.get("names"):
                holders[entity_id] = item.fields["names"][0]["value"]
            yield item
        elif schema not in DOCUMENTS and schema not in LINKS:
            summary.skip(f"schema {schema}")
    stream.seek(start)
    for number, entity in _entities(stream):
        if isinstance(entity, ListItem):
            continue
        if entity[1] in DOCUMENTS:
            yield _document(number, entity, holders)
        elif entity[1] in LINKS:
            yield _link(number, entity)


def _entities(stream: BinaryIO) -> Iterator[tuple[int, Entity | ListItem]]:
    """Each line's entity, or an item carrying the fault of a line that is JSON but no entity."""
    for line in read_lines(stream):
        if line.fault is not None:
            raise MalformedList(f"line {line.number}: {line.fault}: the file is damaged, nothing was imported")
        try:
            data = json.loads(line.text)
        except (ValueError, RecursionError) as error:
            raise MalformedList(f"line {line.number}: not JSON ({error}): the file is damaged or truncated, nothing was imported") from None
        yield line.number, _entity(line.number, data)


def _entity(number: int, data: Any) -> Entity | ListItem:
    entity_id = data.get("id") if isinstance(data, dict) else None
    item = ListItem(key=str(entity_id) if isinstance(entity_id, str) and entity_id else f"line {number}", entry=f"line {number}", fields={})
    if not isinstance(data, dict):
        item.fault("", "an entity is a JSON object")
        return item
    schema, properties = data.get("schema"), data.get("properties", {})
    item.entry = f"line {number} ({schema} {entity_id})"
    if not isinstance(entity_id, str) or not entity_id.strip() or len(entity_id) > 200:
        item.fault("id", "missing" if entity_id is None else "must be a text of 1 to 200 characters")
    if not isinstance(schema, str) or not schema:
        item.fault("schema", "missing")
    if not isinstance(properties, dict) or not all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in properties.values()):
        item.fault("properties", "must map each property to a list of texts")
    if item.faults:
        return item
    caption = data.get("caption")
    return str(entity_id), str(schema), properties, caption if isinstance(caption, str) else None


def _values(properties: dict[str, list[str]], *names: str) -> list[str]:
    return [v for name in names for v in (clean(s) for s in properties.get(name, [])) if v]


def _party(number: int, entity: Entity) -> ListItem:
    entity_id, schema, properties, caption = entity
    person = schema in PERSONS
    item = ListItem(key=entity_id, entry=f"line {number} ({schema} {entity_id})", fields={"kind": "person" if person else "organisation"})
    names = _values(properties, "name")
    if not names:
        parts = _values(properties, "firstName", "secondName", "middleName", "fatherName", "lastName")
        names = [" ".join(parts)] if parts else []
    if caption and clean(caption) in names:
        names.remove(clean(caption))
        names.insert(0, clean(caption))
    if not names or not add_name(item, "properties.name", names[0], NameKind.PRIMARY):
        item.fault("properties.name", "the entity has no name")
    for other in names[1:]:
        add_name(item, "properties.name", other, NameKind.ORIGINAL_SCRIPT if _non_latin(other) else NameKind.ALIAS)
    for alias in _values(properties, "alias", "previousName"):
        add_name(item, "properties.alias", alias, NameKind.ALIAS)
    for alias in _values(properties, "weakAlias"):
        add_name(item, "properties.weakAlias", alias, NameKind.WEAK_ALIAS)
    for address in _values(properties, "address"):
        add_unique(item, "addresses", clip(address, SHORT_TEXT), limit=50)
    for note in _values(properties, "notes", "description", "summary"):
        add_description(item, note)
    topics = set(_values(properties, "topics"))
    if person:
        _person(item, properties, topics)
    else:
        _countries(item, "countries", "properties.country", _values(properties, "country", "jurisdiction", "mainCountry"), what="country")
        item.fields["organisation_kind"] = "terrorist_group" if "crime.terror" in topics else ORGANISATIONS[schema]
    return item


def _person(item: ListItem, properties: dict[str, list[str]], topics: set[str]) -> None:
    genders = [_GENDERS.get(g.lower()) for g in _values(properties, "gender")]
    if genders and genders[0]:
        item.fields["gender"] = genders[0]
    for text in _values(properties, "birthDate"):
        value = partial_date(text[:10])
        if value is None:
            item.note("properties.birthDate", f"{text!r} is not a date Kalkan can read: kept as text")
            add_description(item, f"date of birth as listed: {text}")
        else:
            add_unique(item, "dates_of_birth", exact(value))
    for place in _values(properties, "birthPlace"):
        add_unique(item, "places_of_birth", clip(place, SHORT_TEXT))
    _countries(item, "nationalities", "properties.nationality", _values(properties, "nationality", "citizenship"), what="nationality")
    for position in _values(properties, "position"):
        add_description(item, f"position: {position}")
    for number in _values(properties, "passportNumber"):
        add_description(item, f"passport number as listed (no issuing state): {number}")
    for number in _values(properties, "idNumber"):
        add_description(item, f"identity number as listed (no issuing state): {number}")
    categories = sorted({c for t, c in _TOPIC_CATEGORIES.items() if t in topics})
    if categories:
        item.fields["categories"] = categories


def _countries(item: ListItem, field_name: str, source_field: str, codes: list[str], *, what: str) -> None:
    for code in codes:
        found = code_of_alpha2(code)
        if found is None:
            item.note(source_field, f"{code!r} is not a country code Kalkan knows: kept as text")
            add_description(item, f"{what} as listed: {code}")
        else:
            add_unique(item, field_name, found, limit=50 if field_name == "countries" else 20)


def _non_latin(name: str) -> bool:
    try:
        return detect_script(name) not in (Script.LATIN, Script.MIXED)
    except ValueError:
        return False


def _document(number: int, entity: Entity, holders: dict[str, str]) -> ListItem:
    entity_id, schema, properties, _ = entity
    item = ListItem(key=entity_id, entry=f"line {number} ({schema} {entity_id})", fields={"kind": "travel_document"})
    holder = _values(properties, "holder")
    numbers = _values(properties, "number", "passportNumber")
    countries = [c for c in (code_of_alpha2(v) for v in _values(properties, "country")) if c]
    if not holder:
        item.fault("properties.holder", "missing: a document is imported with its holder")
        return item
    if not numbers:
        item.fault("properties.number", "missing")
    if not countries:
        item.fault("properties.country", "missing or unknown: a travel document needs its issuing state")
    if item.faults:
        return item
    try:
        document_number = normalise_document_number(numbers[0])
    except ValueError as error:
        item.fault("properties.number", str(error))
        return item
    type_text = " ".join(_values(properties, "type")).lower()
    document_type = DocumentType.PASSPORT if "passport" in type_text else DOCUMENTS[schema]
    item.pointers["holder_id"] = holder[0]
    item.fields.update(
        issuing_state=countries[0],
        document_type=document_type.value,
        number=document_number,
        document_status=DocumentStatus.HOLDER_LISTED.value,
    )
    if holder[0] in holders:
        item.fields["holder_name"] = clip(holders[holder[0]], SHORT_TEXT)
    for field_name, source in (("issued_on", "startDate"), ("expires_on", "endDate")):
        value = partial_date(next(iter(_values(properties, source)), "")[:10])
        if value is not None and len(value) == 10:
            item.fields[field_name] = value
    if item.fields.get("issued_on", "") > item.fields.get("expires_on", "9999"):
        del item.fields["issued_on"]
    return item


def _link(number: int, entity: Entity) -> ListItem:
    entity_id, schema, properties, _ = entity
    link_type, source_property, target_property = LINKS[schema]
    item = ListItem(key=entity_id, entry=f"line {number} ({schema} {entity_id})", fields={"kind": "link", "link_type": link_type})
    for field_name, name in (("source_id", source_property), ("target_id", target_property)):
        ends = _values(properties, name)
        if not ends:
            item.fault(f"properties.{name}", "missing: a link needs both of its ends")
        else:
            item.pointers[field_name] = ends[0]
    item.fields["source"] = f"FollowTheMoney {schema}"
    for field_name, source in (("valid_from", "startDate"), ("valid_until", "endDate")):
        value = partial_date(next(iter(_values(properties, source)), "")[:10])
        if value is not None:
            item.fields[field_name] = value
    detail = [f"{name}: {value}" for name in ("relationship", "role", "percentage", "summary") for value in _values(properties, name)]
    if detail:
        item.fields["remarks"] = clip("; ".join(detail), LONG_TEXT)
    return item
