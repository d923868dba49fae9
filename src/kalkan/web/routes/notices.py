"""Notices: the bureau drafts, submits and cancels them; the secretariat reviews them.

Every step goes through ``NoticeStore``, which alone decides who may do what and what each
state allows; these pages only read forms and show what the store answers. A form that fails
comes back with what was typed and each fault next to its field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from kalkan.access.roles import Permission
from kalkan.errors import Conflict, Fault, Forbidden, NotFound, ValidationFailed
from kalkan.model.notices import ChecklistItem, NoticeState, Review, ReviewDecision
from kalkan.model.records import Notice, NoticeType, RecordKind
from kalkan.model.validation import faults_of, parse_record
from kalkan.store.agencies import list_agencies
from kalkan.store.notices import NoticeStore, NoticeView, is_reviewer
from kalkan.web.errors import WebRoute
from kalkan.web.forms import NOTICE_FORM, FormState, form_state, record_data
from kalkan.web.pages import Page, render
from kalkan.web.routes.records import RecordIdPath, store_of
from kalkan.web.session import ConnectionDep, PageDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 50
#: The states the list can be filtered by, in the order of a notice's life.
STATES = tuple(NoticeState)
CHECKLIST = tuple(ChecklistItem)


def notice_store(page: Page, conn: ConnectionDep) -> NoticeStore:
    return NoticeStore(conn, page.scope, page.settings.review_period_days)


def _failed(page: Page) -> None:
    """Nothing this request wrote is kept: the page re-renders a refusal."""
    page.request.state.failed = True


# -- the bureau's list and draft form ------------------------------------------------------


@router.get("/notices")
def notice_list(
    page: PageDep,
    conn: ConnectionDep,
    state: Annotated[str, Query(max_length=20)] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    page.scope.require(Permission.WRITE_RECORDS)
    chosen = NoticeState(state) if state in {s.value for s in NoticeState} else None
    found, total = notice_store(page, conn).find(state=chosen, limit=PAGE_SIZE, offset=offset)
    return render(
        page.request,
        "notices.html",
        t=page.t,
        session=page.session,
        notices=found,
        total=total,
        state=chosen.value if chosen else "",
        states=STATES,
        offset=offset,
        page_size=PAGE_SIZE,
    )


def _form_page(page: Page, conn: ConnectionDep, state: FormState, *, status: int = 200, message: str | None = None) -> Response:
    return render(
        page.request,
        "record_form.html",
        t=page.t,
        session=page.session,
        form=NOTICE_FORM,
        state=state,
        record_id=None,
        version=None,
        message=message,
        unplaced=state.unplaced(NOTICE_FORM),
        agency_codes=[a.code for a in list_agencies(conn)],
        action="/notices/new",
        back="/notices",
        status=status,
    )


@router.get("/notices/new")
def new_notice(
    page: PageDep,
    conn: ConnectionDep,
    subject_id: Annotated[str, Query(max_length=32, pattern=r"^[0-9a-f]{0,32}$")] = "",
) -> Response:
    page.scope.require(Permission.WRITE_RECORDS)
    defaults: dict[str, Any] = {
        "kind": RecordKind.NOTICE.value,
        "notice_type": NoticeType.BLUE.value,
        "subject_id": subject_id,
        "restriction": {"mode": "all", "hit_disclosure": "contact_owner"},
    }
    return _form_page(page, conn, form_state(NOTICE_FORM, defaults))


@router.post("/notices/new")
def create_notice(page: PageDep, conn: ConnectionDep) -> Response:
    page.scope.require(Permission.WRITE_RECORDS)
    data = record_data(NOTICE_FORM, page.form)
    try:
        notice = parse_record(data)
        if not isinstance(notice, Notice):  # pragma: no cover - the form's kind is notice
            raise ValidationFailed.one("kind", "expected a notice")
        view = notice_store(page, conn).create(notice)
    except ValidationFailed as failed:
        _failed(page)
        return _form_page(page, conn, form_state(NOTICE_FORM, data, failed.faults), status=422)
    except Conflict as conflict:
        _failed(page)
        return _form_page(page, conn, form_state(NOTICE_FORM, data), status=409, message=conflict.message)
    return RedirectResponse(f"/notices/{view.record.id}?saved=1", status_code=303)


# -- one notice: read, submit, cancel ------------------------------------------------------


def _subject_label(page: Page, conn: ConnectionDep, subject_id: str) -> str | None:
    """The subject's label where the reader's agency may see it; else the page shows its id alone."""
    try:
        return store_of(page, conn).get(subject_id).label()
    except NotFound:
        return None


def _notice_page(
    page: Page,
    conn: ConnectionDep,
    view: NoticeView,
    *,
    status: int = 200,
    faults: list[Fault] | None = None,
    message: str | None = None,
    review: dict[str, Any] | None = None,
) -> Response:
    own = view.record.owner == page.scope.agency
    editor = own and page.scope.can(Permission.WRITE_RECORDS)
    waiting = view.state is NoticeState.SUBMITTED or view.review_pending
    shown = list(faults or [])
    return render(
        page.request,
        "notice.html",
        t=page.t,
        session=page.session,
        view=view,
        notice=view.record,
        subject_label=_subject_label(page, conn, view.record.subject_id) if view.record.subject_id else None,
        own=own,
        may_submit=editor and view.state in (NoticeState.DRAFT, NoticeState.REFUSED),
        may_cancel=editor and view.state is not NoticeState.CANCELLED,
        may_review=is_reviewer(page.scope) and waiting,
        cancel_faults=[f.fault for f in shown if f.field == "reason"],
        faults=[f for f in shown if f.field != "reason"],
        message=message,
        review=review,
        checklist=CHECKLIST,
        saved=page.request.query_params.get("saved") == "1",
        status=status,
    )


@router.get("/notices/{record_id}")
def notice_page(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    return _notice_page(page, conn, notice_store(page, conn).get(record_id))


@router.post("/notices/{record_id}/submit")
def submit_notice(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    store = notice_store(page, conn)
    try:
        store.submit(record_id)
    except ValidationFailed as failed:
        _failed(page)
        return _notice_page(page, conn, store.get(record_id), status=422, faults=failed.faults)
    except Conflict as conflict:
        _failed(page)
        return _notice_page(page, conn, store.get(record_id), status=409, message=conflict.message)
    return RedirectResponse(f"/notices/{record_id}", status_code=303)


@router.post("/notices/{record_id}/cancel")
def cancel_notice(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    store = notice_store(page, conn)
    reason = page.text("reason")
    try:
        if not reason:
            raise ValidationFailed.one("reason", "give the reason for cancelling")
        store.cancel(record_id, reason=reason[:1000])
    except ValidationFailed as failed:
        _failed(page)
        return _notice_page(page, conn, store.get(record_id), status=422, faults=failed.faults)
    except Conflict as conflict:
        _failed(page)
        return _notice_page(page, conn, store.get(record_id), status=409, message=conflict.message)
    return RedirectResponse(f"/notices/{record_id}", status_code=303)


# -- the secretariat's review ------------------------------------------------------------------


@router.get("/review-queue")
def review_queue(page: PageDep, conn: ConnectionDep) -> Response:
    waiting = notice_store(page, conn).review_queue(limit=200)
    return render(
        page.request,
        "review_queue.html",
        t=page.t,
        session=page.session,
        waiting=waiting,
        reviewed=page.request.query_params.get("reviewed", ""),
    )


def _review_data(page: Page) -> dict[str, Any]:
    """The posted checklist as ``Review`` takes it: an unanswered item is left out, and named as missing."""
    checklist: dict[str, Any] = {}
    for item in CHECKLIST:
        answer = page.text(f"checklist.{item.value}.passed")
        entry: dict[str, Any] = {}
        if answer in ("yes", "no"):
            entry["passed"] = answer == "yes"
        reason = page.text(f"checklist.{item.value}.reason")
        if reason:
            entry["reason"] = reason
        checklist[item.value] = entry
    data: dict[str, Any] = {"checklist": checklist}
    decision = page.text("decision")
    if decision:
        data["decision"] = decision
    if page.text("reasons"):
        data["reasons"] = page.text("reasons")
    return data


def _placed(faults: list[Fault], decision: str) -> list[Fault]:
    """A fault of the whole review is put by the field it is about: the reasons of a refusal, else the decision."""
    whole = "reasons" if decision == ReviewDecision.REFUSE.value else "decision"
    return [f if f.field else Fault(whole, f.fault) for f in faults]


@router.get("/notices/{record_id}/review")
def review_form(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    store = notice_store(page, conn)
    if not is_reviewer(page.scope):
        raise Forbidden("only the secretariat reviews notices")
    return _notice_page(page, conn, store.get(record_id), review={"values": {}, "faults": {}})


@router.post("/notices/{record_id}/review")
def review_notice(record_id: RecordIdPath, page: PageDep, conn: ConnectionDep) -> Response:
    store = notice_store(page, conn)
    if not is_reviewer(page.scope):
        raise Forbidden("only the secretariat reviews notices")
    data = _review_data(page)
    values = {key: page.text(key) for key in page.form if key != "csrf_token"}
    try:
        try:
            review = Review.model_validate(data)
        except ValidationError as error:
            raise ValidationFailed(faults_of(error)) from None
        view = store.review(record_id, review)
    except ValidationFailed as failed:
        _failed(page)
        faults: dict[str, list[str]] = {}
        for fault in _placed(failed.faults, page.text("decision")):
            faults.setdefault(_review_field(fault.field), []).append(fault.fault)
        return _notice_page(page, conn, store.get(record_id), status=422, review={"values": values, "faults": faults})
    except Conflict as conflict:
        _failed(page)
        return _notice_page(page, conn, store.get(record_id), status=409, message=conflict.message)
    return RedirectResponse(f"/review-queue?reviewed={view.record.id}", status_code=303)


def _review_field(path: str) -> str:
    """``checklist.data_quality.passed`` and ``checklist.data_quality`` are both shown by that item."""
    parts = path.split(".")
    if parts[0] == "checklist" and len(parts) >= 2:
        return f"checklist.{parts[1]}"
    return parts[0]
