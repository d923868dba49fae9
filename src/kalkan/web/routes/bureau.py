"""The bureau's pages: its own records, forms to create, edit and cancel them, and its notifications.

Forms post field paths (``forms.py``); the record is validated by ``parse_record`` and
written by the caller's ``RecordStore``, which alone decides what the caller may write. A
form that fails comes back with everything typed kept and each fault next to its field.

The agency's open hits (``kalkan.web.hit_list``) come first, each with the check that
produced it and forms to mark it confirmed, a false positive (with a note) or handled; the
page's script fetches the list again (``/bureau/hits``) when a hit is notified.

The agency's notifications are listed newest first; ``/bureau/notifications/stream`` sends
those committed later as server-sent events, to the session's cookie (no token). It polls
the outbox in short transactions of its own, checks the session on every look (a signed-out
or expired session, a deactivated user or a suspended agency ends the stream), and ends
after ``STREAM_LIFETIME``; the browser reconnects with ``Last-Event-ID`` and misses nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from kalkan.access.roles import Permission
from kalkan.errors import Conflict, Fault, NotFound, ValidationFailed
from kalkan.model.records import RecordKind
from kalkan.model.validation import parse_record
from kalkan.store import audit, outbox
from kalkan.store.agencies import list_agencies
from kalkan.store.database import Database
from kalkan.store.hits import RESOLUTIONS, HitState, resolve
from kalkan.store.records import RecordFilter, RecordStore
from kalkan.store.sessions import resolve_session
from kalkan.web import hit_list, notifications
from kalkan.web.errors import WebRoute
from kalkan.web.forms import FORMS, FormState, RecordForm, editable_data, form_state, record_data
from kalkan.web.i18n import Translator
from kalkan.web.pages import SECURITY_HEADERS, Page, render
from kalkan.web.routes.imports import jobs_of
from kalkan.web.routes.records import RecordIdPath, store_of
from kalkan.web.session import ConnectionDep, PageDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 50
#: Notifications listed on the bureau's page; older ones through the API's catch-up list.
NOTIFICATIONS_SHOWN = 50
#: Seconds between two looks at the outbox; ``app.state.notification_poll_seconds`` overrides it.
POLL_SECONDS = 0.5
#: Seconds a stream lasts before the browser reconnects; ``app.state.notification_stream_seconds`` overrides it.
STREAM_LIFETIME = 300.0
HEARTBEAT_EVERY = 15.0
KindPath = Annotated[RecordKind, Path()]


@router.get("/bureau")
def bureau(
    page: PageDep,
    conn: ConnectionDep,
    kind: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    return _bureau_page(page, conn, kind=kind, q=q, offset=offset)


def _bureau_page(
    page: Page,
    conn: Connection,
    *,
    kind: str = "",
    q: str = "",
    offset: int = 0,
    hit_faults: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    page.scope.require(Permission.WRITE_RECORDS)
    store = store_of(page, conn)
    where = RecordFilter(
        owner=page.scope.agency, kind=RecordKind(kind) if kind in {k.value for k in RecordKind} else None, text=q.strip() or None
    )
    found = store.find(where, limit=PAGE_SIZE, offset=offset)
    total = store.count(where)
    latest, notification_count = outbox.latest_notifications(conn, page.scope.agency, NOTIFICATIONS_SHOWN)
    audit.append(
        conn,
        page.scope,
        "notification.list",
        query={"newest": NOTIFICATIONS_SHOWN},
        detail=f"{len(latest)} of {notification_count} notifications",
    )
    return render(
        page.request,
        "bureau.html",
        t=page.t,
        session=page.session,
        records=found,
        total=total,
        kind=kind,
        q=q,
        offset=offset,
        page_size=PAGE_SIZE,
        kinds=[kind for kind in RecordKind if kind in FORMS],
        notifications=[notifications.shown(n, page.t) for n in latest],
        notification_count=notification_count,
        last_seq=latest[0].seq if latest else 0,
        hits=hit_list.open_hits(conn, page.scope),
        hit_faults=hit_faults or {},
        notes=notes or {},
        resolved=page.request.query_params.get("resolved", "")[:40],
        jobs=jobs_of(page).of_agency(page.scope.agency, limit=5),
        status=status,
    )


@router.get("/bureau/hits")
def open_hits(page: PageDep, conn: ConnectionDep) -> Response:
    """The open hits alone, as the bureau's page shows them: what its script fetches when a hit is notified."""
    page.scope.require(Permission.WRITE_RECORDS)
    return render(
        page.request,
        "_hits.html",
        t=page.t,
        session=page.session,
        hits=hit_list.open_hits(conn, page.scope),
        hit_faults={},
        notes={},
        resolved="",
    )


