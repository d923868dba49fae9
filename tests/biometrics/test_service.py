"""The service on a real database (SQLite and PostgreSQL): enrolment, search scoped by visibility, encryption at rest."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kalkan.access.roles import Role
from kalkan.biometrics import Biometrics, Outcome
from kalkan.biometrics.crypto import KeyRing
from kalkan.errors import NotFound, ValidationFailed
from kalkan.store.biometrics import biometric_samples
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log
from tests import factories
from tests.biometrics.conftest import photo

KEY = "k" * 40


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.ANALYST))


def _person(db: Database, world: factories.World, agency: str, **restriction: object) -> str:
    with db.transaction() as conn:
        record = factories.person(restriction=restriction or {"mode": "all"})
        return RecordStore(conn, world.scope(agency, Role.EDITOR)).create(record).id


def test_a_face_is_found_by_an_agency_that_may_see_it_and_by_no_other(
    db: Database, world: factories.World, obama: tuple[bytes, bytes]
) -> None:
    service = Biometrics(KeyRing(KEY))
    restricted = _person(db, world, "UZ-NCB", mode="only", agencies=["KZ-NCB"])
    with db.transaction() as conn:
        (enrolled,) = service.enrol_faces(conn, world.scope("UZ-NCB", Role.EDITOR), restricted, [obama[0]])
    assert 0 < enrolled.quality <= 100
    with db.transaction() as conn:
        seen = service.search_face(conn, world.scope("KZ-NCB", Role.ANALYST), obama[1])
        unseen = service.search_face(conn, world.scope("TJ-NCB", Role.ANALYST), obama[1])
    assert seen.outcome is Outcome.POTENTIAL_CANDIDATE
    assert [c.record_id for c in seen.candidates] == [restricted]
    assert unseen.outcome is Outcome.NO_CANDIDATE
    assert unseen.candidates == []
    with db.transaction() as conn:
        searches = conn.execute(
            select(audit_log.c.agency, audit_log.c.record_ids).where(audit_log.c.action == "biometrics.face_search")
        ).all()
    assert sorted(searches) == [("KZ-NCB", f'["{restricted}"]'), ("TJ-NCB", "[]")]


def test_another_person_is_no_candidate(db: Database, world: factories.World, obama: tuple[bytes, bytes], kit: tuple[bytes, bytes]) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _person(db, world, "UZ-NCB")
    with db.transaction() as conn:
        service.enrol_faces(conn, world.scope("UZ-NCB", Role.EDITOR), record, [obama[0]])
    with db.transaction() as conn:
        other = service.search_face(conn, world.scope("KZ-NCB", Role.ANALYST), kit[0])
        same = service.verify_face(conn, world.scope("KZ-NCB", Role.ANALYST), record, obama[1])
    assert other.outcome is Outcome.NO_CANDIDATE
    assert same.outcome is Outcome.POTENTIAL_CANDIDATE


def test_images_are_encrypted_at_rest_and_keys_rotate(db: Database, world: factories.World, obama: tuple[bytes, bytes]) -> None:
    record = _person(db, world, "UZ-NCB")
    old = Biometrics(KeyRing(KEY))
    with db.transaction() as conn:
        (enrolled,) = old.enrol_faces(conn, world.scope("UZ-NCB", Role.EDITOR), record, [obama[0]])
        stored = conn.execute(select(biometric_samples.c.image, biometric_samples.c.key_id)).one()
    assert obama[0][:64] not in stored.image
    assert obama[0][1000:1064] not in stored.image
    rotated = Biometrics(KeyRing("r" * 40, [KEY]))
    with db.transaction() as conn:
        assert rotated.rotate_key(conn) == 1
        assert rotated.image_of(conn, world.scope("UZ-NCB", Role.ANALYST), enrolled.sample_id) == ("jpeg", obama[0])
        assert conn.execute(select(biometric_samples.c.key_id)).scalar_one() == rotated.keys.current_id != stored.key_id


def test_the_image_of_a_restricted_record_does_not_leave(db: Database, world: factories.World, obama: tuple[bytes, bytes]) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _person(db, world, "UZ-NCB", mode="owner")
    with db.transaction() as conn:
        (enrolled,) = service.enrol_faces(conn, world.scope("UZ-NCB", Role.EDITOR), record, [obama[0]])
    with db.transaction() as conn, pytest.raises(NotFound):
        service.image_of(conn, world.scope("KZ-NCB", Role.ANALYST), enrolled.sample_id)


def test_a_refused_photo_enrols_nothing(db: Database, world: factories.World, obama: tuple[bytes, bytes]) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _person(db, world, "UZ-NCB")
    with pytest.raises(ValidationFailed) as caught, db.transaction() as conn:
        service.enrol_faces(conn, world.scope("UZ-NCB", Role.EDITOR), record, [obama[0], obama[1][:5000]])
    assert caught.value.faults[0].field == "images[1]"
    with db.transaction() as conn:
        assert conn.execute(select(func.count()).select_from(biometric_samples)).scalar_one() == 0


def test_only_the_owner_enrols(db: Database, world: factories.World, obama: tuple[bytes, bytes]) -> None:
    service = Biometrics(KeyRing(KEY))
    record = _person(db, world, "UZ-NCB")
    with db.transaction() as conn, pytest.raises(Exception, match="only its owner"):
        service.enrol_faces(conn, world.scope("KZ-NCB", Role.EDITOR), record, [photo("obama__1.jpg")])
