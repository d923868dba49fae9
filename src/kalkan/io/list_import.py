"""Writing a published list (UN, OFAC, FollowTheMoney) into one agency, as one transaction.

Every record of the list carries the list's reference (``external_refs`` of the list's
scheme: ``un``, ``ofac``, ``ftm``), so importing a newer edition updates what changed, leaves
what did not change alone (no new version, no change-log entry) and creates what is new
(``writer.RecordWriter``). The agency's active records of that scheme that the new edition no
longer holds are then cancelled: the entry left the list. Records of other schemes, and
other agencies' records, are never touched.

The whole list is written in one transaction: a file found malformed half-way leaves the
previous state. Each item is written in its own savepoint, so an entry the store refuses
is rejected alone (and reported), unless the import is strict, where one rejected entry
rolls everything back. A rejected entry's records are not cancelled: it is still on the
list, only its new edition could not be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import DataError, IntegrityError

from kalkan.access.scope import Scope
from kalkan.errors import Forbidden, KalkanError, ValidationFailed
from kalkan.io.list_entries import EntryFault, ListImportSummary, ListItem, MalformedList
from kalkan.io.writer import Outcome, RecordWriter
from kalkan.model.records import RecordStatus
from kalkan.model.restriction import Restriction, RestrictionMode
from kalkan.model.validation import parse_record
from kalkan.store.agencies import get_agency
from kalkan.store.database import Database
from kalkan.store.records import DEFAULT_REVIEW_DAYS, RecordStore
from kalkan.store.tables import record_refs, records

#: Published lists are public: every agency may see what they say, unless the importer says otherwise.
PUBLIC = Restriction(mode=RestrictionMode.ALL)

#: Separates an entry's reference from the part naming a record derived from it (its documents).
DERIVED = "#"

#: Receives the number of items written so far, and how many there are when that is known.
ItemProgress = Callable[[int, int | None], None]


class _StrictAbort(Exception):
    """Rolls back a strict import."""


@dataclass(frozen=True, slots=True)
class ListImportOptions:
    """How to import a list: ``strict`` (all or nothing), the restriction its records get, who imports."""

    strict: bool = False
    restriction: Restriction = PUBLIC
    username: str = "import"
    review_period_days: int = DEFAULT_REVIEW_DAYS
    progress: ItemProgress | None = None


def import_list(
    db: Database,
    agency: str,
    scheme: str,
    items: Iterable[ListItem],
    summary: ListImportSummary,
    options: ListImportOptions | None = None,
) -> ListImportSummary:
    """Write ``items`` into ``agency`` and cancel the agency's ``scheme`` records they no longer hold.

    ``items`` may be read lazily: a ``MalformedList`` raised while reading them rolls the
    whole import back and propagates. ``summary`` is the reader's, filled in here.
    """
    options = options or ListImportOptions()
    with db.transaction() as conn:
        if not get_agency(conn, agency).active:
            raise Forbidden(f"agency {agency} is suspended: records cannot be imported into it")
    try:
        with db.transaction() as conn:
            scope = Scope.system(agency, username=options.username)
            run = _Run(conn, scope, scheme, options.restriction, options.review_period_days, summary)
            total = len(items) if isinstance(items, Sized) else None
            for item in items:
                run.write(item)
                if options.progress is not None:
                    options.progress(run.items, total)
            if summary.entries == 0:
                raise MalformedList(f"the file holds no entries: nothing was imported, and none of the {scheme} records was cancelled")
            if options.strict and summary.rejected_entries:
                raise _StrictAbort
            run.cancel_missing()
    except _StrictAbort:
        summary.created = summary.updated = summary.unchanged = summary.cancelled = summary.reinstated = 0
        summary.rolled_back = True
    return summary


class _Run:
    def __init__(
        self,
        conn: Connection,
        scope: Scope,
        scheme: str,
        restriction: Restriction,
        review_period_days: int,
        summary: ListImportSummary,
    ) -> None:
        self.conn = conn
        self.store = RecordStore(conn, scope, review_period_days)
        self.writer = RecordWriter(self.store)
        self.scheme = scheme
        self.restriction = restriction.model_dump(mode="json")
        self.summary = summary
        self.ids: dict[str, str] = {}  # key -> id of the record written for it
        self.rejected_keys: set[str] = set()
        self.items = 0

    def write(self, item: ListItem) -> None:
        self.items += 1
        faults = list(item.faults)
        if item.key in self.ids or item.key in self.rejected_keys:
            faults.append(EntryFault(item.entry, "", f"the reference {item.key} appears twice in the list; the second is left out"))
            self.summary.reject(faults)
            return
        resolved: dict[str, str] = {}
        for field_name, key in item.pointers.items():
            if key in self.ids:
                resolved[field_name] = self.ids[key]
            elif key in self.rejected_keys:
                faults.append(EntryFault(item.entry, field_name, f"points to {key}, which was rejected"))
            else:
                self.summary.skip(f"{item.fields.get('kind', 'record')} whose other end is not in the list")
                self.summary.note([EntryFault(item.entry, field_name, f"points to {key}, which is not in the list: left out")])
                return
        if not faults:
            faults = self._put(item, resolved)
        if faults:
            self._reject(item, faults)
            return
        self.summary.note(item.notes)
        for attached in item.attached:
            self.write(attached)

    def _put(self, item: ListItem, resolved: dict[str, str]) -> list[EntryFault]:
        data: dict[str, Any] = {
            **item.fields,
            **resolved,
            "external_refs": [{"scheme": self.scheme, "value": item.key}],
            "restriction": self.restriction,
        }
        try:
            record = parse_record(data)
            cancelled = self._cancelled_holder(item.key)
            with self.conn.begin_nested():
                if cancelled is not None:
                    # The entry left the list and is back: the list is the source of truth.
                    self.store.reinstate(cancelled, reason=f"{self.scheme}:{item.key} is on the list again")
                    self.summary.reinstated += 1
                outcome, record_id = self.writer.put(record)
        except ValidationFailed as error:
            return [EntryFault(item.entry, f.field, f.fault) for f in error.faults]
        except KalkanError as error:
            return [EntryFault(item.entry, "", error.message)]
        except (IntegrityError, DataError) as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            return [EntryFault(item.entry, "", f"the database refused it: {reason}")]
        self.ids[item.key] = record_id
        if outcome is Outcome.CREATED:
            self.summary.created += 1
        elif outcome is Outcome.UPDATED:
            self.summary.updated += 1
        else:
            self.summary.unchanged += 1
        return []

    def _reject(self, item: ListItem, faults: list[EntryFault]) -> None:
        self.summary.reject(faults)
        pending = [item]
        while pending:
            each = pending.pop()
            self.rejected_keys.add(each.key)
            pending += each.attached

    def _cancelled_holder(self, key: str) -> str | None:
        row = self.conn.execute(
            select(records.c.id)
            .join(record_refs, record_refs.c.record_id == records.c.id)
            .where(
                record_refs.c.owner == self.store.scope.agency,
                record_refs.c.scheme == self.scheme,
                record_refs.c.value == key,
                records.c.status == RecordStatus.CANCELLED.value,
            )
        ).first()
        return str(row.id) if row else None

    def cancel_missing(self) -> None:
        """Cancel the agency's active records of this scheme that the list no longer holds."""
        written = set(self.ids.values())
        rows = self.conn.execute(
            select(records.c.id, record_refs.c.value)
            .join(record_refs, record_refs.c.record_id == records.c.id)
            .where(
                record_refs.c.owner == self.store.scope.agency,
                record_refs.c.scheme == self.scheme,
                records.c.status == RecordStatus.ACTIVE.value,
            )
            .order_by(records.c.id)
        ).all()
        for record_id, value in rows:
            if record_id in written or value in self.rejected_keys or value.partition(DERIVED)[0] in self.rejected_keys:
                continue
            self.store.cancel(record_id, reason=f"{self.scheme}:{value} is no longer on the list")
            written.add(record_id)  # a record with two references of the scheme is cancelled once
            self.summary.cancelled += 1
