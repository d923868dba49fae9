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
writes everything in one transaction and nothing at all if any line is bad.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from enum import StrEnum
from typing import Any, BinaryIO

from pydantic import ValidationError

from kalkan.access.scope import Scope
from kalkan.errors import Fault, Forbidden, ValidationFailed
from kalkan.io.lines import Line, ProgressCallback, read_lines
from kalkan.io.summary import ImportSummary, Rejection, RejectionCallback
from kalkan.model.countries import normalise_issuing_state
from kalkan.model.document_ranges import serial_range
from kalkan.model.documents import DocumentStatus, DocumentType, normalise_document_number
from kalkan.model.restriction import HitDisclosure, Restriction, RestrictionMode
from kalkan.model.validation import faults_of
from kalkan.store.agencies import get_agency
from kalkan.store.database import Database
from kalkan.store.documents import DocumentEntry, write_batch

DEFAULT_BATCH_SIZE = 20_000
#: No honest line of a document file comes near this.
MAX_LINE_BYTES = 4096

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
REQUIRED = ("issuing_state", "number", "document_status")

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


def entry_of(fields: Fields) -> DocumentEntry:
    """A row's fields (strings or None; blank is None) -> a normalised entry; ValidationFailed names every field at fault."""
    faults: list[Fault] = []

    def take(name: str, check: Callable[[str], Any]) -> Any:
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

    state = take("issuing_state", _state)
    number = take("number", _number)
    kind = take("document_type", lambda v: _choice(v, _TYPES, "type")) or DocumentType.PASSPORT.value
    status = take("document_status", lambda v: _choice(v, _STATUSES, "status"))
    range_end = take("range_end", normalise_document_number)
    issued_on, expires_on, reported_on = (take(name, _date) for name in ("issued_on", "expires_on", "reported_on"))
    holder_name = take("holder_name", _holder_name)
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


def csv_rows(lines: Iterable[Line]) -> Iterator[tuple[int, Fields | Fault]]:
    """(line number, fields or the fault of the whole line) for each data line of a CSV file."""
    iterator = iter(lines)
    header: list[str] | None = None
    for line in iterator:
        if line.fault is not None:
            raise ValidationFailed.one(f"line {line.number}", f"the header line is {line.fault}: save the file as UTF-8 CSV")
        header = [name.strip().lower() for name in next(csv.reader([line.text]))]
        unknown = [name for name in header if name not in COLUMNS]
        missing = [name for name in REQUIRED if name not in header]
        if unknown or missing:
            problems = ([f"unknown columns {', '.join(unknown)}"] if unknown else []) + (
                [f"missing columns {', '.join(missing)}"] if missing else []
            )
            raise ValidationFailed.one(f"line {line.number}", f"{'; '.join(problems)} (columns: {', '.join(COLUMNS)})")
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


class _StrictAbort(Exception):
    """Rolls back a strict import's transaction."""


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
) -> ImportSummary:
    """Import a document file (opened in binary) into ``agency``; see the module's description."""
    if batch_size < 1:
        raise ValidationFailed.one("batch_size", "must be at least 1")
    with db.transaction() as conn:
        if not get_agency(conn, agency).active:
            raise Forbidden(f"agency {agency} is suspended: documents cannot be imported into it")
    scope = Scope.system(agency, username=username)
    lines = read_lines(stream, max_bytes=MAX_LINE_BYTES, progress=progress)
    rows = csv_rows(lines) if file_format is FileFormat.CSV else jsonl_rows(lines)
    summary = ImportSummary()

    def reject(number: int, faults: list[Fault]) -> None:
        summary.rejected_lines += 1
        for fault in faults:
            rejection = Rejection(number, fault.field, fault.fault)
            summary.reject(rejection)
            if on_reject is not None:
                on_reject(rejection)

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
            summary.created = summary.updated = summary.unchanged = 0
            summary.rolled_back = True
        return summary
    with db.engine.connect() as conn:  # one connection: its temporary staging table serves every batch
        for entries in batches():
            with conn.begin():
                count(entries, conn)
    return summary
