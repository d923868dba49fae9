"""Importing stolen and lost travel documents in bulk, from CSV or JSON lines.

CSV: UTF-8, a header line naming the columns, any order, case ignored::

    issuing_state,document_type,number,document_status,range_end,issued_on,expires_on,reported_on,holder_name,restriction_mode,restriction_agencies,hit_disclosure
    UZB,passport,FA1234567,stolen,,2019-04-02,2029-04-01,2026-01-15,,all,,
    KAZ,passport,N1000000,stolen_blank,N1000999,,,2026-02-01,,only,UZ-NCB KZ-NCB,contact_owner

JSON lines: one object per line with the same keys; the restriction may also be given as
the records' ``"restriction": {"mode", "agencies", "hit_disclosure"}``.

``issuing_state``, ``number`` and ``document_status`` are required; ``document_type``
defaults to ``passport``; the restriction to the owner alone (``owner``, disclose nothing),
as for every record. ``range_end`` makes the row a serial range (stolen blanks). A document
is identified by (issuing state, type, number) within the importing agency: importing it
again updates it, or changes nothing when it is the same.

Lines are read in constant memory and written in batches (``store.documents.write_batch``),
each batch in its own transaction: a crash leaves whole batches, and running the import
again finishes the job. Reading and checking the lines runs in a thread of its own, a batch
ahead of the writing (``io.prefetch``), and most lines take the fast path of
``io.document_fields.values_of``. A bad line (not UTF-8, longer than ``MAX_LINE_BYTES``, a field at
fault) is rejected with its number, field and reason while the others go in; ``strict``
writes everything in one transaction and nothing at all if any line is bad. A document the
agency had cancelled is reinstated by importing it again (``DocumentImportSummary.reinstated``).

A cancel file (``cancel_documents``) is CSV naming ``issuing_state`` (or ``state``),
``document_type`` (or ``type``) and ``number``; its documents are cancelled in batches
(``store.documents.cancel_batch``), each its own transaction, and running it again changes nothing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO

from kalkan.access.scope import Scope
from kalkan.errors import Fault, Forbidden, ValidationFailed
from kalkan.io.document_fields import KEY_REQUIRED, REQUIRED, CsvValues, Fields, Values, entry_of, key_of, values_of
from kalkan.io.lines import Line, ProgressCallback, read_blocks, read_lines
from kalkan.io.prefetch import prefetched
from kalkan.io.summary import MAX_KEPT_REJECTIONS, ImportSummary, Rejection, RejectionCallback
from kalkan.store.agencies import get_agency
from kalkan.store.database import Database
from kalkan.store.documents import (
    COLUMNS,
    KEY_COLUMNS,
    CancelOutcome,
    DocumentKey,
    cancel_batch,
    cancellation_reason,
    write_batch,
)

__all__ = ["FileFormat", "entry_of", "import_documents", "key_of"]

DEFAULT_BATCH_SIZE = 50_000
#: No honest line of a document file comes near this.
MAX_LINE_BYTES = 4096


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


# -- reading files -----------------------------------------------------------------


class CsvReader:
    """The values of each line of a CSV file whose first line, the header, names its columns.

    The header names ``columns`` (or their ``aliases``), in any order, ``required`` among them.
    Each line is one row (a quoted value may not hold a line break).
    """

    def __init__(self, columns: Sequence[str] = COLUMNS, required: Sequence[str] = REQUIRED, aliases: Mapping[str, str] | None = None):
        self.columns, self.required, self.aliases = columns, required, aliases or {}
        self.header: list[str] | None = None

    def split(self, number: int, text: str) -> list[str] | Fault | None:
        """The line's values in the order of the header, or the fault of the whole line; None for the header."""
        header = self.header
        if header is None:
            self._read_header(number, text)
            return None
        if '"' in text or "\r" in text:
            try:
                values = next(csv.reader([text], strict=True))
            except csv.Error as error:
                return Fault("", f"not CSV: {error}")
        else:
            values = text.split(",")
        if len(values) != len(header):
            return Fault("", f"has {len(values)} fields, the header {len(header)}")
        return values

    def row(self, number: int, text: str) -> Fields | Fault | None:
        """The line's fields by column, or the fault of the whole line; None for the header."""
        values = self.split(number, text)
        if values is None or values.__class__ is Fault:
            return values  # type: ignore[return-value]
        return dict(zip(self.header, values, strict=True))  # type: ignore[arg-type]

    def header_fault(self, line: Line) -> ValidationFailed:
        return ValidationFailed.one(f"line {line.number}", f"the header line is {line.fault}: save the file as UTF-8 CSV")

    def _read_header(self, number: int, text: str) -> None:
        named = [name.strip().lower() for name in next(csv.reader([text]))]
        header = [self.aliases.get(name, name) for name in named]
        unknown = [name for name, column in zip(named, header, strict=True) if column not in self.columns]
        missing = [name for name in self.required if name not in header]
        if unknown or missing:
            problems = ([f"unknown columns {', '.join(unknown)}"] if unknown else []) + (
                [f"missing columns {', '.join(missing)}"] if missing else []
            )
            raise ValidationFailed.one(f"line {number}", f"{'; '.join(problems)} (columns: {', '.join(self.columns)})")
        self.header = header


