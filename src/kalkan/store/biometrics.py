"""Biometric samples (faces, fingerprints) attached to person records, and their reads.

A sample belongs to one person record and follows that record's access restriction: every
read that may return a sample or a candidate goes through ``visibility.visible_to`` on the
person record. Images and templates are stored encrypted (``kalkan.biometrics.crypto``):
this module only moves the sealed bytes and the id of the key that sealed them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, DateTime, ForeignKey, Index, Integer, LargeBinary, Row, String, Table, insert, select, update

from kalkan.access.scope import Scope
from kalkan.errors import Forbidden, NotFound, ValidationFailed
from kalkan.model.records import RecordKind, RecordStatus
from kalkan.store.clock import as_utc, now
from kalkan.store.tables import Serial, metadata, records
from kalkan.store.visibility import visible_to

biometric_samples = Table(
    "biometric_samples",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("record_id", String(32), ForeignKey("records.id"), nullable=False, index=True),
    Column("modality", String(8), nullable=False),  # "face" or "finger"
    Column("position", Integer, nullable=True),  # ANSI/NIST finger position code (0-10); null for faces
    Column("impression", String(12), nullable=True),  # "plain", "rolled", ... (fingers)
    Column("quality", Integer, nullable=False),  # 0-100
    Column("image_format", String(8), nullable=False),  # "png", "jpeg", "raw"
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("key_id", String(16), nullable=False),  # the key that sealed image and template
    Column("image", LargeBinary, nullable=False),  # AES-GCM sealed image bytes
    Column("template", LargeBinary, nullable=False),  # AES-GCM sealed template
    Column("source", String(200), nullable=True),  # e.g. the transaction control number of an ANSI/NIST import
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_biometric_samples_modality_id", "modality", "id"),
)


@dataclass(frozen=True, slots=True)
class NewSample:
    record_id: str
    modality: str
    quality: int
    image_format: str
    width: int
    height: int
    key_id: str
    image: bytes
    template: bytes
    position: int | None = None
    impression: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class SampleRow:
    id: int
    record_id: str
    modality: str
    position: int | None
    impression: str | None
    quality: int
    image_format: str
    width: int
    height: int
    key_id: str
    image: bytes
    template: bytes
    source: str | None
    created_at: datetime


def _sample(row: Row[Any]) -> SampleRow:
    return SampleRow(
        id=int(row.id),
        record_id=str(row.record_id),
        modality=str(row.modality),
        position=row.position,
        impression=row.impression,
        quality=int(row.quality),
        image_format=str(row.image_format),
        width=int(row.width),
        height=int(row.height),
        key_id=str(row.key_id),
        image=bytes(row.image),
        template=bytes(row.template),
        source=row.source,
        created_at=as_utc(row.created_at),
    )


def own_person(conn: Connection, scope: Scope, record_id: str) -> None:
    """Refuse unless ``record_id`` is an active person record of the caller's agency."""
    row = conn.execute(
        select(records.c.owner, records.c.kind, records.c.status).where(records.c.id == record_id, visible_to(scope.agency))
    ).first()
    if row is None:
        raise NotFound(f"no record {record_id} that your agency may see")
    if row.owner != scope.agency:
        raise Forbidden(f"record {record_id} belongs to agency {row.owner}; only its owner may add biometrics to it")
    if row.kind != RecordKind.PERSON.value:
        raise ValidationFailed.one("record_id", f"record {record_id} is a {row.kind}; biometrics belong to person records")
    if row.status != RecordStatus.ACTIVE.value:
        raise ValidationFailed.one("record_id", f"record {record_id} is {row.status}; biometrics are added to active records only")


def visible_person(conn: Connection, scope: Scope, record_id: str) -> None:
    """Refuse unless the caller's agency may see person record ``record_id``."""
    row = conn.execute(select(records.c.kind).where(records.c.id == record_id, visible_to(scope.agency))).first()
    if row is None or row.kind != RecordKind.PERSON.value:
        raise NotFound(f"no person record {record_id} that your agency may see")


