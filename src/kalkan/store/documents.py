"""Stolen and lost travel documents in bulk: a compact table of their own, written in batches.

A database of stolen and lost documents holds a hundred million rows, loaded by agencies in
files of millions. They do not go through ``records`` (a JSON body, an audit entry and a
change-log row per record): each row here is typed columns, keyed by (number, issuing
state, type, owner), and written by batches:

- a batch is staged in a temporary table (bulk ``executemany`` on SQLite, ``COPY`` on
  PostgreSQL), then merged with one ``UPDATE ... FROM`` (rows whose content changed) and
  one ``INSERT ... SELECT`` (new rows): an unchanged row is not touched;
- the batch appends one ``change_log`` row (op ``batch``, kind ``travel_document``,
  ``record_id`` the table's name, ``version`` the count of rows it wrote) and stamps each
  row it wrote with that sequence number in ``change_seq``, which is how screening indexes
  catch up; a batch that changes nothing leaves no change-log row;
- the batch appends one audit entry (``document.import``) naming its change sequence and
  counts; the rows it touched are those that carry its ``change_seq``.

An owner withdraws documents (found again, reported in error) with ``cancel_batch``: the same
staging, one ``UPDATE ... FROM`` setting ``status`` to cancelled, one change-log row, and one
audit entry (``document.cancel``) naming every document it cancelled and the reason. Writing
a cancelled document again (``write_batch``: a renewed report) reinstates it.

Travel documents created one by one through ``/v1/records`` stay in ``records``; the reads
below (``candidates``) serve both, applying ``access.policy`` to what they return.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TextClause,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.schema import CreateTable

from kalkan.access.policy import agency_may_see
from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.errors import ValidationFailed
from kalkan.model.records import RecordKind, RecordStatus
from kalkan.model.restriction import HitDisclosure, Restriction, RestrictionMode
from kalkan.store import audit
from kalkan.store.clock import as_utc, now
from kalkan.store.tables import Serial, change_log, metadata, record_agencies, records

#: The ``record_id`` of the change-log rows of document batches.
CHANGE_LOG_NAME = "documents"
BATCH_OP = "batch"

#: How a document of this table is named in answers and in the audit log ("document:42").
REF_PREFIX = "document:"

documents = Table(
    "documents",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    # No foreign key: each batch writes rows of one agency, read and found active first, and
    # agencies are never deleted; a key checked per row doubled the cost of an import on PostgreSQL.
    Column("owner", String(32), nullable=False),
    Column("issuing_state", String(3), nullable=False),
    Column("document_type", String(20), nullable=False),
    Column("number", String(30), nullable=False),
    Column("range_end", String(30), nullable=True),  # the last number of a serial range, or NULL
    Column("document_status", String(16), nullable=False),
    Column("issued_on", Date, nullable=True),
    Column("expires_on", Date, nullable=True),
    Column("reported_on", Date, nullable=True),
    Column("holder_name", String(300), nullable=True),
    Column("restriction_mode", String(12), nullable=False),
    Column("restriction_agencies", Text, nullable=True),  # space-separated codes (modes only, except)
    Column("hit_disclosure", String(16), nullable=False),
    Column("status", String(12), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("change_seq", BigInteger, nullable=False),
    # Number first: the identity of a row, and the index a lookup by number uses.
    Index("uq_documents_number_state_type_owner", "number", "issuing_state", "document_type", "owner", unique=True),
    Index("ix_documents_change_seq", "change_seq"),
)

#: The columns of a document that its reporting agency gives, in the order of files and of the
#: staging table: the key (issuing state, type, number), then the data; the rest are the store's.
COLUMNS = (
    "issuing_state",
    "document_type",
    "number",
    "document_status",
    "range_end",
    "issued_on",
    "expires_on",
    "reported_on",
    "holder_name",
    "restriction_mode",
    "restriction_agencies",
    "hit_disclosure",
)
KEY_COLUMNS = COLUMNS[:3]
DATA_COLUMNS = COLUMNS[3:]

#: A document within its owner's: (issuing state, type, number).
DocumentKey = tuple[str, str, str]

#: The longest reason a cancellation may give.
MAX_REASON = 1000

_staging_metadata = MetaData()
staging = Table(
    "document_staging",
    _staging_metadata,
    *(Column(name, documents.c[name].type) for name in COLUMNS),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DELETE ROWS",
)


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """One validated, normalised row to write (what an import line becomes)."""

    issuing_state: str
    document_type: str
    number: str
    document_status: str
    range_end: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    reported_on: date | None = None
    holder_name: str | None = None
    restriction_mode: str = RestrictionMode.OWNER.value
    restriction_agencies: str | None = None
    hit_disclosure: str = HitDisclosure.NOTHING.value

    @property
    def key(self) -> DocumentKey:
        return (self.issuing_state, self.document_type, self.number)

    def values(self) -> tuple[Any, ...]:
        """The entry's values in the order of ``COLUMNS``."""
        return _values(self)


