"""The access matrix: record kind x restriction x the viewer's agency x role, on every read path.

The expected answers are written out by hand in ``_TABLE`` and ``ROLE_READS`` from the rule of
DESIGN.md (the owner always sees its records; "all", "only", "except" and "owner" mean what
they say), not computed by the policy function under test. A national service does not
inherit the records of the bureau that admitted it, and the secretariat sees no more than
any other agency: the owner's restriction binds it too.

One world of records is built per database (module scope); the tests only read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from kalkan.access.policy import agency_may_see
from kalkan.access.roles import Role
from kalkan.errors import Forbidden, NotFound
from kalkan.model.records import EventRecord, LinkRecord, NoticeRecord, RecordKind, StoredModel, TravelDocumentRecord
from kalkan.model.restriction import Restriction
from kalkan.model.validation import parse_record
from kalkan.store import agencies
from kalkan.store.database import Database
from kalkan.store.notices import NoticeStore
from kalkan.store.records import RecordFilter, RecordStore
from kalkan.store.tables import record_agencies, records
from kalkan.store.visibility import visible_ids, visible_to
from tests import factories

OWNER = "KZ-NCB"
BYSTANDER = "TJ-NCB"  # listed by restrictions that do not list the viewer; never a viewer itself

#: The viewer's relation to the owner -> the viewer's agency.
VIEWERS = {
    "owner": OWNER,
    "service": "KZ-FIU",  # a national service whose parent bureau is the owner
    "bureau": "UZ-NCB",  # another country's national bureau
    "centre": "CARICC",  # a regional centre (of the owner's country, even)
    "secretariat": factories.SECRETARIAT,
}

RESTRICTIONS = [
    "all",
    "only_listing_viewer",
    "only_not_listing_viewer",
    "except_listing_viewer",
    "except_not_listing_viewer",
    "owner",
]

_TABLE = """
restriction                 owner  service  bureau  centre  secretariat
all                         yes    yes      yes     yes     yes
only_listing_viewer         yes    yes      yes     yes     yes
only_not_listing_viewer     yes    no       no      no      no
except_listing_viewer       yes    no       no      no      no
except_not_listing_viewer   yes    yes      yes     yes     yes
owner                       yes    no       no      no      no
"""


def _parse_table(text: str) -> dict[tuple[str, str], bool]:
    header, *rows = (line.split() for line in text.strip().splitlines())
    table = {}
    for row in rows:
        for relation, cell in zip(header[1:], row[1:], strict=True):
            assert cell in ("yes", "no")
            table[(row[0], relation)] = cell == "yes"
    return table


#: (restriction, relation) -> whether an agency of that relation sees the record.
EXPECTED_VISIBLE = _parse_table(_TABLE)

#: Whether a role reads records at all; the others get Forbidden on every read path.
ROLE_READS = {
    Role.OFFICER: False,
    Role.ANALYST: True,
    Role.EDITOR: True,
    Role.AGENCY_ADMIN: False,
    Role.SECRETARIAT: True,
    Role.AUDITOR: False,
}


def restriction_for(name: str, viewer: str) -> dict[str, Any]:
    """The restriction a record of the matrix carries for the cells of one viewer."""
    return {
        "all": {"mode": "all"},
        "only_listing_viewer": {"mode": "only", "agencies": [viewer]},
        "only_not_listing_viewer": {"mode": "only", "agencies": [BYSTANDER]},
        "except_listing_viewer": {"mode": "except", "agencies": [viewer]},
        "except_not_listing_viewer": {"mode": "except", "agencies": [BYSTANDER]},
        "owner": {"mode": "owner"},
    }[name]


def marker(kind: RecordKind, restriction: str, relation: str) -> str:
    """The external reference that finds exactly one record of the matrix."""
    return f"{kind.value}.{restriction}.{relation}"


def by_marker(kind: RecordKind, restriction: str, relation: str) -> RecordFilter:
    return RecordFilter(ref_scheme="matrix", ref_value=marker(kind, restriction, relation), status=None)


def ids(found: list[StoredModel]) -> list[str]:
    return [r.id for r in found]


@dataclass
class Matrix:
    world: factories.World
    #: (kind, restriction, relation) -> id of the record owned by OWNER for that cell
    cells: dict[tuple[RecordKind, str, str], str]
    #: id of a non-link record of the matrix -> id of the public link from it to ``hub``
    companions: dict[str, str]
    hub: str  # public organisation the companion links point to
    person: str  # public person: source of every link of the matrix, holder, traveller
    organisation: str  # public organisation: target of every link of the matrix
    document: str  # public travel document: the document of every movement of the matrix


def _matrix_record(kind: RecordKind, restriction: dict[str, Any], ref: str, person: str, organisation: str, document: str) -> Any:
    common: dict[str, Any] = {"restriction": restriction, "external_refs": [{"scheme": "matrix", "value": ref}]}
    if kind is RecordKind.PERSON:
        return factories.person(**common)
    if kind is RecordKind.ORGANISATION:
        return factories.organisation(**common)
    if kind is RecordKind.TRAVEL_DOCUMENT:
        return factories.travel_document(holder_id=person, holder_name="Jalolov Aziz", **common)
    if kind is RecordKind.LINK:
        return factories.link(person, organisation, **common)
    if kind is RecordKind.NOTICE:
        return parse_record(
            {"kind": "notice", "notice_type": "blue", "subject_id": person, "grounds": "matrix", "action_to_take": "report", **common}
        )
    movement = {"border_post": "Dostyk", "direction": "entry", "person_id": person, "document_id": document}
    return factories.event(movement=movement, **common)


@pytest.fixture(scope="module")
def matrix(module_db: Database) -> Matrix:
    world = factories.build_world(module_db)
    with module_db.transaction() as conn:
        store = RecordStore(conn, world.scope(OWNER, Role.EDITOR))
        hub = store.create(factories.organisation(names=["Хизб ут-Тахрир аль-Ислами", "حزب التحرير"])).id
        person = store.create(factories.person(names=["Тоқаев Қасым", "Toqayev Qasym"])).id
        organisation = store.create(factories.organisation()).id
        document = store.create(factories.travel_document(issuing_state="KAZ", number="N12345678")).id
        cells: dict[tuple[RecordKind, str, str], str] = {}
        companions: dict[str, str] = {}
        for kind in RecordKind:
            for restriction in RESTRICTIONS:
                for relation, viewer in VIEWERS.items():
                    rule = restriction_for(restriction, viewer)
                    model = _matrix_record(kind, rule, marker(kind, restriction, relation), person, organisation, document)
                    record_id = store.create(model).id
                    cells[(kind, restriction, relation)] = record_id
                    if kind is not RecordKind.LINK:
                        companions[record_id] = store.create(factories.link(record_id, hub, link_type="associate_of")).id
        # Notices are shared only once published (a draft is its agency's alone: see
        # test_an_unpublished_notice_is_its_agencys_alone); publish those of the matrix so
        # that their restriction decides, as for every other kind.
        requester = NoticeStore(conn, world.scope(OWNER, Role.EDITOR))
        reviewer = NoticeStore(conn, world.scope(factories.SECRETARIAT, Role.SECRETARIAT))
        for (kind, _, _), record_id in cells.items():
            if kind is RecordKind.NOTICE:
                requester.submit(record_id)
                reviewer.review(record_id, factories.publication())
    return Matrix(world, cells, companions, hub, person, organisation, document)


def test_the_world_has_the_relations_the_matrix_names(module_db: Database, matrix: Matrix) -> None:
    with module_db.transaction() as conn:
        kinds = {relation: agencies.get_agency(conn, code) for relation, code in VIEWERS.items()}
        bystander = agencies.get_agency(conn, BYSTANDER)
    assert kinds["owner"].kind is agencies.AgencyKind.NATIONAL_BUREAU
    assert kinds["service"].kind is agencies.AgencyKind.NATIONAL_SERVICE
    assert kinds["service"].parent == OWNER
    assert kinds["bureau"].kind is agencies.AgencyKind.NATIONAL_BUREAU
    assert kinds["bureau"].country != kinds["owner"].country
    assert kinds["centre"].kind is agencies.AgencyKind.REGIONAL_CENTRE
    assert kinds["secretariat"].kind is agencies.AgencyKind.SECRETARIAT
    assert BYSTANDER not in VIEWERS.values()
    assert bystander.kind is agencies.AgencyKind.NATIONAL_BUREAU
    assert len(matrix.cells) == len(RecordKind) * len(RESTRICTIONS) * len(VIEWERS)


def _assert_points_at_the_public_records(record: StoredModel, matrix: Matrix) -> None:
    """Records of the matrix point only at public records, so nothing of theirs is blanked."""
    if isinstance(record, TravelDocumentRecord):
        assert record.holder_id == matrix.person
    elif isinstance(record, LinkRecord):
        assert (record.source_id, record.target_id) == (matrix.person, matrix.organisation)
    elif isinstance(record, NoticeRecord):
        assert record.subject_id == matrix.person
    elif isinstance(record, EventRecord):
        assert record.movement is not None
        assert (record.movement.person_id, record.movement.document_id) == (matrix.person, matrix.document)


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("relation", list(VIEWERS))
@pytest.mark.parametrize("restriction", RESTRICTIONS)
@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_read_paths(module_db: Database, matrix: Matrix, kind: RecordKind, restriction: str, relation: str, role: Role) -> None:
    record_id = matrix.cells[(kind, restriction, relation)]
    where = by_marker(kind, restriction, relation)
    with module_db.transaction() as conn:
        store = RecordStore(conn, matrix.world.scope(VIEWERS[relation], role))
        if not ROLE_READS[role]:
            reads: list[Callable[[], object]] = [
                lambda: store.get(record_id),
                lambda: store.find(where),
                lambda: list(store.export(where)),
                lambda: store.links_of(record_id),
                lambda: store.count(where),
            ]
            for read in reads:
                with pytest.raises(Forbidden, match="do not allow read records"):
                    read()
            return

        if EXPECTED_VISIBLE[(restriction, relation)]:
            record = store.get(record_id)
            assert (record.id, record.kind, record.owner) == (record_id, kind, OWNER)
            assert record.restriction.mode.value == restriction_for(restriction, VIEWERS[relation])["mode"]
            _assert_points_at_the_public_records(record, matrix)
            assert ids(store.find(where)) == [record_id]
            assert ids(store.find(RecordFilter(kind=kind, ref_value=where.ref_value, status=None))) == [record_id]
            assert ids(list(store.export(where))) == [record_id]
            assert store.count(where) == 1
            if kind is RecordKind.LINK:
                assert record_id in ids(store.links_of(matrix.person))
            else:
                assert ids(store.links_of(record_id)) == [matrix.companions[record_id]]
        else:
            with pytest.raises(NotFound, match="that your agency may see"):
                store.get(record_id)
            assert store.find(where) == []
            assert store.find(RecordFilter(kind=kind, ref_value=where.ref_value, status=None)) == []
            assert list(store.export(where)) == []
            assert store.count(where) == 0
            if kind is RecordKind.LINK:
                assert record_id not in ids(store.links_of(matrix.person))
            else:
                with pytest.raises(NotFound, match="that your agency may see"):
                    store.links_of(record_id)


@pytest.mark.parametrize("relation", list(VIEWERS))
@pytest.mark.parametrize("restriction", RESTRICTIONS)
@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_policy_and_sql_agree(module_db: Database, matrix: Matrix, kind: RecordKind, restriction: str, relation: str) -> None:
    agency = VIEWERS[relation]
    record_id = matrix.cells[(kind, restriction, relation)]
    rule = Restriction.model_validate(restriction_for(restriction, agency))
    in_python = agency_may_see(OWNER, rule, agency)
    with module_db.transaction() as conn:
        in_sql = conn.execute(select(records.c.id).where(records.c.id == record_id, visible_to(agency))).first() is not None
        listed = list(conn.execute(visible_ids(agency, [record_id])).scalars())
    assert in_python is EXPECTED_VISIBLE[(restriction, relation)]
    assert in_sql is in_python
    assert listed == ([record_id] if in_python else [])


@pytest.mark.parametrize("agency", [*VIEWERS.values(), BYSTANDER])
def test_policy_and_sql_agree_on_every_stored_record(module_db: Database, matrix: Matrix, agency: str) -> None:
    with module_db.transaction() as conn:
        listed: dict[str, list[str]] = defaultdict(list)
        for record_id, listed_agency in conn.execute(select(record_agencies.c.record_id, record_agencies.c.agency)):
            listed[record_id].append(listed_agency)
        rows = conn.execute(select(records.c.id, records.c.owner, records.c.restriction_mode)).all()
        in_sql = set(conn.execute(select(records.c.id).where(visible_to(agency))).scalars())
    in_python = {
        row.id for row in rows if agency_may_see(row.owner, Restriction(mode=row.restriction_mode, agencies=tuple(listed[row.id])), agency)
    }
    assert {row.restriction_mode for row in rows} == {"all", "only", "except", "owner"}
    assert in_sql == in_python
    assert in_sql  # every agency sees the public records
    if agency != OWNER:
        assert len(in_sql) < len(rows)


# -- pointers to records the viewer may not see -------------------------------------------

#: Who sees a person the owner keeps to itself, and one it shares with UZ-NCB only.
SEES_SECRET = {"owner"}
SEES_SHARED = {"owner", "bureau"}


@dataclass
class HiddenEnds:
    secret: str  # person, owner only
    shared: str  # person, only UZ-NCB besides the owner
    plain: str  # person, all
    secret_document: str  # travel document, owner only
    source_hidden: str  # public link secret -> plain
    target_hidden: str  # public link plain -> secret
    relayed: str  # public link shared -> plain, made by UZ-NCB, which may see both ends
    document: str  # public travel document held by the secret person
    movement: str  # public movement of the secret person with the secret document
    incident: str  # public incident involving the plain and the secret person
    transaction: str  # public payment from the secret person to the plain one


def _ref(value: str) -> list[dict[str, str]]:
    return [{"scheme": "hidden", "value": value}]


@pytest.fixture(scope="module")
def hidden(module_db: Database, matrix: Matrix) -> HiddenEnds:
    owner_scope = matrix.world.scope(OWNER, Role.EDITOR)
    with module_db.transaction() as conn:
        store = RecordStore(conn, owner_scope)
        secret = store.create(factories.person(names=["Раҳмонов Ҷамшед Ӯрунович", "Rahmonov Jamshed"], restriction={"mode": "owner"})).id
        shared = store.create(factories.person(names=["Гулмуродов Ӯктам"], restriction={"mode": "only", "agencies": ["UZ-NCB"]})).id
        plain = store.create(factories.person(names=["Sharipov Bakhtiyor", "Шарипов Бахтиёр"], external_refs=_ref("plain"))).id
        secret_document = store.create(factories.travel_document(number="TJ0099887", restriction={"mode": "owner"})).id
        source_hidden = store.create(factories.link(secret, plain, link_type="associate_of", external_refs=_ref("source_hidden"))).id
        target_hidden = store.create(factories.link(plain, secret, link_type="family", external_refs=_ref("target_hidden"))).id
        document = store.create(
            factories.travel_document(number="AA7654321", holder_id=secret, holder_name="Rahmonov Jamshed", external_refs=_ref("document"))
        ).id
        movement = store.create(
            factories.event(
                movement={"border_post": "Dostyk", "direction": "exit", "person_id": secret, "document_id": secret_document},
                external_refs=_ref("movement"),
            )
        ).id
        incident = store.create(
            factories.event(
                event_type="incident",
                movement=None,
                incident={"modus_operandi": ["firearms"], "involved_ids": [plain, secret]},
                external_refs=_ref("incident"),
            )
        ).id
        transaction = store.create(
            factories.event(
                event_type="transaction",
                movement=None,
                transaction={"payer_id": secret, "payee_id": plain, "amount": "25000.00", "currency": "USD"},
                external_refs=_ref("transaction"),
            )
        ).id
    with module_db.transaction() as conn:
        relayed = RecordStore(conn, matrix.world.scope("UZ-NCB", Role.EDITOR)).create(
            factories.link(shared, plain, link_type="associate_of", external_refs=_ref("relayed"))
        )
    return HiddenEnds(
        secret, shared, plain, secret_document, source_hidden, target_hidden, relayed.id, document, movement, incident, transaction
    )


def _every_read(store: RecordStore, record_id: str, ref: str) -> list[StoredModel]:
    """The record as get, find and export return it."""
    where = RecordFilter(ref_scheme="hidden", ref_value=ref, status=None)
    found = store.find(where)
    exported = list(store.export(where))
    assert ids(found) == ids(exported) == [record_id]
    return [store.get(record_id), found[0], exported[0]]


@pytest.mark.parametrize("relation", list(VIEWERS))
def test_link_with_an_end_hidden_from_the_viewer_is_left_out(
    module_db: Database, hidden: HiddenEnds, matrix: Matrix, relation: str
) -> None:
    cases = [
        (hidden.source_hidden, "source_hidden", relation in SEES_SECRET),
        (hidden.target_hidden, "target_hidden", relation in SEES_SECRET),
        (hidden.relayed, "relayed", relation in SEES_SHARED),
    ]
    with module_db.transaction() as conn:
        store = RecordStore(conn, matrix.world.scope(VIEWERS[relation], Role.ANALYST))
        all_links = ids(store.find(RecordFilter(kind=RecordKind.LINK, status=None), limit=1000))
        everything = ids(store.find(RecordFilter(status=None), limit=1000))
        exported = ids(list(store.export()))
        around_plain = ids(store.links_of(hidden.plain))
        linked_to_plain = ids(store.find(RecordFilter(linked_to=hidden.plain, status=None)))
        assert store.get(hidden.plain).id == hidden.plain
        for link_id, ref, visible in cases:
            for listing in (all_links, everything, exported, around_plain, linked_to_plain):
                assert (link_id in listing) is visible, (ref, listing)
            assert store.count(RecordFilter(ref_scheme="hidden", ref_value=ref, status=None)) == int(visible)
            if visible:
                assert store.get(link_id).id == link_id
            else:
                with pytest.raises(NotFound):
                    store.get(link_id)
        assert len(around_plain) == sum(visible for _, _, visible in cases)


@pytest.mark.parametrize("relation", list(VIEWERS))
def test_travel_document_of_a_hidden_holder_shows_no_holder_id(
    module_db: Database, hidden: HiddenEnds, matrix: Matrix, relation: str
) -> None:
    sees = relation in SEES_SECRET
    with module_db.transaction() as conn:
        store = RecordStore(conn, matrix.world.scope(VIEWERS[relation], Role.ANALYST))
        for document in _every_read(store, hidden.document, "document"):
            assert isinstance(document, TravelDocumentRecord)
            assert document.holder_id == (hidden.secret if sees else None)
            assert document.holder_name == "Rahmonov Jamshed"  # the owner chose to share the name
            assert (hidden.secret in document.model_dump_json()) is sees


@pytest.mark.parametrize("relation", list(VIEWERS))
def test_event_shows_no_id_of_a_hidden_record(module_db: Database, hidden: HiddenEnds, matrix: Matrix, relation: str) -> None:
    sees = relation in SEES_SECRET
    with module_db.transaction() as conn:
        store = RecordStore(conn, matrix.world.scope(VIEWERS[relation], Role.ANALYST))
        for movement in _every_read(store, hidden.movement, "movement"):
            assert isinstance(movement, EventRecord)
            assert movement.movement is not None
            assert movement.movement.person_id == (hidden.secret if sees else None)
            assert movement.movement.document_id == (hidden.secret_document if sees else None)
            assert movement.movement.border_post == "Dostyk"
        for incident in _every_read(store, hidden.incident, "incident"):
            assert isinstance(incident, EventRecord)
            assert incident.incident is not None
            assert incident.incident.involved_ids == ([hidden.plain, hidden.secret] if sees else [hidden.plain])
        for transaction in _every_read(store, hidden.transaction, "transaction"):
            assert isinstance(transaction, EventRecord)
            assert transaction.transaction is not None
            assert transaction.transaction.payer_id == (hidden.secret if sees else None)
            assert transaction.transaction.payee_id == hidden.plain
            assert (hidden.secret in transaction.model_dump_json()) is sees


def test_an_unpublished_notice_is_its_agencys_alone(db: Database) -> None:
    """Whatever its restriction says, a notice is shared only once the secretariat publishes it;
    a diffusion only with its addressees."""
    world = factories.build_world(db, roles=(Role.EDITOR, Role.ANALYST, Role.SECRETARIAT))
    with db.transaction() as conn:
        subject = RecordStore(conn, world.scope(OWNER, Role.EDITOR)).create(factories.person()).id
        requester = NoticeStore(conn, world.scope(OWNER, Role.EDITOR))
        red = requester.create(
            parse_record(
                {
                    "kind": "notice",
                    "notice_type": "red",
                    "subject_id": subject,
                    "grounds": "warrant 17/2024",
                    "action_to_take": "arrest",
                    "restriction": {"mode": "all"},
                }
            )
        ).record.id
        diffusion = requester.create(
            parse_record(
                {
                    "kind": "notice",
                    "notice_type": "diffusion",
                    "subject_id": subject,
                    "grounds": "request",
                    "action_to_take": "locate",
                    "addressees": ["UZ-NCB"],
                    "restriction": {"mode": "all"},
                }
            )
        ).record.id

    def seen_by(agency: str) -> set[str]:
        with db.transaction() as conn:
            store = RecordStore(conn, world.scope(agency, Role.ANALYST))
            found = {r.id for r in store.find(RecordFilter(kind=RecordKind.NOTICE, status=None))}
            exported = {r.id for r in store.export(RecordFilter(kind=RecordKind.NOTICE, status=None))}
            assert found == exported
            for record_id in (red, diffusion):
                try:
                    store.get(record_id)
                except NotFound:
                    assert record_id not in found
                else:
                    assert record_id in found
            return found

    assert seen_by(OWNER) == {red, diffusion}
    assert seen_by("UZ-NCB") == set() == seen_by("TJ-NCB")  # drafts
    with db.transaction() as conn:
        NoticeStore(conn, world.scope(OWNER, Role.EDITOR)).submit(red)
    assert seen_by("UZ-NCB") == set()  # submitted, waiting for review
    with db.transaction() as conn:
        NoticeStore(conn, world.scope(OWNER, Role.EDITOR)).submit(diffusion)  # out at once to its addressees
        NoticeStore(conn, world.scope(factories.SECRETARIAT, Role.SECRETARIAT)).review(red, factories.publication())
    assert seen_by("UZ-NCB") == {red, diffusion}
    assert seen_by("TJ-NCB") == {red}  # not an addressee of the diffusion
