"""``kalkan import un-sc | ofac | ftm``: summaries, exit codes, restrictions, damaged files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kalkan.cli import app
from kalkan.store.database import Database
from tests.io.list_support import DATA, held

INIT = ["init", "--agency-code", "SEC", "--agency-name", "General Secretariat", "--country", "fra", "--admin-username", "admin"]


@pytest.fixture(autouse=True)
def _development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KALKAN_MODE", raising=False)
    monkeypatch.delenv("KALKAN_DATABASE_URL", raising=False)


def kalkan(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--database-url", database_url, *args])


@pytest.fixture
def agency(database_url: str) -> str:
    assert kalkan(database_url, *INIT).exit_code == 0
    assert kalkan(database_url, "agency", "create", "--code", "UN-LISTS", "--name", "Lists", "--country", "FRA").exit_code == 0
    return "un-lists"


def test_import_un_sc_prints_a_summary_and_is_idempotent(database_url: str, db: Database, agency: str) -> None:
    result = kalkan(database_url, "import", "un-sc", str(DATA / "un_consolidated.xml"), "--agency", agency)
    assert result.exit_code == 0, result.output
    assert "UN Security Council consolidated list: 8 entries read. Records: 9 created, 0 updated, 0 unchanged, 0 cancelled" in result.output
    assert "INDIVIDUAL CDi.019: INDIVIDUAL_DOCUMENT" in result.output
    again = kalkan(database_url, "import", "un-sc", str(DATA / "un_consolidated.xml"), "--agency", agency)
    assert "0 created, 0 updated, 9 unchanged" in again.output


def test_import_ofac_with_alt_and_add_and_a_restriction(database_url: str, db: Database, agency: str) -> None:
    args = [
        "import",
        "ofac",
        str(DATA / "ofac_2019_sdn.csv"),
        "--alt",
        str(DATA / "ofac_2019_alt.csv"),
        "--add",
        str(DATA / "ofac_2019_add.csv"),
    ]
    result = kalkan(database_url, *args, "--agency", agency, "--restriction", "only", "--restriction-agency", "SEC")
    assert result.exit_code == 0, result.output
    assert "OFAC SDN list: 3 entries read. Records: 3 created" in result.output
    bank = held(db, "UN-LISTS", "ofac")["306"]
    assert bank.restriction.mode.value == "only"
    assert bank.restriction.agencies == ("SEC",)


def test_import_ftm_rejected_entries_give_exit_status_1(database_url: str, agency: str, tmp_path: Path) -> None:
    file = tmp_path / "entities.jsonl"
    file.write_bytes((DATA / "ftm_entities.jsonl").read_bytes() + b'{"id": "x1", "schema": "Person", "properties": {}}\n')
    result = kalkan(database_url, "import", "ftm", str(file), "--agency", agency)
    assert result.exit_code == 1
    assert "rejected line 14 (Person x1): properties.name: the entity has no name" in result.output
    assert "Skipped 1: schema Address" in result.output


def test_a_damaged_file_is_an_error_naming_where(database_url: str, agency: str, tmp_path: Path) -> None:
    file = tmp_path / "list.xml"
    file.write_bytes((DATA / "un_consolidated.xml").read_bytes()[:5000])
    result = kalkan(database_url, "import", "un-sc", str(file), "--agency", agency)
    assert result.exit_code == 1
    assert "not well-formed XML at line" in result.output
    missing = kalkan(database_url, "import", "ofac", str(tmp_path / "nothing.csv"), "--agency", agency)
    assert missing.exit_code == 1
    assert "no file" in missing.output
    bad_restriction = kalkan(
        database_url, "import", "un-sc", str(DATA / "un_consolidated.xml"), "--agency", agency, "--restriction", "only"
    )
    assert bad_restriction.exit_code == 1
    assert "restriction" in bad_restriction.output
