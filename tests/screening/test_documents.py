"""Checking documents: hits, near misses, ranges, restrictions, audit, and an index that follows the change log."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import Forbidden, ValidationFailed
from kalkan.model.mrz import MRZDate, MRZFields, MRZFormat, Sex, build_mrz
from kalkan.screening.documents import DocumentChecker, DocumentQuery, Outcome, save_index, snapshot_state
from kalkan.store import documents
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import audit_log
from tests import factories
from tests.factories import World

UZ, KZ, TJ = "UZ-NCB", "KZ-NCB", "TJ-NCB"


def entry(state: str, number: str, **fields: str | None) -> documents.DocumentEntry:
    values = {"document_type": "passport", "document_status": "stolen", "restriction_mode": "all", **fields}
    return documents.DocumentEntry(issuing_state=state, number=number, **values)  # type: ignore[arg-type]


@pytest.fixture
def world(db: Database) -> World:
    world = factories.build_world(db, roles=(Role.OFFICER, Role.EDITOR, Role.AUDITOR))
    with db.transaction() as conn:
        documents.write_batch(
            conn,
            Scope.system(UZ),
            [
                entry("UZB", "FA1234567", reported_on=None),
                entry("UZB", "AB0000001", document_type="identity_card"),
                entry("UZB", "N1000000", range_end="N1000999", document_status="stolen_blank"),
            ],
        )
        documents.write_batch(
            conn,
            Scope.system(KZ),
            [
                entry("KAZ", "N5550001", restriction_mode="owner", hit_disclosure="contact_owner"),
                entry("KAZ", "N5550002", restriction_mode="owner", hit_disclosure="nothing"),
                entry("KAZ", "N5550003", restriction_mode="only", restriction_agencies="UZ-NCB"),
            ],
        )
    return world


def check(db: Database, checker: DocumentChecker, scope: Scope, *queries: DocumentQuery) -> list[tuple[str, list[tuple[str, ...]]]]:
    with db.transaction() as conn:
        results = checker.check(conn, scope, list(queries))
    return [(r.outcome.value, [(h.outcome.value, *h.differences) for h in r.hits]) for r in results]


CASES = [
    (DocumentQuery.of("UZB", "FA1234567", "passport"), "hit", [("hit",)]),
    (DocumentQuery.of("uzb", "fa-123 4567"), "hit", [("hit",)]),  # normalised; any type
    (DocumentQuery.of("UZB", "FA1234S67"), "possible_hit", [("possible_hit", "ocr_variant")]),  # S read for 5
    (DocumentQuery.of("UZB", "FAI234567"), "possible_hit", [("possible_hit", "ocr_variant")]),
    (DocumentQuery.of("KGZ", "FA1234567"), "possible_hit", [("possible_hit", "other_state")]),
    (DocumentQuery.of("UZB", "FA1234567", "identity_card"), "possible_hit", [("possible_hit", "other_type")]),
    (DocumentQuery.of("KGZ", "FAI234567"), "no_hit", []),  # two steps away
    (DocumentQuery.of("UZB", "FA1234568"), "no_hit", []),  # not an OCR confusion
    (DocumentQuery.of("UZB", "N1000999"), "hit", [("hit",)]),  # the last number of the range
    (DocumentQuery.of("UZB", "N1000S00"), "possible_hit", [("possible_hit", "ocr_variant")]),
    (DocumentQuery.of("UZB", "N1001000"), "no_hit", []),
    (DocumentQuery.of("UZB", "AB0000001", "identity_card"), "hit", [("hit",)]),
    (DocumentQuery.of("UZB", "ABO000001", "identity_card"), "possible_hit", [("possible_hit", "ocr_variant")]),
]


@pytest.mark.parametrize(("query", "outcome", "hits"), CASES)
def test_hits_and_near_misses(db: Database, world: World, query: DocumentQuery, outcome: str, hits: list[tuple[str, ...]]) -> None:
    assert check(db, DocumentChecker(db), world.scope(TJ, Role.OFFICER), query) == [(outcome, hits)]


def test_restricted_documents_follow_the_owners_hit_disclosure(db: Database, world: World) -> None:
    checker = DocumentChecker(db)
    queries = [DocumentQuery.of("KAZ", f"N555000{i}") for i in (1, 2, 3)]
    with db.transaction() as conn:
        tajik = checker.check(conn, world.scope(TJ, Role.OFFICER), queries)
        uzbek = checker.check(conn, world.scope(UZ, Role.OFFICER), queries)
        owner = checker.check(conn, world.scope(KZ, Role.OFFICER), queries)
    # Owner only, "contact the owner": a hit without detail.
    (contact,) = tajik[0].hits
    assert contact.outcome is Outcome.HIT
    assert contact.candidate.detail is None
    assert contact.candidate.owner == KZ
    # Owner only, disclose nothing; and only UZ-NCB listed: nothing at all for TJ-NCB.
    assert tajik[1].outcome is Outcome.NO_HIT
    assert tajik[2].outcome is Outcome.NO_HIT
    # UZ-NCB is listed on the third, and sees it whole.
    assert uzbek[2].hits[0].candidate.detail is not None
    assert uzbek[2].hits[0].candidate.detail.document_status == "stolen"
    assert [len(r.hits) for r in owner] == [1, 1, 1]
    assert all(r.hits[0].candidate.detail is not None for r in owner)


def test_every_request_is_one_audit_entry_naming_the_documents_returned(db: Database, world: World) -> None:
    checker = DocumentChecker(db)
    officer = world.scope(TJ, Role.OFFICER)
    check(db, checker, officer, DocumentQuery.of("UZB", "FA1234567"), DocumentQuery.of("KAZ", "N5550001"), DocumentQuery.of("FRA", "X1"))
    check(db, checker, officer, DocumentQuery.of("KAZ", "N5550002"))
    with db.transaction() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == "check.documents").order_by(audit_log.c.seq)).all()
        ids = {r.number: r.id for r in conn.execute(select(documents.documents.c.number, documents.documents.c.id))}
    assert len(rows) == 2
    assert json.loads(rows[0].record_ids) == sorted([f"document:{ids['FA1234567']}", f"document:{ids['N5550001']}"])
    assert rows[0].username == officer.username
    assert rows[0].detail == "3 documents: 2 hit, 0 possible hit"
    assert rows[0].query_digest is not None
    assert rows[0].query_digest != rows[1].query_digest
    assert json.loads(rows[1].record_ids) == []  # the hidden document is not named to the caller


def test_roles_without_checks_are_refused_and_batches_are_bounded(db: Database, world: World) -> None:
    checker = DocumentChecker(db)
    with db.transaction() as conn, pytest.raises(Forbidden):
        checker.check(conn, world.scope(UZ, Role.AUDITOR), [DocumentQuery.of("UZB", "FA1234567")])
    with db.transaction() as conn, pytest.raises(ValidationFailed, match="between 1 and 1000"):
        checker.check(conn, world.scope(UZ, Role.OFFICER), [DocumentQuery.of("UZB", "FA1234567")] * 1001)


def test_documents_written_later_are_found_after_catching_up(db: Database, world: World) -> None:
    checker = DocumentChecker(db, refresh_seconds=0)
    officer = world.scope(TJ, Role.OFFICER)
    assert check(db, checker, officer, DocumentQuery.of("UZB", "ZZ7654321")) == [("no_hit", [])]
    with db.transaction() as conn:
        documents.write_batch(conn, Scope.system(UZ), [entry("UZB", "ZZ7654321")])
        record = RecordStore(conn, world.scope(UZ, Role.EDITOR)).create(factories.travel_document(number="RK5556667"))
    assert check(db, checker, officer, DocumentQuery.of("UZB", "ZZ7654321"), DocumentQuery.of("UZB", "RK5556667")) == [
        ("hit", [("hit",)]),
        ("hit", [("hit",)]),
    ]
    with db.transaction() as conn:
        RecordStore(conn, world.scope(UZ, Role.EDITOR)).cancel(record.id, reason="found")
    assert check(db, checker, officer, DocumentQuery.of("UZB", "RK5556667")) == [("no_hit", [])]


def test_a_saved_index_is_loaded_and_caught_up(db: Database, world: World, tmp_path: Path) -> None:
    officer = world.scope(TJ, Role.OFFICER)
    first = DocumentChecker(db, index_dir=tmp_path)
    assert check(db, first, officer, DocumentQuery.of("UZB", "FA1234567"))[0][0] == "hit"
    assert (tmp_path / "CURRENT").exists()
    with db.transaction() as conn:
        documents.write_batch(conn, Scope.system(UZ), [entry("UZB", "QQ1111111")])
    second = DocumentChecker(db, index_dir=tmp_path)
    assert check(db, second, officer, DocumentQuery.of("UZB", "QQ1111111"))[0][0] == "hit"
    assert second.index is not None
    assert second.index.seq > 0


def test_a_zone_is_checked_with_its_faults_reported() -> None:
    lines = build_mrz(_fields(), MRZFormat.TD3)
    query = DocumentQuery.from_mrz("\n".join(lines))
    assert (query.issuing_state, query.document_type, query.number, query.mrz_faults) == ("UZB", "passport", "FA1234567", ())
    broken = lines[1][:9] + ("0" if lines[1][9] != "0" else "1") + lines[1][10:]
    faulty = DocumentQuery.from_mrz(f"{lines[0]}\n{broken}")
    assert faulty.number == "FA1234567"
    assert any("document number" in fault for fault in faulty.mrz_faults)
    with pytest.raises(ValidationFailed) as refused:
        DocumentQuery.from_mrz("P<UZB")
    assert refused.value.faults[0].field == "mrz"


def _fields() -> MRZFields:
    return MRZFields(
        document_code="P",
        issuing_state="UZB",
        primary_identifier="JALOLOV",
        secondary_identifiers="AZIZ",
        document_number="FA1234567",
        nationality="UZB",
        birth_date=MRZDate(1984, 3, 12),
        sex=Sex.MALE,
        expiry_date=date(2031, 5, 1),
    )


def test_a_cancelled_document_stops_hitting_and_a_renewed_report_hits_again(db: Database, world: World, tmp_path: Path) -> None:
    checker = DocumentChecker(db, refresh_seconds=0, index_dir=tmp_path)
    officer = world.scope(TJ, Role.OFFICER)
    asked = (DocumentQuery.of("UZB", "FA1234567"), DocumentQuery.of("UZB", "N1000500"))
    assert check(db, checker, officer, *asked) == [("hit", [("hit",)]), ("hit", [("hit",)])]
    with db.transaction() as conn:
        outcome = documents.cancel_batch(
            conn, world.scope(UZ, Role.EDITOR), [("UZB", "passport", "FA1234567"), ("UZB", "passport", "N1000000")], reason="found"
        )
    assert len(outcome.cancelled) == 2
    assert check(db, checker, officer, *asked) == [("no_hit", []), ("no_hit", [])]
    assert checker.index is not None
    checker.index.save(tmp_path)  # merged: the cancelled rows leave the arrays
    restarted = DocumentChecker(db, refresh_seconds=0, index_dir=tmp_path)
    assert check(db, restarted, officer, *asked) == [("no_hit", []), ("no_hit", [])]
    with db.transaction() as conn:
        documents.write_batch(conn, Scope.system(UZ), [entry("UZB", "FA1234567")])
    assert check(db, restarted, officer, *asked) == [("hit", [("hit",)]), ("no_hit", [])]


def test_a_snapshot_saved_ahead_of_time_is_reported_against_the_change_log(db: Database, world: World, tmp_path: Path) -> None:
    assert snapshot_state(db, tmp_path) is None
    index = save_index(db, tmp_path)
    state = snapshot_state(db, tmp_path)
    assert state is not None
    assert (state.seq, state.documents, state.behind, state.current) == (index.seq, 6, 0, True)
    assert state.head >= state.seq
    with db.transaction() as conn:
        documents.write_batch(conn, Scope.system(UZ), [entry("UZB", "QQ1111111")])
        documents.write_batch(conn, Scope.system(KZ), [entry("KAZ", "QQ2222222")])
    behind = snapshot_state(db, tmp_path)
    assert behind is not None
    assert (behind.seq, behind.behind, behind.current) == (index.seq, 2, False)
    assert behind.head == behind.seq + 2
    server = DocumentChecker(db, index_dir=tmp_path)  # starts from the snapshot and catches up
    assert check(db, server, world.scope(TJ, Role.OFFICER), DocumentQuery.of("UZB", "QQ1111111"))[0][0] == "hit"
