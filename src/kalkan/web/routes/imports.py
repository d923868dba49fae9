"""The bureau's imports: upload a file of records or documents, watch it go in, download its rejected lines.

``POST /bureau/import`` looks at the file's first bytes before anything is queued (empty, not
text, not JSON lines, a CSV header without the columns a document needs: each a fault next to
the file field, the choices kept), copies it to the job's folder and starts the import after
the response (``kalkan.web.imports``). The job's page shows its progress: reloaded every two
seconds without JavaScript, updated from ``/status`` with it. Pages and status read without
the database's write lock, so a strict import on SQLite, which holds it to the end, can still
be watched. The rejected lines (line, field, reason) are a CSV download, audited. Only users
of the importing agency who may write records see its imports; any other job is "not found".
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from kalkan.access.roles import Permission
from kalkan.errors import NotFound, ValidationFailed
from kalkan.io.documents import FileFormat, csv_rows
from kalkan.io.lines import Line
from kalkan.store import audit
from kalkan.web.errors import WebRoute
from kalkan.web.imports import ImportJob, ImportJobs, ImportKind, work_directory
from kalkan.web.pages import SECURITY_HEADERS, Page, render
from kalkan.web.session import ConnectionDep, PageDep, ReadingPageDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

JobIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
#: How much of the file is looked at before it is queued.
HEAD_BYTES = 64 * 1024
_BINARY = {
    b"PK\x03\x04": "a ZIP archive (an Excel file?)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
}
_lock = threading.Lock()


def jobs_of(page: Page) -> ImportJobs:
    """The process's imports, in the work directory its settings name."""
    state = page.request.app.state
    with _lock:
        jobs: ImportJobs | None = getattr(state, "import_jobs", None)
        if jobs is None:
            jobs = ImportJobs(work_directory(page.settings), state.database, page.settings.review_period_days)
            state.import_jobs = jobs
    return jobs


def _form(page: Page, *, values: dict[str, str] | None = None, faults: dict[str, list[str]] | None = None) -> Response:
    page.scope.require(Permission.WRITE_RECORDS)
    return render(
        page.request,
        "import.html",
        t=page.t,
        session=page.session,
        values=values or {"kind": ImportKind.RECORDS.value, "file_format": "", "strict": ""},
        faults=faults or {},
        jobs=jobs_of(page).of_agency(page.scope.agency),
        max_bytes=page.settings.max_import_bytes,
        status=422 if faults else 200,
    )


@router.get("/bureau/import")
def import_form(page: ReadingPageDep) -> Response:
    return _form(page)


def _text_fault(head: bytes) -> str | None:
    """Why the start of a file is not UTF-8 text, or None."""
    for signature, what in _BINARY.items():
        if head.startswith(signature):
            return f"the file is {what}, not text"
    if b"\x00" in head:
        return "the file holds binary data, not text"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not a character cut at the end of what was read
            return f"the file is not UTF-8 text (byte 0x{head[error.start]:02x} at offset {error.start})"
    return None


def _format_of(kind: ImportKind, chosen: str, name: str, head: bytes) -> FileFormat:
    if kind is ImportKind.RECORDS or chosen == FileFormat.JSONL:
        return FileFormat.JSONL
    if chosen == FileFormat.CSV:
        return FileFormat.CSV
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix in ("jsonl", "ndjson", "json"):
        return FileFormat.JSONL
    if suffix == "csv":
        return FileFormat.CSV
    return FileFormat.JSONL if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else FileFormat.CSV


def _content_fault(kind: ImportKind, file_format: FileFormat, head: bytes) -> str | None:
    """The first line checked as the importer would: a JSON object, or a document CSV header."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    if file_format is FileFormat.JSONL:
        if not first.startswith("{"):
            what = "records" if kind is ImportKind.RECORDS else "documents"
            return f"not JSON lines: a file of {what} has one JSON object a line, starting with '{{'"
        return None
    try:
        next(csv_rows([Line(1, text=first)]), None)
    except ValidationFailed as failed:
        return "; ".join(f.fault for f in failed.faults)
    return None


@router.post("/bureau/import")
def start_import(page: PageDep, conn: ConnectionDep) -> Response:
    page.scope.require(Permission.WRITE_RECORDS)
    values = {"kind": page.text("kind"), "file_format": page.text("file_format"), "strict": "on" if page.text("strict") else ""}
    faults: dict[str, list[str]] = {}
    kind = ImportKind(values["kind"]) if values["kind"] in set(ImportKind) else None
    if kind is None:
        faults["kind"] = ["import.kind_required"]
    if values["file_format"] not in ("", *FileFormat):
        faults["file_format"] = ["import.format_unknown"]
    upload = page.form.get("file")
    head = b""
    if not isinstance(upload, UploadFile) or not upload.filename:
        faults["file"] = ["import.no_file"]
    else:
        head = upload.file.read(HEAD_BYTES)
        upload.file.seek(0)
        if not head.strip():
            faults["file"] = ["import.empty"]
        elif (fault := _text_fault(head)) is not None:
            faults["file"] = ["import.not_text", fault]
    if faults or kind is None or not isinstance(upload, UploadFile):
        return _form(page, values=values, faults=faults)
    file_format = _format_of(kind, values["file_format"], upload.filename or "", head)
    if (fault := _content_fault(kind, file_format, head)) is not None:
        return _form(page, values=values, faults={"file": ["import.not_importable", fault]})
    jobs = jobs_of(page)
    job = jobs.create(
        page.scope, upload.file, kind=kind, file_format=file_format, file_name=upload.filename or "", strict=bool(values["strict"])
    )
    audit.append(
        conn,
        page.scope,
        "import.start",
        detail=f"{job.kind} ({job.file_format}) from {job.file_name!r}, {job.size} bytes, sha256 {job.sha256}"
        + (", strict" if job.strict else ""),
    )
    response = RedirectResponse(f"/bureau/imports/{job.id}", status_code=303)
    response.background = BackgroundTask(jobs.start, job, page.scope)  # once this request has committed
    return response


def _own_job(page: Page, job_id: str) -> ImportJob:
    page.scope.require(Permission.WRITE_RECORDS)
    job = jobs_of(page).load(job_id)
    if job is None or job.agency != page.scope.agency:
        raise NotFound(f"no import {job_id} of your agency")
    return job


@router.get("/bureau/imports/{job_id}")
def import_job(job_id: JobIdPath, page: ReadingPageDep) -> Response:
    job = _own_job(page, job_id)
    return render(page.request, "import_job.html", t=page.t, session=page.session, job=job)


@router.get("/bureau/imports/{job_id}/status")
def import_status(job_id: JobIdPath, page: ReadingPageDep) -> Response:
    """The job's progress, for the page's script."""
    job = _own_job(page, job_id)
    return JSONResponse(job.as_dict(), headers=SECURITY_HEADERS)


@router.get("/bureau/imports/{job_id}/rejections.csv")
def import_rejections(job_id: JobIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    """Every rejected line's faults: line, field, reason (the field empty for the whole line)."""
    job = _own_job(page, job_id)
    path = jobs_of(page).rejections(job_id)
    if not job.finished or not path.is_file():
        raise NotFound(f"import {job_id} has no report yet")
    audit.append(conn, page.scope, "import.rejections_read", detail=f"import {job_id}: {job.rejected_lines} rejected lines")
    name = f"rejected-{job.file_name.rsplit('.', 1)[0] or 'import'}-{job.id[:8]}.csv".replace('"', "")
    return FileResponse(
        path, media_type="text/csv; charset=utf-8", filename=name, headers={**SECURITY_HEADERS, "X-Content-Type-Options": "nosniff"}
    )
