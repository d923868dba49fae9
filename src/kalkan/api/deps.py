"""What handlers receive: settings, the database, one transaction per request (or a reading
connection and the audit writer), the caller's Scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from kalkan.access.scope import Scope
from kalkan.errors import NotAuthenticated
from kalkan.screening.services import Services
from kalkan.settings import Settings
from kalkan.store.audit_writer import AuditWriter
from kalkan.store.database import Database
from kalkan.store.users import authenticate

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token: `Authorization: Bearer kal_...`. Issue one with POST /v1/tokens or the CLI.",
)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
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


def get_reading_connection(database: DatabaseDep) -> Iterator[Connection]:
    """A connection that only reads (no write lock), for handlers whose one write, the audit
    entry, goes through the process's ``AuditWriter``."""
    with database.reading() as conn:
        yield conn


ReadingConnectionDep = Annotated[Connection, Depends(get_reading_connection, scope="function")]


def get_scope(
    request: Request,
    conn: ConnectionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Scope:
    """The caller, from the bearer token; kept on the request so that refusals are audited as them."""
    return _scope_of(request, conn, credentials)


def get_reading_scope(
    request: Request,
    conn: ReadingConnectionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Scope:
    """``get_scope`` on the request's reading connection."""
    return _scope_of(request, conn, credentials)


def _scope_of(request: Request, conn: Connection, credentials: HTTPAuthorizationCredentials | None) -> Scope:
    if credentials is None:
        header = request.headers.get("authorization")
        if header is None:
            raise NotAuthenticated("missing Authorization header: send 'Authorization: Bearer <token>'")
        raise NotAuthenticated("malformed Authorization header: expected 'Bearer <token>'")
    scope = authenticate(conn, credentials.credentials)
    request.state.scope = scope
    return scope


ScopeDep = Annotated[Scope, Depends(get_scope)]
ReadingScopeDep = Annotated[Scope, Depends(get_reading_scope)]


def get_audit_writer(request: Request) -> AuditWriter:
    writer: AuditWriter = request.app.state.audit_writer
    return writer


AuditWriterDep = Annotated[AuditWriter, Depends(get_audit_writer)]


def get_services(request: Request) -> Services:
    """The process's checkers (documents, names, biometrics), shared with the pages."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
