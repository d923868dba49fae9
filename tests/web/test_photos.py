"""Photos on the officer's page, through the application on SQLite and PostgreSQL: the traveller's photo
sent with the check, the photo on record shown only where the officer's agency may see the record,
and uploads of the wrong type or size refused next to their field with everything typed kept."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.screening.probes import MAX_PROBE_BYTES
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log
from tests import factories
from tests.web.conftest import Browser, username

pytest.importorskip("dlib", reason="the 'biometrics' extra is not installed")

from tests.biometrics.conftest import photo  # after the skip: it needs the extra

UZ, KZ, TJ = "UZ-NCB", "KZ-NCB", "TJ-NCB"
TYPED = {"issuing_state": "KAZ", "number": "N7654321", "name": "Rahimov Sardor", "birth_date": "1991-07-30", "border_post": "Dusti"}


def _enrolled(client: TestClient, db: Database, world: factories.World, image: str, **person: object) -> str:
    """A person of UZ-NCB with a face enrolled through the app's own biometric service (its key)."""
    service = client.app.state.services.biometrics  # type: ignore[attr-defined]
    with db.transaction() as conn:
        scope = world.scope(UZ, Role.EDITOR)
        record_id = RecordStore(conn, scope).create(factories.person(**person)).id
        service.enrol_faces(conn, scope, record_id, [photo(image)])
    return record_id


def _verdict(page: httpx.Response) -> str:
    start = page.text.index('id="verdict"')
    return page.text[start : page.text.index("</section>", start)]


def _images(html: str) -> list[bytes]:
    return [base64.b64decode(found) for found in re.findall(r'src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', html)]


def test_a_photo_alone_finds_the_person_whose_face_is_on_record_and_shows_both_photos(
    client: TestClient, db: Database, world: factories.World
) -> None:
    record_id = _enrolled(client, db, world, "obama__1.jpg", names=["Karimov Bekzod"])
    officer = Browser(client, username(KZ, Role.OFFICER))
    page = officer.upload("/check", TYPED, {"face_image": ("traveller.jpg", photo("obama__2.jpg"), "image/jpeg")})
    assert page.status_code == 200, page.text
    assert 'class="verdict possible_hit"' in page.text  # a face alone: refer to a supervisor
    verdict = _verdict(page)
    assert "Karimov Bekzod" in verdict
    assert "face: potential candidate" in verdict
    assert "Photo: potential candidate" in verdict
    shown = _images(verdict)
    assert len(shown) == 2  # the photo on record and the one taken
    assert all(image.startswith(b"\xff\xd8\xff") for image in shown)
    assert 'alt="Photo on record of Karimov Bekzod"' in verdict
    with db.transaction() as conn:
        reads = conn.execute(
            select(audit_log.c.record_ids).where(audit_log.c.action == "biometrics.image_read", audit_log.c.agency == KZ)
        ).scalars()
        assert [record_id in r for r in reads] == [True]


def test_a_name_hit_shows_the_photo_on_record_without_a_photo_taken(client: TestClient, db: Database, world: factories.World) -> None:
    _enrolled(client, db, world, "obama__1.jpg")  # Jalolov Aziz Rustamovich
    page = Browser(client, username(KZ, Role.OFFICER)).post(
        "/check", {**TYPED, "name": "Jalolov Aziz Rustamovich", "birth_date": "1984-03-12"}
    )
    assert 'class="verdict hit"' in page.text
    assert len(_images(_verdict(page))) == 1


def test_an_agency_that_may_not_see_the_record_gets_neither_the_hit_nor_the_photo(
    client: TestClient, db: Database, world: factories.World
) -> None:
    _enrolled(client, db, world, "obama__1.jpg", restriction={"mode": "only", "agencies": [KZ]})
    officer = Browser(client, username(TJ, Role.OFFICER))
    page = officer.upload(
        "/check",
        {**TYPED, "name": "Jalolov Aziz Rustamovich", "birth_date": "1984-03-12"},
        {"face_image": ("traveller.jpg", photo("obama__2.jpg"), "image/jpeg")},
    )
    assert 'class="verdict no_hit"' in page.text
    verdict = _verdict(page)
    assert "Jalolov" not in verdict
    assert len(_images(verdict)) == 1  # only the photo taken
    assert "Photo: no candidate" in verdict


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not a photo", "Only PNG or JPEG images are accepted."),
        (b"\xff\xd8\xff" + bytes(MAX_PROBE_BYTES), "The file is larger than 10 MiB: choose a smaller one."),
        (b"", "The file is empty."),
    ],
)
def test_an_upload_of_the_wrong_type_or_size_is_refused_next_to_its_field_with_everything_kept(
    client: TestClient, db: Database, content: bytes, message: str
) -> None:
    officer = Browser(client, username(KZ, Role.OFFICER))
    page = officer.upload("/check", {**TYPED, "other_names": "Рахимов Сардор"}, {"face_image": ("scan.jpg", content, "image/jpeg")})
    assert page.status_code == 422
    assert 'id="f-face_image-fault"' in page.text
    fault = page.text[page.text.index('id="f-face_image-fault"') :]
    assert message in fault[: fault.index("</div>")]
    for kept in ('value="N7654321"', 'value="Rahimov Sardor"', 'value="1991-07-30"', "Рахимов Сардор", 'value="Dusti"'):
        assert kept in page.text
    assert 'id="choose-again"' in page.text
    assert 'id="verdict"' not in page.text  # nothing was checked
    with db.transaction() as conn:
        assert conn.execute(select(audit_log.c.seq).where(audit_log.c.action == "check.travellers")).first() is None


def test_a_file_on_a_form_that_takes_none_is_refused(client: TestClient) -> None:
    officer = Browser(client, username(KZ, Role.EDITOR))
    page = officer.upload("/records/new/person", {"names[0].value": "Karimov"}, {"names[0].kind": ("x.jpg", b"\xff\xd8\xff", "image/jpeg")})
    assert page.status_code == 400
