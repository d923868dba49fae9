"""``kalkan check traveller``: the verdict in words, the action to take, the agency to contact, the exit status."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner, Result

from kalkan.access.roles import Role
from kalkan.cli import app
from kalkan.store.database import Database
from tests import factories
from tests.screening.test_travellers import MRZ, create_person, red_notice, report_stolen


@pytest.fixture(autouse=True)
def _development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KALKAN_MODE", raising=False)
    monkeypatch.delenv("KALKAN_DATABASE_URL", raising=False)


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.SECRETARIAT))


def check(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--database-url", database_url, "check", "traveller", *args])


def test_a_hit_prints_the_action_and_the_agency_to_contact(database_url: str, db: Database, world: factories.World) -> None:
    person = create_person(db, world)
    red_notice(db, world, person)
    result = check(database_url, "--mrz", MRZ, "--as-agency", "TJ-NCB", "--border-post", "Dusti", "--direction", "entry")
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("HIT: stop the traveller")
    assert "red notice of KZ-NCB: Arrest with a view to extradition" in result.stdout
    assert "contact agency UZ-NCB" in result.stdout


def test_a_restricted_record_says_only_whom_to_contact(database_url: str, db: Database, world: factories.World) -> None:
    ref = report_stolen(db, restriction_mode="owner", hit_disclosure="contact_owner")
    result = check(database_url, "--mrz", MRZ, "--as-agency", "TJ-NCB")
    assert result.exit_code == 3, result.output
    assert result.stdout.startswith("POSSIBLE HIT: hold for review")
    assert "restricted record: contact agency KZ-NCB" in result.stdout
    assert ref not in result.stdout


def test_no_hit_and_no_data(database_url: str, world: factories.World) -> None:
    clear = check(database_url, "--name", "Ivanov Pyotr", "--as-agency", "TJ-NCB")
    assert clear.exit_code == 0, clear.output
    assert clear.stdout.startswith("NO HIT")
    refused = check(database_url, "--as-agency", "TJ-NCB")
    assert refused.exit_code == 1
    assert "no identifying data" in refused.stderr
