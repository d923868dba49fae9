"""Imports started from the bureau's page: the uploaded file on disk, the import in a thread, its progress.

The upload goes to a folder of its own under the work directory (``Settings.work_dir``, or one
in the system's temporary directory named after the database), copied from the form's spool
in chunks, never held whole in memory. It is imported by the importers of ``kalkan.io``, as
``kalkan import records`` and ``kalkan import documents`` do: records from Kalkan's JSON lines
(``io.jsonl.import_records``), stolen and lost documents from CSV or JSON lines
(``io.documents.import_documents``). Strict: one bad line and nothing is written. Otherwise
the good lines go in, batch by batch, and the bad ones are reported.

An ``ImportJob`` is a JSON file in that folder, written whole (a temporary file renamed), so
any worker process of the same host reads it: the state, the bytes read so far, the counts
when done. Each rejected line's faults go to ``rejections.csv`` (line, field, reason) as they
are found. The imports of one process run one at a time in a daemon thread: a server that
stops mid-way leaves the batches already committed (strict: nothing), and the job, whose
heartbeat then stops, reads as interrupted; importing the same file again is idempotent.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Final

from kalkan.access.scope import Scope
from kalkan.errors import KalkanError
from kalkan.io.documents import FileFormat, import_documents
from kalkan.io.jsonl import import_records
from kalkan.io.summary import ImportSummary, Rejection
from kalkan.screening.names import fingerprint
from kalkan.settings import Settings
from kalkan.store import audit
from kalkan.store.database import Database

logger = logging.getLogger(__name__)

STATUS_FILE: Final = "status.json"
UPLOAD_FILE: Final = "upload"
REJECTIONS_FILE: Final = "rejections.csv"
#: How often a running import writes its progress, at most (seconds).
PROGRESS_EVERY: Final = 0.5
#: A running import whose progress is older than this was stopped with its server.
STALE_AFTER: Final = timedelta(seconds=60)
#: How long finished imports and their reports are kept.
KEPT_FOR: Final = timedelta(days=7)
_COPY_CHUNK: Final = 1024 * 1024
_ID_CHARACTERS: Final = frozenset("0123456789abcdef")


class ImportKind(StrEnum):
    RECORDS = "records"
    DOCUMENTS = "documents"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


@dataclass
class ImportJob:
    id: str
    agency: str
    username: str
    user_id: int | None
    kind: str
    file_format: str
    file_name: str
    size: int
    sha256: str
    strict: bool
    created_at: str
    state: str = JobState.QUEUED.value
    bytes_read: int = 0
    heartbeat_at: str = ""
    finished_at: str = ""
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reinstated: int = 0
    rejected_lines: int = 0
    rolled_back: bool = False
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED, JobState.INTERRUPTED)

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return min(99, self.bytes_read * 100 // self.size) if self.size else 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"percent": self.percent, "finished": self.finished}


def work_directory(settings: Settings) -> Path:
    """Where the pages' imports live: ``work_dir/imports``, or a folder of the system's temporary directory for this database."""
    base = settings.work_dir or Path(tempfile.gettempdir()) / f"kalkan-{fingerprint(settings.database_url)[:16]}"
    return base / "imports"


def _now() -> datetime:
    return datetime.now(UTC)


class ImportJobs:
    """The jobs of one work directory; ``run`` imports one in a thread of this process."""

    def __init__(self, directory: Path, database: Database, review_period_days: int) -> None:
        self.directory = directory
        self.database = database
        self.review_period_days = review_period_days
        self._one_at_a_time = threading.Semaphore(1)

    # -- the files of a job -----------------------------------------------------------

    def folder(self, job_id: str) -> Path:
        if len(job_id) != 32 or not set(job_id) <= _ID_CHARACTERS:
            raise ValueError(f"not a job id: {job_id!r}")
        return self.directory / job_id

    def load(self, job_id: str) -> ImportJob | None:
        try:
            data = json.loads((self.folder(job_id) / STATUS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        job = ImportJob(**{f.name: data[f.name] for f in fields(ImportJob) if f.name in data})
        waiting = job.state in (JobState.QUEUED, JobState.RUNNING)
        if waiting and datetime.fromisoformat(job.heartbeat_at) < _now() - STALE_AFTER:
            job.state = JobState.INTERRUPTED.value  # its process stopped: nobody beats for it any more
        return job

    def save(self, job: ImportJob) -> None:
        folder = self.folder(job.id)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".status-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(asdict(job), out)
        os.replace(temporary, folder / STATUS_FILE)

    def rejections(self, job_id: str) -> Path:
        return self.folder(job_id) / REJECTIONS_FILE

    def of_agency(self, agency: str, limit: int = 10) -> list[ImportJob]:
        """The agency's newest jobs."""
        if not self.directory.is_dir():
            return []
        found = [job for entry in self.directory.iterdir() if (job := self.load(entry.name)) is not None and job.agency == agency]
        return sorted(found, key=lambda job: job.created_at, reverse=True)[:limit]

    # -- starting and running -----------------------------------------------------------

    def create(
        self, scope: Scope, upload: BinaryIO, *, kind: ImportKind, file_format: FileFormat, file_name: str, strict: bool
    ) -> ImportJob:
        """A queued job holding a copy of ``upload`` (read in chunks)."""
        self._forget_old()
        job_id = secrets.token_hex(16)
        folder = self.folder(job_id)
        folder.mkdir(parents=True, mode=0o700)
        digest = hashlib.sha256()
        size = 0
        with (folder / UPLOAD_FILE).open("wb") as out:
            while chunk := upload.read(_COPY_CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        stamp = _now().isoformat()
        job = ImportJob(
            id=job_id,
            agency=scope.agency,
            username=scope.username,
            user_id=scope.user_id,
            kind=kind.value,
            file_format=file_format.value,
            file_name=file_name[:200],
            size=size,
            sha256=digest.hexdigest(),
            strict=strict,
            created_at=stamp,
            heartbeat_at=stamp,
        )
        self.save(job)
        return job

    def start(self, job: ImportJob, scope: Scope) -> threading.Thread:
        """Run the job in a daemon thread (after this process's earlier imports)."""
        thread = threading.Thread(target=self.run, args=(job, scope), name=f"kalkan-import-{job.id[:8]}", daemon=True)
        thread.start()
        return thread

    def run(self, job: ImportJob, scope: Scope) -> None:
        while not self._one_at_a_time.acquire(timeout=STALE_AFTER.total_seconds() / 4):
            self._beat(job)  # still waiting for this process's earlier import, and alive
        try:
            self._run(job, scope)
        finally:
            self._one_at_a_time.release()

    def _run(self, job: ImportJob, scope: Scope) -> None:
        job.state = JobState.RUNNING.value
        self._beat(job)
        try:
            summary = self._import(job)
        except KalkanError as error:
            self._fail(job, error.message)
        except Exception as error:  # the job must say it stopped, whatever stopped it
            logger.exception("import %s failed", job.id)
            self._fail(job, f"the import stopped: {type(error).__name__}")
        else:
            self._finish(job, summary)
        finally:
            (self.folder(job.id) / UPLOAD_FILE).unlink(missing_ok=True)
        self._audit(job, scope)

    def _import(self, job: ImportJob) -> ImportSummary:
        last = 0.0

        def progress(done: int) -> None:
            nonlocal last
            job.bytes_read = done
            if time.monotonic() - last >= PROGRESS_EVERY:
                last = time.monotonic()
                self._beat(job)

        with (
            (self.folder(job.id) / UPLOAD_FILE).open("rb") as stream,
            self.rejections(job.id).open("w", encoding="utf-8", newline="") as out,
        ):
            writer = csv.writer(out)
            writer.writerow(["line", "field", "reason"])

            def on_reject(rejection: Rejection) -> None:
                writer.writerow([rejection.line, rejection.field, rejection.reason])

            if job.kind == ImportKind.RECORDS:
                return import_records(
                    self.database,
                    job.agency,
                    stream,
                    strict=job.strict,
                    username=job.username,
                    review_period_days=self.review_period_days,
                    progress=progress,
                    on_reject=on_reject,
                )
            return import_documents(
                self.database,
                job.agency,
                stream,
                FileFormat(job.file_format),
                strict=job.strict,
                username=job.username,
                progress=progress,
                on_reject=on_reject,
            )

    def _beat(self, job: ImportJob) -> None:
        job.heartbeat_at = _now().isoformat()
        self.save(job)

    def _finish(self, job: ImportJob, summary: ImportSummary) -> None:
        job.state = JobState.DONE.value
        job.bytes_read = job.size
        job.lines, job.created, job.updated, job.unchanged = summary.lines, summary.created, summary.updated, summary.unchanged
        job.rejected_lines, job.rolled_back = summary.rejected_lines, summary.rolled_back
        job.reinstated = int(getattr(summary, "reinstated", 0))
        job.finished_at = _now().isoformat()
        self._beat(job)

    def _fail(self, job: ImportJob, message: str) -> None:
        job.state = JobState.FAILED.value
        job.error = message
        job.finished_at = _now().isoformat()
        self._beat(job)

    def _audit(self, job: ImportJob, scope: Scope) -> None:
        detail = (
            f"{job.kind} from {job.file_name!r} ({job.size} bytes, sha256 {job.sha256}){' strict' if job.strict else ''}: {job.state}; "
            f"{job.lines} lines, {job.created} created, {job.updated} updated, {job.unchanged} unchanged, {job.rejected_lines} rejected"
            + (", rolled back" if job.rolled_back else "")
            + (f"; {job.error}" if job.error else "")
        )
        try:
            with self.database.transaction() as conn:
                audit.append(conn, scope, "import.finish", detail=detail[:2000])
        except Exception:  # the import's own writes are audited by the store; this summary is not worth a crash
            logger.exception("import %s: the audit entry of its end could not be written", job.id)

    def _forget_old(self) -> None:
        if not self.directory.is_dir():
            return
        cutoff = _now() - KEPT_FOR
        for entry in self.directory.iterdir():
            job = self.load(entry.name) if len(entry.name) == 32 else None
            if job is not None and job.finished and datetime.fromisoformat(job.finished_at or job.created_at) < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
