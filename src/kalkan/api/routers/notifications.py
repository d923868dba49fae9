"""Notifications to the caller's agency: a server-sent event stream, a list to catch up, and webhooks.

The stream polls the outbox in short transactions of its own (none is held open while it
waits), so it sees what any process commits. Event ids are the notifications' sequence
numbers, which follow commit order: a client that reconnects with ``Last-Event-ID`` misses
nothing. A stream ends after ``STREAM_LIFETIME`` (clients reconnect); the token is checked
again every ``REAUTHENTICATE_EVERY``, so a revoked token stops its stream.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.api.deps import ConnectionDep, DatabaseDep, ScopeDep, SettingsDep
from kalkan.api.errors import error_responses
from kalkan.errors import KalkanError, ValidationFailed
from kalkan.notify import webhooks as webhook_registry
from kalkan.settings import Mode
from kalkan.store import audit, outbox
from kalkan.store.database import Database
from kalkan.store.users import authenticate

router = APIRouter()
notifications_router = APIRouter(prefix="/notifications", tags=["notifications"], responses=error_responses(401, 403, 422))
webhooks_router = APIRouter(prefix="/webhooks", tags=["notifications"], responses=error_responses(401, 403, 422))

#: Seconds between two looks at the outbox; ``app.state.notification_poll_seconds`` overrides it.
POLL_SECONDS = 0.5
#: Seconds a stream lasts before the server ends it and the client reconnects; ``app.state.notification_stream_seconds`` overrides it.
STREAM_LIFETIME = 300.0
REAUTHENTICATE_EVERY = 30.0
HEARTBEAT_EVERY = 15.0


class NotificationResponse(BaseModel):
    id: str = Field(description="unique; the same in the stream, the list and every webhook delivery")
    seq: int = Field(description="the event id of the stream; follows commit order")
    agency: str
    kind: str
    created_at: datetime
    payload: dict[str, object]


class NotificationListResponse(BaseModel):
    items: list[NotificationResponse]
    last: int = Field(description="the sequence to pass as `after` next time")


class WebhookQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None


class WebhookResponse(BaseModel):
    id: int
    url: str
    description: str | None
    created_at: datetime
    created_by: str


class RegisteredWebhookResponse(WebhookResponse):
    secret: str = Field(description="signs every delivery; shown this once")


class WebhookListResponse(BaseModel):
    items: list[WebhookResponse]


def _webhook(hook: outbox.Webhook) -> dict[str, object]:
    return {
        "id": hook.id,
        "url": hook.url,
        "description": hook.description,
        "created_at": hook.created_at.isoformat(),
        "created_by": hook.created_by,
    }


# -- notifications -------------------------------------------------------------


@notifications_router.get("", response_model=NotificationListResponse, summary="The caller's agency's notifications after a sequence")
def list_notifications(
    conn: ConnectionDep,
    scope: ScopeDep,
    after: Annotated[int, Query(ge=0, description="the last sequence already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JSONResponse:
    found = outbox.list_notifications(conn, scope, after=after, limit=limit)
    return JSONResponse({"items": [n.as_dict() for n in found], "last": found[-1].seq if found else after})


def _start(conn: ConnectionDep, scope: Scope, last_event_id: str | None, after: int | None) -> int:
    if last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise ValidationFailed.one("Last-Event-ID", f"expected the sequence of the last event received; got {last_event_id!r}")
        return int(last_event_id)
    return after if after is not None else outbox.last_sequence(conn, scope.agency)


def _poll(database: Database, scope: Scope, token: str, cursor: int, reauthenticate: bool) -> list[outbox.Notification]:
    with database.transaction() as conn:
        if reauthenticate:
            authenticate(conn, token)
        found = outbox.notifications_after(conn, scope.agency, cursor, 100)
        if found:
            outbox.audit_sent(conn, scope, found)
    return found


def _event(notification: outbox.Notification) -> str:
    data = json.dumps(notification.as_dict(), ensure_ascii=False, separators=(",", ":"))
    kind = notification.kind.replace("\n", " ").replace("\r", " ")
    return f"id: {notification.seq}\nevent: {kind}\ndata: {data}\n\n"


async def _events(request: Request, database: Database, scope: Scope, token: str, cursor: int) -> AsyncIterator[str]:
    poll = float(getattr(request.app.state, "notification_poll_seconds", POLL_SECONDS))
    lifetime = float(getattr(request.app.state, "notification_stream_seconds", STREAM_LIFETIME))
    started = last_auth = last_sent = time.monotonic()
    yield ": kalkan notifications\nretry: 2000\n\n"
    while time.monotonic() - started < lifetime:
        due = time.monotonic() - last_auth >= REAUTHENTICATE_EVERY
        try:
            found = await run_in_threadpool(_poll, database, scope, token, cursor, due)
        except KalkanError:  # the token was revoked or expired, the user or agency switched off
            return
        if due:
            last_auth = time.monotonic()
        for notification in found:
            yield _event(notification)
            cursor = notification.seq
        if found:
            last_sent = time.monotonic()
            continue
        if time.monotonic() - last_sent >= HEARTBEAT_EVERY:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(poll)


@notifications_router.get(
    "/stream",
    summary="Server-sent events: the caller's agency's notifications as they are committed",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "an endless stream of events, one per notification"}},
)
def stream_notifications(
    request: Request,
    conn: ConnectionDep,
    scope: ScopeDep,
    database: DatabaseDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", description="resume after this event")] = None,
    after: Annotated[int | None, Query(ge=0, description="start after this sequence (default: from now)")] = None,
) -> StreamingResponse:
    scope.require(Permission.READ_RECORDS)
    cursor = _start(conn, scope, last_event_id, after)
    audit.append(conn, scope, "notification.stream_open", detail=f"after seq {cursor}")
    token = request.headers["authorization"].partition(" ")[2].strip()
    return StreamingResponse(
        _events(request, database, scope, token, cursor),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# -- webhooks ------------------------------------------------------------------


@webhooks_router.post(
    "",
    status_code=201,
    response_model=RegisteredWebhookResponse,
    summary="Register an endpoint of the caller's agency (its agency admin); the secret is shown once",
)
def register_webhook(body: WebhookQuery, conn: ConnectionDep, scope: ScopeDep, settings: SettingsDep) -> JSONResponse:
    registered = webhook_registry.register(
        conn,
        scope,
        url=body.url,
        description=body.description,
        secret_key=settings.secret_key.get_secret_value(),
        allow_http=settings.mode is Mode.DEVELOPMENT,
    )
    return JSONResponse({**_webhook(registered.webhook), "secret": registered.secret}, status_code=201)


@webhooks_router.get("", response_model=WebhookListResponse, summary="The caller's agency's endpoints")
def list_webhooks(conn: ConnectionDep, scope: ScopeDep) -> JSONResponse:
    return JSONResponse({"items": [_webhook(h) for h in outbox.list_webhooks(conn, scope)]})


@webhooks_router.delete("/{webhook_id}", status_code=204, responses=error_responses(404), summary="Stop delivering to an endpoint")
def delete_webhook(webhook_id: Annotated[int, Path(ge=1)], conn: ConnectionDep, scope: ScopeDep) -> Response:
    outbox.delete_webhook(conn, scope, webhook_id)
    return Response(status_code=204)


router.include_router(notifications_router)
router.include_router(webhooks_router)
