"""Helpers for the list importers' tests: fixtures on disk, the records an agency holds, table counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from kalkan.access.scope import Scope
from kalkan.model.records import StoredModel
from kalkan.store.database import Database
from kalkan.store.records import RecordFilter, RecordStore
from kalkan.store.tables import change_log, records

DATA = Path(__file__).parent / "data"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def held(db: Database, agency: str, scheme: str) -> dict[str, StoredModel]:
    """The agency's records (any status) by their reference of ``scheme``."""
    with db.transaction() as conn:
        found = RecordStore(conn, Scope.system(agency)).find(RecordFilter(owner=agency, status=None), limit=10_000)
    out: dict[str, StoredModel] = {}
    for record in found:
        for ref in record.external_refs:
            if ref.scheme == scheme:
                out[ref.value] = record
    return out


def names(record: StoredModel) -> list[tuple[str, str]]:
    return [(n.value, n.kind.value) for n in getattr(record, "names", [])]


def dump(record: StoredModel, *fields: str) -> dict[str, Any]:
    return record.model_dump(mode="json", include=set(fields))


def counts(db: Database) -> tuple[int, int]:
    """Rows of records and of the change log."""
    with db.transaction() as conn:
        count_records = conn.execute(select(func.count()).select_from(records)).scalar_one()
        count_changes = conn.execute(select(func.count()).select_from(change_log)).scalar_one()
    return int(count_records), int(count_changes)
