"""Group commit of audit entries: many requests' entries in one short transaction.

A request that only reads (a document check) still owes the audit log one entry, and it may
answer only once that entry is durable. Committing each entry on its own costs a flush to
disk per request and holds the chain's head locked for the whole request. An
``AuditWriter``, one per process, takes entries from any number of threads: a request hands
its entry over and waits; the writer's thread takes every entry waiting, appends them in
order with ``audit.append_entries`` (the same chain and hashing as ``audit.append``, one lock
of the head, one commit) and then wakes their requests. Under load, N requests cost one
commit instead of N; alone, a request costs what it did.

- A request returns only after the transaction holding its entry has committed.
- If that transaction fails, nothing of it is written and every request of the batch gets
  ``AuditUnavailable`` (answered 503): never an answer without its entry.
- A request may hand over writes of its own with its entry (``submit_work``: a traveller
  check's hits and notifications): they run in the writer's transaction, each in a savepoint,
  just before the entries are appended, and commit with them. A request whose writes fail
  gets their error and writes nothing; the others of the batch are not disturbed. So every
  check commits the same way, whether it found something or not.
- Processes each have their own writer; they take the head's lock in turn, so the log stays
  one chain.
- ``close`` stops taking entries, writes those already handed over, and stops the thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection

from kalkan.access.scope import Scope
from kalkan.errors import ServiceUnavailable
from kalkan.store import audit
from kalkan.store.audit import PendingEntry
from kalkan.store.database import Database

logger = logging.getLogger(__name__)

#: The most entries one transaction appends.
MAX_BATCH = 500
#: How long a request waits for its entry before it gives up (the entry may still be written).
WAIT_SECONDS = 60.0


class AuditUnavailable(ServiceUnavailable):
    """The audit entry could not be written, so the answer that needed it is withheld."""


#: A request's writes, run in the writer's transaction; returns the request's audit entry.
Work = Callable[[Connection], PendingEntry]


class Ticket:
    """One entry (or a request's writes, ``work``, that give it) handed to the writer: ``wait`` returns its sequence once committed."""

    __slots__ = ("_done", "_error", "_own", "_seq", "entry", "work")

    def __init__(self, entry: PendingEntry | None, work: Work | None = None) -> None:
        self.entry = entry
        self.work = work
        self._done = threading.Event()
        self._seq: int | None = None
        self._error: BaseException | None = None
        self._own = False  # the error is the request's own writes', not the batch's

    def _resolve(self, seq: int) -> None:
        self._seq = seq
        self._done.set()

    def _fail(self, error: BaseException, *, own: bool = False) -> None:
        self._error, self._own = error, own
        self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = WAIT_SECONDS) -> int:
        """The entry's sequence number once its transaction committed; AuditUnavailable if it failed."""
        if not self._done.wait(timeout):
            raise AuditUnavailable("the audit log did not confirm this request in time; try again shortly")
        if self._error is not None:
            if self._own:
                raise self._error  # the request's own writes failed: their error is the answer
            raise AuditUnavailable("the audit log could not be written; try again shortly") from self._error
        assert self._seq is not None  # noqa: S101 - set with _done
        return self._seq


#: Called in the writer's transaction after a batch is appended and before it commits (tests).
BeforeCommit = Callable[[Connection, Sequence[Ticket]], None]


class AuditWriter:
    """Appends handed-over entries to the audit log in batches, from one background thread."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH, before_commit: BeforeCommit | None = None) -> None:
        # Its own engine: requests hold their connections while they wait for the writer, so a
        # writer drawing from their pool could wait for a connection that only it can free.
        self.db = Database(db.url)
        self.max_batch = max_batch
        self.before_commit = before_commit
        self._pending: list[Ticket] = []
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closing = False
        self.batches = 0  # transactions committed, for whoever wants to know how well entries group

    def submit(self, entry: PendingEntry) -> Ticket:
        """Hand ``entry`` over without waiting; ``Ticket.wait`` waits for its commit."""
        return self._enqueue(Ticket(entry))

    def submit_work(self, work: Work) -> Ticket:
        """Hand over a request's writes, run in the writer's transaction, and the entry they return."""
        return self._enqueue(Ticket(None, work))

    def _enqueue(self, ticket: Ticket) -> Ticket:
        with self._condition:
            if self._closing:
                raise AuditUnavailable("the server is shutting down; try again shortly")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kalkan-audit-writer", daemon=True)
                self._thread.start()
            self._pending.append(ticket)
            self._condition.notify()
        return ticket

    def append(self, scope: Scope, action: str, record_ids: Sequence[str] = (), *, query: Any = None, detail: str | None = None) -> int:
        """Like ``audit.append``, in a transaction of the writer's: returns once the entry is committed."""
        return self.submit(PendingEntry.of(scope, action, record_ids, query=query, detail=detail)).wait()

    def close(self, timeout: float | None = None) -> None:
        """Take no more entries; write those handed over already, then stop the thread."""
        with self._condition:
            self._closing = True
            self._condition.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self.db.dispose()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending and not self._closing:
                    self._condition.wait()
                if not self._pending:
                    return  # closing, and everything handed over is written
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            self._write(batch)

    def _write(self, batch: list[Ticket]) -> None:
        written: list[Ticket] = []
        entries: list[PendingEntry] = []
        try:
            with self.db.transaction() as conn:
                for ticket in batch:
                    if ticket.work is not None:
                        try:
                            with conn.begin_nested():
                                ticket.entry = ticket.work(conn)
                        except Exception as error:
                            ticket._fail(error, own=True)
                            continue
                    assert ticket.entry is not None  # noqa: S101 - given, or returned by the work
                    written.append(ticket)
                    entries.append(ticket.entry)
                seqs = audit.append_entries(conn, entries)
                if self.before_commit is not None:
                    self.before_commit(conn, written)
        except BaseException as error:  # every waiter must hear of it, whatever it is
            logger.exception("could not write %d audit entries", len(written))
            for ticket in written:
                ticket._fail(error)
            if not isinstance(error, Exception):
                raise
            return
        self.batches += 1
        for ticket, seq in zip(written, seqs, strict=True):
            ticket._resolve(seq)