def json_row(number: int, text: str) -> Fields | Fault:
    """The fields of one JSON line, or the fault of the whole line."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        return Fault("", f"not JSON: {error}")
    if not isinstance(data, dict):
        return Fault("", "a document must be a JSON object")
    unknown = sorted(set(data) - _JSON_KEYS)
    if unknown:
        return Fault(unknown[0], "is not a field of a document")
    return data


_JSON_KEYS = frozenset(COLUMNS) | {"restriction"}


def csv_rows(
    lines: Iterable[Line],
    columns: Sequence[str] = COLUMNS,
    required: Sequence[str] = REQUIRED,
    aliases: Mapping[str, str] | None = None,
) -> Iterator[tuple[int, Fields | Fault]]:
    """(line number, fields or the fault of the whole line) for each data line of a CSV file."""
    reader = CsvReader(columns, required, aliases)
    for line in lines:
        if line.fault is not None:
            if reader.header is None:
                raise reader.header_fault(line)
            yield line.number, Fault("", line.fault)
            continue
        fields = reader.row(line.number, line.text)
        if fields is not None:
            yield line.number, fields


class _CsvDocuments:
    """A document CSV line -> its values, or its faults; None for the header."""

    def __init__(self) -> None:
        self.reader = CsvReader()
        self.fast: CsvValues | None = None

    def read(self, number: int, text: str) -> Values | list[Fault] | None:
        values = self.reader.split(number, text)
        if values is None:
            self.fast = CsvValues(self.reader.header or [])
            return None
        if values.__class__ is Fault:
            return [values]  # type: ignore[list-item]
        row = self.fast(values) if self.fast is not None else None  # type: ignore[arg-type]
        if row is not None:
            return row
        return _checked(dict(zip(self.reader.header or [], values, strict=True)))  # type: ignore[arg-type]


def _json_documents(number: int, text: str) -> Values | list[Fault]:
    fields = json_row(number, text)
    if fields.__class__ is Fault:
        return [fields]  # type: ignore[list-item]
    return values_of(fields) or _checked(fields)  # type: ignore[arg-type]


def _checked(fields: Fields) -> Values | list[Fault]:
    try:
        return entry_of(fields).values()
    except ValidationFailed as error:
        return error.faults


# -- importing ---------------------------------------------------------------------


@dataclass(slots=True)
class DocumentImportSummary(ImportSummary):
    """An import's counts; ``reinstated``: cancelled documents imported again (counted in ``updated``)."""

    reinstated: int = 0