_values = attrgetter(*COLUMNS)


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    created: int
    updated: int  # reinstated ones included
    unchanged: int
    change_seq: int | None  # None when the batch changed nothing
    reinstated: int = 0  # cancelled documents written again, so active again


def write_batch(conn: Connection, scope: Scope, entries: Sequence[DocumentEntry | Sequence[Any]]) -> BatchOutcome:
    """Create or update the scope's agency's documents in the caller's transaction.

    ``entries`` are entries, or their values in the order of ``COLUMNS`` (dates as
    ``date`` or ISO text). Rows are matched on (issuing state, type, number) within the
    agency; the last of two entries with the same key wins. An entry equal to the stored
    active row changes nothing; a cancelled row written again is reinstated (a renewed
    report is the source of truth).

    The batch goes to the database as one JSON text and is written by one ``INSERT ...
    SELECT ... ON CONFLICT DO UPDATE``: one probe of the key index per row, and the whole
    batch in one call the driver makes without holding Python's interpreter lock.
    """
    scope.require(Permission.WRITE_RECORDS)
    unique = {tuple(row[:3]): row for row in (e.values() if isinstance(e, DocumentEntry) else e for e in entries)}
    if not unique:
        return BatchOutcome(0, 0, 0, None)
    stamp = now()
    seq = _open_change(conn, stamp)
    ordered = sorted(unique.values(), key=_number_of)  # neighbours in the key index: fewer pages touched
    batch = json.dumps(ordered, default=date.isoformat, separators=(",", ":"))
    conn.execute(_upsert(conn.dialect.name), {"batch": batch, "owner": scope.agency, "stamp": stamp, "seq": seq})
    # A reinstated row was stamped -seq, to be counted; restamped here, in this transaction.
    reinstated = conn.execute(update(documents).where(documents.c.change_seq == -seq).values(change_seq=seq)).rowcount
    written, created = conn.execute(
        select(func.count(), func.coalesce(func.sum(case((documents.c.version == 1, 1), else_=0)), 0)).where(documents.c.change_seq == seq)
    ).one()
    written, created = int(written), int(created)
    updated = written - created
    if written == 0:
        conn.execute(delete(change_log).where(change_log.c.seq == seq))
        return BatchOutcome(0, 0, len(unique), None)
    conn.execute(update(change_log).where(change_log.c.seq == seq).values(version=written))
    again = f" ({reinstated} reinstated)" if reinstated else ""
    audit.append(
        conn,
        scope,
        "document.import",
        [],
        detail=f"change {seq}: {created} created, {updated} updated{again}, {len(unique) - written} unchanged",
    )
    return BatchOutcome(created, updated, len(unique) - written, seq, reinstated)


_number_of = itemgetter(2)
_DATES = frozenset({"issued_on", "expires_on", "reported_on"})


