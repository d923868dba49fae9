"""Searching records from the analyst's page: by name in any script, by document number, by reference.

Each way of searching is a ``RecordSearch``: a function of the caller's ``RecordStore`` and
the query. The name search is a substring search of the names as written for now; the
name matcher (keys across scripts, scores with explanations) replaces it by taking its
place in ``SEARCHES``, and the page shows a score and an explanation where a hit has them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from kalkan.errors import ValidationFailed
from kalkan.model.documents import normalise_document_number
from kalkan.model.records import RecordKind, StoredModel
from kalkan.store.records import RecordFilter, RecordStore


class SearchBy(StrEnum):
    NAME = "name"
    DOCUMENT = "document"
    REFERENCE = "reference"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    by: SearchBy = SearchBy.NAME
    kind: RecordKind | None = None


@dataclass(frozen=True, slots=True)
class SearchHit:
    record: StoredModel
    score: float | None = None
    explanation: str | None = None


RecordSearch = Callable[[RecordStore, SearchQuery, int], list[SearchHit]]


def names_containing(store: RecordStore, query: SearchQuery, limit: int) -> list[SearchHit]:
    """Records any of whose names (or numbers, references) contain the text, in any script."""
    return [SearchHit(r) for r in store.find(RecordFilter(kind=query.kind, text=query.text), limit=limit)]


def document_number(store: RecordStore, query: SearchQuery, limit: int) -> list[SearchHit]:
    """Travel documents whose number contains the text, written with or without separators."""
    try:
        number = normalise_document_number(query.text)
    except ValueError as error:
        raise ValidationFailed.one("q", str(error)) from None
    return [SearchHit(r) for r in store.find(RecordFilter(kind=RecordKind.TRAVEL_DOCUMENT, text=number), limit=limit)]


def reference(store: RecordStore, query: SearchQuery, limit: int) -> list[SearchHit]:
    """Records carrying exactly this external reference (a UN reference, a case number)."""
    return [SearchHit(r) for r in store.find(RecordFilter(kind=query.kind, ref_value=query.text), limit=limit)]


SEARCHES: dict[SearchBy, RecordSearch] = {
    SearchBy.NAME: names_containing,
    SearchBy.DOCUMENT: document_number,
    SearchBy.REFERENCE: reference,
}


def search(store: RecordStore, query: SearchQuery, limit: int = 50) -> list[SearchHit]:
    if not 1 <= len(query.text) <= 200:
        raise ValidationFailed.one("q", "1 to 200 characters")
    return SEARCHES[query.by](store, query, limit)