def insert_samples(conn: Connection, scope: Scope, samples: Sequence[NewSample]) -> list[int]:
    """Write samples in the caller's transaction; returns their ids in order."""
    ids: list[int] = []
    stamp = now()
    for sample in samples:
        result = conn.execute(
            insert(biometric_samples)
            .values(
                record_id=sample.record_id,
                modality=sample.modality,
                position=sample.position,
                impression=sample.impression,
                quality=sample.quality,
                image_format=sample.image_format,
                width=sample.width,
                height=sample.height,
                key_id=sample.key_id,
                image=sample.image,
                template=sample.template,
                source=sample.source,
                created_by=scope.username,
                created_at=stamp,
            )
            .returning(biometric_samples.c.id)
        )
        ids.append(int(result.scalar_one()))
    return ids


def samples_of(conn: Connection, scope: Scope, record_id: str, modality: str | None = None) -> list[SampleRow]:
    """The samples of a person record the caller may see, oldest first."""
    visible_person(conn, scope, record_id)
    query = select(biometric_samples).where(biometric_samples.c.record_id == record_id).order_by(biometric_samples.c.id)
    if modality:
        query = query.where(biometric_samples.c.modality == modality)
    return [_sample(r) for r in conn.execute(query)]


def visible_sample(conn: Connection, scope: Scope, sample_id: int) -> SampleRow:
    """One sample, if the caller may see its person record."""
    row = conn.execute(
        select(biometric_samples)
        .join(records, records.c.id == biometric_samples.c.record_id)
        .where(biometric_samples.c.id == sample_id, visible_to(scope.agency))
    ).first()
    if row is None:
        raise NotFound(f"no biometric sample {sample_id} that your agency may see")
    return _sample(row)


def visible_active_records(conn: Connection, agency: str, record_ids: Sequence[str]) -> set[str]:
    """Which of ``record_ids`` are active person records that ``agency`` may see."""
    if not record_ids:
        return set()
    query = select(records.c.id).where(
        records.c.id.in_(list(record_ids)),
        records.c.kind == RecordKind.PERSON.value,
        records.c.status == RecordStatus.ACTIVE.value,
        visible_to(agency),
    )
    return {str(r.id) for r in conn.execute(query)}


def templates_after(conn: Connection, modality: str, after_id: int, batch: int = 5000) -> Iterator[tuple[int, str, str, bytes]]:
    """(sample id, record id, key id, sealed template) of every sample past ``after_id``, in id order.

    For the in-memory indexes, which hold every template and filter candidates by the
    caller's visibility (``visible_active_records``) before anything is returned.
    """
    last = after_id
    while True:
        rows = conn.execute(
            select(biometric_samples.c.id, biometric_samples.c.record_id, biometric_samples.c.key_id, biometric_samples.c.template)
            .where(biometric_samples.c.modality == modality, biometric_samples.c.id > last)
            .order_by(biometric_samples.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield int(row.id), str(row.record_id), str(row.key_id), bytes(row.template)
        last = int(rows[-1].id)


def sealed_after(conn: Connection, after_id: int, batch: int = 500) -> list[tuple[int, str, bytes, bytes]]:
    """A batch of (id, key id, sealed image, sealed template) past ``after_id``: for key rotation."""
    rows = conn.execute(
        select(biometric_samples.c.id, biometric_samples.c.key_id, biometric_samples.c.image, biometric_samples.c.template)
        .where(biometric_samples.c.id > after_id)
        .order_by(biometric_samples.c.id)
        .limit(batch)
    ).all()
    return [(int(r.id), str(r.key_id), bytes(r.image), bytes(r.template)) for r in rows]


def reseal(conn: Connection, sample_id: int, key_id: str, image: bytes, template: bytes) -> None:
    conn.execute(update(biometric_samples).where(biometric_samples.c.id == sample_id).values(key_id=key_id, image=image, template=template))