@cache
def _upsert(dialect: str) -> TextClause:
    """The statement that writes a batch given as a JSON array of arrays (values in ``COLUMNS`` order)."""
    if dialect == "postgresql":
        source = "jsonb_array_elements(CAST(:batch AS jsonb)) AS e"  # jsonb: each row parsed once, not per field
        values = [f"(e->>{i})::date" if name in _DATES else f"e->>{i}" for i, name in enumerate(COLUMNS)]
    else:
        source = "json_each(:batch) WHERE true"  # WHERE: so that ON CONFLICT is not read as a join's ON
        values = [f"json_extract(value, '$[{i}]')" for i in range(len(COLUMNS))]
    changed = " OR ".join(f"documents.{name} IS DISTINCT FROM excluded.{name}" for name in DATA_COLUMNS)
    if dialect != "postgresql":
        changed = changed.replace("IS DISTINCT FROM", "IS NOT")
    statement = f"""
        INSERT INTO documents ({", ".join(COLUMNS)}, owner, status, version, created_at, updated_at, change_seq)
        SELECT {", ".join(values)}, :owner, 'active', 1, :stamp, :stamp, :seq FROM {source}
        ON CONFLICT (number, issuing_state, document_type, owner) DO UPDATE SET
            {", ".join(f"{name} = excluded.{name}" for name in DATA_COLUMNS)},
            status = 'active',
            version = documents.version + 1,
            updated_at = excluded.updated_at,
            change_seq = CASE WHEN documents.status <> 'active' THEN -excluded.change_seq ELSE excluded.change_seq END
        WHERE documents.status <> 'active' OR {changed}
    """  # noqa: S608 - every name is ours
    return text(statement).bindparams(bindparam("stamp", type_=DateTime(timezone=True)), bindparam("seq", type_=BigInteger()))


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    """What ``cancel_batch`` did with each document it was given."""

    cancelled: dict[DocumentKey, str]  # key -> ref of the row cancelled
    already_cancelled: frozenset[DocumentKey]
    not_found: frozenset[DocumentKey]  # the agency reported no such document
    change_seq: int | None  # None when the batch changed nothing


def cancel_batch(conn: Connection, scope: Scope, keys: Sequence[DocumentKey], *, reason: str) -> CancelOutcome:
    """Cancel the scope's agency's documents with these keys, in the caller's transaction.

    Only the agency's own documents are looked for: another agency's is "not found". A
    document already cancelled is left as it is; a batch that cancels nothing writes nothing.
    """
    scope.require(Permission.WRITE_RECORDS)
    reason = cancellation_reason(reason)
    unique = list(dict.fromkeys(keys))
    if not unique:
        return CancelOutcome({}, frozenset(), frozenset(), None)
    stamp = now()
    seq = _open_change(conn, stamp)
    _stage(conn, KEY_COLUMNS, unique)
    same_key = _same_key(scope.agency)
    conn.execute(
        update(documents)
        .where(same_key, documents.c.status == RecordStatus.ACTIVE.value)
        .values(status=RecordStatus.CANCELLED.value, version=documents.c.version + 1, updated_at=stamp, change_seq=seq)
    )
    key_columns = [documents.c[name] for name in KEY_COLUMNS]
    cancelled: dict[DocumentKey, str] = {
        (r.issuing_state, r.document_type, r.number): document_ref(int(r.id))
        for r in conn.execute(select(documents.c.id, *key_columns).where(documents.c.change_seq == seq))
    }
    missing = conn.execute(select(*(staging.c[name] for name in KEY_COLUMNS)).where(~select(documents.c.id).where(same_key).exists()))
    not_found = frozenset((r.issuing_state, r.document_type, r.number) for r in missing)
    conn.execute(delete(staging))
    already = frozenset(unique) - set(cancelled) - not_found
    if not cancelled:
        conn.execute(delete(change_log).where(change_log.c.seq == seq))
        return CancelOutcome({}, already, not_found, None)
    conn.execute(update(change_log).where(change_log.c.seq == seq).values(version=len(cancelled)))
    audit.append(
        conn,
        scope,
        "document.cancel",
        sorted(cancelled.values()),
        detail=f"change {seq}: {len(cancelled)} cancelled, {len(already)} already cancelled, {len(not_found)} not found: {reason}",
    )
    return CancelOutcome(cancelled, already, not_found, seq)


