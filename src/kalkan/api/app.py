"""The application factory: ``create_app(settings)``; ``uvicorn --factory kalkan.api.app:app_from_environment``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from kalkan import __version__
from kalkan.api.errors import install_error_handlers
from kalkan.api.limits import BodySizeLimit
from kalkan.api.openapi import install_openapi
from kalkan.api.routers import (
    agencies,
    audit,
    checks_names,
    checks_travellers,
    documents,
    health,
    hits,
    me,
    notices,
    notifications,
    records,
    tokens,
    users,
)
from kalkan.api.routers import biometrics as biometrics_api
from kalkan.api.routers import checks as document_checks
from kalkan.screening.services import Services
from kalkan.settings import Settings
from kalkan.store.audit_writer import AuditWriter
from kalkan.store.database import Database
from kalkan.web import install_web, too_large_page, upload_limits

DESCRIPTION = """\
Records on persons, organisations, travel documents, links and events, shared between
police agencies under the access restriction each owner sets.

Authenticate with an API token: `Authorization: Bearer kal_...`. Every error answers
`{"error": {"code", "message", "faults": [{"field", "fault"}]}}`. Writes to a record need
`If-Match` with the version from its `ETag`.
"""

TAGS = [
    {"name": "records", "description": "Create, read, replace, cancel and search records."},
    {"name": "checks", "description": "Check travel documents against the stolen and lost ones, singly or by manifest."},
    {"name": "notices", "description": "Notices and diffusions: drafted by an agency, reviewed by the secretariat, published."},
    {"name": "notifications", "description": "An agency's notifications: server-sent events, a list to catch up, signed webhooks."},
    {"name": "agencies", "description": "Member agencies; the secretariat admits them."},
    {"name": "users", "description": "Users of each agency and their roles."},
    {"name": "tokens", "description": "API tokens; a secret is shown once, when issued."},
    {"name": "audit", "description": "The tamper-evident log of who did and saw what."},
    {"name": "me", "description": "The caller."},
    {"name": "health", "description": "Liveness and database reachability."},
]


def create_app(settings: Settings) -> FastAPI:
    """An application serving ``settings.database_url``, whose schema must be migrated."""
    database = Database(settings.database_url)
    audit_writer = AuditWriter(database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(audit_writer.close)  # writes the entries handed over before the database goes
        database.dispose()

    app = FastAPI(title="Kalkan", version=__version__, description=DESCRIPTION, openapi_tags=TAGS, lifespan=lifespan)
    app.state.settings = settings
    app.state.database = database
    app.state.audit_writer = audit_writer
    app.state.services = Services(database, settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes, larger=upload_limits(settings), page=too_large_page)
    install_error_handlers(app)
    app.include_router(health.router)
    # Routes are matched in order, one pattern after another: the checks, most of the traffic, first.
    app.include_router(document_checks.router, prefix="/v1")
    app.include_router(checks_travellers.router, prefix="/v1")
    app.include_router(checks_names.router, prefix="/v1")
    for area in (records, agencies, users, tokens, audit, me):
        app.include_router(area.router, prefix="/v1")
    app.include_router(documents.router, prefix="/v1")
    app.include_router(hits.router, prefix="/v1")
    app.include_router(biometrics_api.router, prefix="/v1")
    app.include_router(notices.router, prefix="/v1")
    app.include_router(notifications.router, prefix="/v1")
    install_web(app)
    install_openapi(app)
    return app


def app_from_environment() -> FastAPI:
    """The application configured from ``KALKAN_*`` environment variables."""
    return create_app(Settings())
