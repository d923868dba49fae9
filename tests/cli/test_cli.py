"""The ``kalkan`` command line, run through Typer's test runner against SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import getpass
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner, Result

from kalkan.access.roles import Role
from kalkan.cli import app
from kalkan.errors import NotAuthenticated
from kalkan.store import users
from kalkan.store.database import Database
from kalkan.store.records import RecordFilter, RecordStore
from kalkan.store.tables import agencies, audit_log, record_agencies, records
from tests import factories

INIT = ["init", "--agency-code", "SEC", "--agency-name", "General Secretariat", "--country", "fra", "--admin-username", "admin"]


@pytest.fixture(autouse=True)
def _development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KALKAN_MODE", raising=False)
    monkeypatch.delenv("KALKAN_DATABASE_URL", raising=False)


def kalkan(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--database-url", database_url, *args])


def _count(db: Database, table: Any) -> int:
    with db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def admin_token(database_url: str) -> str:
    result = kalkan(database_url, *INIT)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_init_creates_the_secretariat_and_an_administrator_with_a_working_token(db: Database, admin_token: str) -> None:
    with db.transaction() as conn:
        scope = users.authenticate(conn, admin_token)
    assert scope.agency == "SEC"
    assert scope.roles == {Role.SECRETARIAT, Role.AGENCY_ADMIN}


def test_init_on_an_initialised_database_fails_and_changes_nothing(database_url: str, db: Database, admin_token: str) -> None:
    entries = _count(db, audit_log)
    result = kalkan(database_url, *INIT[:-1], "second-admin")
    assert result.exit_code == 1
    assert "already initialised" in result.stderr
    assert "Traceback" not in result.output
    assert _count(db, audit_log) == entries
    with db.transaction() as conn:
        assert users.find_user(conn, "second-admin") is None


def test_init_without_its_options_and_no_terminal_exits_2_naming_them(database_url: str, db: Database) -> None:
    result = kalkan(database_url, "init", "--agency-code", "SEC")
    assert result.exit_code == 2
    assert "--agency-name, --country, --admin-username" in result.stderr
    assert "--agency-code" not in result.stderr
    assert _count(db, agencies) == 0


def test_init_creates_the_schema_of_a_new_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert kalkan(url, "agency", "list").exit_code == 1  # no schema yet: told to run init
    assert kalkan(url, *INIT).exit_code == 0
    assert Database(url).is_current()


def test_agencies_users_and_tokens_are_managed_and_audited(database_url: str, db: Database, admin_token: str) -> None:
    assert kalkan(database_url, "agency", "create", "--code", "kz-ncb", "--name", "NCB Astana", "--country", "KAZ").exit_code == 0
    no_parent = kalkan(
        database_url, "agency", "create", "--code", "KZ-FIU", "--name", "FIU", "--country", "KAZ", "--kind", "national_service"
    )
    assert no_parent.exit_code == 1
    assert "parent" in no_parent.stderr
    assert "KZ-NCB" in kalkan(database_url, "agency", "list").stdout

    created = kalkan(database_url, "user", "create", "--username", "aigerim", "--agency", "KZ-NCB", "--role", "analyst", "--role", "editor")
    assert created.exit_code == 0, created.output
    assert "aigerim" in kalkan(database_url, "user", "list", "--agency", "KZ-NCB").stdout
    issued = kalkan(database_url, "token", "issue", "aigerim", "--days", "7")
    assert issued.exit_code == 0
    secret = issued.stdout.strip()
    with db.transaction() as conn:
        scope = users.authenticate(conn, secret)
        token_id = users.list_tokens(conn, scope, scope.user_id)[0].id
    assert (scope.agency, scope.roles) == ("KZ-NCB", {Role.ANALYST, Role.EDITOR})
    assert secret[:8] in kalkan(database_url, "token", "list", "--user", "aigerim").stdout

    assert kalkan(database_url, "token", "revoke", str(token_id)).exit_code == 0
    with pytest.raises(NotAuthenticated, match="revoked"), db.transaction() as conn:
        users.authenticate(conn, secret)
    assert kalkan(database_url, "user", "update", "aigerim", "--inactive", "--role", "officer").exit_code == 0
    assert kalkan(database_url, "agency", "update", "KZ-NCB", "--suspended").exit_code == 0
    with db.transaction() as conn:
        user = users.find_user(conn, "aigerim")
        operator = f"cli:{getpass.getuser()}"
        actions = conn.execute(select(audit_log.c.action).where(audit_log.c.username == operator)).scalars().all()
    assert user is not None
    assert (user.active, user.roles) == (False, {Role.OFFICER})
    assert {"agency.create", "user.create", "token.issue", "token.revoke", "user.update", "agency.update"} <= set(actions)

    unknown = kalkan(database_url, "token", "issue", "nobody")
    assert (unknown.exit_code, unknown.stderr.strip()) == (1, "error: no user nobody")


def test_audit_verify_names_the_entry_that_was_edited(database_url: str, db: Database, admin_token: str) -> None:
    intact = kalkan(database_url, "audit", "verify")
    assert intact.exit_code == 0
    assert "intact" in intact.stdout
    with db.transaction() as conn:
        conn.execute(text("UPDATE audit_log SET detail = 'forged' WHERE seq = 2"))
    tampered = kalkan(database_url, "audit", "verify")
    assert tampered.exit_code == 1
    assert "seq 2: contents do not match the stored hash (edited)" in tampered.stdout


def _person_line(ref: str, **overrides: Any) -> str:
    data = {
        "kind": "person",
        "external_refs": [{"scheme": "case", "value": ref}],
        "names": ["Tursunov Jasur", {"value": "Турсунов Жасур", "kind": "original_script"}],
        "nationalities": ["UZB"],
        "restriction": {"mode": "all"},
        **overrides,
    }
    return json.dumps(data, ensure_ascii=False)


def test_import_reports_rejects_and_exit_codes(database_url: str, db: Database, admin_token: str, tmp_path: Path) -> None:
    assert kalkan(database_url, "agency", "create", "--code", "UZ-NCB", "--name", "NCB Tashkent", "--country", "UZB").exit_code == 0
    source = tmp_path / "records.jsonl"
    source.write_text("\n".join([_person_line("UZ-1"), _person_line("UZ-2"), _person_line("UZ-3", nationalities=["XYZ"])]) + "\n")
    rejects = tmp_path / "rejects.csv"

    strict = kalkan(database_url, "import", "records", str(source), "--agency", "UZ-NCB", "--strict")
    assert strict.exit_code == 1
    assert "nothing was written" in strict.stderr
    assert _count(db, records) == 0

    partial = kalkan(database_url, "import", "records", str(source), "--agency", "UZ-NCB", "--rejects", str(rejects))
    assert partial.exit_code == 1
    assert "2 created" in partial.stdout
    assert "line 3: nationalities[0]: unknown country code 'XYZ'" in partial.stdout
    with rejects.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "field", "reason"]
    assert rows[1][:2] == ["3", "nationalities[0]"]

    source.write_text("\n".join([_person_line("UZ-1"), _person_line("UZ-2"), _person_line("UZ-3", nationalities=["UZB", "KAZ"])]) + "\n")
    complete = kalkan(database_url, "import", "records", str(source), "--agency", "UZ-NCB")
    assert complete.exit_code == 0, complete.output
    assert "1 created, 0 updated, 2 unchanged, 0 rejected" in complete.stdout
    assert _count(db, records) == 3

    missing = kalkan(database_url, "import", "records", str(source), "--agency", "XX-NCB")
    assert (missing.exit_code, missing.stderr.strip()) == (1, "error: no agency XX-NCB")


def test_export_writes_what_the_agency_may_see(database_url: str, db: Database, tmp_path: Path) -> None:
    world = factories.build_world(db, roles=(Role.EDITOR,))
    with db.transaction() as conn:
        store = RecordStore(conn, world.scope("UZ-NCB", Role.EDITOR))
        store.create(factories.person(restriction={"mode": "all"}))
        store.create(factories.person(names=["Owner Only"], restriction={"mode": "owner"}))
        store.create(factories.travel_document())
    output = tmp_path / "uz.jsonl"
    own = kalkan(database_url, "export", "records", "--as-agency", "UZ-NCB", "--output", str(output))
    assert own.exit_code == 0, own.output
    assert len(output.read_text(encoding="utf-8").splitlines()) == 3
    assert not output.with_name("uz.jsonl.partial").exists()

    theirs = kalkan(database_url, "export", "records", "--as-agency", "KZ-NCB", "--kind", "person")
    assert theirs.exit_code == 0
    lines = [json.loads(line) for line in theirs.stdout.splitlines()]
    assert [(line["kind"], line["owner"]) for line in lines] == [("person", "UZ-NCB")]
    assert "Owner Only" not in theirs.stdout


def test_demo_loads_once_with_mixed_access_restrictions(database_url: str, db: Database) -> None:
    result = CliRunner().invoke(app, ["demo", "--database-url", database_url, "--no-serve", "--size", "0.05"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.stdout
    tokens = {
        parts[1]: parts[-1] for parts in (line.split() for line in result.stdout.splitlines()) if parts and parts[-1].startswith("kal_")
    }
    assert {"sec-admin", "sec-auditor", "kz-ncb-analyst", "kz-fiu-editor", "caricc-officer"} <= tokens.keys()
    with db.transaction() as conn:
        modes = dict(conn.execute(select(records.c.restriction_mode, func.count()).group_by(records.c.restriction_mode)).all())
        disclosures = set(conn.execute(select(records.c.hit_disclosure).distinct()).scalars())
        listed = conn.execute(select(func.count()).select_from(record_agencies)).scalar_one()
        total = sum(modes.values())
        analyst = users.authenticate(conn, tokens["kz-ncb-analyst"])
        seen = RecordStore(conn, analyst).count(RecordFilter(status=None))
    assert set(modes) == {"all", "only", "except", "owner"}
    assert disclosures == {"nothing", "contact_owner"}
    assert listed > 0
    assert 0 < seen < total  # KZ-NCB's analyst sees much, but not what others keep from it

    again = CliRunner().invoke(app, ["demo", "--database-url", database_url, "--no-serve", "--size", "0.05"])
    assert again.exit_code == 0
    assert "already held" in again.stdout
    assert _count(db, records) == total
    with pytest.raises(NotAuthenticated, match="revoked"), db.transaction() as conn:
        users.authenticate(conn, tokens["kz-ncb-analyst"])


def test_demo_refuses_a_database_with_other_data_and_production_mode(
    database_url: str, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = CliRunner().invoke(app, ["demo", "--database-url", database_url, "--no-serve"])
    assert other.exit_code == 1
    assert "not Kalkan's demo" in other.stderr
    monkeypatch.setenv("KALKAN_MODE", "production")
    production = CliRunner().invoke(app, ["demo", "--database-url", database_url, "--no-serve"])
    assert production.exit_code == 1
    assert "production mode" in production.stderr


def test_import_reads_standard_input(database_url: str, db: Database, admin_token: str) -> None:
    assert kalkan(database_url, "agency", "create", "--code", "UZ-NCB", "--name", "NCB Tashkent", "--country", "UZB").exit_code == 0
    lines = (_person_line("UZ-1") + "\n" + _person_line("UZ-2") + "\n").encode()
    result = CliRunner().invoke(app, ["--database-url", database_url, "import", "records", "-", "--agency", "uz-ncb"], input=lines)
    assert result.exit_code == 0, result.output
    assert _count(db, records) == 2
