"""``kalkan user set-password``: the password a user signs in to the web pages with."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kalkan.cli import app
from kalkan.store import passwords
from kalkan.store.database import Database

INIT = ["init", "--agency-code", "SEC", "--agency-name", "General Secretariat", "--country", "fra", "--admin-username", "admin"]


@pytest.fixture(autouse=True)
def _development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KALKAN_MODE", raising=False)
    monkeypatch.delenv("KALKAN_DATABASE_URL", raising=False)


def test_set_password_from_stdin_lets_the_user_sign_in(database_url: str, db: Database) -> None:
    assert CliRunner().invoke(app, ["--database-url", database_url, *INIT]).exit_code == 0
    short = CliRunner().invoke(app, ["--database-url", database_url, "user", "set-password", "admin", "--password-stdin"], input="short\n")
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output
    done = CliRunner().invoke(
        app, ["--database-url", database_url, "user", "set-password", "admin", "--password-stdin"], input="a long passphrase\n"
    )
    assert done.exit_code == 0, done.output
    with db.transaction() as conn:
        assert passwords.sign_in(conn, "admin", "a long passphrase").outcome is passwords.SignInOutcome.SIGNED_IN
        assert passwords.sign_in(conn, "admin", "short").outcome is passwords.SignInOutcome.REFUSED
