"""Checking persons and organisations by name: the name index of one database, kept current, and checks on it.

``NameScreening`` owns the index of one database: it loads the snapshot saved in the index
directory (if it was made from the same database and is not ahead of it), or builds one
and saves it; before a check it catches up from the change log (at most every
``refresh_seconds``), and saves a new snapshot after ``SAVE_AFTER`` changed records, so
a restart reads the file and replays only the tail of the log.

``check`` answers one request (one query or a batch): every query's names are prepared
(a bad one is refused naming its field), matched (``matching.names.matcher``), and the
candidates are read back through the store's visibility rule before anything is
returned: a record the caller's agency may not see is never returned; if its owner chose
``contact_owner`` and it is a hit, the answer says only "contact agency X". Each request is
one audit entry, naming the records returned and a digest of what was asked.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, select
from sqlalchemy.engine import make_url

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.errors import Fault, ValidationFailed
from kalkan.matching.features import THRESHOLDS, DateSpan, Subject
from kalkan.matching.names import storage, sync
from kalkan.matching.names.index import NameIndex, Visibility
from kalkan.matching.names.matcher import Match, PreparedQuery, run
from kalkan.matching.names.parts import NameInputError, prepare_name
from kalkan.model.dates import FlexibleDate
from kalkan.model.documents import normalise_document_number
from kalkan.store import audit
from kalkan.store.database import Database
from kalkan.store.tables import record_refs, records
from kalkan.store.visibility import visible_to

#: The most queries one request may hold.
MAX_BATCH: Final = 1000
#: The most candidates a query may ask for.
MAX_TOP: Final = 100
#: Records changed since the last snapshot after which a new one is saved.
SAVE_AFTER: Final = 10_000


@dataclass(frozen=True, slots=True)
class NameQuery:
    """One person or organisation to check: names in any script and what else is known."""

    names: tuple[str, ...]
    birth_date: FlexibleDate | None = None
    nationality: str | None = None
    gender: str | None = None
    document_numbers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    record_id: str
    owner: str
    label: str
    external_refs: tuple[tuple[str, str], ...]
    score: float
    hit: bool
    explanation: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CheckResult:
    candidates: tuple[Candidate, ...]
    #: Agencies whose records the caller may not see but that hit, where their owners allow saying so.
    contact_agencies: tuple[str, ...] = ()
    hit: bool = field(default=False)


def fingerprint(url: str) -> str:
    """What identifies a database for its saved index: its URL without the password."""
    return hashlib.sha256(make_url(url).render_as_string(hide_password=True).encode()).hexdigest()[:32]


class NameScreening:
    """The name index of one database and the checks run against it."""

    def __init__(self, database: Database, index_dir: Path | None = None, *, refresh_seconds: float = 0.0) -> None:
        self.database = database
        self.index_dir = index_dir
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._index: NameIndex | None = None
        self._sequence = 0
        self._refreshed = 0.0
        self._unsaved = 0
        self._fingerprint = fingerprint(database.url)

    @property
    def sequence(self) -> int:
        return self._sequence

    def index(self, conn: Connection | None = None) -> NameIndex:
        """The index, loaded or built on first use, caught up with the change log."""
        with self._lock:
            if conn is None:
                with self.database.engine.connect() as own:
                    return self._current(own)
            return self._current(conn)

    def _current(self, conn: Connection) -> NameIndex:
        if self._index is None:
            self._index = self._open(conn)
            self._refreshed = time.monotonic()
        elif time.monotonic() - self._refreshed >= self.refresh_seconds:
            self._sequence, changed = sync.catch_up(self._index, conn, self._sequence, _window(conn))
            self._unsaved += changed
            self._refreshed = time.monotonic()
            if self._unsaved >= SAVE_AFTER:
                self.save()
        return self._index

    def _open(self, conn: Connection) -> NameIndex:
        if self.index_dir is not None:
            loaded = storage.load(self.index_dir)
            if loaded is not None:
                index, header = loaded
                if header.fingerprint == self._fingerprint and header.sequence <= sync.last_sequence(conn):
                    self._sequence, changed = sync.catch_up(index, conn, header.sequence, _window(conn))
                    self._unsaved = changed
                    return index
        index, self._sequence = sync.build(conn)
        self._index = index
        self.save()
        return index

    def save(self) -> None:
        """Write a snapshot of the index (if there is one and a directory to keep it in)."""
        if self.index_dir is not None and self._index is not None:
            storage.save(self._index, self.index_dir, storage.Header(self._sequence, self._fingerprint))
            self._unsaved = 0

    def check(self, conn: Connection, scope: Scope, queries: Sequence[NameQuery], *, kind: str, top: int = 10) -> list[CheckResult]:
        """Check each query against the records of ``kind`` ("person" or "organisation"); one audit entry for all."""
        scope.require(Permission.RUN_CHECKS)
        prepared = prepare_queries(queries, kind)
        index = self.index(conn)
        with self._lock:
            found = [run(index, query, kind, scope.agency, top) for query in prepared]
        results = _through_store(conn, scope, found)
        returned = sorted({candidate.record_id for result in results for candidate in result.candidates})
        contacts = sorted({agency for result in results for agency in result.contact_agencies})
        audit.append(
            conn,
            scope,
            f"check.{kind}s",
            returned,
            query=[_query_dict(query) for query in queries],
            detail=json.dumps(
                {"queries": len(queries), "hits": sum(result.hit for result in results), "contact_agencies": contacts}, sort_keys=True
            ),
        )
        return results


def _window(conn: Connection) -> int:
    """How far behind its mark a catch-up re-reads the change log: SQLite commits in sequence
    order (one writer), so a change can never appear behind one already seen; PostgreSQL may."""
    return 0 if conn.dialect.name == "sqlite" else sync.WINDOW


def prepare_queries(queries: Sequence[NameQuery], kind: str) -> list[PreparedQuery]:
    """Queries ready to run; ValidationFailed naming every field at fault (``queries[2].names[0]``)."""
    if kind not in THRESHOLDS:
        raise ValidationFailed.one("kind", f"must be one of {', '.join(sorted(THRESHOLDS))}")
    if not queries:
        raise ValidationFailed.one("queries", "give at least one query")
    if len(queries) > MAX_BATCH:
        raise ValidationFailed.one("queries", f"{len(queries)} queries; at most {MAX_BATCH} in one request")
    faults: list[Fault] = []
    prepared: list[PreparedQuery] = []
    for i, query in enumerate(queries):
        names = []
        if not query.names:
            faults.append(Fault(f"queries[{i}].names", "give at least one name"))
        for j, text in enumerate(query.names):
            try:
                names.append(prepare_name(text, organisation=kind == "organisation"))
            except NameInputError as error:
                faults.append(Fault(f"queries[{i}].names[{j}]", str(error)))
        documents = []
        for j, number in enumerate(query.document_numbers):
            try:
                documents.append(normalise_document_number(number))
            except ValueError as error:
                faults.append(Fault(f"queries[{i}].document_numbers[{j}]", str(error)))
        births = (DateSpan(query.birth_date.earliest, query.birth_date.latest),) if query.birth_date else ()
        gender = query.gender if query.gender in ("male", "female") else None
        subject = Subject(births, frozenset([query.nationality] if query.nationality else []), gender, frozenset(documents))
        prepared.append(PreparedQuery(tuple(names), subject))
    if faults:
        raise ValidationFailed(faults)
    return prepared


def _through_store(conn: Connection, scope: Scope, found: list[list[Match]]) -> list[CheckResult]:
    """Keep what the store, as it is now, lets the caller learn: visible active records, and "contact X" hits."""
    ids = sorted({match.record_id for matches in found for match in matches})
    visible: dict[str, str] = {}
    refs: dict[str, list[tuple[str, str]]] = {}
    rows: dict[str, Any] = {}
    if ids:
        for record_id, label in conn.execute(
            select(records.c.id, records.c.label).where(records.c.id.in_(ids), records.c.status == "active", visible_to(scope.agency))
        ):
            visible[str(record_id)] = str(label)
        for record_id, scheme, value in conn.execute(
            select(record_refs.c.record_id, record_refs.c.scheme, record_refs.c.value)
            .where(record_refs.c.record_id.in_(sorted(visible)))
            .order_by(record_refs.c.scheme, record_refs.c.value)
        ):
            refs.setdefault(str(record_id), []).append((str(scheme), str(value)))
        for row in conn.execute(
            select(records.c.id, records.c.owner, records.c.hit_disclosure, records.c.status).where(records.c.id.in_(ids))
        ):
            rows[str(row.id)] = row
    results = []
    for matches in found:
        candidates = []
        contacts: set[str] = set()
        for match in matches:
            if match.visibility is Visibility.SEEN and match.record_id in visible:
                candidates.append(
                    Candidate(
                        match.record_id,
                        match.owner,
                        visible[match.record_id],
                        tuple(refs.get(match.record_id, ())),
                        match.scored.score,
                        match.hit,
                        explanation(match),
                    )
                )
            elif match.hit and match.record_id not in visible:
                owner_row = rows.get(match.record_id)
                if owner_row is not None and owner_row.status == "active" and owner_row.hit_disclosure == "contact_owner":
                    contacts.add(str(owner_row.owner))
        results.append(CheckResult(tuple(candidates), tuple(sorted(contacts)), any(c.hit for c in candidates) or bool(contacts)))
    return results


def explanation(match: Match) -> dict[str, Any]:
    """Which query name matched which record name, part by part and by which key, and each feature's part in the score."""
    return {
        "query_name": match.names.query,
        "record_name": match.names.record,
        "parts": [{"query": p.query, "record": p.record, "via": p.via, "similarity": p.similarity} for p in match.names.parts],
        "features": [
            {"name": item.name, "value": item.value, "weight": item.weight, "contribution": item.contribution}
            for item in match.scored.features
            if item.value
        ],
        "threshold": match.threshold,
    }


def _query_dict(query: NameQuery) -> dict[str, Any]:
    return {
        "names": list(query.names),
        "birth_date": query.birth_date.model_dump(mode="json") if query.birth_date else None,
        "nationality": query.nationality,
        "gender": query.gender,
        "document_numbers": list(query.document_numbers),
    }
