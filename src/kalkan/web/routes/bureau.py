"""The bureau's pages: its own records, and forms to create, edit and cancel them.

Forms post field paths (``forms.py``); the record is validated by ``parse_record`` and
written by the caller's ``RecordStore``, which alone decides what the caller may write. A
form that fails comes back with everything typed kept and each fault next to its field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette.responses import RedirectResponse, Response

from kalkan.access.roles import Permission
from kalkan.errors import Conflict, Fault, NotFound, ValidationFailed
from kalkan.model.records import RecordKind
from kalkan.model.validation import parse_record
from kalkan.store.agencies import list_agencies
from kalkan.store.records import RecordFilter, RecordStore
from kalkan.web.errors import WebRoute
from kalkan.web.forms import FORMS, FormState, RecordForm, editable_data, form_state, record_data
from kalkan.web.pages import Page, render
from kalkan.web.routes.records import RecordIdPath, store_of
from kalkan.web.session import ConnectionDep, PageDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 50
KindPath = Annotated[RecordKind, Path()]


@router.get("/bureau")
def bureau(
    page: PageDep,
    conn: ConnectionDep,
    kind: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    page.scope.require(Permission.WRITE_RECORDS)
    store = store_of(page, conn)
    where = RecordFilter(
        owner=page.scope.agency, kind=RecordKind(kind) if kind in {k.value for k in RecordKind} else None, text=q.strip() or None
    )
    found = store.find(where, limit=PAGE_SIZE, offset=offset)
    total = store.count(where)
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
