"""Writing imported records into one agency so that importing the same data again changes nothing.

A record is matched with what the agency already holds by its external references first,
then by its id; it updates the match, or is created. A record whose content equals the
stored one is left alone: no new version, no change-log entry. Status is the store's:
updating a cancelled record leaves it cancelled.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import select

from kalkan.errors import ValidationFailed
from kalkan.model.records import MODEL_BY_KIND, RecordModel, StoredModel
from kalkan.store.records import RecordStore
from kalkan.store.tables import records

NO_KEY = "give an external reference or an id, so that importing again updates instead of duplicating"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class RecordWriter:
    """Creates or updates records of the store's agency, idempotently."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store

    def put(self, record: RecordModel, record_id: str | None = None) -> tuple[Outcome, str]:
        """Write ``record``; return what happened and the record's id.

        Raises ValidationFailed when the record has neither an external reference nor an id,
        when its references name two different records, or when its id is another agency's.
        """
        if not record.external_refs and record_id is None:
            raise ValidationFailed.one("external_refs", NO_KEY)
        current = self._match(record, record_id)
        if current is None:
            if record_id is not None and self._exists(record_id):
                raise ValidationFailed.one("id", f"record {record_id} belongs to another agency; leave the id out to create a new record")
            return Outcome.CREATED, self.store.create(record, record_id=record_id).id
        if same_content(current, record):
            return Outcome.UNCHANGED, current.id
        self.store.update(current.id, record, expected_version=current.version)
        return Outcome.UPDATED, current.id

    def _match(self, record: RecordModel, record_id: str | None) -> StoredModel | None:
        holders: dict[str, str] = {}
        for ref in record.external_refs:
            holder = self.store.find_own_by_ref(ref)
            if holder is not None:
                holders.setdefault(holder, f"{ref.scheme}:{ref.value}")
        if len(holders) > 1:
            named = ", ".join(f"{ref} names {holder}" for holder, ref in sorted(holders.items()))
            raise ValidationFailed.one(
                "external_refs", f"the references name different records of agency {self.store.scope.agency} ({named})"
            )
        if holders:
            (holder,) = holders
            if record_id is not None and record_id != holder:
                raise ValidationFailed.one("id", f"is {record_id}, but external_refs name record {holder}")
            return self.store.own_record(holder)
        if record_id is not None:
            return self.store.own_record(record_id)
        return None

    def _exists(self, record_id: str) -> bool:
        return self.store.conn.execute(select(records.c.id).where(records.c.id == record_id)).first() is not None


def same_content(current: StoredModel, record: RecordModel) -> bool:
    """Whether writing ``record`` over ``current`` would change nothing.

    External references are compared as sets (the store keeps them sorted, without
    duplicates); a record that gives no review date keeps the stored one.
    """
    if record.review_date is not None and record.review_date != current.review_date:
        return False
    return _canonical(current) == _canonical(record)


def _canonical(record: RecordModel | StoredModel) -> dict[str, Any]:
    fields = set(MODEL_BY_KIND[record.kind].model_fields) - {"review_date", "external_refs"}
    data = record.model_dump(mode="json", include=fields)
    data["external_refs"] = sorted({(ref.scheme, ref.value) for ref in record.external_refs})
    return data
