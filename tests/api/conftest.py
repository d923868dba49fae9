"""Fixtures of the API tests: the world, the application on the test database, a client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kalkan.api.app import create_app
from kalkan.settings import Settings
from kalkan.store.database import Database
from tests import factories
from tests.api.calls import Api

#: Small enough that a test can send more, large enough for any honest record.
MAX_REQUEST_BYTES = 64 * 1024


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, max_request_bytes=MAX_REQUEST_BYTES, page_size_limit=100, token_lifetime_days=90)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def api(client: TestClient, world: factories.World) -> Api:
    return Api(client, world)
