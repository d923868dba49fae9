"""Kalkan's own record format: JSON lines.

One JSON object per line, UTF-8, each exactly the body the API takes to create a record
(``kalkan.model.records.RecordInput``, told apart by ``"kind"``: ``person``,
``organisation``, ``travel_document``, ``link`` or ``event``), plus an optional ``"id"`` of
32 lower-case hexadecimal digits::

    {"kind":"person","external_refs":[{"scheme":"case","value":"UZ-2024-117"}],"names":["Jalolov Aziz"],"restriction":{"mode":"all"}}
    {"kind":"link","link_type":"member_of","source_id":"ref:case:UZ-2024-117","target_id":"ref:un:QDe.088","restriction":{"mode":"all"}}

Export writes each record the exporting agency may see: its fields, its ``id`` and the
store's metadata (``owner``, ``status``, ``version``, ``created_at``, ``updated_at``,
``review_overdue``) and its ``review_date``; fields without a value are left out. Records come
kind by kind (persons, organisations, travel documents, events, links) so that a record
comes after those it points to, and an export imports again as it is.

Import into an agency drops those metadata keys (the importing store sets them: a record
imported elsewhere is active) and keeps ``review_date``, so moving records between nodes
does not restart their review period and writes each line
idempotently (see ``writer``): a line whose ``external_refs`` name a record the agency
holds updates it; else a line whose ``id`` is one of the agency's records updates that;
else the line creates a record (with its ``id``, if given). A line with neither is
refused, since importing it twice would duplicate it. A line equal to what is stored
changes nothing, so importing the same file again writes nothing.

A pointer to another record (``source_id``, ``target_id``, ``holder_id``, the ids inside
an event's ``movement``, ``transaction`` and ``incident``) may be given as
``"ref:SCHEME:VALUE"``: the agency's own record with that external reference.

Blank lines are skipped. A line that is not UTF-8, longer than 1 MiB, not JSON, or not a
valid record is rejected with its number, the field at fault and the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, TextIO

from pydantic import ValidationError

from kalkan.errors import Fault, ValidationFailed
from kalkan.io.importer import DEFAULT_BATCH_SIZE, import_lines
from kalkan.io.lines import ProgressCallback, read_lines
from kalkan.io.summary import ImportSummary, RejectionCallback
from kalkan.model.records import ExternalRef, RecordKind, RecordModel, RecordStatus, StoredModel
from kalkan.model.validation import faults_of, parse_record
from kalkan.store.database import Database
from kalkan.store.records import DEFAULT_REVIEW_DAYS, RecordFilter, RecordStore

#: Keys an export adds to a record's fields, besides "id"; an import ignores them.
METADATA_KEYS = ("owner", "status", "version", "created_at", "updated_at", "review_overdue")

#: The order an export writes kinds in: each after the kinds its records point to.
EXPORT_ORDER = (RecordKind.PERSON, RecordKind.ORGANISATION, RecordKind.TRAVEL_DOCUMENT, RecordKind.EVENT, RecordKind.LINK)

REF_PREFIX = "ref:"

_RECORD_ID = re.compile(r"^[0-9a-f]{32}$")

#: Where a record points to other records: top-level keys, and keys inside event details.
_TOP_POINTERS = ("source_id", "target_id", "holder_id")
_EVENT_POINTERS = {
    "movement": ("person_id", "document_id"),
    "transaction": ("payer_id", "payee_id"),
    "incident": ("involved_ids",),
}


# -- export ------------------------------------------------------------------


def record_line(record: StoredModel) -> str:
    """One exported line (with its line break): id and kind first, then fields and metadata."""
    data = record.model_dump(mode="json", exclude_none=True)
    ordered = {"id": data.pop("id"), "kind": data.pop("kind"), **data}
    return json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n"


def exported_records(store: RecordStore, *, kind: RecordKind | None = None, include_inactive: bool = False) -> Iterator[StoredModel]:
    """Every record the store's scope may see, kind by kind, streamed (audited by the store)."""
    status = None if include_inactive else RecordStatus.ACTIVE
    for each in [kind] if kind else EXPORT_ORDER:
        yield from store.export(RecordFilter(kind=each, status=status))