def cancellation_reason(reason: str) -> str:
    """The reason given for a cancellation, stripped; ValidationFailed if blank or too long."""
    text = reason.strip()
    if not text or len(text) > MAX_REASON:
        raise ValidationFailed.one("reason", f"give why the documents are withdrawn, in 1 to {MAX_REASON} characters")
    return text


def _open_change(conn: Connection, stamp: datetime) -> int:
    """A change-log row for a batch (its count set once known); its sequence stamps the rows written."""
    row = insert(change_log).values(at=stamp, record_id=CHANGE_LOG_NAME, kind=RecordKind.TRAVEL_DOCUMENT.value, op=BATCH_OP, version=0)
    return int(conn.execute(row).inserted_primary_key[0])


def _same_key(owner: str) -> Any:
    """A row of ``documents`` of ``owner`` with the key of the staged row."""
    return and_(*(documents.c[name] == staging.c[name] for name in KEY_COLUMNS), documents.c.owner == owner)


def _stage(conn: Connection, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Put ``rows`` (values of ``columns``) in the connection's staging table, emptied first."""
    conn.execute(CreateTable(staging, if_not_exists=True))
    conn.execute(delete(staging))
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY document_staging ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    values = [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows]
    conn.exec_driver_sql(f"INSERT INTO document_staging ({names}) VALUES ({marks})", values)  # noqa: S608 - names are ours


# -- what screening indexes read -------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexRow:
    """What an index needs of a document: its ref, number, range end and whether it is active."""

    ref: str
    number: str
    range_end: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    kind: str
    op: str
    record_id: str


def last_change(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(change_log.c.seq), 0))).scalar_one())


def changes_after(conn: Connection, seq: int) -> list[Change]:
    """Change-log rows of travel documents after ``seq``, in order."""
    rows = conn.execute(
        select(change_log.c.seq, change_log.c.kind, change_log.c.op, change_log.c.record_id)
        .where(change_log.c.seq > seq, change_log.c.kind == RecordKind.TRAVEL_DOCUMENT.value)
        .order_by(change_log.c.seq)
    )
    return [Change(int(r.seq), r.kind, r.op, r.record_id) for r in rows]


def document_ref(row_id: int) -> str:
    return f"{REF_PREFIX}{row_id}"


def table_rows(
    conn: Connection, *, after_id: int = 0, limit: int = 100_000, change_seq: int | None = None
) -> list[tuple[int, str, str | None, bool]]:
    """(id, number, range_end, active) of this table's rows in id order: all, or those one batch wrote."""
    query = select(documents.c.id, documents.c.number, documents.c.range_end, documents.c.status).where(documents.c.id > after_id)
    if change_seq is not None:
        query = query.where(documents.c.change_seq == change_seq)
    rows = conn.execute(query.order_by(documents.c.id).limit(limit))
    return [(int(r.id), r.number, r.range_end, r.status == RecordStatus.ACTIVE.value) for r in rows]


def record_rows(conn: Connection, record_ids: Sequence[str] | None = None) -> Iterator[IndexRow]:
    """Travel documents held in ``records`` (created through the records API): all, or these."""
    query = select(records.c.id, records.c.status, records.c.body).where(records.c.kind == RecordKind.TRAVEL_DOCUMENT.value)
    if record_ids is not None:
        query = query.where(records.c.id.in_(list(record_ids)))
    for row in conn.execute(query):
        yield IndexRow(str(row.id), json.loads(row.body)["number"], None, row.status == RecordStatus.ACTIVE.value)


# -- what a check reads ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentDetail:
    """What an agency that may see a document is told on a hit."""

    document_status: str
    reported_on: date | None
    issued_on: date | None
    expires_on: date | None
    holder_name: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Candidate:
    """A document a check found, as the caller may see it.

    ``detail`` is None when the caller's agency may not see the document and its owner lets
    a hit say only "contact agency <owner>"; documents whose owner chose to disclose nothing
    are never returned.
    """

    ref: str
    owner: str
    issuing_state: str
    document_type: str
    number: str
    range_end: str | None
    detail: DocumentDetail | None

    @property
    def visible(self) -> bool:
        return self.detail is not None


