"""Alembic environment: runs migrations on the connection Kalkan hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from kalkan.store.schema import metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("alembic needs sqlalchemy.url or a connection")
    with create_engine(url).begin() as fresh:
        _run(fresh)
