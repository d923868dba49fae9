"""Fixtures: a migrated database per test, on SQLite and on a throwaway PostgreSQL cluster."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kalkan.store.database import Database
from tests.postgres import throwaway_cluster

_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with throwaway_cluster() as url:
        admin = create_engine(f"{url}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE kalkan_template"))
        admin.dispose()
        template = Database(f"{url}/kalkan_template")
        template.migrate()
        template.dispose()
        yield url


def _postgres_database(server: str) -> str:
    name = f"kalkan_test_{next(_counter)}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE kalkan_template"))
    admin.dispose()
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A freshly migrated, empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "kalkan.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    server: str = request.getfixturevalue("postgres_server")
    return _postgres_database(server)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()