@dataclass(slots=True)
class _Part:
    """What the reading thread hands over: a batch of rows, the lines it rejected, and how far it read."""

    rows: list[Values] = field(default_factory=list)
    rejected: list[tuple[int, list[Fault]]] = field(default_factory=list)
    lines: int = 0
    done: int = 0


def _parts(stream: BinaryIO, file_format: FileFormat, batch_size: int) -> Iterator[_Part]:
    """The file's documents checked and normalised, in parts of ``batch_size`` rows."""
    csv_documents = _CsvDocuments() if file_format is FileFormat.CSV else None
    read: Callable[[int, str], Values | list[Fault] | None] = csv_documents.read if csv_documents is not None else _json_documents
    part = _Part()
    for block in read_blocks(stream, max_bytes=MAX_LINE_BYTES):
        first, faults, rows = block.first, block.faults, part.rows
        for i, text in enumerate(block.texts):
            if faults and i in faults:
                if csv_documents is not None and csv_documents.reader.header is None:
                    raise csv_documents.reader.header_fault(Line(first + i, fault=faults[i]))
                part.lines += 1
                part.rejected.append((first + i, [Fault("", faults[i])]))
                continue
            if not text or text.isspace():
                continue
            outcome = read(first + i, text)
            if outcome is None:
                continue
            part.lines += 1
            if outcome.__class__ is list:
                part.rejected.append((first + i, outcome))  # type: ignore[arg-type]
                continue
            rows.append(outcome)  # type: ignore[arg-type]
            if len(rows) >= batch_size:
                part.done = block.done
                yield part
                part = _Part()
                rows = part.rows
        part.done = block.done
    if part.rows or part.rejected or part.lines or part.done:
        yield part


class _StrictAbort(Exception):
    """Rolls back a strict import's transaction."""


def _scope_of(db: Database, agency: str, username: str, doing: str) -> Scope:
    """The importing agency's scope; refused if the agency is suspended."""
    with db.transaction() as conn:
        if not get_agency(conn, agency).active:
            raise Forbidden(f"agency {agency} is suspended: documents cannot be {doing} it")
    return Scope.system(agency, username=username)


def import_documents(
    db: Database,
    agency: str,
    stream: BinaryIO,
    file_format: FileFormat,
    *,
    strict: bool = False,
    username: str = "import",
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    on_reject: RejectionCallback | None = None,
) -> DocumentImportSummary:
    """Import a document file (opened in binary) into ``agency``; see the module's description.

    ``progress`` receives the bytes read so far; ``on_reject`` each rejection as it is
    found. Both are called on the calling thread.
    """
    if batch_size < 1:
        raise ValidationFailed.one("batch_size", "must be at least 1")
    scope = _scope_of(db, agency, username, "imported into")
    summary = DocumentImportSummary()
    reject = _rejecter(summary, on_reject)

    def take(part: _Part) -> list[Values]:
        summary.lines += part.lines
        for number, faults in part.rejected:
            reject(number, faults)
        if progress is not None:
            progress(part.done)
        return part.rows

    def count(rows: list[Values], conn: Any) -> None:
        if not rows:
            return
        outcome = write_batch(conn, scope, rows)
        summary.created += outcome.created
        summary.updated += outcome.updated
        summary.reinstated += outcome.reinstated
        summary.unchanged += outcome.unchanged

    with prefetched(_parts(stream, file_format, batch_size)) as parts:
        if strict:
            try:
                with db.transaction() as conn:
                    for part in parts:
                        rows = take(part)
                        if not summary.rejected_lines:  # once a line is bad nothing will be written: only validate the rest
                            count(rows, conn)
                    if summary.rejected_lines:
                        raise _StrictAbort
            except _StrictAbort:
                summary.created = summary.updated = summary.unchanged = summary.reinstated = 0
                summary.rolled_back = True
            return summary
        with db.engine.connect() as conn:
            for part in parts:
                rows = take(part)
                with conn.begin():
                    count(rows, conn)
    return summary