@router.post("/bureau/hits/{hit_id}/resolve")
def resolve_hit(hit_id: Annotated[str, Path(max_length=40, pattern=r"^[0-9a-f]{1,40}$")], page: PageDep, conn: ConnectionDep) -> Response:
    """Mark one of the agency's hits confirmed, false positive or handled; a false positive needs a note."""
    page.scope.require(Permission.WRITE_RECORDS)
    note = page.text("note")[: hit_list.MAX_NOTE]
    try:
        state = HitState(page.text("state"))
        if state not in RESOLUTIONS:
            raise ValueError(state)
    except ValueError:
        raise ValidationFailed.one("state", f"one of {', '.join(RESOLUTIONS)}") from None
    if state is HitState.FALSE_POSITIVE and not note:
        hit_list.own_hit(conn, page.scope, hit_id)  # another agency's hit is not found, whatever was sent
        return _bureau_page(page, conn, hit_faults={hit_id: "bureau.hit_note_required"}, notes={hit_id: note}, status=422)
    resolve(conn, page.scope, hit_id, state, note or None)
    return RedirectResponse(f"/bureau?resolved={hit_id}#hits", status_code=303)


def _poll(database: Database, secret: str, agency: str, cursor: int) -> list[outbox.Notification] | None:
    """What the agency was notified of after ``cursor``; None once the session no longer reads records."""
    with database.transaction() as conn:
        session = resolve_session(conn, secret)
        if session is None or session.scope.agency != agency or not session.scope.can(Permission.READ_RECORDS):
            return None
        found = outbox.notifications_after(conn, agency, cursor, 100)
        if found:
            outbox.audit_sent(conn, session.scope, found)
    return found


async def _events(request: Request, secret: str, agency: str, t: Translator, cursor: int) -> AsyncIterator[str]:
    database: Database = request.app.state.database
    poll = float(getattr(request.app.state, "notification_poll_seconds", POLL_SECONDS))
    lifetime = float(getattr(request.app.state, "notification_stream_seconds", STREAM_LIFETIME))
    started = last_sent = time.monotonic()
    yield ": kalkan notifications\nretry: 2000\n\n"
    while True:
        found = await run_in_threadpool(_poll, database, secret, agency, cursor)
        if found is None:
            return
        for notification in found:
            yield notifications.event(notification, t)
            cursor = notification.seq
        if time.monotonic() - started >= lifetime:
            return
        if found:
            last_sent = time.monotonic()
            continue
        if time.monotonic() - last_sent >= HEARTBEAT_EVERY:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(poll)


