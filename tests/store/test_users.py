"""Users and tokens: who manages whom, and tokens that are shown once and stored hashed."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import MetaData, Table, select, update

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import Conflict, Forbidden, NotAuthenticated, NotFound, ValidationFailed
from kalkan.store import agencies, users
from kalkan.store.clock import now
from kalkan.store.database import Database
from kalkan.store.tables import metadata, tokens
from tests import factories


@pytest.fixture
def world(db: Database) -> factories.World:
    return factories.build_world(db)


def user_id(world: factories.World, agency: str, role: Role) -> int:
    found = world.scope(agency, role).user_id
    assert found is not None
    return found


# -- users ---------------------------------------------------------------------------------


def test_an_agency_admin_creates_and_manages_users_of_its_own_agency(db: Database, world: factories.World) -> None:
    admin = world.scope("KZ-NCB", Role.AGENCY_ADMIN)
    with db.transaction() as conn:
        created = users.create_user(
            conn,
            admin,
            username="aigerim.nurlanovna",
            display_name="Нұрланқызы Әйгерім",
            agency="KZ-NCB",
            roles=frozenset({Role.ANALYST, Role.OFFICER}),
            language="kk",
        )
        changed = users.update_user(conn, admin, created.id, roles=frozenset({Role.EDITOR}), display_name="Нұрланқызы Ә.")
        listed = users.list_users(conn, admin)
    assert (created.username, created.agency, created.roles, created.language, created.active) == (
        "aigerim.nurlanovna",
        "KZ-NCB",
        frozenset({Role.ANALYST, Role.OFFICER}),
        "kk",
        True,
    )
    assert created.display_name == "Нұрланқызы Әйгерім"
    assert (changed.roles, changed.display_name) == (frozenset({Role.EDITOR}), "Нұрланқызы Ә.")
    assert "aigerim.nurlanovna" in [u.username for u in listed]
    assert {u.agency for u in listed} == {"KZ-NCB"}


def test_an_agency_admin_does_not_reach_another_agency(db: Database, world: factories.World) -> None:
    admin = world.scope("KZ-NCB", Role.AGENCY_ADMIN)
    uzbek_analyst = user_id(world, "UZ-NCB", Role.ANALYST)
    with pytest.raises(Forbidden, match="you manage the users of agency KZ-NCB, not of UZ-NCB"), db.transaction() as conn:
        users.create_user(conn, admin, username="dilshod.karimov", agency="UZ-NCB", roles=frozenset({Role.ANALYST}))
    with pytest.raises(Forbidden, match="not of UZ-NCB"), db.transaction() as conn:
        users.list_users(conn, admin, agency="UZ-NCB")
    with pytest.raises(NotFound, match=f"no user {uzbek_analyst} in your agency"), db.transaction() as conn:
        users.get_user(conn, admin, uzbek_analyst)
    with pytest.raises(NotFound), db.transaction() as conn:
        users.update_user(conn, admin, uzbek_analyst, active=False)
    with pytest.raises(NotFound), db.transaction() as conn:
        users.issue_token(conn, admin, uzbek_analyst, name="stolen", lifetime=timedelta(days=1))
    with db.transaction() as conn:
        assert users.find_user(conn, "dilshod.karimov") is None
        assert users.authenticate(conn, world.token("UZ-NCB", Role.ANALYST)).agency == "UZ-NCB"


@pytest.mark.parametrize(
    "roles",
    [frozenset({Role.SECRETARIAT}), frozenset({Role.AUDITOR}), frozenset({Role.ANALYST, Role.AUDITOR})],
    ids=lambda roles: "+".join(sorted(roles)),
)
def test_an_agency_admin_grants_no_system_role(db: Database, world: factories.World, roles: frozenset[Role]) -> None:
    admin = world.scope("KZ-NCB", Role.AGENCY_ADMIN)
    with pytest.raises(Forbidden, match="only the secretariat may grant"), db.transaction() as conn:
        users.create_user(conn, admin, username="new.user", agency="KZ-NCB", roles=roles)
    with pytest.raises(Forbidden, match="only the secretariat may grant"), db.transaction() as conn:
        users.update_user(conn, admin, user_id(world, "KZ-NCB", Role.ANALYST), roles=roles)
    with db.transaction() as conn:
        assert users.find_user(conn, "new.user") is None
        assert users.get_user(conn, admin, user_id(world, "KZ-NCB", Role.ANALYST)).roles == frozenset({Role.ANALYST})


def test_the_secretariat_grants_system_roles(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        auditor = users.create_user(
            conn,
            world.scope(factories.SECRETARIAT, Role.SECRETARIAT),
            username="ketevan.beridze",
            display_name="ქეთევან ბერიძე",
            agency="UZ-NCB",
            roles=frozenset({Role.AUDITOR}),
        )
    assert auditor.roles == frozenset({Role.AUDITOR})


@pytest.mark.parametrize(("agency", "role"), [(factories.SECRETARIAT, Role.SECRETARIAT), ("KZ-NCB", Role.AUDITOR)], ids=str)
def test_an_agency_admin_does_not_manage_a_secretariat_or_auditor_user(
    db: Database, world: factories.World, agency: str, role: Role
) -> None:
    """Not their roles, not their state, not their tokens: any of these would hand the admin their powers."""
    admin = world.scope(agency, Role.AGENCY_ADMIN)
    target = user_id(world, agency, role)
    with pytest.raises(Forbidden, match="only the secretariat"), db.transaction() as conn:
        users.update_user(conn, admin, target, roles=frozenset({Role.ANALYST}))
    with pytest.raises(Forbidden, match="only the secretariat"), db.transaction() as conn:
        users.update_user(conn, admin, target, active=False)
    with pytest.raises(Forbidden, match="only the secretariat"), db.transaction() as conn:
        users.issue_token(conn, admin, target, name="borrowed", lifetime=timedelta(days=1))
    with db.transaction() as conn:
        (own_token,) = [t for t in users.list_tokens(conn, admin) if t.user_id == target]
    with pytest.raises(NotFound), db.transaction() as conn:
        users.revoke_token(conn, admin, own_token.id)
    with db.transaction() as conn:
        scope = users.authenticate(conn, world.token(agency, role))
        assert scope.roles == frozenset({role})
        assert len([t for t in users.list_tokens(conn, admin) if t.user_id == target]) == 1
    with db.transaction() as conn:  # the secretariat may
        users.update_user(conn, Scope.system(factories.SECRETARIAT), target, active=False)
    with pytest.raises(NotAuthenticated), db.transaction() as conn:
        users.authenticate(conn, world.token(agency, role))


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST, Role.EDITOR, Role.AUDITOR], ids=str)
def test_roles_without_user_management_manage_no_one(db: Database, world: factories.World, role: Role) -> None:
    with pytest.raises(Forbidden, match="manage agency users"), db.transaction() as conn:
        users.create_user(conn, world.scope("KZ-NCB", role), username="new.user", agency="KZ-NCB", roles=frozenset({Role.OFFICER}))
    with pytest.raises(Forbidden), db.transaction() as conn:
        users.update_user(conn, world.scope("KZ-NCB", role), user_id(world, "KZ-NCB", Role.OFFICER), active=False)


def test_a_username_is_taken_once_across_agencies(db: Database, world: factories.World) -> None:
    with pytest.raises(Conflict, match="username kz-ncb-analyst is taken"), db.transaction() as conn:
        users.create_user(
            conn, world.scope("UZ-NCB", Role.AGENCY_ADMIN), username="kz-ncb-analyst", agency="UZ-NCB", roles=frozenset({Role.ANALYST})
        )


def test_a_user_has_at_least_one_role_and_does_not_deactivate_themself(db: Database, world: factories.World) -> None:
    admin = world.scope("KZ-NCB", Role.AGENCY_ADMIN)
    with pytest.raises(ValidationFailed, match="roles"), db.transaction() as conn:
        users.create_user(conn, admin, username="no.roles", agency="KZ-NCB", roles=frozenset())
    with pytest.raises(ValidationFailed, match="roles"), db.transaction() as conn:
        users.update_user(conn, admin, user_id(world, "KZ-NCB", Role.ANALYST), roles=frozenset())
    with pytest.raises(ValidationFailed, match="you cannot deactivate yourself"), db.transaction() as conn:
        users.update_user(conn, admin, user_id(world, "KZ-NCB", Role.AGENCY_ADMIN), active=False)


def test_a_deactivated_user_is_shut_out_and_can_be_let_back_in(db: Database, world: factories.World) -> None:
    admin = world.scope("KZ-NCB", Role.AGENCY_ADMIN)
    analyst = user_id(world, "KZ-NCB", Role.ANALYST)
    with db.transaction() as conn:
        assert users.update_user(conn, admin, analyst, active=False).active is False
    with pytest.raises(NotAuthenticated, match="deactivated"), db.transaction() as conn:
        users.authenticate(conn, world.token("KZ-NCB", Role.ANALYST))
    with db.transaction() as conn:
        users.update_user(conn, admin, analyst, active=True)
        assert users.authenticate(conn, world.token("KZ-NCB", Role.ANALYST)).user_id == analyst


# -- tokens --------------------------------------------------------------------------------


def _every_stored_text(db: Database) -> str:
    """Every value of every table, as text: where a leaked secret would show."""
    with db.transaction() as conn:
        tables = [Table(name, MetaData(), autoload_with=conn) for name in metadata.tables]
        return "\n".join(str(value) for table in tables for row in conn.execute(select(table)) for value in row)


def test_a_token_secret_is_shown_once_and_stored_only_as_a_hash(db: Database, world: factories.World) -> None:
    analyst = world.scope("KZ-NCB", Role.ANALYST)
    with db.transaction() as conn:
        issued = users.issue_token(conn, analyst, user_id(world, "KZ-NCB", Role.ANALYST), name="field laptop", lifetime=timedelta(days=30))
        row = conn.execute(select(tokens).where(tokens.c.id == issued.token.id)).one()
        listed = users.list_tokens(conn, analyst)
    assert issued.secret.startswith(users.TOKEN_PREFIX)
    assert len(issued.secret) > 40
    assert row.token_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret.startswith(row.prefix)
    assert len(row.prefix) < len(issued.secret) // 3  # enough to recognise a token, far too little to use it
    assert all(issued.secret not in str(value) for value in row)
    assert issued.secret not in _every_stored_text(db)
    assert not hasattr(issued.token, "secret")
    assert issued.token.id in [t.id for t in listed]
    assert issued.token.expires_at - issued.token.created_at == timedelta(days=30)
    with db.transaction() as conn:
        assert users.authenticate(conn, issued.secret) == Scope(
            user_id=analyst.user_id, username="kz-ncb-analyst", agency="KZ-NCB", roles=frozenset({Role.ANALYST})
        )


def test_two_tokens_never_share_a_secret(db: Database, world: factories.World) -> None:
    analyst = world.scope("KZ-NCB", Role.ANALYST)
    with db.transaction() as conn:
        secrets = {
            users.issue_token(conn, analyst, user_id(world, "KZ-NCB", Role.ANALYST), name=f"t{i}", lifetime=timedelta(days=1)).secret
            for i in range(5)
        }
    assert len(secrets) == 5


def test_a_token_needs_a_positive_lifetime(db: Database, world: factories.World) -> None:
    with pytest.raises(ValidationFailed, match="lifetime_days"), db.transaction() as conn:
        users.issue_token(
            conn, world.scope("KZ-NCB", Role.ANALYST), user_id(world, "KZ-NCB", Role.ANALYST), name="t", lifetime=timedelta(0)
        )


def test_each_refused_token_says_why(db: Database, world: factories.World) -> None:
    secretariat = Scope.system(factories.SECRETARIAT)
    admin = world.scope("KZ-NCB", Role.AGENCY_ADMIN)
    with db.transaction() as conn:
        revoked = world.token("KZ-NCB", Role.OFFICER)
        (revoked_id,) = [t.id for t in users.list_tokens(conn, admin) if t.user_id == user_id(world, "KZ-NCB", Role.OFFICER)]
        users.revoke_token(conn, admin, revoked_id)
        expired = world.token("KZ-NCB", Role.EDITOR)
        conn.execute(
            update(tokens)
            .where(tokens.c.user_id == user_id(world, "KZ-NCB", Role.EDITOR))
            .values(created_at=now() - timedelta(days=2), expires_at=now() - timedelta(seconds=1))
        )
        deactivated = world.token("KZ-NCB", Role.ANALYST)
        users.update_user(conn, admin, user_id(world, "KZ-NCB", Role.ANALYST), active=False)
        suspended = world.token("TJ-NCB", Role.ANALYST)
        agencies.update_agency(conn, secretariat, "TJ-NCB", active=False)
    cases = {
        "not-a-token": "the token is not a Kalkan API token",
        users.TOKEN_PREFIX + "x" * 43: "unknown token",
        revoked: "the token was revoked",
        expired: "the token has expired",
        deactivated: "the token's user is deactivated",
        suspended: "the token's agency is suspended",
    }
    messages = []
    for secret, expected in cases.items():
        with pytest.raises(NotAuthenticated) as caught, db.transaction() as conn:
            users.authenticate(conn, secret)
        assert caught.value.message == expected
        assert caught.value.status == 401
        messages.append(caught.value.message)
    assert len(set(messages)) == len(cases)
    with db.transaction() as conn:  # the rest of both agencies is untouched
        assert users.authenticate(conn, world.token("KZ-NCB", Role.AGENCY_ADMIN)).agency == "KZ-NCB"


def test_a_token_of_another_agency_cannot_be_revoked_nor_told_apart_from_none(db: Database, world: factories.World) -> None:
    uzbek_admin = world.scope("UZ-NCB", Role.AGENCY_ADMIN)
    with db.transaction() as conn:
        (kazakh_token,) = [
            t.id
            for t in users.list_tokens(conn, world.scope("KZ-NCB", Role.AGENCY_ADMIN))
            if t.user_id == user_id(world, "KZ-NCB", Role.ANALYST)
        ]
        assert kazakh_token not in [t.id for t in users.list_tokens(conn, uzbek_admin)]
    with pytest.raises(NotFound, match=rf"no token {kazakh_token}$"), db.transaction() as conn:
        users.revoke_token(conn, uzbek_admin, kazakh_token)
    with pytest.raises(NotFound, match=r"no token 999999$"), db.transaction() as conn:
        users.revoke_token(conn, uzbek_admin, 999_999)
    with pytest.raises(NotFound, match=rf"no token {kazakh_token}$"), db.transaction() as conn:
        users.revoke_token(conn, world.scope("KZ-NCB", Role.EDITOR), kazakh_token)  # a colleague, not an admin
    with db.transaction() as conn:
        assert users.authenticate(conn, world.token("KZ-NCB", Role.ANALYST)).agency == "KZ-NCB"


def test_a_user_revokes_their_own_token_once(db: Database, world: factories.World) -> None:
    analyst = world.scope("KZ-NCB", Role.ANALYST)
    with db.transaction() as conn:
        (own,) = users.list_tokens(conn, analyst)
        first = users.revoke_token(conn, analyst, own.id)
        again = users.revoke_token(conn, analyst, own.id)
    assert first.revoked_at is not None
    assert again.revoked_at == first.revoked_at
    with pytest.raises(NotAuthenticated, match="revoked"), db.transaction() as conn:
        users.authenticate(conn, world.token("KZ-NCB", Role.ANALYST))


def test_a_user_sees_only_their_own_tokens_and_an_admin_those_of_their_agency(db: Database, world: factories.World) -> None:
    with db.transaction() as conn:
        own = users.list_tokens(conn, world.scope("KZ-NCB", Role.ANALYST))
        agency = users.list_tokens(conn, world.scope("KZ-NCB", Role.AGENCY_ADMIN))
        everyone = users.list_tokens(conn, world.scope(factories.SECRETARIAT, Role.SECRETARIAT))
        kazakh_users = {u.id for u in users.list_users(conn, world.scope("KZ-NCB", Role.AGENCY_ADMIN))}
    assert [t.user_id for t in own] == [user_id(world, "KZ-NCB", Role.ANALYST)]
    assert {t.user_id for t in agency} == kazakh_users
    assert len(kazakh_users) == len(Role)
    assert len(everyone) == len(world.tokens)


@pytest.mark.parametrize(
    ("username", "display_name", "field"),
    [
        ("x" * 65, None, "username"),
        ("Bob", None, "username"),
        ("ab", None, "username"),
        ("bob smith", None, "username"),
        ("bob", "", "display_name"),
        ("bob", "B" * 201, "display_name"),
    ],
)
def test_a_malformed_username_or_display_name_is_refused_by_field(
    db: Database, world: factories.World, username: str, display_name: str | None, field: str
) -> None:
    admin = world.scope("KZ-NCB", Role.AGENCY_ADMIN)
    with pytest.raises(ValidationFailed) as refused, db.transaction() as conn:
        users.create_user(conn, admin, username=username, agency="KZ-NCB", roles=frozenset({Role.ANALYST}), display_name=display_name)
    assert [f.field for f in refused.value.faults] == [field]
    with db.transaction() as conn:
        assert users.find_user(conn, username) is None
