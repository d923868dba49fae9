"""Fixtures of the page tests: the world with a password for every user, the app, and signing in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from kalkan.access.roles import Role
from kalkan.api.app import create_app
from kalkan.settings import Settings
from kalkan.store import passwords
from kalkan.store.database import Database
from kalkan.store.tables import users
from tests import factories

# The real browser's fixtures (module-scoped server over a demo database, Chromium, a page): the
# browser tests' modules share them from here.
from tests.web.browsing import browser, demo_url, page, server  # noqa: F401 - fixtures, found by name

PASSWORD = "correct horse battery"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SIGN_IN = re.compile(r'name="sign_in_token" value="([^"]+)"')


def username(agency: str, role: Role) -> str:
    return f"{agency.lower()}-{role.value}"


#: Hashed once: argon2 is slow on purpose, and every user of the world shares the password.
_PASSWORD_HASH = passwords.hash_password(PASSWORD)


@pytest.fixture
def world(db: Database) -> factories.World:
    built = factories.build_world(db)
    with db.transaction() as conn:
        conn.execute(update(users).values(password_hash=_PASSWORD_HASH))
    return built


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_request_bytes=256 * 1024, token_lifetime_days=90)


@pytest.fixture
def client(settings: Settings, world: factories.World) -> Iterator[TestClient]:
    del world
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield client


def csrf_of(answer: httpx.Response) -> str:
    found = _CSRF.search(answer.text)
    assert found, "the page has no form with a CSRF token"
    return found[1]


def sign_in(client: TestClient, name: str, password: str = PASSWORD, next_path: str = "/") -> httpx.Response:
    form = client.get("/sign-in", params={"next": next_path})
    token = _SIGN_IN.search(form.text)
    assert token
    return client.post("/sign-in", data={"username": name, "password": password, "sign_in_token": token[1], "next": next_path})


class Browser:
    """A TestClient signed in as one user: ``get`` and ``post`` (which sends the page's CSRF token)."""

    def __init__(self, client: TestClient, name: str) -> None:
        self.client = client
        client.cookies.clear()  # whoever was signed in on this client before
        answer = sign_in(client, name)
        assert answer.status_code == 303, answer.text
        self.csrf = csrf_of(client.get("/"))

    def get(self, url: str, **kwargs: object) -> httpx.Response:
        return self.client.get(url, **kwargs)  # type: ignore[arg-type]

    def post(self, url: str, data: dict[str, Any] | None = None) -> httpx.Response:
        """A form post; a list value sends the field once per item (checkboxes)."""
        return self.client.post(url, data={**(data or {}), "csrf_token": self.csrf})

    def upload(self, url: str, data: dict[str, Any], files: dict[str, tuple[str, bytes, str]]) -> httpx.Response:
        """A multipart form post with files: field -> (file name, bytes, content type)."""
        return self.client.post(url, data={**data, "csrf_token": self.csrf}, files=files)


@pytest.fixture
def as_user(client: TestClient) -> object:
    def signed_in(agency: str, role: Role) -> Browser:
        return Browser(client, username(agency, role))

    return signed_in
