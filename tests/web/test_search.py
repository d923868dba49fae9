"""The analyst's search on SQLite and PostgreSQL: names through the matcher across scripts, document numbers, references."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.io.documents import FileFormat, import_documents
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log
from tests import factories
from tests.web.conftest import Browser, username

UZ, KZ, TJ, SEC = "UZ-NCB", "KZ-NCB", "TJ-NCB", factories.SECRETARIAT


def _create(db: Database, world: factories.World, agency: str = UZ, **fields: object) -> str:
    with db.transaction() as conn:
        return RecordStore(conn, world.scope(agency, Role.EDITOR)).create(factories.person(**fields)).id


def _rows(page_text: str) -> list[str]:
    """The record ids of the results, in the order shown."""
    return re.findall(r'<tr class="result[^"]*">\s*<td><a href="/records/([0-9a-f]{32})"', page_text)


#: (query, the record's only names, why they match): a name in one script finds a record written in another.
ACROSS_SCRIPTS = [
    ("Каримов Бекзод", ["Karimov Bekzod"], "каримов"),
    ("Karimov Bekzod", [{"value": "Каримов Бекзод", "kind": "original_script"}], "karimov"),
    ("محمد عبد الله حسن", ["Mohammed Abdullah Hassan"], "mohammed"),
    ("Jalolov Aziz", [{"value": "Жалолов Азиз", "kind": "original_script"}], "jalolov"),
]


@pytest.mark.parametrize(("query", "names", "part"), ACROSS_SCRIPTS)
def test_a_name_finds_a_record_written_in_another_script_with_its_score_and_why(
    client: TestClient, db: Database, world: factories.World, query: str, names: list[object], part: str
) -> None:
    found = _create(db, world, names=names)
    _create(db, world, names=["Someone Else"])
    page = Browser(client, username(KZ, Role.ANALYST)).get("/search", params={"q": query})
    assert page.status_code == 200
    assert _rows(page.text) == [found]
    assert "strong match" in page.text
    assert part in page.text.casefold()  # the parts that agree are shown
    assert "Someone Else" not in page.text


def test_names_are_ranked_best_first_and_a_date_of_birth_counts(client: TestClient, db: Database, world: factories.World) -> None:
    exact = _create(db, world, names=["Karimov Bekzod Anvarovich"], dates_of_birth=[{"value": "1984-03-12"}])
    near = _create(db, world, names=["Karimov Bekzat"], dates_of_birth=[{"value": "1991-07-01"}])
    browser = Browser(client, username(KZ, Role.ANALYST))
    plain = browser.get("/search", params={"q": "Каримов Бекзод"})
    assert _rows(plain.text)[:2] == [exact, near]
    scores = [float(s) for s in re.findall(r"</meter> <strong>([0-9.]+)</strong>", plain.text)]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[1]
    dated = browser.get("/search", params={"q": "Каримов Бекзод", "birth_date": "1991", "kind": "person"})
    assert "year of birth differs" in dated.text  # the exact name born another year loses points, and says so
    assert 'value="1991"' in dated.text


def test_the_search_keeps_the_access_rules_of_the_name_check(client: TestClient, db: Database, world: factories.World) -> None:
    told = _create(db, world, names=["Nazarov Timur"], restriction={"mode": "owner", "hit_disclosure": "contact_owner"})
    silent = _create(db, world, names=["Nazarov Timur Ilhomovich"], restriction={"mode": "owner", "hit_disclosure": "nothing"})
    shared = _create(db, world, names=["Nazarov Timur Ravshanovich"], restriction={"mode": "only", "agencies": [KZ]})
    other = Browser(client, username(TJ, Role.ANALYST)).get("/search", params={"q": "Назаров Тимур"})
    assert _rows(other.text) == []
    for hidden in (told, silent, shared):
        assert hidden not in other.text
    assert "Nazarov" not in other.text
    assert "Contact: UZ-NCB" in other.text  # the owner allows saying that a record of its own matches
    listed = Browser(client, username(KZ, Role.ANALYST)).get("/search", params={"q": "Назаров Тимур"})
    assert _rows(listed.text) == [shared]
    owner = Browser(client, username(UZ, Role.ANALYST)).get("/search", params={"q": "Назаров Тимур"})
    assert set(_rows(owner.text)) == {told, silent, shared}
    assert "Contact:" not in owner.text


def test_a_name_search_is_audited_as_the_name_checks_are(client: TestClient, db: Database, world: factories.World) -> None:
    found = _create(db, world, names=["Karimov Bekzod"])
    Browser(client, username(KZ, Role.ANALYST)).get("/search", params={"q": "Каримов Бекзод"})
    with db.transaction() as conn:
        entries = conn.execute(
            select(audit_log.c.action, audit_log.c.record_ids, audit_log.c.query_digest).where(
                audit_log.c.username == username(KZ, Role.ANALYST), audit_log.c.action.like("check.%")
            )
        ).all()
    assert sorted(entry.action for entry in entries) == ["check.organisations", "check.persons"]
    persons = next(entry for entry in entries if entry.action == "check.persons")
    assert json.loads(persons.record_ids) == [found]
    assert persons.query_digest  # what was asked, as a digest: the log does not hold names in clear


def test_a_person_search_only_asks_for_persons(client: TestClient, db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        organisation = RecordStore(conn, world.scope(UZ, Role.EDITOR)).create(factories.organisation(names=["Karimov Trading LLC"])).id
    person = _create(db, world, names=["Karimov Bekzod"])
    browser = Browser(client, username(KZ, Role.ANALYST))
    assert _rows(browser.get("/search", params={"q": "Karimov", "kind": "person"}).text) == [person]
    assert _rows(browser.get("/search", params={"q": "Karimov", "kind": "organisation"}).text) == [organisation]


def test_bad_fields_come_back_next_to_their_field_with_everything_kept(client: TestClient) -> None:
    browser = Browser(client, username(KZ, Role.ANALYST))
    page = browser.get("/search", params={"q": "Каримов", "birth_date": "soon", "nationality": "Atlantis"})
    assert page.status_code == 422
    assert 'id="f-birth_date-fault"' in page.text
    assert "Give a year (1984), a year and month (1984-03) or a date (1984-03-12)." in page.text  # from the catalogue
    assert 'id="f-nationality-fault"' in page.text
    for kept in ('value="soon"', 'value="Atlantis"', 'value="Каримов"'):
        assert kept in page.text
    empty_name = browser.get("/search", params={"q": "---"})
    assert 'id="q-fault"' in empty_name.text


def test_a_user_without_the_right_to_run_checks_searches_names_as_written(client: TestClient, db: Database, world: factories.World) -> None:
    found = _create(db, world, names=["Karimov Bekzod", {"value": "Каримов Бекзод", "kind": "original_script"}])
    page = Browser(client, username(SEC, Role.SECRETARIAT)).get("/search", params={"q": "Каримов"})
    assert page.status_code == 200
    assert _rows(page.text) == [found]
    assert 'id="search-as-written"' in page.text


def _bulk(db: Database, agency: str, lines: str) -> None:
    header = "issuing_state,document_type,number,document_status,holder_name,restriction_mode,restriction_agencies,hit_disclosure\n"
    summary = import_documents(db, agency, io.BytesIO((header + lines).encode()), FileFormat.CSV)
    assert summary.complete, summary.rejected


def test_a_document_number_is_found_in_the_records_and_the_bulk_table_in_any_state(
    client: TestClient, db: Database, world: factories.World
) -> None:
    with db.transaction() as conn:
        record = RecordStore(conn, world.scope(UZ, Role.EDITOR)).create(factories.travel_document(number="FA1234567")).id
    _bulk(db, UZ, "KAZ,passport,FA1234567,lost,Nurlan Abenov,all,,\nTJK,passport,FA1234567,stolen,,owner,,contact_owner\n")
    browser = Browser(client, username(KZ, Role.ANALYST))
    page = browser.get("/search", params={"q": "fa 123-4567", "by": "document"})
    assert page.status_code == 200
    assert f'href="/records/{record}"' in page.text
    for shown in ("KAZ FA1234567", "Nurlan Abenov", "lost"):
        assert shown in page.text
    assert "TJK FA1234567" not in page.text
    assert "Contact: UZ-NCB" in page.text  # the owner-only document, whose owner allows saying so
    one_state = browser.get("/search", params={"q": "FA1234567", "by": "document", "issuing_state": "KAZ"})
    assert "KAZ FA1234567" in one_state.text
    bad = browser.get("/search", params={"q": "FA#1", "by": "document"})
    assert 'id="q-fault"' in bad.text
    assert "forbidden characters" in bad.text
    bad_state = browser.get("/search", params={"q": "FA1234567", "by": "document", "issuing_state": "Atlantis"})
    assert 'id="f-issuing_state-fault"' in bad_state.text


def test_a_reference_is_found_with_or_without_its_scheme(client: TestClient, db: Database, world: factories.World) -> None:
    found = _create(db, world, names=["Karimov Bekzod"], external_refs=[{"scheme": "un", "value": "QDi.431"}])
    _create(db, world, names=["Someone Else"], external_refs=[{"scheme": "case", "value": "QDi.431"}], restriction={"mode": "owner"})
    browser = Browser(client, username(KZ, Role.ANALYST))
    assert _rows(browser.get("/search", params={"q": "QDi.431", "by": "reference"}).text) == [found]
    with_scheme = browser.get("/search", params={"q": "un:QDi.431", "by": "reference"})
    assert _rows(with_scheme.text) == [found]
    assert str(escape("un: QDi.431")) in with_scheme.text
    assert _rows(browser.get("/search", params={"q": "case:QDi.431", "by": "reference"}).text) == []
