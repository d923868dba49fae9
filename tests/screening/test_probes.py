"""A traveller's photo in the traveller check, on a real database: a possible hit alone, with the name hit on
the same record, never on a record the checking agency may not see; a photo that cannot be compared
does not stop the check; the photo on record only for an agency that may see it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.biometrics import Biometrics
from kalkan.biometrics.crypto import KeyRing
from kalkan.errors import ValidationFailed
from kalkan.screening import probes
from kalkan.screening.documents import DocumentChecker, Outcome
from kalkan.screening.names import NameScreening
from kalkan.screening.travellers import TravellerResult, TravellerScreening, traveller_query
from kalkan.store.database import Database
from kalkan.store.outbox import notifications_after
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log
from tests import factories

pytest.importorskip("dlib", reason="the 'biometrics' extra is not installed")

from tests.biometrics.conftest import photo, png  # after the skip: it needs the extra

KEY = "k" * 40
CHECKER = "TJ-NCB"


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db, roles=(Role.EDITOR, Role.OFFICER))


@pytest.fixture
def service() -> Biometrics:
    return Biometrics(KeyRing(KEY))


def _enrolled(db: Database, world: factories.World, service: Biometrics, image: str, **person: object) -> str:
    with db.transaction() as conn:
        scope = world.scope("UZ-NCB", Role.EDITOR)
        record_id = RecordStore(conn, scope).create(factories.person(**person)).id
        service.enrol_faces(conn, scope, record_id, [photo(image)])
    return record_id


def _check(db: Database, world: factories.World, service: Biometrics | None, image: bytes, **traveller: object) -> TravellerResult:
    query = traveller_query(probes=[probes.probe("face", image)], **traveller)  # type: ignore[arg-type]
    screening = TravellerScreening(DocumentChecker(db, refresh_seconds=0), NameScreening(db), biometrics=service)
    with db.transaction() as conn:
        (result,) = screening.check(conn, world.scope(CHECKER, Role.OFFICER), [query])
    return result


def test_a_face_alone_is_a_possible_hit_on_the_person_and_notifies_the_owner(
    db: Database, world: factories.World, service: Biometrics
) -> None:
    record_id = _enrolled(db, world, service, "obama__1.jpg", names=["Karimov Bekzod"])
    result = _check(db, world, service, photo("obama__2.jpg"), names=["Rahimov Sardor"])
    assert result.verdict is Outcome.POSSIBLE_HIT  # a face is for an examiner, never an identification
    (hit,) = result.hits
    assert hit.record_id == record_id
    assert hit.matched_by == ("face",)
    assert hit.label == "Karimov Bekzod"
    assert [p.outcome for p in result.probes] == ["potential_candidate"]
    with db.transaction() as conn:
        (sent,) = notifications_after(conn, "UZ-NCB", 0)
        searches = conn.execute(select(audit_log.c.action).where(audit_log.c.agency == CHECKER)).scalars().all()
    assert sent.payload["matched_by"] == ["face"]
    assert sent.payload["record_id"] == record_id
    assert "biometrics.face_search" in searches
    assert "check.travellers" in searches


def test_a_face_that_agrees_with_a_name_hit_is_noted_on_it(db: Database, world: factories.World, service: Biometrics) -> None:
    record_id = _enrolled(db, world, service, "obama__1.jpg")  # Jalolov Aziz Rustamovich
    result = _check(db, world, service, photo("obama__2.jpg"), names=["Jalolov Aziz Rustamovich"])
    (hit,) = result.hits
    assert hit.record_id == record_id
    assert hit.outcome is Outcome.HIT
    assert hit.matched_by == ("name", "face")
    assert hit.explanation["biometrics"][0]["modality"] == "face"


def test_another_persons_face_finds_nothing(db: Database, world: factories.World, service: Biometrics) -> None:
    _enrolled(db, world, service, "obama__1.jpg", names=["Karimov Bekzod"])
    result = _check(db, world, service, photo("kit_harington__2.jpg"), names=["Rahimov Sardor"])
    assert result.verdict is Outcome.NO_HIT
    assert result.probes[0].outcome != "potential_candidate"


def test_a_face_on_a_record_the_checking_agency_may_not_see_finds_nothing(
    db: Database, world: factories.World, service: Biometrics
) -> None:
    _enrolled(db, world, service, "obama__1.jpg", names=["Karimov Bekzod"], restriction={"mode": "only", "agencies": ["KZ-NCB"]})
    result = _check(db, world, service, photo("obama__2.jpg"), names=["Rahimov Sardor"])
    assert result.hits == ()
    assert result.probes[0].outcome == "no_candidate"


def test_a_photo_without_a_face_is_said_and_the_rest_is_still_checked(db: Database, world: factories.World, service: Biometrics) -> None:
    record_id = _enrolled(db, world, service, "obama__1.jpg")
    result = _check(db, world, service, png(np.full((200, 200, 3), 128, np.uint8)), names=["Jalolov Aziz Rustamovich"])
    assert [h.record_id for h in result.hits] == [record_id]  # the name check ran
    assert result.probes[0].outcome is None
    assert result.probes[0].fault
    unavailable = _check(db, world, None, photo("obama__2.jpg"), names=["Jalolov Aziz Rustamovich"])
    assert unavailable.probes[0].fault == probes.UNAVAILABLE
    with db.transaction() as conn:
        details = conn.execute(select(audit_log.c.detail).where(audit_log.c.action == "check.travellers")).scalars().all()
    assert json.loads(details[0])["probes"][0][0]["fault"]


@pytest.mark.parametrize(
    ("image", "fault"),
    [
        (b"", "is empty"),
        (b"%PDF-1.4 a document", "a PDF document"),
        (b"\xff\xd8\xff" + b"0" * probes.MAX_PROBE_BYTES, "at most"),
    ],
)
def test_a_probe_of_the_wrong_type_or_size_is_refused_naming_its_field(image: bytes, fault: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        probes.probe("face", image, prefix="travellers[0].")
    (only,) = refused.value.faults
    assert only.field == "travellers[0].face_image"
    assert fault in only.fault


def test_the_photo_on_record_is_given_only_to_an_agency_that_may_see_the_record(
    db: Database, world: factories.World, service: Biometrics
) -> None:
    shared = _enrolled(db, world, service, "obama__1.jpg")
    hidden = _enrolled(db, world, service, "kit_harington__2.jpg", restriction={"mode": "owner"})
    with db.transaction() as conn:
        shown = probes.photos_on_record(service, conn, world.scope(CHECKER, Role.OFFICER), [shared, hidden])
    assert set(shown) == {shared}
    assert shown[shared].image == photo("obama__1.jpg")  # decrypted on the server
    assert shown[shared].image_format == "jpeg"
    with db.transaction() as conn:
        reads = conn.execute(select(audit_log.c.record_ids).where(audit_log.c.action == "biometrics.image_read")).scalars().all()
    assert [json.loads(r) for r in reads] == [[shared]]
