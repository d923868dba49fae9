"""Checking travel documents against the stolen and lost documents every agency shares.

A check names a document by issuing state, type (optional) and number, or by its
machine-readable zone. The in-memory index (``matching.documents``) names the candidates:
documents with the number, with a reading one OCR confusion away, or with a serial range
covering one of those. The store reads the candidates as the caller may see them
(``store.documents.candidates``: active only; a document the caller's agency may not see
comes back as "contact agency X" or not at all, as its owner chose). Each candidate is then:

- a **hit** when state, type and number are those asked (or the number is inside a range);
- a **possible hit** when exactly one thing differs: the number by one OCR confusion
  (``ocr_variant``), the issuing state (``other_state``) or the type (``other_type``);
- dropped otherwise.

Every request, single or batch, is one audit entry (``check.documents``) naming the
documents returned and a digest of what was asked: in the caller's transaction, or handed to
the process's ``store.audit_writer.AuditWriter``, which commits the entries of concurrent
checks together; either way the answer is returned only once its entry is committed. The index catches up from the change log
at most every ``refresh_seconds`` before a check, so a document imported on one server is
found by every other within that time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Connection

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.errors import Fault, ValidationFailed
from kalkan.matching.documents import DocumentIndex, Found
from kalkan.model.countries import normalise_issuing_state
from kalkan.model.document_ranges import serial_range
from kalkan.model.documents import DocumentType, normalise_document_number
from kalkan.model.mrz import read_mrz
from kalkan.store import audit
from kalkan.store import documents as store
from kalkan.store.audit_writer import AuditWriter
from kalkan.store.database import Database

#: The most documents one request may check (a flight manifest).
MAX_BATCH = 1000
#: Change-log sequences re-read behind the newest seen: on PostgreSQL a lower one can commit later.
CATCH_UP_WINDOW = 100
#: Rows of the table read per query while building or catching up.
PAGE = 100_000
#: Rows applied from the change log after which a new snapshot is saved.
SAVE_AFTER = 1_000_000


class Outcome(StrEnum):
    HIT = "hit"
    POSSIBLE_HIT = "possible_hit"
    NO_HIT = "no_hit"


class Difference(StrEnum):
    OCR_VARIANT = "ocr_variant"  # the number is one OCR confusion away
    OTHER_STATE = "other_state"  # the same number under another issuing state
    OTHER_TYPE = "other_type"  # the same state and number, another type of document


@dataclass(frozen=True, slots=True)
class DocumentQuery:
    """One document to check, normalised. ``document_type`` None: any type."""

    issuing_state: str
    number: str
    document_type: str | None = None
    mrz_faults: tuple[str, ...] = ()

    @classmethod
    def of(cls, issuing_state: str, number: str, document_type: str | None = None, *, prefix: str = "") -> DocumentQuery:
        """Validated; ValidationFailed names each field at fault (under ``prefix``)."""
        faults: list[Fault] = []
        state = number_text = ""
        try:
            state = normalise_issuing_state(issuing_state)
        except ValueError as error:
            faults.append(Fault(f"{prefix}issuing_state", str(error)))
        try:
            number_text = normalise_document_number(number)
        except ValueError as error:
            faults.append(Fault(f"{prefix}number", str(error)))
        kind = None
        if document_type is not None:
            try:
                kind = DocumentType(document_type).value
            except ValueError:
                faults.append(Fault(f"{prefix}document_type", f"unknown type {document_type!r} (one of {', '.join(DocumentType)})"))
        if faults:
            raise ValidationFailed(faults)
        return cls(state, number_text, kind)

    @classmethod
    def from_mrz(cls, text: str, *, prefix: str = "") -> DocumentQuery:
        """From a machine-readable zone as a scanner sends it.

        A zone whose check digits fail is still checked (the number as read, and its OCR
        variants); its faults come back with the result. A zone whose shape, issuing state
        or number cannot be read is refused.
        """
        try:
            reading = read_mrz(text)
        except ValidationFailed as error:
            raise ValidationFailed([Fault(f"{prefix}mrz", str(f)) for f in error.faults]) from None
        query = cls.of(reading.issuing_state, reading.document_number, reading.document_type.value, prefix=f"{prefix}mrz.")
        return cls(query.issuing_state, query.number, query.document_type, tuple(str(f) for f in reading.faults))

    def as_dict(self) -> dict[str, str | None]:
        return {"issuing_state": self.issuing_state, "document_type": self.document_type, "number": self.number}


@dataclass(frozen=True, slots=True)
class DocumentHit:
    """One document a check found. ``candidate.detail`` is None: restricted, contact ``candidate.owner``."""

    outcome: Outcome
    candidate: store.Candidate
    matched_number: str  # the reading that found it (the number asked, or an OCR variant)
    in_range: bool
    differences: tuple[Difference, ...]


@dataclass(frozen=True, slots=True)
class CheckResult:
    query: DocumentQuery
    hits: tuple[DocumentHit, ...] = ()

    @property
    def outcome(self) -> Outcome:
        if any(hit.outcome is Outcome.HIT for hit in self.hits):
            return Outcome.HIT
        return Outcome.POSSIBLE_HIT if self.hits else Outcome.NO_HIT


def classify(query: DocumentQuery, found: Found, candidate: store.Candidate) -> DocumentHit | None:
    """The hit ``candidate`` is for ``query``, or None when it is too far from it."""
    if found.in_range:
        if candidate.range_end is None or not serial_range(candidate.number, candidate.range_end).contains(found.number):
            return None
    elif candidate.number != found.number:
        return None  # an index key that collided, or a record whose number has changed
    differences: list[Difference] = []
    if found.number != query.number:
        differences.append(Difference.OCR_VARIANT)
    if candidate.issuing_state != query.issuing_state:
        differences.append(Difference.OTHER_STATE)
    if query.document_type is not None and candidate.document_type != query.document_type:
        differences.append(Difference.OTHER_TYPE)
    if len(differences) > 1:
        return None
    outcome = Outcome.POSSIBLE_HIT if differences else Outcome.HIT
    return DocumentHit(outcome, candidate, found.number, found.in_range, tuple(differences))


@dataclass
class DocumentChecker:
    """Checks documents for any caller; one per process, shared by its threads."""

    db: Database
    index_dir: Path | None = None
    refresh_seconds: float = 1.0
    index: DocumentIndex | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _refreshed_at: float = float("-inf")
    _applied_since_save: int = 0

    def check(
        self, conn: Connection, scope: Scope, queries: Sequence[DocumentQuery], *, writer: AuditWriter | None = None
    ) -> list[CheckResult]:
        """Check each query; append one audit entry in ``conn``'s transaction or, given
        ``writer``, through it (group commit): ``conn`` then only reads, and this returns once
        the entry is committed (AuditUnavailable if it could not be)."""
        scope.require(Permission.RUN_CHECKS)
        if not 1 <= len(queries) <= MAX_BATCH:
            raise ValidationFailed.one("documents", f"give between 1 and {MAX_BATCH} documents; got {len(queries)}")
        with self._lock:
            self.refresh(conn)
            assert self.index is not None  # noqa: S101 - refresh() sets it
            found = self.index.find([query.number for query in queries])
        wanted = sorted({f.ref for group in found for f in group})
        seen = {c.ref: c for c in store.candidates(conn, scope, wanted)} if wanted else {}
        results: list[CheckResult] = []
        for query, group in zip(queries, found, strict=True):
            hits = [hit for f in group if f.ref in seen and (hit := classify(query, f, seen[f.ref])) is not None]
            hits.sort(key=lambda hit: (hit.outcome is not Outcome.HIT, hit.candidate.ref))
            results.append(CheckResult(query, tuple(hits)))
        returned = sorted({hit.candidate.ref for result in results for hit in result.hits})
        counts = {outcome: sum(result.outcome is outcome for result in results) for outcome in Outcome}
        entry = audit.PendingEntry.of(
            scope,
            "check.documents",
            returned,
            query=[query.as_dict() for query in queries],
            detail=f"{len(queries)} documents: {counts[Outcome.HIT]} hit, {counts[Outcome.POSSIBLE_HIT]} possible hit",
        )
        if writer is None:
            audit.append_entries(conn, [entry])
        else:
            writer.submit(entry).wait()
        return results

    # -- the index ----------------------------------------------------------------

    def refresh(self, conn: Connection, *, force: bool = False) -> DocumentIndex:
        """Load or build the index if there is none; catch up with the change log if it is due."""
        with self._lock:
            if self.index is None:
                self.index = self._load_or_build(conn)
                self._refreshed_at = time.monotonic()
            elif force or time.monotonic() - self._refreshed_at >= self.refresh_seconds:
                self._catch_up(conn, self.index)
                self._refreshed_at = time.monotonic()
            return self.index

    def _load_or_build(self, conn: Connection) -> DocumentIndex:
        index = DocumentIndex.load(self.index_dir) if self.index_dir else None
        if index is None:
            index = build_index(conn)
            if self.index_dir:
                index.save(self.index_dir)
        self._catch_up(conn, index)
        return index

    def _catch_up(self, conn: Connection, index: DocumentIndex) -> None:
        applied = catch_up(conn, index)
        self._applied_since_save += applied
        if self.index_dir and self._applied_since_save >= SAVE_AFTER:
            index.save(self.index_dir)
            self._applied_since_save = 0


def build_index(conn: Connection) -> DocumentIndex:
    """An index of every document, reflecting the change log up to the sequence read first."""
    index = DocumentIndex(seq=store.last_change(conn))
    after = 0
    while rows := store.table_rows(conn, after_id=after, limit=PAGE):
        ids, numbers, range_ends, active = zip(*rows, strict=True)
        index.add_table_rows(ids, numbers, range_ends, active)
        after = rows[-1][0]
    for row in store.record_rows(conn):
        index.add(row.ref, row.number, active=row.active)
    index.merge()
    if conn.dialect.name == "sqlite":
        # SQLite commits in sequence order: every change up to the one read first is in the build.
        # PostgreSQL may still commit a lower sequence; the first catch-up re-reads the window.
        index.applied = {change.seq for change in store.changes_after(conn, max(index.seq - CATCH_UP_WINDOW, 0)) if change.seq <= index.seq}
    return index


def catch_up(conn: Connection, index: DocumentIndex) -> int:
    """Apply the change log since the index's sequence (re-reading a window behind it); return the rows applied."""
    applied = 0
    for change in store.changes_after(conn, max(index.seq - CATCH_UP_WINDOW, 0)):
        if change.seq in index.applied:
            continue
        if change.op == store.BATCH_OP:
            after = 0
            while rows := store.table_rows(conn, after_id=after, limit=PAGE, change_seq=change.seq):
                ids, numbers, range_ends, active = zip(*rows, strict=True)
                index.add_table_rows(ids, numbers, range_ends, active)
                applied += len(rows)
                after = rows[-1][0]
        else:
            for row in store.record_rows(conn, [change.record_id]):
                index.add(row.ref, row.number, active=row.active)
                applied += 1
        index.applied.add(change.seq)
        index.seq = max(index.seq, change.seq)
    index.applied = {seq for seq in index.applied if seq > index.seq - CATCH_UP_WINDOW}
    return applied


# -- snapshots made ahead of time -------------------------------------------------


@dataclass(frozen=True, slots=True)
class SnapshotState:
    """A saved snapshot against the change log: ``behind`` document changes it does not reflect yet."""

    seq: int  # the change-log sequence the snapshot reflects
    documents: int  # numbers it holds
    head: int  # the newest sequence of the change log (every kind)
    behind: int  # change-log rows of travel documents after ``seq``

    @property
    def current(self) -> bool:
        return self.behind == 0


def save_index(db: Database, directory: Path) -> DocumentIndex:
    """Build the index of every document from the database and save it under ``directory``:
    a server with ``index_dir`` set starts from it instead of reading the whole table."""
    with db.transaction() as conn:
        index = build_index(conn)
        catch_up(conn, index)
    index.save(directory)
    return index


def snapshot_state(db: Database, directory: Path) -> SnapshotState | None:
    """Where the snapshot saved under ``directory`` stands; None when there is none (or it is unreadable)."""
    index = DocumentIndex.load(directory)
    if index is None:
        return None
    with db.transaction() as conn:
        head = store.last_change(conn)
        behind = len(store.changes_after(conn, index.seq))
    return SnapshotState(index.seq, len(index), head, behind)
