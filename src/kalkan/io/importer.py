"""Running an import of numbered lines into one agency: batches, strict mode, rejections.

Each line is parsed into a record and written by ``writer.RecordWriter`` inside its own
savepoint, so a line the store refuses undoes only its own writes.

- Non-strict (the default): good lines go in, committed every ``batch_size`` lines; a
  crash leaves the batches already committed, and running the import again (it is
  idempotent) finishes the job. Bad lines are rejected and reported.
- Strict: every line is written in one transaction; if any line is bad, the transaction
  is rolled back and nothing is written, and every fault is still reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from sqlalchemy import Connection
from sqlalchemy.exc import DataError, IntegrityError

from kalkan.access.scope import Scope
from kalkan.errors import Fault, Forbidden, KalkanError, ValidationFailed
from kalkan.io.lines import Line
from kalkan.io.summary import ImportSummary, Rejection, RejectionCallback
from kalkan.io.writer import Outcome, RecordWriter
from kalkan.model.records import RecordModel
from kalkan.store.agencies import get_agency
from kalkan.store.database import Database
from kalkan.store.records import DEFAULT_REVIEW_DAYS, RecordStore

DEFAULT_BATCH_SIZE = 500

#: Turns one line's text into a record and its optional id; raises ValidationFailed.
LineParser = Callable[[str, RecordStore], tuple[RecordModel, str | None]]

#: "external_refs[0]: un:QDi.431 already names ..." -> field and reason.
_FIELD_MESSAGE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\[\]]*): (.+)$", re.DOTALL)


class _StrictAbort(Exception):
    """Rolls back a strict import's transaction."""


def import_lines(
    db: Database,
    agency: str,
    lines: Iterable[Line],
    parse: LineParser,
    *,
    strict: bool = False,
    username: str = "import",
    batch_size: int = DEFAULT_BATCH_SIZE,
    review_period_days: int = DEFAULT_REVIEW_DAYS,
    on_reject: RejectionCallback | None = None,
) -> ImportSummary:
    """Import ``lines`` into ``agency``, acting as ``Scope.system(agency, username)``."""
    if batch_size < 1:
        raise ValidationFailed.one("batch_size", "must be at least 1")
    with db.transaction() as conn:
        if not get_agency(conn, agency).active:
            raise Forbidden(f"agency {agency} is suspended: records cannot be imported into it")
    run = _Run(Scope.system(agency, username=username), parse, review_period_days, on_reject)
    if strict:
        try:
            with db.transaction() as conn:
                for line in lines:
                    run.take(conn, line)
                if run.summary.rejected_lines:
                    raise _StrictAbort
        except _StrictAbort:
            run.summary.created = run.summary.updated = run.summary.unchanged = 0
            run.summary.rolled_back = True
        return run.summary
    for batch in _batches(lines, batch_size):
        with db.transaction() as conn:
            for line in batch:
                run.take(conn, line)
    return run.summary


class _Run:
    def __init__(self, scope: Scope, parse: LineParser, review_period_days: int, on_reject: RejectionCallback | None) -> None:
        self.scope = scope
        self.parse = parse
        self.review_period_days = review_period_days
        self.on_reject = on_reject
        self.summary = ImportSummary()

    def take(self, conn: Connection, line: Line) -> None:
        self.summary.lines += 1
        if line.fault is not None:
            self._reject(line.number, [Fault("", line.fault)])
            return
        store = RecordStore(conn, self.scope, self.review_period_days)
        try:
            record, record_id = self.parse(line.text, store)
            with conn.begin_nested():
                outcome, _ = RecordWriter(store).put(record, record_id)
        except ValidationFailed as error:
            self._reject(line.number, error.faults)
        except KalkanError as error:
            self._reject(line.number, [_fault_of_message(error.message)])
        except (IntegrityError, DataError) as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            self._reject(line.number, [Fault("", f"the database refused it: {reason}")])
        else:
            self._count(outcome)

    def _count(self, outcome: Outcome) -> None:
        if outcome is Outcome.CREATED:
            self.summary.created += 1
        elif outcome is Outcome.UPDATED:
            self.summary.updated += 1
        else:
            self.summary.unchanged += 1

    def _reject(self, number: int, faults: list[Fault]) -> None:
        self.summary.rejected_lines += 1
        for fault in faults or [Fault("", "rejected")]:
            rejection = Rejection(number, fault.field, fault.fault)
            self.summary.reject(rejection)
            if self.on_reject is not None:
                self.on_reject(rejection)


def _fault_of_message(message: str) -> Fault:
    match = _FIELD_MESSAGE.match(message)
    return Fault(match[1], match[2]) if match else Fault("", message)


def _batches(lines: Iterable[Line], size: int) -> Iterator[list[Line]]:
    iterator = iter(lines)
    while batch := list(islice(iterator, size)):
        yield batch
