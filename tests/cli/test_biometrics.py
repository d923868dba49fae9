"""``kalkan biometrics ...``: enrol, search, ANSI/NIST-ITL import and export, key rotation, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from kalkan.access.scope import Scope
from kalkan.biometrics import nist, synthetic
from kalkan.biometrics.crypto import DEVELOPMENT_KEY
from kalkan.cli import app
from kalkan.store.biometrics import biometric_samples
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log
from tests import factories
from tests.biometrics.conftest import DATA, png  # skips this module without the 'biometrics' extra

INIT = ["init", "--agency-code", "SEC", "--agency-name", "General Secretariat", "--country", "fra", "--admin-username", "admin"]
INFO = nist.TransactionInfo("CAR", "UZ-NCB", "KZ-NCB", "TCN-0001", "20240501")


@pytest.fixture(autouse=True)
def _development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KALKAN_MODE", "KALKAN_DATABASE_URL", "KALKAN_BIOMETRIC_KEY", "KALKAN_BIOMETRIC_RETIRED_KEYS"):
        monkeypatch.delenv(name, raising=False)


def kalkan(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--database-url", database_url, *args])


def _person(db: Database, agency: str, **restriction: object) -> str:
    with db.transaction() as conn:
        record = factories.person(restriction=restriction or {"mode": "all"})
        return RecordStore(conn, Scope.system(agency)).create(record).id


def _samples(db: Database, record_id: str | None = None) -> int:
    query = select(func.count()).select_from(biometric_samples)
    if record_id:
        query = query.where(biometric_samples.c.record_id == record_id)
    with db.transaction() as conn:
        return int(conn.execute(query).scalar_one())


@pytest.fixture
def record(database_url: str, db: Database) -> str:
    """A person record of UZ-NCB that KZ-NCB may see and TJ-NCB may not."""
    assert kalkan(database_url, *INIT).exit_code == 0
    for code, country in (("UZ-NCB", "UZB"), ("KZ-NCB", "KAZ"), ("TJ-NCB", "TJK")):
        created = kalkan(database_url, "agency", "create", "--code", code, "--name", f"Bureau {code}", "--country", country)
        assert created.exit_code == 0, created.output
    return _person(db, "UZ-NCB", mode="only", agencies=["KZ-NCB"])


@pytest.fixture
def finger(tmp_path: Path) -> Path:
    path = tmp_path / "finger.png"
    path.write_bytes(png(synthetic.ridge_image(5)))
    return path


def test_a_face_enrolled_is_a_potential_candidate_only_for_an_agency_that_may_see_it(database_url: str, db: Database, record: str) -> None:
    enrolled = kalkan(database_url, "biometrics", "enrol-face", record, str(DATA / "obama__1.jpg"), "--agency", "uz-ncb")
    assert enrolled.exit_code == 0, enrolled.output
    assert f"Enrolled 1 face on record {record}" in enrolled.stdout
    assert "quality" in enrolled.stdout

    seen = kalkan(database_url, "biometrics", "search-face", str(DATA / "obama__2.jpg"), "--as-agency", "KZ-NCB", "--top", "3")
    assert seen.exit_code == 0, seen.output
    assert "Outcome: potential candidate" in seen.stdout
    assert record in seen.stdout
    assert "not an identification" in seen.stdout

    unseen = kalkan(database_url, "biometrics", "search-face", str(DATA / "obama__2.jpg"), "--as-agency", "TJ-NCB")
    assert unseen.exit_code == 0, unseen.output
    assert "Outcome: no candidate" in unseen.stdout
    assert record not in unseen.stdout
    with db.transaction() as conn:
        searches = conn.execute(
            select(audit_log.c.agency, audit_log.c.username).where(audit_log.c.action == "biometrics.face_search")
        ).all()
    assert sorted(agency for agency, _ in searches) == ["KZ-NCB", "TJ-NCB"]
    assert all(username.startswith("cli:") for _, username in searches)


def test_a_finger_is_enrolled_at_its_position_and_found_again(database_url: str, db: Database, record: str, finger: Path) -> None:
    enrolled = kalkan(
        database_url, "biometrics", "enrol-finger", record, str(finger), "--position", "7", "--impression", "rolled", "--agency", "UZ-NCB"
    )
    assert enrolled.exit_code == 0, enrolled.output
    assert "finger 7 (left index)" in enrolled.stdout
    found = kalkan(database_url, "biometrics", "search-finger", str(finger), "--as-agency", "KZ-NCB")
    assert found.exit_code == 0, found.output
    assert "Outcome: potential candidate" in found.stdout
    assert record in found.stdout


def test_enrolment_refusals_exit_1_with_a_message(database_url: str, db: Database, record: str, finger: Path) -> None:
    bogus = kalkan(
        database_url, "biometrics", "enrol-finger", record, str(finger), "--position", "2", "--impression", "smudged", "--agency", "UZ-NCB"
    )
    assert bogus.exit_code == 1
    assert "must be plain or rolled" in bogus.stderr
    not_owner = kalkan(database_url, "biometrics", "enrol-finger", record, str(finger), "--position", "2", "--agency", "KZ-NCB")
    assert not_owner.exit_code == 1
    assert "only its owner" in not_owner.stderr
    no_face = kalkan(database_url, "biometrics", "enrol-face", record, str(DATA / "README.md"), "--agency", "UZ-NCB")
    assert no_face.exit_code == 1
    assert "not a PNG or JPEG image" in no_face.stderr
    assert "Traceback" not in bogus.output + not_owner.output + no_face.output
    assert _samples(db) == 0


def test_export_then_import_moves_a_persons_biometrics(database_url: str, db: Database, record: str, finger: Path, tmp_path: Path) -> None:
    assert kalkan(database_url, "biometrics", "enrol-finger", record, str(finger), "--position", "3", "--agency", "UZ-NCB").exit_code == 0
    output = tmp_path / "person.an2"
    exported = kalkan(database_url, "biometrics", "export-nist", record, "--output", str(output), "--as-agency", "KZ-NCB")
    assert exported.exit_code == 0, exported.output
    assert "Wrote 1 finger and 0 face records" in exported.stdout
    assert output.read_bytes().startswith(b"1.001:")
    assert not (tmp_path / "person.an2.partial").exists()

    refused = kalkan(database_url, "biometrics", "export-nist", record, "--output", str(tmp_path / "no.an2"), "--as-agency", "TJ-NCB")
    assert refused.exit_code == 1
    assert f"no person record {record} that your agency may see" in refused.stderr
    assert not (tmp_path / "no.an2").exists()

    other = _person(db, "UZ-NCB")
    imported = kalkan(database_url, "biometrics", "import-nist", str(output), "--record", other, "--agency", "UZ-NCB")
    assert imported.exit_code == 0, imported.output
    assert f"1 enrolled on record {other}, 0 skipped" in imported.stdout
    assert "finger 3 (right middle)" in imported.stdout
    assert _samples(db, other) == 1


def test_import_skips_a_wsq_record_and_strict_imports_nothing(database_url: str, db: Database, record: str, tmp_path: Path) -> None:
    ridges = synthetic.ridge_image(5)
    good = nist.FingerImage(2, 0, ridges.shape[1], ridges.shape[0], "PNG", png(ridges))
    wsq = nist.FingerImage(5, 0, ridges.shape[1], ridges.shape[0], "WSQ20", b"\xff\xa0\xff\xa8")
    path = tmp_path / "mixed.an2"
    path.write_bytes(nist.write(INFO, [good, wsq], descriptive_text={18: "DOE, JOHN"}))

    strict = kalkan(database_url, "biometrics", "import-nist", str(path), "--record", record, "--agency", "UZ-NCB", "--strict")
    assert strict.exit_code == 1
    assert "Type-14 record 4, field 14.011: WSQ-compressed (WSQ20): no WSQ decoder is installed" in strict.stderr
    assert _samples(db) == 0

    lenient = kalkan(database_url, "biometrics", "import-nist", str(path), "--record", record, "--agency", "UZ-NCB")
    assert lenient.exit_code == 1
    assert "TCN-0001: 1 enrolled" in lenient.stdout
    assert "skipped Type-14 record 4, field 14.011" in lenient.stdout
    assert "1 Type-2 record(s) of descriptive text" in lenient.stdout
    assert _samples(db) == 1


def test_a_malformed_file_exits_1_naming_record_and_field(database_url: str, db: Database, record: str, tmp_path: Path) -> None:
    ridges = synthetic.ridge_image(5)
    data = nist.write(INFO, [nist.FingerImage(2, 0, ridges.shape[1], ridges.shape[0], "PNG", png(ridges))])
    path = tmp_path / "cut.an2"
    path.write_bytes(data[:-100])
    result = kalkan(database_url, "biometrics", "import-nist", str(path), "--record", record, "--agency", "UZ-NCB")
    assert result.exit_code == 1
    assert "Type-14 record 2, field 14.001: length" in result.stderr
    assert "exceeds the" in result.stderr
    assert "Traceback" not in result.output
    missing = kalkan(database_url, "biometrics", "import-nist", str(tmp_path / "absent.an2"), "--record", record, "--agency", "UZ-NCB")
    assert missing.exit_code == 1
    assert "no file" in missing.stderr
    assert _samples(db) == 0


def test_rotate_key_reseals_under_the_new_key(database_url: str, db: Database, record: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert kalkan(database_url, "biometrics", "enrol-face", record, str(DATA / "obama__1.jpg"), "--agency", "UZ-NCB").exit_code == 0
    with db.transaction() as conn:
        before = conn.execute(select(biometric_samples.c.key_id)).scalar_one()
    monkeypatch.setenv("KALKAN_BIOMETRIC_KEY", "r" * 40)
    monkeypatch.setenv("KALKAN_BIOMETRIC_RETIRED_KEYS", DEVELOPMENT_KEY)
    rotated = kalkan(database_url, "biometrics", "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    assert "Re-sealed 1 samples" in rotated.stdout
    with db.transaction() as conn:
        after = conn.execute(select(biometric_samples.c.key_id)).scalar_one()
        logged = conn.execute(select(func.count()).select_from(audit_log).where(audit_log.c.action == "biometrics.rotate_key")).scalar_one()
    assert after != before
    assert logged == 1
    assert kalkan(database_url, "biometrics", "rotate-key").stdout.startswith("Re-sealed 0 samples")
    found = kalkan(database_url, "biometrics", "search-face", str(DATA / "obama__2.jpg"), "--as-agency", "KZ-NCB")
    assert "Outcome: potential candidate" in found.stdout
