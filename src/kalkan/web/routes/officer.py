"""The officer's page: what a keyboard-wedge passport reader types (the MRZ lines), read and checked.

The zone is read with ``model.mrz.read_mrz``: its fields, every fault (line, field, problem)
and the readings an OCR confusion may have spoilt. The document is then checked against the
stolen and lost documents by the process's ``screening.documents.DocumentChecker`` (the one
the API uses), which audits the check; its result becomes the page's ``Verdict``. The name
check joins here when it arrives. A zone that cannot be checked says that no check was run,
never "no hit".
"""

from __future__ import annotations

import threading

from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.responses import Response

from kalkan.access.roles import Permission
from kalkan.errors import ValidationFailed
from kalkan.model.mrz import MAX_INPUT_CHARACTERS, MRZReading, read_mrz
from kalkan.screening.documents import CheckResult, DocumentChecker, DocumentQuery, Outcome
from kalkan.web.errors import WebRoute
from kalkan.web.pages import Page, render
from kalkan.web.session import ConnectionDep, PageDep
from kalkan.web.verdict import UNAVAILABLE, Level, Match, Verdict

router = APIRouter(route_class=WebRoute, include_in_schema=False)


_checker_lock = threading.Lock()


def document_checker(page: Page) -> DocumentChecker:
    """The process's checker, shared with the API (``app.state.document_checker``), made on first use."""
    state = page.request.app.state
    checker: DocumentChecker | None = getattr(state, "document_checker", None)
    if checker is None:
        with _checker_lock:
            checker = getattr(state, "document_checker", None)
            if checker is None:
                checker = DocumentChecker(state.database, index_dir=page.settings.index_dir)
                state.document_checker = checker
    return checker


_LEVELS = {Outcome.HIT: Level.HIT, Outcome.POSSIBLE_HIT: Level.POSSIBLE_HIT, Outcome.NO_HIT: Level.NO_HIT}


def verdict_of(page: Page, result: CheckResult) -> Verdict:
    """A document check's result as the officer's page shows it."""
    t = page.t
    matches = []
    for hit in result.hits:
        candidate = hit.candidate
        label = f"{candidate.issuing_state} {t.value(candidate.document_type)} {candidate.number}"
        if candidate.detail is None:
            matches.append(Match(label, owner=candidate.owner, reason=t("verdict.restricted")))
            continue
        reasons = [t.value(candidate.detail.document_status), *(t.value(d.value) for d in hit.differences)]
        matches.append(Match(label, record_id=None, owner=candidate.owner, reason=", ".join(reasons)))
    level = _LEVELS[result.outcome]
    if level is Level.HIT:
        first = result.hits[0].candidate
        action = t("verdict.action_seize") if first.detail is not None else t("verdict.action_contact")
        return Verdict(level, action=action, contact_agency=first.owner, matches=matches)
    if level is Level.POSSIBLE_HIT:
        return Verdict(level, action=t("verdict.action_refer"), contact_agency=result.hits[0].candidate.owner, matches=matches)
    return Verdict(level)


def check_document(page: Page, conn: Connection, mrz: str) -> Verdict:
    """The verdict on the document a zone names; UNAVAILABLE when the zone names no checkable document."""
    try:
        query = DocumentQuery.from_mrz(mrz)
    except ValidationFailed:
        return UNAVAILABLE
    (result,) = document_checker(page).check(conn, page.scope, [query])
    return verdict_of(page, result)


def _page(
    page: Page, *, mrz: str = "", reading: MRZReading | None = None, verdict: Verdict | None = None, faults: list[str] | None = None
) -> Response:
    return render(
        page.request,
        "check.html",
        t=page.t,
        session=page.session,
        mrz=mrz,
        reading=reading,
        verdict=verdict,
        faults=faults or [],
        max_characters=MAX_INPUT_CHARACTERS,
        status=422 if faults else 200,
    )


@router.get("/check")
def check_page(page: PageDep) -> Response:
    page.scope.require(Permission.RUN_CHECKS)
    return _page(page)


@router.post("/check")
def check_mrz(page: PageDep, conn: ConnectionDep) -> Response:
    page.scope.require(Permission.RUN_CHECKS)
    raw = page.form.get("mrz")
    mrz = raw if isinstance(raw, str) else ""
    if not mrz.strip():
        return _page(page, mrz=mrz, faults=["check.mrz_empty"])
    try:
        reading = read_mrz(mrz[: MAX_INPUT_CHARACTERS + 1])
    except ValidationFailed as failed:
        return _page(page, mrz=mrz, faults=[str(f) for f in failed.faults])
    return _page(page, mrz=mrz, reading=reading, verdict=check_document(page, conn, mrz))
