"""Searching records from the analyst's page: by name in any script, by document number, by reference.

- **Name**, for persons and organisations: the name matcher of ``POST /v1/checks/persons`` and
  ``/organisations`` (``screening.names.NameScreening.check``: keys across scripts, so that
  "Каримов" finds "Karimov" and an Arabic spelling a Latin one; a score, whether it reaches
  the operating threshold, and why), with a date of birth and a nationality if known. It is
  audited as those checks are (``check.persons``, ``check.organisations``), and a record the
  caller's agency may not see is left out, or named only as "contact agency X" where its
  owner allows. A caller without the right to run checks, and the other kinds of record, get
  the names as written (``record.list``).
- **Document number**: the document check's index (``screening.documents.DocumentChecker``),
  over the records and the bulk table of stolen and lost documents, in every issuing state
  unless one is given (then its OCR near misses too); audited as ``check.documents``. Without
  the right to run checks, the travel document records whose number contains it.
- **Reference**: the records carrying exactly that external reference, written ``VALUE`` or
  ``SCHEME:VALUE`` (``un:QDi.431``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import Connection

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.errors import Fault, ValidationFailed
from kalkan.model.countries import normalise_country
from kalkan.model.dates import FlexibleDate
from kalkan.model.documents import normalise_document_number
from kalkan.model.records import ExternalRef, RecordKind, StoredModel
from kalkan.screening.documents import DocumentQuery
from kalkan.screening.names import NameQuery
from kalkan.screening.services import Services
from kalkan.store.documents import REF_PREFIX
from kalkan.store.records import RecordFilter, RecordStore

#: Candidates a name search shows, best first.
NAME_RESULTS: Final = 25
MAX_RESULTS: Final = 50
MATCHED_KINDS: Final = {RecordKind.PERSON: "person", RecordKind.ORGANISATION: "organisation"}


class SearchBy(StrEnum):
    NAME = "name"
    DOCUMENT = "document"
    REFERENCE = "reference"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What the analyst asked, as typed (``search_query`` checks and normalises it)."""

    text: str
    by: SearchBy = SearchBy.NAME
    kind: RecordKind | None = None
    birth_date: str = ""
    nationality: str = ""
    issuing_state: str = ""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One record found. ``record_id`` None: a row of the bulk documents table, which has no record page."""

    record_id: str | None
    kind: str
    label: str
    owner: str
    score: float | None = None
    strong: bool = False  # the score reaches the operating threshold: a hit, were it a check
    explanation: dict[str, Any] | None = None
    references: tuple[tuple[str, str], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    record: StoredModel | None = None


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    hits: list[SearchHit]
    #: Agencies whose records the caller's agency may not see but that match, where their owners allow saying so.
    contact_agencies: list[str] = field(default_factory=list)
    #: The names were searched as written, not through the matcher.
    as_written: bool = False


def search(conn: Connection, scope: Scope, services: Services, store: RecordStore, query: SearchQuery) -> SearchAnswer:
    """Run the query; ValidationFailed names the form's field at fault (``q``, ``birth_date``...)."""
    scope.require(Permission.READ_RECORDS)
    text = query.text.strip()
    if not 1 <= len(text) <= 200:
        raise ValidationFailed.one("q", "1 to 200 characters")
    if query.by is SearchBy.DOCUMENT:
        return _documents(conn, scope, services, store, text, query.issuing_state.strip())
    if query.by is SearchBy.REFERENCE:
        return _references(store, text, query.kind)
    if query.kind not in (None, *MATCHED_KINDS) or not scope.can(Permission.RUN_CHECKS):
        found = store.find(RecordFilter(kind=query.kind, text=text), limit=MAX_RESULTS)
        return SearchAnswer([_of_record(r) for r in found], as_written=True)
    return _names(conn, scope, services, text, query)


