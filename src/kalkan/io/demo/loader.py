"""Loading the demo into a database through the store, so audit and change logs fill as in real use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Connection, func, inspect, select
from sqlalchemy.engine import make_url

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.errors import ConfigurationError, Conflict
from kalkan.io.demo.agencies import AGENCIES, MEMBER_ROLES, SECRETARIAT, SECRETARIAT_USERS
from kalkan.io.demo.builder import DEMO_SCHEME
from kalkan.io.demo.dataset import DEFAULT_SEED, generate
from kalkan.store import agencies, passwords, users
from kalkan.store.database import Database
from kalkan.store.records import RecordStore
from kalkan.store.tables import agencies as agency_table
from kalkan.store.tables import record_refs, records

TOKEN_NAME = "demo"  # noqa: S105 - the name tokens are listed under, not a secret
#: Every demo user signs in to the web pages with this password; the demo's data is made up.
DEMO_PASSWORD = "kalkan-demo-password"  # noqa: S105 - printed by `kalkan demo`, refused in production mode

_LANGUAGE = {"TR-NCB": "tr", "DE-NCB": "de", SECRETARIAT: "en"}

#: Called with (records written, records to write).
LoadProgress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class DemoCredential:
    agency: str
    username: str
    roles: frozenset[Role]
    token: str


@dataclass(frozen=True, slots=True)
class DemoLoad:
    """``loaded``: the records were written now (False: the database already held the demo)."""

    loaded: bool
    records: int
    credentials: list[DemoCredential]
    password: str = DEMO_PASSWORD


def delete_demo_database(url: str) -> None:
    """Delete a SQLite database file that holds the demo or nothing; refuse any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise ConfigurationError("only a SQLite demo file is deleted and loaded anew; empty other databases yourself")
    path = Path(parsed.database)
    if path.exists():
        db = Database(url)
        try:
            if inspect(db.engine).has_table(record_refs.name):
                with db.transaction() as conn:
                    if conn.execute(select(agency_table.c.code).limit(1)).first() and not holds_demo(conn):
                        raise Conflict(f"{path} holds data that is not Kalkan's demo: it is not deleted")
        finally:
            db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def holds_demo(conn: Connection) -> bool:
    return conn.execute(select(record_refs.c.record_id).where(record_refs.c.scheme == DEMO_SCHEME).limit(1)).first() is not None


def load_demo(
    db: Database,
    *,
    seed: int = DEFAULT_SEED,
    size: float = 1.0,
    token_days: int = 90,
    progress: LoadProgress | None = None,
) -> DemoLoad:
    """Load the demo into an empty database, or reuse the demo it holds; issue fresh tokens.

    Everything is written in one transaction: an interrupted load leaves an empty database.
    Each demo user gets a new token; the tokens earlier runs issued are revoked.
    """
    with db.transaction() as conn:
        initialised = conn.execute(select(agency_table.c.code).limit(1)).first() is not None
        if initialised and not holds_demo(conn):
            raise Conflict("this database holds data that is not Kalkan's demo: give the demo a database of its own")
        if not initialised:
            _create_agencies_and_users(conn)
            _write_records(conn, seed, size, progress)
        credentials = _issue_tokens(conn, timedelta(days=token_days))
        count = int(conn.execute(select(func.count()).select_from(records)).scalar_one())
    return DemoLoad(loaded=not initialised, records=count, credentials=credentials)


def _username(agency: str, role: str) -> str:
    return f"{agency.lower()}-{role.replace('_', '-')}"


def _create_agencies_and_users(conn: Connection) -> None:
    secretariat, *members = AGENCIES
    agencies.bootstrap_agency(conn, code=secretariat.code, name=secretariat.name, country=secretariat.country)
    system = Scope.system(SECRETARIAT, username="demo")
    password_hash = passwords.hash_password(DEMO_PASSWORD)  # one hash for all: hashing is slow on purpose
    for agency in members:
        agencies.create_agency(
            conn, system, code=agency.code, name=agency.name, country=agency.country, kind=agency.kind, parent=agency.parent
        )
    for suffix, roles in SECRETARIAT_USERS:
        _create_user(conn, system, SECRETARIAT, suffix, roles, password_hash)
    for agency in members:
        for role in MEMBER_ROLES:
            _create_user(conn, system, agency.code, role.value, frozenset({role}), password_hash)


def _create_user(conn: Connection, scope: Scope, agency: str, suffix: str, roles: frozenset[Role], password_hash: str) -> None:
    title = suffix.replace("_", " ").capitalize()
    users.create_user(
        conn,
        scope,
        username=_username(agency, suffix),
        agency=agency,
        roles=roles,
        display_name=f"{title}, {agency}",
        language=_LANGUAGE.get(agency, "ru"),
        password_hash=password_hash,
    )


def _write_records(conn: Connection, seed: int, size: float, progress: LoadProgress | None) -> None:
    """Each agency's records are written by its demo editor."""
    editors: dict[str, Scope] = {}
    for agency in AGENCIES[1:]:
        editor = users.find_user(conn, _username(agency.code, Role.EDITOR.value))
        if editor is not None:
            editors[agency.code] = users.scope_of(editor)
    made = generate(seed, size)
    for done, demo in enumerate(made, start=1):
        RecordStore(conn, editors[demo.owner]).create(demo.record, record_id=demo.id)
        if progress is not None:
            progress(done, len(made))


def _issue_tokens(conn: Connection, lifetime: timedelta) -> list[DemoCredential]:
    system = Scope.system(SECRETARIAT, username="demo")
    wanted = {_username(SECRETARIAT, suffix) for suffix, _ in SECRETARIAT_USERS}
    wanted |= {_username(agency.code, role.value) for agency in AGENCIES[1:] for role in MEMBER_ROLES}
    credentials = []
    for user in users.list_users(conn, system):
        if user.username not in wanted:
            continue
        for token in users.list_tokens(conn, system, user.id):
            if token.name == TOKEN_NAME and token.revoked_at is None:
                users.revoke_token(conn, system, token.id)
        issued = users.issue_token(conn, system, user.id, name=TOKEN_NAME, lifetime=lifetime)
        credentials.append(DemoCredential(user.agency, user.username, user.roles, issued.secret))
    order = {agency.code: i for i, agency in enumerate(AGENCIES)}
    return sorted(credentials, key=lambda c: (order.get(c.agency, len(order)), c.username))
