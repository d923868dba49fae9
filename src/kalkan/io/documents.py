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
again finishes the job. A bad line (not UTF-8, longer than ``MAX_LINE_BYTES``, a field at
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
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, BinaryIO

from pydantic import ValidationError

from kalkan.access.scope import Scope
from kalkan.errors import Fault, Forbidden, ValidationFailed
from kalkan.io.lines import Line, ProgressCallback, read_lines
from kalkan.io.summary import MAX_KEPT_REJECTIONS, ImportSummary, Rejection, RejectionCallback
from kalkan.model.countries import normalise_issuing_state
from kalkan.model.document_ranges import serial_range
from kalkan.model.documents import DocumentStatus, DocumentType, normalise_document_number
from kalkan.model.restriction import HitDisclosure, Restriction, RestrictionMode
from kalkan.model.validation import faults_of
from kalkan.store.agencies import get_agency
from kalkan.store.database import Database
from kalkan.store.documents import (
    COLUMNS,
    KEY_COLUMNS,
    CancelOutcome,
    DocumentEntry,
    DocumentKey,
    cancel_batch,
    cancellation_reason,
    write_batch,
)

DEFAULT_BATCH_SIZE = 20_000
#: No honest line of a document file comes near this.
MAX_LINE_BYTES = 4096

KEY_REQUIRED = ("issuing_state", "number")
REQUIRED = (*KEY_REQUIRED, "document_status")

_CLEAN_NUMBER = re.compile(r"[A-Z0-9]{1,30}")
_STATES: dict[str, str] = {}
_TYPES = frozenset(DocumentType)
_STATUSES = frozenset(DocumentStatus)
_DISCLOSURES = frozenset(HitDisclosure)
_UNLISTED_MODES = frozenset({RestrictionMode.ALL.value, RestrictionMode.OWNER.value})


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


Fields = dict[str, Any]


def _take(fields: Fields, faults: list[Fault], name: str, check: Callable[[str], Any]) -> Any:
    """``fields[name]`` checked, or None (blank, or at fault: the fault added to ``faults``)."""
    value = fields.get(name)
    if value is None or value == "":
        if name in REQUIRED:
            faults.append(Fault(name, "is required"))
        return None
    if not isinstance(value, str):
        faults.append(Fault(name, f"must be text, not {type(value).__name__}"))
        return None
    try:
        return check(value)
    except ValueError as error:
        faults.append(Fault(name, str(error)))
        return None


def _key(fields: Fields, faults: list[Fault]) -> DocumentKey:
    state = _take(fields, faults, "issuing_state", _state)
    number = _take(fields, faults, "number", _number)
    kind = _take(fields, faults, "document_type", _type) or DocumentType.PASSPORT.value
    return (state, kind, number)


def key_of(fields: Fields) -> DocumentKey:
    """A document's issuing state, type (default passport) and number, normalised as an import does."""
    faults: list[Fault] = []
    key = _key(fields, faults)
    if faults:
        raise ValidationFailed(faults)
    return key


def entry_of(fields: Fields) -> DocumentEntry:
    """A row's fields (strings or None; blank is None) -> a normalised entry; ValidationFailed names every field at fault."""
    faults: list[Fault] = []
    state, kind, number = _key(fields, faults)
    status = _take(fields, faults, "document_status", _status)
    range_end = _take(fields, faults, "range_end", normalise_document_number)
    issued_on, expires_on, reported_on = (_take(fields, faults, name, _date) for name in ("issued_on", "expires_on", "reported_on"))
    holder_name = _take(fields, faults, "holder_name", _holder_name)
    if number and range_end:
        try:
            serial_range(number, range_end)
        except ValueError as error:
            faults.append(Fault("range_end", str(error)))
    if issued_on and expires_on and expires_on < issued_on:
        faults.append(Fault("expires_on", f"is before issued_on ({issued_on.isoformat()})"))
    mode, agencies, disclosure = _restriction(fields, faults)
    if faults:
        raise ValidationFailed(faults)
    return DocumentEntry(
        issuing_state=state,
        document_type=kind,
        number=number,
        document_status=status,
        range_end=range_end,
        issued_on=issued_on,
        expires_on=expires_on,
        reported_on=reported_on,
        holder_name=holder_name,
        restriction_mode=mode,
        restriction_agencies=agencies,
        hit_disclosure=disclosure,
    )


def _state(value: str) -> str:
    code = _STATES.get(value)
    if code is None:
        code = normalise_issuing_state(value)
        if len(_STATES) < 10_000:
            _STATES[value] = code
    return code


def _number(value: str) -> str:
    return value if _CLEAN_NUMBER.fullmatch(value) else normalise_document_number(value)


def _type(value: str) -> str:
    return _choice(value, _TYPES, "type")


def _status(value: str) -> str:
    return _choice(value, _STATUSES, "status")


def _choice(value: str, allowed: frozenset[str], what: str) -> str:
    text = value.strip().lower()
    if text not in allowed:
        raise ValueError(f"unknown {what} {value!r} (one of {', '.join(sorted(allowed))})")
    return text


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _holder_name(value: str) -> str | None:
    text = value.strip()
    if len(text) > 300:
        raise ValueError(f"has {len(text)} characters, at most 300 allowed")
    return text or None


def _restriction(fields: Fields, faults: list[Fault]) -> tuple[str, str | None, str]:
    nested = fields.get("restriction")
    if isinstance(nested, dict):
        fields = {f"restriction_{k}" if k in ("mode", "agencies") else k: v for k, v in nested.items()}
        if isinstance(fields.get("restriction_agencies"), list):
            fields["restriction_agencies"] = " ".join(str(a) for a in fields["restriction_agencies"])
    elif nested is not None:
        faults.append(Fault("restriction", "must be an object with mode, agencies and hit_disclosure"))
    mode = (fields.get("restriction_mode") or RestrictionMode.OWNER.value).strip().lower()
    agencies = (fields.get("restriction_agencies") or "").replace(",", " ").replace(";", " ").split()
    disclosure = (fields.get("hit_disclosure") or HitDisclosure.NOTHING.value).strip().lower()
    if mode in _UNLISTED_MODES and not agencies and disclosure in _DISCLOSURES:
        return mode, None, disclosure
    try:
        restriction = Restriction.model_validate({"mode": mode, "agencies": agencies, "hit_disclosure": disclosure})
    except ValidationError as error:
        for fault in faults_of(error):
            name = {"mode": "restriction_mode", "agencies": "restriction_agencies"}.get(fault.field.split(".")[0], fault.field)
            faults.append(Fault(name or "restriction_mode", fault.fault))
        return mode, None, disclosure
    return restriction.mode.value, " ".join(restriction.agencies) or None, restriction.hit_disclosure.value


# -- reading files -----------------------------------------------------------------


def csv_rows(
    lines: Iterable[Line],
    columns: Sequence[str] = COLUMNS,
    required: Sequence[str] = REQUIRED,
    aliases: Mapping[str, str] | None = None,
) -> Iterator[tuple[int, Fields | Fault]]:
    """(line number, fields or the fault of the whole line) for each data line of a CSV file.

    The header names ``columns`` (or their ``aliases``), in any order, ``required`` among them.
    """
    iterator = iter(lines)
    header: list[str] | None = None
    for line in iterator:
        if line.fault is not None:
            raise ValidationFailed.one(f"line {line.number}", f"the header line is {line.fault}: save the file as UTF-8 CSV")
        named = [name.strip().lower() for name in next(csv.reader([line.text]))]
        header = [(aliases or {}).get(name, name) for name in named]
        unknown = [name for name, column in zip(named, header, strict=True) if column not in columns]
        missing = [name for name in required if name not in header]
        if unknown or missing:
            problems = ([f"unknown columns {', '.join(unknown)}"] if unknown else []) + (
                [f"missing columns {', '.join(missing)}"] if missing else []
            )
            raise ValidationFailed.one(f"line {line.number}", f"{'; '.join(problems)} (columns: {', '.join(columns)})")
        break
    if header is None:
        return
    width = len(header)
    for line in iterator:
        if line.fault is not None:
            yield line.number, Fault("", line.fault)
            continue
        try:
            values = next(csv.reader([line.text], strict=True))
        except csv.Error as error:
            yield line.number, Fault("", f"not CSV: {error}")
            continue
        if len(values) != width:
            yield line.number, Fault("", f"has {len(values)} fields, the header {width}")
            continue
        yield line.number, dict(zip(header, values, strict=True))


def jsonl_rows(lines: Iterable[Line]) -> Iterator[tuple[int, Fields | Fault]]:
    for line in lines:
        if line.fault is not None:
            yield line.number, Fault("", line.fault)
            continue
        try:
            data = json.loads(line.text)
        except (ValueError, RecursionError) as error:
            yield line.number, Fault("", f"not JSON: {error}")
            continue
        if not isinstance(data, dict):
            yield line.number, Fault("", "a document must be a JSON object")
            continue
        unknown = sorted(set(data) - set(COLUMNS) - {"restriction"})
        if unknown:
            yield line.number, Fault(unknown[0], "is not a field of a document")
            continue
        yield line.number, data


# -- importing ---------------------------------------------------------------------


@dataclass(slots=True)
class DocumentImportSummary(ImportSummary):
    """An import's counts; ``reinstated``: cancelled documents imported again (counted in ``updated``)."""

    reinstated: int = 0


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
    """Import a document file (opened in binary) into ``agency``; see the module's description."""
    if batch_size < 1:
        raise ValidationFailed.one("batch_size", "must be at least 1")
    scope = _scope_of(db, agency, username, "imported into")
    lines = read_lines(stream, max_bytes=MAX_LINE_BYTES, progress=progress)
    rows = csv_rows(lines) if file_format is FileFormat.CSV else jsonl_rows(lines)
    summary = DocumentImportSummary()
    reject = _rejecter(summary, on_reject)

    def batches() -> Iterator[list[DocumentEntry]]:
        batch: list[DocumentEntry] = []
        for number, fields in rows:
            summary.lines += 1
            if isinstance(fields, Fault):
                reject(number, [fields])
                continue
            try:
                batch.append(entry_of(fields))
            except ValidationFailed as error:
                reject(number, error.faults)
                continue
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def count(entries: list[DocumentEntry], conn: Any) -> None:
        outcome = write_batch(conn, scope, entries)
        summary.created += outcome.created
        summary.updated += outcome.updated
        summary.reinstated += outcome.reinstated
        summary.unchanged += len(entries) - outcome.created - outcome.updated

    if strict:
        try:
            with db.transaction() as conn:
                for entries in batches():
                    if not summary.rejected_lines:  # once a line is bad nothing will be written: only validate the rest
                        count(entries, conn)
                if summary.rejected_lines:
                    raise _StrictAbort
        except _StrictAbort:
            summary.created = summary.updated = summary.unchanged = summary.reinstated = 0
            summary.rolled_back = True
        return summary
    with db.engine.connect() as conn:  # one connection: its temporary staging table serves every batch
        for entries in batches():
            with conn.begin():
                count(entries, conn)
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
