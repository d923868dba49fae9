"""Importing documents from CSV and JSON lines: rejections, strict mode, idempotence, bad files."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kalkan.errors import ValidationFailed
from kalkan.io.documents import FileFormat, cancel_documents, import_documents
from kalkan.store import audit
from kalkan.store.database import Database
from kalkan.store.documents import documents
from kalkan.store.tables import audit_log, change_log
from tests import factories

HEADER = "issuing_state,document_type,number,document_status,range_end,reported_on,restriction_mode,restriction_agencies,hit_disclosure\n"
GOOD = [
    "UZB,passport,FA1234567,stolen,,2026-01-15,all,,\n",
    "uzb,PASSPORT,fa-765 4321,lost,,,,,\n",
    "KAZ,passport,N1000000,stolen_blank,N1000999,,only,UZ-NCB KZ-NCB,contact_owner\n",
]
BAD = [
    "XYZ,passport,FA1,stolen,,,,,\n",  # unknown state
    "UZB,passport,FA1!2,stolen,,,,,\n",  # forbidden character
    "UZB,passport,FA2,misplaced,,,,,\n",  # unknown status
    "UZB,passport,P100,stolen_blank,P09,,,,\n",  # range ends short
]


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=())


def run(db: Database, text: str | bytes, file_format: FileFormat = FileFormat.CSV, **options: object):  # type: ignore[no-untyped-def]
    data = text.encode() if isinstance(text, str) else text
    return import_documents(db, "UZ-NCB", io.BytesIO(data), file_format, **options)  # type: ignore[arg-type]


def counts(db: Database) -> tuple[int, int, int]:
    with db.transaction() as conn:
        return (
            int(conn.execute(select(func.count()).select_from(documents)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(change_log)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(audit_log).where(audit_log.c.action == "document.import")).scalar_one()),
        )


def test_good_rows_go_in_and_bad_rows_are_reported_with_line_and_field(db: Database, world: factories.World) -> None:
    summary = run(db, HEADER + "".join(GOOD[:2] + BAD + GOOD[2:]), batch_size=2)
    assert (summary.lines, summary.created, summary.rejected_lines) == (7, 3, 4)
    assert [(r.line, r.field) for r in summary.rejected] == [(4, "issuing_state"), (5, "number"), (6, "document_status"), (7, "range_end")]
    assert "forbidden characters '!'" in summary.rejected[1].reason
    with db.transaction() as conn:
        rows = {r.number: r for r in conn.execute(select(documents))}
    assert set(rows) == {"FA1234567", "FA7654321", "N1000000"}
    assert rows["N1000000"].range_end == "N1000999"
    assert rows["N1000000"].restriction_agencies == "KZ-NCB UZ-NCB"
    assert rows["FA7654321"].restriction_mode == "owner"  # the default, as for every record
    assert counts(db)[2] == 2  # one audit entry per batch that wrote


def test_importing_again_changes_nothing_and_a_changed_row_updates(db: Database, world: factories.World) -> None:
    run(db, HEADER + "".join(GOOD))
    before = counts(db)
    again = run(db, HEADER + "".join(GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert counts(db) == before  # no rows, no change-log entry, no audit entry
    changed = run(db, HEADER + GOOD[0].replace("stolen", "revoked") + "".join(GOOD[1:]))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    with db.transaction() as conn:
        row = conn.execute(select(documents).where(documents.c.number == "FA1234567")).one()
    assert (row.document_status, row.version) == ("revoked", 2)
    assert counts(db)[0] == 3


def test_strict_import_writes_nothing_when_a_line_is_bad(db: Database, world: factories.World) -> None:
    summary = run(db, HEADER + "".join(GOOD + BAD[:1] + GOOD), strict=True, batch_size=1)
    assert summary.rolled_back
    assert (summary.created, summary.rejected_lines) == (0, 1)
    assert counts(db) == (0, 0, 0)
    assert run(db, HEADER + "".join(GOOD), strict=True).created == 3


def test_wrong_encoding_and_overlong_lines_are_rejected_by_line(db: Database, world: factories.World) -> None:
    latin1 = (HEADER + "UZB,passport,FA1234567,stolen,,,,,\n" + "FRA,passport,FR1,lost,,,,Zoë Durand,\n").encode("latin-1")
    long_line = "UZB,passport,FA7,stolen,,,,," + "x" * 5000 + "\n"
    summary = run(db, latin1 + long_line.encode())
    assert summary.created == 1
    faults = {r.line: r.reason for r in summary.rejected}
    assert "not valid UTF-8" in faults[3]
    assert "longer than 4 KiB" in faults[4]
    utf16 = (HEADER + GOOD[0]).encode("utf-16")
    with pytest.raises(ValidationFailed, match="UTF-8"):
        run(db, utf16)


def test_latin1_text_in_a_field_is_named(db: Database, world: factories.World) -> None:
    text = (HEADER.replace(",hit_disclosure", ",hit_disclosure,holder_name") + "FRA,passport,FR1,lost,,,,,,Zoë\n").encode("latin-1")
    summary = run(db, text)
    assert summary.rejected[0].line == 2
    assert "not valid UTF-8" in summary.rejected[0].reason


def test_a_header_with_unknown_or_missing_columns_is_refused(db: Database, world: factories.World) -> None:
    with pytest.raises(ValidationFailed, match="unknown columns colour; missing columns document_status"):
        run(db, "issuing_state,number,colour\nUZB,FA1,red\n")


def test_json_lines_take_the_records_restriction(db: Database, world: factories.World) -> None:
    text = (
        '{"issuing_state":"UZB","number":"FA1234567","document_status":"stolen","restriction":{"mode":"except","agencies":["TJ-NCB"]}}\n'
        '{"issuing_state":"UZB","number":"FA1","document_status":"stolen","colour":"red"}\n'
        "[1, 2]\n"
    )
    summary = run(db, text, FileFormat.JSONL)
    assert summary.created == 1
    assert [(r.line, r.field) for r in summary.rejected] == [(2, "colour"), (3, "")]
    with db.transaction() as conn:
        row = conn.execute(select(documents)).one()
    assert (row.restriction_mode, row.restriction_agencies) == ("except", "TJ-NCB")


def cancel(db: Database, text: str, **options: object):  # type: ignore[no-untyped-def]
    return cancel_documents(db, "UZ-NCB", io.BytesIO(text.encode()), reason="found again", **options)  # type: ignore[arg-type]


def test_a_cancel_file_cancels_by_batch_and_names_bad_and_unknown_lines(db: Database, world: factories.World) -> None:
    run(db, HEADER + "".join(GOOD))
    before = counts(db)
    text = "State,Type,Number\nUZB,passport,FA1234567\nXYZ,passport,FA1\nuzb,,fa-765 4321\nUZB,passport,ZZ0000001\nKAZ,passport,N1000000\n"
    summary = cancel(db, text, batch_size=2)
    assert (summary.lines, summary.cancelled, summary.already_cancelled, summary.rejected_lines) == (5, 3, 0, 1)
    assert summary.not_found == [(5, ("UZB", "passport", "ZZ0000001"))]
    assert [(r.line, r.field) for r in summary.rejected] == [(3, "issuing_state")]
    assert not summary.complete
    with db.transaction() as conn:
        statuses = {r.number: r.status for r in conn.execute(select(documents.c.number, documents.c.status))}
        cancels = conn.execute(select(audit_log.c.detail).where(audit_log.c.action == "document.cancel")).scalars().all()
    assert statuses == {"FA1234567": "cancelled", "FA7654321": "cancelled", "N1000000": "cancelled"}
    assert counts(db)[1] == before[1] + 2  # two batches wrote: two changes
    assert len(cancels) == 2
    assert all(detail.endswith(": found again") for detail in cancels)
    again = cancel(db, text)
    assert (again.cancelled, again.already_cancelled) == (0, 3)
    assert counts(db)[1] == before[1] + 2


def test_a_cancel_file_needs_a_header_naming_state_and_number(db: Database, world: factories.World) -> None:
    with pytest.raises(ValidationFailed, match="missing columns number"):
        cancel(db, "state,type,colour\nUZB,passport,red\n")
    with pytest.raises(ValidationFailed, match="reason"):
        cancel_documents(db, "UZ-NCB", io.BytesIO(b"state,number\n"), reason="")


def test_importing_a_cancelled_document_again_reinstates_it(db: Database, world: factories.World) -> None:
    run(db, HEADER + "".join(GOOD))
    cancel(db, "state,number\nUZB,FA1234567\n")
    summary = run(db, HEADER + "".join(GOOD))
    assert (summary.created, summary.updated, summary.reinstated, summary.unchanged) == (0, 1, 1, 2)
    with db.transaction() as conn:
        assert conn.execute(select(documents.c.status).where(documents.c.number == "FA1234567")).scalar_one() == "active"
    assert run(db, HEADER + "".join(GOOD)).reinstated == 0


_IMPORTER = """
import sys
from kalkan.io.documents import FileFormat, import_documents
from kalkan.store.database import Database
with open(sys.argv[2], "rb") as source:
    import_documents(Database(sys.argv[1]), "UZ-NCB", source, FileFormat.CSV, batch_size=int(sys.argv[3]))
"""


def _batches_committed(db: Database) -> int:
    with db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(change_log)).scalar_one())


def test_an_import_killed_midway_leaves_whole_batches_and_a_rerun_finishes_it(
    db: Database, database_url: str, world: factories.World, tmp_path: Path
) -> None:
    lines = 60_000
    path = tmp_path / "documents.csv"
    path.write_text(HEADER + "".join(f"UZB,passport,KL{i:07d},stolen,,2026-01-15,all,,\n" for i in range(lines)))
    process = subprocess.Popen([sys.executable, "-c", _IMPORTER, database_url, str(path), "1000"])
    try:
        for _ in range(2000):
            if _batches_committed(db) >= 2 or process.poll() is not None:
                break
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    written, changes, audits = counts(db)
    assert written % 1000 == 0  # only whole batches are there
    assert written < lines  # killed midway
    assert written // 1000 == changes == audits
    with db.transaction() as conn:
        assert audit.verify(conn).problems == []
    with path.open("rb") as source:
        summary = import_documents(db, "UZ-NCB", source, FileFormat.CSV, batch_size=1000)
    assert (summary.created, summary.unchanged) == (lines - written, written)
    assert counts(db)[0] == lines
