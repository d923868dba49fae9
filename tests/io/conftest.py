"""A second, empty database beside ``db``, on the same engine, to import exports into."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kalkan.store.database import Database


@pytest.fixture
def fresh_db(database_url: str, tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    if database_url.startswith("sqlite"):
        path = tmp_path / "fresh.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        server: str = request.getfixturevalue("postgres_server")
        name = f"kalkan_fresh_{uuid.uuid4().hex[:12]}"
        admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE kalkan_template"))
        admin.dispose()
        url = f"{server}/{name}"
    database = Database(url)
    yield database
    database.dispose()