def export_records(store: RecordStore, out: TextIO, *, kind: RecordKind | None = None, include_inactive: bool = False) -> int:
    """Write the records the store's scope may see to ``out`` as JSON lines; return how many.

    Cancelled and expired records are left out unless ``include_inactive``: an import
    makes every record active, and a cancelled stolen-passport record must not come back.
    """
    count = 0
    for record in exported_records(store, kind=kind, include_inactive=include_inactive):
        out.write(record_line(record))
        count += 1
    return count


# -- one line ----------------------------------------------------------------


def parse_line(text: str, store: RecordStore) -> tuple[RecordModel, str | None]:
    """A line -> the record and its id (if given); raise ValidationFailed naming each fault.

    ``ref:`` pointers are resolved to the store's agency's records before validation.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationFailed.one("", f"not JSON: {error.msg} (column {error.colno})") from None
    except (ValueError, RecursionError) as error:
        raise ValidationFailed.one("", f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValidationFailed.one("", f"a record must be a JSON object, not {_json_type(data)}")
    record_id = data.pop("id", None)
    faults: list[Fault] = []
    if record_id is not None and not (isinstance(record_id, str) and _RECORD_ID.match(record_id)):
        faults.append(Fault("id", "must be 32 lower-case hexadecimal digits"))
        record_id = None
    for key in METADATA_KEYS:
        data.pop(key, None)
    faults += _resolve_pointers(data, store)
    try:
        record = parse_record(data)
    except ValidationFailed as error:
        at_fault = {f.field for f in faults}
        raise ValidationFailed(faults + [f for f in error.faults if f.field not in at_fault]) from None
    if faults:
        raise ValidationFailed(faults)
    return record, record_id


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number"


def _resolve_pointers(data: dict[str, Any], store: RecordStore) -> list[Fault]:
    """Replace ``ref:SCHEME:VALUE`` pointers in place; return a fault for each that fails."""
    faults: list[Fault] = []

    def resolve(value: Any, field: str) -> Any:
        if not (isinstance(value, str) and value.startswith(REF_PREFIX)):
            return value
        scheme, _, ref_value = value.removeprefix(REF_PREFIX).partition(":")
        try:
            ref = ExternalRef(scheme=scheme.strip().lower(), value=ref_value)
        except ValidationError as error:
            faults.append(Fault(field, f"{value!r} is not ref:SCHEME:VALUE ({faults_of(error)[0].fault})"))
            return value
        found = store.find_own_by_ref(ref)
        if found is None:
            faults.append(Fault(field, f"agency {store.scope.agency} has no record with the reference {ref.scheme}:{ref.value}"))
            return value
        return found

    for key in _TOP_POINTERS:
        if key in data:
            data[key] = resolve(data[key], key)
    for part, keys in _EVENT_POINTERS.items():
        section = data.get(part)
        if not isinstance(section, dict):
            continue
        for key in keys:
            value = section.get(key)
            if isinstance(value, list):
                section[key] = [resolve(v, f"{part}.{key}[{i}]") for i, v in enumerate(value)]
            elif value is not None:
                section[key] = resolve(value, f"{part}.{key}")
    return faults


# -- import ------------------------------------------------------------------


def import_records(
    db: Database,
    agency: str,
    stream: BinaryIO,
    *,
    strict: bool = False,
    username: str = "import",
    batch_size: int = DEFAULT_BATCH_SIZE,
    review_period_days: int = DEFAULT_REVIEW_DAYS,
    progress: ProgressCallback | None = None,
    on_reject: RejectionCallback | None = None,
) -> ImportSummary:
    """Import a JSON-lines file (opened in binary) into ``agency``; see the module's description.

    ``progress`` receives the bytes read so far; ``on_reject`` each rejection as it is found.
    """
    return import_lines(
        db,
        agency,
        read_lines(stream, progress=progress),
        parse_line,
        strict=strict,
        username=username,
        batch_size=batch_size,
        review_period_days=review_period_days,
        on_reject=on_reject,
    )
