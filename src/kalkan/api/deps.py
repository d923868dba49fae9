"""What handlers receive: settings, the database, one transaction per request (or a reading
connection and the audit writer), the caller's Scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from kalkan.access.scope import Scope
from kalkan.errors import NotAuthenticated
from kalkan.screening.services import Services
from kalkan.settings import Settings
from kalkan.store.audit_writer import AuditWriter
from kalkan.store.database import Database
from kalkan.store.users import authenticate

T = TypeVar("T")

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token: `Authorization: Bearer kal_...`. Issue one with POST /v1/tokens or the CLI.",
)


# Dependencies that only read the application's state are coroutines: FastAPI runs a plain
# function dependency in a worker thread, a hop that costs more than the work.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]


def get_connection(database: DatabaseDep) -> Iterator[Connection]:
    """One transaction per request: committed when the handler returns, before the response
    is sent (so a failed commit is an error, not a lost write); rolled back if it raises."""
    with database.transaction() as conn:
        yield conn


ConnectionDep = Annotated[Connection, Depends(get_connection, scope="function")]


CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_scope(
    request: Request,
    conn: ConnectionDep,
    credentials: CredentialsDep,
) -> Scope:
    """The caller, from the bearer token; kept on the request so that refusals are audited as them."""
    return _scope_of(request, conn, _secret_of(request, credentials))


async def run_reading(
    request: Request, database: Database, credentials: HTTPAuthorizationCredentials | None, work: Callable[[Connection, Scope], T]
) -> T:
    """Authenticate the caller and run ``work`` on one reading connection, in one worker thread.

    For handlers whose only write, the audit entry, goes through the process's
    ``AuditWriter``: the token, the work and the wait for the entry's commit cost one thread
    hop and one connection, not one of each per dependency. A missing or malformed
    Authorization header is refused before any thread is taken.
    """
    secret = _secret_of(request, credentials)

    def authenticated_work() -> T:
        with database.reading() as conn:
            return work(conn, _scope_of(request, conn, secret))

    return await run_in_threadpool(authenticated_work)


def _secret_of(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    """The bearer token the request carries; NotAuthenticated if its header is missing or malformed."""
    if credentials is None:
        if request.headers.get("authorization") is None:
            raise NotAuthenticated("missing Authorization header: send 'Authorization: Bearer <token>'")
        raise NotAuthenticated("malformed Authorization header: expected 'Bearer <token>'")
    return credentials.credentials


def _scope_of(request: Request, conn: Connection, secret: str) -> Scope:
    scope = authenticate(conn, secret)
    request.state.scope = scope
    return scope


ScopeDep = Annotated[Scope, Depends(get_scope)]


async def get_audit_writer(request: Request) -> AuditWriter:
    writer: AuditWriter = request.app.state.audit_writer
    return writer


AuditWriterDep = Annotated[AuditWriter, Depends(get_audit_writer)]


async def get_services(request: Request) -> Services:
    """The process's checkers (documents, names, biometrics), shared with the pages."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