def _rejecter(summary: ImportSummary | CancelSummary, on_reject: RejectionCallback | None) -> Callable[[int, list[Fault]], None]:
    def reject(number: int, faults: list[Fault]) -> None:
        summary.rejected_lines += 1
        for fault in faults:
            rejection = Rejection(number, fault.field, fault.fault)
            summary.reject(rejection)
            if on_reject is not None:
                on_reject(rejection)

    return reject


# -- cancelling ----------------------------------------------------------------------

#: Documents cancelled per transaction, and per audit entry (which names each of them).
CANCEL_BATCH_SIZE = 1000
#: What the columns of a cancel file may also be called.
CANCEL_ALIASES = {"state": "issuing_state", "type": "document_type"}


@dataclass(slots=True)
class CancelSummary:
    """What a cancel file did. ``not_found``: (line, key) of documents the agency has not reported (the first ones)."""

    lines: int = 0
    cancelled: int = 0
    already_cancelled: int = 0
    not_found: list[tuple[int, DocumentKey]] = field(default_factory=list)
    not_found_count: int = 0
    rejected_lines: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    rejections_not_kept: int = 0

    @property
    def complete(self) -> bool:
        """Whether every line named a document of the agency, now cancelled."""
        return self.rejected_lines == 0 and self.not_found_count == 0

    def reject(self, rejection: Rejection) -> None:
        if len(self.rejected) < MAX_KEPT_REJECTIONS:
            self.rejected.append(rejection)
        else:
            self.rejections_not_kept += 1

    def add(self, outcome: CancelOutcome, lines: Mapping[DocumentKey, int]) -> None:
        self.cancelled += len(outcome.cancelled)
        self.already_cancelled += len(outcome.already_cancelled)
        self.not_found_count += len(outcome.not_found)
        room = MAX_KEPT_REJECTIONS - len(self.not_found)
        self.not_found += sorted((lines[key], key) for key in outcome.not_found)[: max(room, 0)]


def cancel_keys(db: Database, agency: str, keys: Sequence[DocumentKey], *, reason: str, username: str = "import") -> CancelOutcome:
    """Cancel these documents of ``agency`` (at most a batch of them) in one transaction."""
    scope = _scope_of(db, agency, username, "cancelled in")
    with db.transaction() as conn:
        return cancel_batch(conn, scope, keys, reason=reason)


def cancel_documents(
    db: Database,
    agency: str,
    stream: BinaryIO,
    *,
    reason: str,
    username: str = "import",
    batch_size: int = CANCEL_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    on_reject: RejectionCallback | None = None,
) -> CancelSummary:
    """Cancel the documents a CSV file names (``issuing_state`` or ``state``, ``document_type``
    or ``type``, ``number``) in ``agency``: bad lines are rejected, the others cancelled in
    batches, each its own transaction; running it again changes nothing."""
    if batch_size < 1:
        raise ValidationFailed.one("batch_size", "must be at least 1")
    reason = cancellation_reason(reason)
    scope = _scope_of(db, agency, username, "cancelled in")
    lines = read_lines(stream, max_bytes=MAX_LINE_BYTES, progress=progress)
    summary = CancelSummary()
    reject = _rejecter(summary, on_reject)

    def batches() -> Iterator[dict[DocumentKey, int]]:
        batch: dict[DocumentKey, int] = {}
        for number, fields in csv_rows(lines, KEY_COLUMNS, KEY_REQUIRED, CANCEL_ALIASES):
            summary.lines += 1
            if isinstance(fields, Fault):
                reject(number, [fields])
                continue
            try:
                batch.setdefault(key_of(fields), number)
            except ValidationFailed as error:
                reject(number, error.faults)
                continue
            if len(batch) >= batch_size:
                yield batch
                batch = {}
        if batch:
            yield batch

    with db.engine.connect() as conn:  # one connection: its temporary staging table serves every batch
        for batch in batches():
            with conn.begin():
                summary.add(cancel_batch(conn, scope, list(batch), reason=reason), batch)
    return summary
