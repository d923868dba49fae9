"""A database shared by a whole test module, so that one world of records serves many cells.

It mirrors ``database_url`` of the top-level conftest: once on SQLite, once on PostgreSQL.
Tests that use it must only read (reads append to the audit log, which changes no answer).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kalkan.store.database import Database


def _fresh_postgres_database(server: str) -> str:
    name = f"kalkan_module_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE kalkan_template"))
    admin.dispose()
    return f"{server}/{name}"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def module_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Database]:
    """A freshly migrated, empty database for one test module, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("module") / "kalkan.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = _fresh_postgres_database(request.getfixturevalue("postgres_server"))
    database = Database(url)
    yield database
    database.dispose()
