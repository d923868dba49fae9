"""The audit log for auditors: entries filtered by user, agency, action, record and time; verifying the chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from kalkan.access.roles import Permission
from kalkan.errors import Forbidden
from kalkan.store import audit
from kalkan.store.clock import as_utc
from kalkan.web.errors import WebRoute
from kalkan.web.pages import render
from kalkan.web.session import ConnectionDep, PageDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 100


def _moment(text: str, faults: dict[str, str], name: str) -> datetime | None:
    if not text:
        return None
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        faults[name] = "expected a date and time such as 2026-11-25T08:30"
        return None


@router.get("/audit")
def audit_page(
    page: PageDep,
    conn: ConnectionDep,
    username: Annotated[str, Query(max_length=64)] = "",
    agency: Annotated[str, Query(max_length=32)] = "",
    action: Annotated[str, Query(max_length=40)] = "",
    record_id: Annotated[str, Query(max_length=32)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    before_seq: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    faults: dict[str, str] = {}
    since_at, until_at = _moment(since, faults, "since"), _moment(until, faults, "until")
    entries = (
        audit.search(
            conn,
            page.scope,
            username=username.strip() or None,
            agency=agency.strip().upper() or None,
            action=action.strip() or None,
            record_id=record_id.strip() or None,
            since=since_at,
            until=until_at,
            limit=PAGE_SIZE,
            before_seq=before_seq,
        )
        if not faults
        else []
    )
    if faults:
        page.scope.require(Permission.READ_AUDIT)
    filters = {"username": username, "agency": agency, "action": action, "record_id": record_id, "since": since, "until": until}
    next_page = entries[-1].seq if len(entries) == PAGE_SIZE and entries[-1].seq > 1 else None
    return render(
        page.request,
        "audit.html",
        t=page.t,
        session=page.session,
        entries=entries,
        filters=filters,
        faults=faults,
        next_before_seq=next_page,
    )


@router.post("/audit/verify")
def verify_chain(page: PageDep, conn: ConnectionDep) -> Response:
    if not (page.scope.can(Permission.READ_AUDIT) or page.scope.can(Permission.MANAGE_AGENCIES)):
        raise Forbidden("verifying the audit log is for auditors and the secretariat")
    report = audit.verify(conn)
    audit.append(conn, page.scope, "audit.verify", detail="intact" if report.intact else f"{len(report.problems)} problems")
    return render(page.request, "audit_verify.html", t=page.t, session=page.session, report=report)