@router.get("/bureau/notifications/stream")
def notification_stream(
    page: PageDep,
    conn: ConnectionDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """The signed-in user's agency's notifications, as they are committed, after ``Last-Event-ID`` or ``after``."""
    page.scope.require(Permission.READ_RECORDS)
    if last_event_id is not None and last_event_id.strip().isdigit():
        cursor = int(last_event_id)
    elif after is not None:
        cursor = after
    else:
        cursor = outbox.last_sequence(conn, page.scope.agency)
    audit.append(conn, page.scope, "notification.stream_open", detail=f"after seq {cursor}")
    return StreamingResponse(
        _events(page.request, page.secret, page.scope.agency, page.t, cursor),
        media_type="text/event-stream",
        headers={**SECURITY_HEADERS, "X-Accel-Buffering": "no"},
    )


def _form_page(
    page: Page,
    conn: ConnectionDep,
    form_: RecordForm,
    state: FormState,
    *,
    record_id: str | None,
    version: int | None,
    status: int = 200,
    message: str | None = None,
) -> Response:
    return render(
        page.request,
        "record_form.html",
        t=page.t,
        session=page.session,
        form=form_,
        state=state,
        record_id=record_id,
        version=version,
        message=message,
        unplaced=state.unplaced(form_),
        agency_codes=[a.code for a in list_agencies(conn)],
        status=status,
    )


def _form_of(kind: RecordKind) -> RecordForm:
    """The form of a kind; notices have their own life cycle (drafted, submitted, reviewed) and no record form here."""
    if kind not in FORMS:
        raise NotFound(f"records of kind {kind.value} are not edited with this form")
    return FORMS[kind]


def _defaults(kind: RecordKind) -> dict[str, Any]:
    return {"kind": kind.value, "restriction": {"mode": "owner", "hit_disclosure": "nothing"}}


@router.get("/records/new/{kind}")
def new_record(kind: KindPath, page: PageDep, conn: ConnectionDep) -> Response:
    page.scope.require(Permission.WRITE_RECORDS)
    form_ = _form_of(kind)
    return _form_page(page, conn, form_, form_state(form_, _defaults(kind)), record_id=None, version=None)


def _failed(page: Page, conn: ConnectionDep, form_: RecordForm, data: dict[str, Any], faults: list[Fault], **where: Any) -> Response:
    return _form_page(page, conn, form_, form_state(form_, data, faults), status=422, **where)


@router.post("/records/new/{kind}")
def create_record(kind: KindPath, page: PageDep, conn: ConnectionDep) -> Response:
    form_ = _form_of(kind)
    data = record_data(form_, page.form)
    store = store_of(page, conn)
    try:
        created = store.create(parse_record(data))
    except ValidationFailed as failed:
        return _failed(page, conn, form_, data, failed.faults, record_id=None, version=None)
    except Conflict as conflict:
        return _failed(page, conn, form_, data, [], record_id=None, version=None, message=conflict.message)
    return RedirectResponse(f"/records/{created.id}?saved=1", status_code=303)


def _own(store: RecordStore, record_id: str) -> Any:
    record = store.own_record(record_id)
    if record is None:
        raise NotFound(f"no record {record_id} of your agency")
    return record


@router.get("/records/{record_id}/edit")
def edit_record(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    record = _own(store_of(page, conn), record_id)
    form_ = _form_of(record.kind)
    state = form_state(form_, editable_data(record.model_dump(mode="json")))
    return _form_page(page, conn, form_, state, record_id=record_id, version=record.version)


@router.post("/records/{record_id}/edit")
def update_record(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    store = store_of(page, conn)
    record = _own(store, record_id)
    form_ = _form_of(record.kind)
    data = record_data(form_, page.form)
    version_text = page.text("version")
    version = int(version_text) if version_text.isdigit() else record.version
    where = {"record_id": record_id, "version": version}
    try:
        store.update(record_id, parse_record(data), expected_version=version)
    except ValidationFailed as failed:
        return _failed(page, conn, form_, data, failed.faults, **where)
    except Conflict as conflict:
        return _failed(page, conn, form_, data, [], message=conflict.message, **where)
    return RedirectResponse(f"/records/{record_id}?saved=1", status_code=303)


@router.post("/records/{record_id}/cancel")
def cancel_record(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    reason = page.text("reason")
    if not reason:
        raise ValidationFailed.one("reason", "give the reason for cancelling")
    store_of(page, conn).cancel(record_id, reason=reason[:1000])
    return RedirectResponse(f"/records/{record_id}", status_code=303)