def _names(conn: Connection, scope: Scope, services: Services, text: str, query: SearchQuery) -> SearchAnswer:
    faults: list[Fault] = []
    birth_date: FlexibleDate | None = None
    nationality: str | None = None
    if query.birth_date.strip():
        try:
            birth_date = FlexibleDate(value=query.birth_date.strip())
        except ValueError:
            faults.append(Fault("birth_date", "search.birth_date_invalid"))
    if query.nationality.strip():
        try:
            nationality = normalise_country(query.nationality.strip())
        except ValueError as error:
            faults.append(Fault("nationality", str(error)))
    if faults:
        raise ValidationFailed(faults)
    kinds = [MATCHED_KINDS[query.kind]] if query.kind in MATCHED_KINDS else list(MATCHED_KINDS.values())
    hits: list[SearchHit] = []
    contacts: set[str] = set()
    for kind in kinds:
        person = kind == "person"
        asked = NameQuery((text,), birth_date if person else None, nationality)
        try:
            (result,) = services.names.check(conn, scope, [asked], kind=kind, top=NAME_RESULTS)
        except ValidationFailed as failed:
            raise ValidationFailed([Fault("q", f.fault) for f in failed.faults]) from None
        contacts.update(result.contact_agencies)
        hits += [SearchHit(c.record_id, kind, c.label, c.owner, c.score, c.hit, c.explanation, c.external_refs) for c in result.candidates]
    hits.sort(key=lambda hit: (-(hit.score or 0.0), hit.label, hit.record_id or ""))
    return SearchAnswer(hits[:NAME_RESULTS], sorted(contacts))


def _documents(conn: Connection, scope: Scope, services: Services, store: RecordStore, text: str, issuing_state: str) -> SearchAnswer:
    try:
        number = normalise_document_number(text)
    except ValueError as error:
        raise ValidationFailed.one("q", str(error)) from None
    if not scope.can(Permission.RUN_CHECKS):
        found = store.find(RecordFilter(kind=RecordKind.TRAVEL_DOCUMENT, text=number), limit=MAX_RESULTS)
        return SearchAnswer([_of_record(r) for r in found], as_written=True)
    try:
        # No state named: the same number in any state (each is found "in another state", and kept).
        query = DocumentQuery.of(issuing_state, number) if issuing_state else DocumentQuery("", number)
        (result,) = services.documents.check(conn, scope, [query])
    except ValidationFailed as failed:
        raise ValidationFailed([Fault("issuing_state" if "state" in f.field else "q", f.fault) for f in failed.faults]) from None
    hits: list[SearchHit] = []
    contacts: set[str] = set()
    for hit in result.hits:
        c = hit.candidate
        if c.detail is None:
            contacts.add(c.owner)
            continue
        details: dict[str, Any] = {
            "document_status": c.detail.document_status,
            "holder_name": c.detail.holder_name,
            "reported_on": c.detail.reported_on,
            "range_end": c.range_end,
            "differences": [d.value for d in hit.differences if issuing_state],
        }
        record_id = None if c.ref.startswith(REF_PREFIX) else c.ref
        label = f"{c.issuing_state} {c.number}" + (f"–{c.range_end}" if c.range_end else "")
        hits.append(SearchHit(record_id, RecordKind.TRAVEL_DOCUMENT.value, label, c.owner, details=details | {"type": c.document_type}))
    return SearchAnswer(hits, sorted(contacts))


def _references(store: RecordStore, text: str, kind: RecordKind | None) -> SearchAnswer:
    found = store.find(RecordFilter(kind=kind, ref_value=text), limit=MAX_RESULTS)
    scheme, colon, value = text.partition(":")
    if not found and colon and value.strip():
        try:
            ref = ExternalRef(scheme=scheme, value=value)
        except ValueError:
            ref = None
        if ref is not None:
            found = store.find(RecordFilter(kind=kind, ref_scheme=ref.scheme, ref_value=ref.value), limit=MAX_RESULTS)
    return SearchAnswer([_of_record(r) for r in found])


def _of_record(record: StoredModel) -> SearchHit:
    references = tuple((ref.scheme, ref.value) for ref in record.external_refs)
    return SearchHit(record.id, record.kind.value, record.label(), record.owner, references=references, record=record)
