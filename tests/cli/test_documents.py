"""``kalkan import documents``, ``kalkan check document``, ``kalkan documents cancel`` and ``kalkan index documents``."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from kalkan.access.scope import Scope
from kalkan.cli import app, common
from kalkan.cli import documents as cli_documents
from kalkan.io.documents import import_documents
from kalkan.model.mrz import MRZDate, MRZFields, MRZFormat, Sex, build_mrz
from kalkan.store import documents
from kalkan.store.database import Database
from tests import factories

HEADER = "issuing_state,document_type,number,document_status,range_end,restriction_mode,hit_disclosure\n"
GOOD = "UZB,passport,FA1234567,stolen,,all,\nUZB,passport,N1000000,stolen_blank,N1000999,all,\n"
BAD = "XYZ,passport,FA1,stolen,,all,\n"


@pytest.fixture(autouse=True)
def _development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KALKAN_MODE", raising=False)
    monkeypatch.delenv("KALKAN_DATABASE_URL", raising=False)
    monkeypatch.delenv("KALKAN_INDEX_DIR", raising=False)


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=())


def kalkan(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--database-url", database_url, *args])


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def statuses(db: Database) -> dict[str, str]:
    with db.transaction() as conn:
        return {r.number: r.status for r in conn.execute(select(documents.documents.c.number, documents.documents.c.status))}


def zone(number: str = "FA1234567") -> list[str]:
    fields = MRZFields(
        document_code="P",
        issuing_state="UZB",
        primary_identifier="JALOLOV",
        secondary_identifiers="AZIZ",
        document_number=number,
        nationality="UZB",
        birth_date=MRZDate(1984, 3, 12),
        sex=Sex.MALE,
        expiry_date=date(2031, 5, 1),
    )
    return list(build_mrz(fields, MRZFormat.TD3))


# -- kalkan import documents ---------------------------------------------------------


def test_an_import_writes_the_file_and_a_second_run_changes_nothing(database_url: str, db: Database, world: Any, tmp_path: Path) -> None:
    file = write(tmp_path, "stolen.csv", HEADER + GOOD)
    first = kalkan(database_url, "import", "documents", file, "--agency", "UZ-NCB")
    assert first.exit_code == 0, first.output
    assert "Read 2 lines: 2 created, 0 updated, 0 unchanged, 0 rejected." in first.stdout
    assert statuses(db) == {"FA1234567": "active", "N1000000": "active"}
    again = kalkan(database_url, "import", "documents", file, "--agency", "UZ-NCB")
    assert again.exit_code == 0, again.output
    assert "0 created, 0 updated, 2 unchanged" in again.stdout


def test_rejected_lines_exit_1_and_go_to_the_rejects_file(database_url: str, db: Database, world: Any, tmp_path: Path) -> None:
    file = write(tmp_path, "stolen.csv", HEADER + BAD + GOOD)
    rejects = tmp_path / "rejected.csv"
    result = kalkan(database_url, "import", "documents", file, "--agency", "UZ-NCB", "--rejects", str(rejects))
    assert result.exit_code == 1, result.output
    assert "line 2: issuing_state: unknown country code 'XYZ'" in result.stdout
    assert "The other lines went in" in result.stderr
    with rejects.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "field", "reason"]
    assert rows[1][:2] == ["2", "issuing_state"]
    assert set(statuses(db)) == {"FA1234567", "N1000000"}


def test_strict_writes_nothing_when_a_line_is_bad(database_url: str, db: Database, world: Any, tmp_path: Path) -> None:
    file = write(tmp_path, "stolen.csv", HEADER + GOOD + BAD)
    result = kalkan(database_url, "import", "documents", file, "--agency", "UZ-NCB", "--strict", "--batch-size", "1")
    assert result.exit_code == 1, result.output
    assert "Strict import: nothing was written." in result.stderr
    assert statuses(db) == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--agency", "UZ-NCB"], "no file missing.csv"),
        (["{file}", "--agency", "NOPE-NCB"], "no agency NOPE-NCB"),
        (["{text}", "--agency", "UZ-NCB"], "cannot tell the format"),
    ],
)
def test_a_file_or_agency_that_cannot_be_imported_exits_1(
    database_url: str, world: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    names = {"{file}": write(tmp_path, "stolen.csv", HEADER + GOOD), "{text}": write(tmp_path, "stolen.txt", HEADER + GOOD)}
    result = kalkan(database_url, "import", "documents", *(names.get(arg, arg) for arg in args))
    assert result.exit_code == 1, result.output
    assert message in result.stderr


def _spy_on_progress(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    seen: list[object] = []

    def spy(*args: Any, **options: Any) -> Any:
        seen.append(options["progress"])
        return import_documents(*args, **options)

    monkeypatch.setattr(cli_documents, "import_documents", spy)
    return seen


def test_no_progress_bar_without_a_terminal(database_url: str, world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _spy_on_progress(monkeypatch)
    result = kalkan(database_url, "import", "documents", write(tmp_path, "stolen.csv", HEADER + GOOD), "--agency", "UZ-NCB")
    assert result.exit_code == 0, result.output
    assert seen == [None]
    assert "importing" not in result.output


def test_a_progress_bar_on_a_terminal(database_url: str, world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _spy_on_progress(monkeypatch)
    monkeypatch.setattr(common.out, "_force_terminal", True)
    result = kalkan(database_url, "import", "documents", write(tmp_path, "stolen.csv", HEADER + GOOD), "--agency", "UZ-NCB")
    assert result.exit_code == 0, result.output
    assert seen[0] is not None
    assert "importing" in result.output


# -- kalkan check document ---------------------------------------------------------


@pytest.fixture
def reported(db: Database, world: Any) -> None:
    with db.transaction() as conn:
        documents.write_batch(
            conn,
            Scope.system("UZ-NCB"),
            [
                documents.DocumentEntry("UZB", "passport", "FA1234567", "stolen", reported_on=date(2026, 1, 15), restriction_mode="all"),
                documents.DocumentEntry("UZB", "passport", "N1000000", "stolen_blank", range_end="N1000999", restriction_mode="all"),
            ],
        )
        documents.write_batch(
            conn,
            Scope.system("KZ-NCB"),
            [
                documents.DocumentEntry("KAZ", "passport", "N5550001", "stolen", hit_disclosure="contact_owner"),
                documents.DocumentEntry("KAZ", "passport", "N5550002", "stolen", hit_disclosure="nothing"),
            ],
        )


def check(database_url: str, *args: str) -> Result:
    return kalkan(database_url, "check", "document", *args)


def test_a_hit_names_the_document_and_the_reporting_agency(database_url: str, reported: None) -> None:
    result = check(database_url, "--state", "uzb", "--number", "FA-123 4567", "--type", "passport", "--as-agency", "TJ-NCB")
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("HIT: UZB passport FA1234567 stolen, reported by UZ-NCB (2026-01-15); record document:")
    in_range = check(database_url, "--state", "UZB", "--number", "N1000500")
    assert in_range.exit_code == 3, in_range.output
    assert "HIT: UZB passport N1000000 to N1000999 stolen_blank" in in_range.stdout


def test_no_hit_exits_0(database_url: str, reported: None) -> None:
    result = check(database_url, "--state", "UZB", "--number", "FA7654321")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "no hit for UZB any type FA7654321"


def test_a_near_miss_is_a_possible_hit_saying_why(database_url: str, reported: None) -> None:
    ocr = check(database_url, "--state", "UZB", "--number", "FAI234567")
    assert ocr.exit_code == 3, ocr.output
    assert ocr.stdout.startswith("possible hit (ocr_variant): UZB passport FA1234567")
    other_state = check(database_url, "--state", "KGZ", "--number", "FA1234567")
    assert other_state.exit_code == 3, other_state.output
    assert other_state.stdout.startswith("possible hit (other_state): UZB passport FA1234567")


def test_a_zone_is_checked_and_its_faults_name_the_line_and_field(database_url: str, reported: None) -> None:
    lines = zone()
    clean = check(database_url, "--mrz", "\n".join(lines))
    assert clean.exit_code == 3, clean.output
    assert clean.stdout.startswith("HIT: UZB passport FA1234567")
    assert clean.stderr == ""
    broken = lines[1][:9] + ("0" if lines[1][9] != "0" else "1") + lines[1][10:]
    faulty = check(database_url, "--mrz", f"{lines[0]}\n{broken}")
    assert faulty.exit_code == 3, faulty.output  # still checked, as read
    assert "zone: line 2, document number: check digit" in faulty.stderr
    unreadable = check(database_url, "--mrz", lines[0][:20])
    assert unreadable.exit_code == 1
    assert "error: mrz: 1 line of 20 characters" in unreadable.stderr
    unknown_state = check(database_url, "--mrz", "\n".join(zone()).replace("UZB", "QQQ"))
    assert unknown_state.exit_code == 1
    assert "mrz.issuing_state: unknown country code 'QQQ'" in unknown_state.stderr


def test_a_restricted_record_follows_its_owners_hit_disclosure(database_url: str, reported: None) -> None:
    contact = check(database_url, "--state", "KAZ", "--number", "N5550001", "--as-agency", "TJ-NCB")
    assert contact.exit_code == 3, contact.output
    assert contact.stdout.strip() == "HIT: restricted record: contact agency KZ-NCB"
    hidden = check(database_url, "--state", "KAZ", "--number", "N5550002", "--as-agency", "TJ-NCB")
    assert hidden.exit_code == 0, hidden.output
    assert hidden.stdout.startswith("no hit")
    owner = check(database_url, "--state", "KAZ", "--number", "N5550002", "--as-agency", "KZ-NCB")
    assert owner.exit_code == 3, owner.output
    assert "reported by KZ-NCB" in owner.stdout


# -- kalkan documents cancel ---------------------------------------------------------


def cancel(database_url: str, *args: str) -> Result:
    return kalkan(database_url, "documents", "cancel", "--agency", "UZ-NCB", "--reason", "found by the holder", *args)


def test_cancelling_one_document_stops_its_hits_and_a_rerun_changes_nothing(database_url: str, db: Database, reported: None) -> None:
    done = cancel(database_url, "--state", "UZB", "--type", "passport", "--number", "FA1234567")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("Cancelled UZB passport FA1234567 of UZ-NCB (document:")
    assert statuses(db)["FA1234567"] == "cancelled"
    assert check(database_url, "--state", "UZB", "--number", "FA1234567").exit_code == 0
    again = cancel(database_url, "--state", "UZB", "--number", "FA1234567")
    assert again.exit_code == 0, again.output
    assert "was already cancelled: nothing changed" in again.stdout
    theirs = cancel(database_url, "--state", "KAZ", "--number", "N5550001")  # KZ-NCB's
    assert theirs.exit_code == 1
    assert "UZ-NCB has reported no KAZ passport N5550001" in theirs.stderr
    assert statuses(db)["N5550001"] == "active"


def test_cancelling_needs_a_reason_and_a_document(database_url: str, reported: None) -> None:
    blank = kalkan(database_url, "documents", "cancel", "--agency", "UZ-NCB", "--reason", " ", "--state", "UZB", "--number", "FA1234567")
    assert blank.exit_code == 1
    assert "reason" in blank.stderr
    nothing = cancel(database_url, "--state", "UZB")
    assert nothing.exit_code == 1
    assert "--number" in nothing.stderr


def test_a_cancel_file_reports_bad_and_unknown_lines_and_a_reimport_reinstates(
    database_url: str, db: Database, reported: None, tmp_path: Path
) -> None:
    file = write(
        tmp_path, "found.csv", "state,type,number\nUZB,passport,FA1234567\nUZB,passport,N1000000\nXYZ,passport,A1\nUZB,visa,FA1234567\n"
    )
    result = cancel(database_url, "--file", file)
    assert result.exit_code == 1, result.output
    assert "Read 4 lines: 2 cancelled, 0 already cancelled, 1 not found, 1 rejected." in result.stdout
    assert "line 5: not found: UZB visa FA1234567" in result.stdout
    assert "line 4: issuing_state: unknown country code 'XYZ'" in result.stdout
    assert statuses(db) == {"FA1234567": "cancelled", "N1000000": "cancelled", "N5550001": "active", "N5550002": "active"}
    assert check(database_url, "--state", "UZB", "--number", "N1000500").exit_code == 0
    renewed = kalkan(database_url, "import", "documents", write(tmp_path, "stolen.csv", HEADER + GOOD), "--agency", "UZ-NCB")
    assert renewed.exit_code == 0, renewed.output
    assert "2 updated" in renewed.stdout
    assert "2 of the updated documents had been cancelled and are reinstated" in renewed.stdout
    assert check(database_url, "--state", "UZB", "--number", "N1000500").exit_code == 3


# -- kalkan index documents ----------------------------------------------------------


def test_an_index_saved_ahead_of_time_and_checked_against_the_change_log(
    database_url: str, db: Database, reported: None, tmp_path: Path
) -> None:
    folder = tmp_path / "index"
    missing = kalkan(database_url, "index", "documents", "--index-dir", str(folder), "--check")
    assert missing.exit_code == 1
    assert "no document index snapshot" in missing.stderr
    saved = kalkan(database_url, "index", "documents", "--index-dir", str(folder))
    assert saved.exit_code == 0, saved.output
    assert saved.stdout.startswith("Saved the index of 4 documents at change ")
    assert (folder / "CURRENT").exists()
    current = kalkan(database_url, "index", "documents", "--index-dir", str(folder), "--check")
    assert current.exit_code == 0, current.output
    assert "0 document changes since" in current.stdout
    assert cancel(database_url, "--state", "UZB", "--number", "FA1234567").exit_code == 0
    behind = kalkan(database_url, "index", "documents", "--index-dir", str(folder), "--check")
    assert behind.exit_code == 1
    assert "1 document changes since" in behind.stdout
    with db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(documents.documents)).scalar_one() == 4


def test_the_index_needs_a_folder(database_url: str, reported: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = kalkan(database_url, "index", "documents")
    assert result.exit_code == 1
    assert "--index-dir" in result.stderr
    monkeypatch.setenv("KALKAN_INDEX_DIR", str(tmp_path))
    assert kalkan(database_url, "index", "documents").exit_code == 0
    assert (tmp_path / "CURRENT").exists()