def candidates(conn: Connection, scope: Scope, refs: Sequence[str]) -> list[Candidate]:
    """The active documents among ``refs`` (of this table or of ``records``), filtered by what ``scope`` may see."""
    scope.require(Permission.RUN_CHECKS)
    table_ids = [int(ref.removeprefix(REF_PREFIX)) for ref in refs if ref.startswith(REF_PREFIX)]
    record_ids = [ref for ref in refs if not ref.startswith(REF_PREFIX)]
    found: list[Candidate] = []
    if table_ids:
        rows = conn.execute(select(documents).where(documents.c.id.in_(table_ids), documents.c.status == RecordStatus.ACTIVE.value))
        for row in rows:
            listed = tuple(row.restriction_agencies.split()) if row.restriction_agencies else ()
            detail = DocumentDetail(
                row.document_status, row.reported_on, row.issued_on, row.expires_on, row.holder_name, as_utc(row.updated_at)
            )
            found += _seen(scope, document_ref(int(row.id)), row, listed, detail, row.range_end)
    if record_ids:
        found += _record_candidates(conn, scope, record_ids)
    return found


def _record_candidates(conn: Connection, scope: Scope, record_ids: Sequence[str]) -> list[Candidate]:
    rows = conn.execute(
        select(records).where(
            records.c.id.in_(list(record_ids)),
            records.c.kind == RecordKind.TRAVEL_DOCUMENT.value,
            records.c.status == RecordStatus.ACTIVE.value,
        )
    ).all()
    listed: dict[str, list[str]] = {str(r.id): [] for r in rows}
    for record_id, agency in conn.execute(
        select(record_agencies.c.record_id, record_agencies.c.agency).where(record_agencies.c.record_id.in_(list(listed)))
    ):
        listed[record_id].append(agency)
    found: list[Candidate] = []
    for row in rows:
        body = json.loads(row.body)
        detail = DocumentDetail(
            body["document_status"],
            _day(body.get("reported_on")),
            _day(body.get("issued_on")),
            _day(body.get("expires_on")),
            body.get("holder_name"),
            as_utc(row.updated_at),
        )
        fields = _Fields(row.owner, body["issuing_state"], body["document_type"], body["number"], row.restriction_mode, row.hit_disclosure)
        found += _seen(scope, str(row.id), fields, tuple(listed[str(row.id)]), detail, None)
    return found


@dataclass(frozen=True, slots=True)
class _Fields:
    owner: str
    issuing_state: str
    document_type: str
    number: str
    restriction_mode: str
    hit_disclosure: str


def _seen(scope: Scope, ref: str, row: Any, listed: tuple[str, ...], detail: DocumentDetail, range_end: str | None) -> list[Candidate]:
    """The candidate as ``scope`` may see it: whole, as "contact the owner", or not at all."""
    restriction = Restriction.model_construct(mode=RestrictionMode(row.restriction_mode), agencies=listed)
    if not agency_may_see(row.owner, restriction, scope.agency):
        if row.hit_disclosure != HitDisclosure.CONTACT_OWNER.value:
            return []
        return [Candidate(ref, row.owner, row.issuing_state, row.document_type, row.number, range_end, None)]
    return [Candidate(ref, row.owner, row.issuing_state, row.document_type, row.number, range_end, detail)]


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def lookup(conn: Connection, issuing_state: str, document_type: str, number: str) -> list[int]:
    """Ids of active rows with exactly this state, type and number: a plain indexed SELECT (the benchmarks' floor)."""
    rows = conn.execute(
        select(documents.c.id).where(
            documents.c.number == number,
            documents.c.issuing_state == issuing_state,
            documents.c.document_type == document_type,
            documents.c.status == RecordStatus.ACTIVE.value,
        )
    )
    return [int(r.id) for r in rows]
