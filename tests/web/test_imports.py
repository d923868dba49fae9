"""The bureau's imports through the application, on SQLite and PostgreSQL: records and documents files
with progress, rejected lines as a CSV report, all or nothing, refused uploads, other agencies."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.api.app import create_app
from kalkan.io.documents import FileFormat
from kalkan.settings import Settings
from kalkan.store.database import Database
from kalkan.store.documents import documents
from kalkan.store.tables import audit_log, records
from kalkan.web.imports import STALE_AFTER, ImportJob, ImportJobs, ImportKind, JobState, work_directory
from tests import factories
from tests.web.conftest import Browser, username

UZ, KZ = "UZ-NCB", "KZ-NCB"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, max_request_bytes=256 * 1024, max_import_bytes=1024 * 1024, work_dir=tmp_path / "work")


@pytest.fixture
def client(settings: Settings, world: factories.World) -> Iterator[TestClient]:
    del world
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def _person(name: str, ref: str) -> str:
    return json.dumps(
        {"kind": "person", "names": [name], "external_refs": [{"scheme": "case", "value": ref}], "restriction": {"mode": "all"}}
    )


GOOD = [_person("Karimov Bekzod", "UZ-1"), _person("Каримова Дилноза", "UZ-2"), _person("Rahimov Sardor", "UZ-3")]
BAD = [
    '{"kind": "person", "names": [], "external_refs": [{"scheme": "case", "value": "UZ-4"}]}',  # line 4: no name
    "not json at all",  # line 5
]
DOCUMENTS_CSV = "issuing_state,document_type,number,document_status\nUZB,passport,FA1111111,stolen\nKAZ,passport,N2222222,lost\n"


def _upload(browser: Browser, content: bytes, name: str, **fields: str) -> httpx.Response:
    return browser.upload("/bureau/import", {"kind": "records", **fields}, {"file": (name, content, "application/octet-stream")})


def _job_id(answer: httpx.Response) -> str:
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/bureau/imports/([0-9a-f]{32})", answer.headers["location"])
    assert found
    return found[1]


def _finished(browser: Browser, job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        status = browser.get(f"/bureau/imports/{job_id}/status").json()
        if status["finished"]:
            return dict(status)
        assert time.monotonic() < deadline, status
        time.sleep(0.05)


def _count(db: Database, table: object, **where: str) -> int:
    with db.transaction() as conn:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        for name, value in where.items():
            query = query.where(table.c[name] == value)  # type: ignore[attr-defined]
        return int(conn.execute(query).scalar_one())


def test_a_records_file_goes_in_with_its_bad_lines_reported_as_a_csv(client: TestClient, db: Database) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    job_id = _job_id(_upload(editor, "\n".join(GOOD + BAD).encode(), "cases.jsonl"))
    status = _finished(editor, job_id)
    assert status["state"] == "done"
    assert (status["lines"], status["created"], status["rejected_lines"], status["percent"]) == (5, 3, 2, 100)
    assert _count(db, records, owner=UZ, kind="person") == 3
    page = editor.get(f"/bureau/imports/{job_id}")
    assert 'id="import-outcome"' in page.text
    assert "5 lines: 3 created, 0 updated, 0 unchanged, 2 rejected." in page.text
    report = editor.get(f"/bureau/imports/{job_id}/rejections.csv")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    assert "attachment" in report.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(report.text)))
    assert rows[0] == ["line", "field", "reason"]
    assert {row[0] for row in rows[1:]} == {"4", "5"}
    assert any(row[0] == "4" and row[1] == "names" for row in rows[1:])  # the field at fault is named
    with db.transaction() as conn:
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.username == username(UZ, Role.EDITOR))).scalars().all()
    for action in ("import.start", "record.create", "import.finish", "import.rejections_read"):
        assert action in actions
    again = _finished(editor, _job_id(_upload(editor, "\n".join(GOOD).encode(), "cases.jsonl")))
    assert (again["created"], again["unchanged"]) == (0, 3)  # idempotent, as the command line's import


def test_all_or_nothing_writes_nothing_when_a_line_is_bad_and_still_reports_it(client: TestClient, db: Database) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    job_id = _job_id(_upload(editor, "\n".join(GOOD + BAD).encode(), "cases.jsonl", strict="on"))
    status = _finished(editor, job_id)
    assert status["rolled_back"] is True
    assert status["created"] == 0
    assert _count(db, records, owner=UZ) == 0
    assert 'id="import-rolled-back"' in editor.get(f"/bureau/imports/{job_id}").text
    rows = list(csv.reader(io.StringIO(editor.get(f"/bureau/imports/{job_id}/rejections.csv").text)))
    assert {row[0] for row in rows[1:]} == {"4", "5"}


def test_a_documents_file_goes_into_the_bulk_table(client: TestClient, db: Database) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    status = _finished(editor, _job_id(_upload(editor, DOCUMENTS_CSV.encode(), "stolen.csv", kind="documents")))
    assert (status["state"], status["created"], status["file_format"]) == ("done", 2, "csv")
    assert _count(db, documents, owner=UZ) == 2
    jsonl = b'{"issuing_state": "TJK", "number": "Z3333333", "document_status": "stolen"}\n'
    status = _finished(editor, _job_id(_upload(editor, jsonl, "more.txt", kind="documents")))
    assert (status["file_format"], status["created"]) == ("jsonl", 1)  # told by its first line
    assert "stolen.csv" in editor.get("/bureau").text  # the bureau's page lists its imports


@pytest.mark.parametrize(
    ("content", "name", "fields", "message"),
    [
        (b"%PDF-1.7 ...", "cases.pdf", {}, "a PDF document"),
        (b"\x89PNG\r\n\x1a\n....", "photo.png", {}, "a PNG image"),
        (b"", "empty.jsonl", {}, "The file is empty."),
        (b"name,born\nKarimov,1984\n", "cases.csv", {}, "not JSON lines"),
        (b"state,number\nUZB,FA1\n", "stolen.csv", {"kind": "documents", "strict": "on"}, "missing columns issuing_state, document_status"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_next_to_the_field_with_the_choices_kept(
    client: TestClient, db: Database, content: bytes, name: str, fields: dict[str, str], message: str
) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    page = _upload(editor, content, name, **fields)
    assert page.status_code == 422
    fault = page.text[page.text.index('id="f-file-fault"') :]
    assert message in fault[: fault.index("</div>")]
    assert 'id="choose-again"' in page.text
    if fields.get("kind") == "documents":
        assert 'value="documents" checked' in page.text
        assert 'id="f-strict" checked' in page.text
    assert _count(db, audit_log, action="import.start") == 0


def test_no_file_or_no_kind_is_said_next_to_its_field(client: TestClient) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    page = editor.client.post("/bureau/import", data={"csrf_token": editor.csrf, "kind": "?"})
    assert page.status_code == 422
    assert 'id="f-file-fault"' in page.text
    assert 'id="f-kind-fault"' in page.text


def test_a_file_over_the_limit_is_refused_with_a_page_before_it_is_read(client: TestClient) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    page = _upload(editor, b"{}\n" * (400 * 1024), "big.jsonl")
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert "1 MiB" in page.text


def test_another_agency_and_a_user_who_may_not_write_see_no_import(client: TestClient) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    job_id = _job_id(_upload(editor, "\n".join(GOOD + BAD).encode(), "cases.jsonl"))
    _finished(editor, job_id)
    other = Browser(client, username(KZ, Role.EDITOR))
    for path in (f"/bureau/imports/{job_id}", f"/bureau/imports/{job_id}/status", f"/bureau/imports/{job_id}/rejections.csv"):
        assert other.get(path).status_code == 404
    assert "cases.jsonl" not in other.get("/bureau/import").text
    analyst = Browser(client, username(UZ, Role.ANALYST))
    assert analyst.get("/bureau/import").status_code == 403
    assert analyst.get(f"/bureau/imports/{job_id}").status_code == 403


def test_an_upload_is_copied_in_chunks_never_held_whole_in_memory(db: Database, world: factories.World, tmp_path: Path) -> None:
    jobs = ImportJobs(tmp_path / "imports", db, 365)
    upload = io.BufferedReader(_Lines(32 * 1024 * 1024))  # 32 MiB produced on the fly
    tracemalloc.start()
    try:
        job = jobs.create(
            world.scope(UZ, Role.EDITOR), upload, kind=ImportKind.DOCUMENTS, file_format=FileFormat.CSV, file_name="big.csv", strict=False
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert job.size == 32 * 1024 * 1024
    assert peak < 6 * 1024 * 1024  # a few chunks of the copy, whatever the file's size
    loaded = jobs.load(job.id)
    assert isinstance(loaded, ImportJob)
    assert loaded.state == JobState.QUEUED


class _Lines(io.RawIOBase):
    """A readable stream of ``size`` bytes of CSV-like text, made as it is read."""

    BLOCK = b"UZB,passport,FA1234567,stolen\n" * 40_000

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left, len(self.BLOCK))
        buffer[:count] = memoryview(self.BLOCK)[:count]
        self.left -= count
        return count


def test_a_job_whose_server_stopped_reads_as_interrupted(client: TestClient, db: Database, settings: Settings) -> None:
    editor = Browser(client, username(UZ, Role.EDITOR))
    jobs = ImportJobs(work_directory(settings), db, settings.review_period_days)
    scope = Scope(None, username(UZ, Role.EDITOR), UZ, frozenset({Role.EDITOR}))
    job = jobs.create(scope, io.BytesIO(b"{}\n"), kind=ImportKind.RECORDS, file_format=FileFormat.JSONL, file_name="x.jsonl", strict=True)
    job.state, job.heartbeat_at = JobState.RUNNING.value, (datetime.now(UTC) - 2 * STALE_AFTER).isoformat()
    jobs.save(job)  # a job left running by a server that stopped: nobody beats for it
    page = editor.get(f"/bureau/imports/{job.id}")
    assert 'id="import-interrupted"' in page.text
    assert "nothing was written" in page.text  # all or nothing
    assert editor.get(f"/bureau/imports/{job.id}/status").json()["finished"] is True
