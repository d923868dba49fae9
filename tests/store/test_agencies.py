"""Agencies: who admits them, what a national service needs, and suspension."""

from __future__ import annotations

import pytest

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import Conflict, Forbidden, NotAuthenticated, ValidationFailed
from kalkan.store import agencies, users
from kalkan.store.agencies import AgencyKind
from kalkan.store.database import Database
from tests import factories


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db)


def test_the_secretariat_admits_an_agency(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        admitted = agencies.create_agency(
            conn,
            world.scope(factories.SECRETARIAT, Role.SECRETARIAT),
            code="KZ-KNB",
            name="Комитет национальной безопасности",
            country="kaz",
            kind=AgencyKind.NATIONAL_SERVICE,
            parent="KZ-NCB",
        )
        listed = [a.code for a in agencies.list_agencies(conn)]
    assert (admitted.code, admitted.country, admitted.kind, admitted.parent, admitted.active) == (
        "KZ-KNB",
        "KAZ",
        AgencyKind.NATIONAL_SERVICE,
        "KZ-NCB",
        True,
    )
    assert admitted.name == "Комитет национальной безопасности"
    assert "KZ-KNB" in listed


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SECRETARIAT], ids=str)
def test_no_other_role_admits_an_agency(db: Database, world: factories.World, role: Role) -> None:
    with pytest.raises(Forbidden, match="manage agencies"), db.transaction() as conn:
        agencies.create_agency(
            conn, world.scope("KZ-NCB", role), code="KG-NCB", name="NCB Bishkek", country="KGZ", kind=AgencyKind.NATIONAL_BUREAU
        )
    with db.transaction() as conn:
        assert "KG-NCB" not in [a.code for a in agencies.list_agencies(conn)]


ADMISSION_FAULTS = [
    # (code, country, kind, parent, field, fault)
    ("KZ-KNB", "KAZ", AgencyKind.NATIONAL_SERVICE, None, "parent", "admitted by a national bureau"),
    ("KZ-KNB", "KAZ", AgencyKind.NATIONAL_SERVICE, "UZ-NCB", "parent", "agency UZ-NCB is of country UZB, not KAZ"),
    ("KZ-KNB", "KAZ", AgencyKind.NATIONAL_SERVICE, "XX-NCB", "parent", "no agency XX-NCB"),
    # A regional centre (CARICC is seated in Kazakhstan) or another service does not admit services.
    ("KZ-KNB", "KAZ", AgencyKind.NATIONAL_SERVICE, "CARICC", "parent", "not a national bureau"),
    ("KZ-KNB", "KAZ", AgencyKind.NATIONAL_SERVICE, "KZ-FIU", "parent", "not a national bureau"),
    # Restrictions name agencies in upper case: a code they cannot name could never be granted a record.
    ("kz-knb", "KAZ", AgencyKind.NATIONAL_SERVICE, "KZ-NCB", "code", "not an agency code"),
    ("KZ KNB", "KAZ", AgencyKind.NATIONAL_SERVICE, "KZ-NCB", "code", "not an agency code"),
    ("K", "KAZ", AgencyKind.NATIONAL_BUREAU, None, "code", "not an agency code"),
    ("KG-NCB", "QQQ", AgencyKind.NATIONAL_BUREAU, None, "country", "unknown country code 'QQQ'"),
    ("KG-NCB", "", AgencyKind.NATIONAL_BUREAU, None, "country", "empty"),
]


@pytest.mark.parametrize(("code", "country", "kind", "parent", "field", "fault"), ADMISSION_FAULTS)
def test_an_admission_at_fault_names_the_field(
    db: Database, world: factories.World, code: str, country: str, kind: AgencyKind, parent: str | None, field: str, fault: str
) -> None:
    secretariat = world.scope(factories.SECRETARIAT, Role.SECRETARIAT)
    with pytest.raises(ValidationFailed) as caught, db.transaction() as conn:
        agencies.create_agency(conn, secretariat, code=code, name="Test agency", country=country, kind=kind, parent=parent)
    assert [f.field for f in caught.value.faults] == [field]
    assert fault in caught.value.message
    with db.transaction() as conn:
        assert code.upper() not in [a.code for a in agencies.list_agencies(conn)]


def test_an_agency_code_is_admitted_once(db: Database, world: factories.World) -> None:
    with pytest.raises(Conflict, match="agency UZ-NCB already exists"), db.transaction() as conn:
        agencies.create_agency(
            conn,
            world.scope(factories.SECRETARIAT, Role.SECRETARIAT),
            code="UZ-NCB",
            name="Another",
            country="UZB",
            kind=AgencyKind.NATIONAL_BUREAU,
        )


def test_the_first_agency_is_bootstrapped_once(db: Database) -> None:
    with db.transaction() as conn:
        first = agencies.bootstrap_agency(conn, code="SEC", name="General Secretariat", country="fra")
    assert (first.code, first.country, first.kind) == ("SEC", "FRA", AgencyKind.SECRETARIAT)
    with pytest.raises(Conflict, match="initialised"), db.transaction() as conn:
        agencies.bootstrap_agency(conn, code="SEC2", name="Another", country="FRA")


def test_suspending_an_agency_shuts_out_its_tokens(db: Database, world: factories.World) -> None:
    secretariat = world.scope(factories.SECRETARIAT, Role.SECRETARIAT)
    with db.transaction() as conn:
        assert users.authenticate(conn, world.token("TJ-NCB", Role.ANALYST)).agency == "TJ-NCB"
        suspended = agencies.update_agency(conn, secretariat, "TJ-NCB", active=False)
    assert suspended.active is False
    with pytest.raises(NotAuthenticated, match="suspended"), db.transaction() as conn:
        users.authenticate(conn, world.token("TJ-NCB", Role.ANALYST))
    with db.transaction() as conn:
        agencies.update_agency(conn, secretariat, "TJ-NCB", active=True)
        assert users.authenticate(conn, world.token("TJ-NCB", Role.ANALYST)).agency == "TJ-NCB"


def test_no_agency_suspends_itself_and_only_the_secretariat_suspends(db: Database, world: factories.World) -> None:
    with pytest.raises(ValidationFailed, match="your own agency"), db.transaction() as conn:
        agencies.update_agency(conn, world.scope(factories.SECRETARIAT, Role.SECRETARIAT), factories.SECRETARIAT, active=False)
    with pytest.raises(Forbidden), db.transaction() as conn:
        agencies.update_agency(conn, world.scope("KZ-NCB", Role.AGENCY_ADMIN), "UZ-NCB", active=False)
    with db.transaction() as conn:
        assert agencies.get_agency(conn, "UZ-NCB").active
        assert agencies.get_agency(conn, factories.SECRETARIAT).active


def test_a_suspended_agency_gets_no_new_users(db: Database, world: factories.World) -> None:
    system = Scope.system(factories.SECRETARIAT)
    with db.transaction() as conn:
        agencies.update_agency(conn, system, "TJ-NCB", active=False)
    with pytest.raises(ValidationFailed, match="agency TJ-NCB is suspended"), db.transaction() as conn:
        users.create_user(conn, system, username="rustam.nazarov", agency="TJ-NCB", roles=frozenset({Role.ANALYST}))
