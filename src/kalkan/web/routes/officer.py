"""The officer's page: a traveller checked by the zone a passport reader types or by typed fields.

The zone is read with ``model.mrz.read_mrz`` (its fields, faults and the readings an OCR
confusion may have spoilt). The traveller, from the zone or from the typed document fields
and names, goes to ``screening.travellers.TravellerScreening`` (the checker the API uses):
the document against the stolen and lost documents and the names against the persons, one
verdict, stored hits, the owner told, one audit entry (``check.travellers``). Its result
becomes the page's ``Verdict``: the published notice's action to take and the agency to
contact on a hit. A traveller that cannot be checked says that no check was run, never "no hit".

The border post and direction are remembered for the shift in a cookie bound to the session
(``SHIFT_COOKIE``); the officer's checks of the day are read back from the audit log
(``kalkan.web.history``), since a check without hits stores no ``checks`` row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.responses import Response

from kalkan.access.roles import Permission
from kalkan.errors import Fault, ValidationFailed
from kalkan.model.dates import FlexibleDate
from kalkan.model.documents import DocumentType
from kalkan.model.mrz import MAX_INPUT_CHARACTERS, MRZReading, read_mrz
from kalkan.model.records import Direction
from kalkan.screening.documents import Outcome
from kalkan.screening.travellers import Context, TravellerHit, TravellerResult, traveller_query
from kalkan.store.clock import now
from kalkan.store.documents import REF_PREFIX
from kalkan.web import history
from kalkan.web.errors import WebRoute
from kalkan.web.pages import Page, render
from kalkan.web.services import services_of
from kalkan.web.session import ConnectionDep, PageDep, is_secure
from kalkan.web.verdict import UNAVAILABLE, Level, Match, Verdict

router = APIRouter(route_class=WebRoute, include_in_schema=False)

#: The shift's border post and direction, bound to the session that set them.
SHIFT_COOKIE = "kalkan_shift"
#: The typed fields of the form, besides the zone.
TYPED_FIELDS = ("issuing_state", "document_type", "number", "name", "birth_date", "other_names")
MAX_FIELD = 200
MAX_OTHER_NAMES = 10

# -- the shift: border post and direction ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shift:
    border_post: str = ""
    direction: str = ""

    def context(self) -> Context:
        return Context(border_post=self.border_post or None, direction=Direction(self.direction) if self.direction else None)


def _session_tag(page: Page) -> str:
    return hashlib.sha256(f"shift|{page.secret}".encode()).hexdigest()[:24]


def shift_of(page: Page) -> Shift:
    """The shift this session remembers; nothing for a cookie another session set."""
    values = dict(parse_qsl(page.request.cookies.get(SHIFT_COOKIE, "")[:600]))
    if values.get("session") != _session_tag(page):
        return Shift()
    direction = values.get("direction", "")
    return Shift(values.get("border_post", "")[:MAX_FIELD], direction if direction in {d.value for d in Direction} else "")


def remember_shift(page: Page, response: Response, shift: Shift) -> None:
    value = urlencode({"session": _session_tag(page), "border_post": shift.border_post, "direction": shift.direction})
    left = int((page.session.expires_at - now()).total_seconds())
    response.set_cookie(
        SHIFT_COOKIE,
        value,
        max_age=max(left, 0),
        path="/check",
        secure=is_secure(page.request, page.settings),
        httponly=True,
        samesite="lax",
    )


# -- the verdict ------------------------------------------------------------------------------

_LEVELS = {Outcome.HIT: Level.HIT, Outcome.POSSIBLE_HIT: Level.POSSIBLE_HIT, Outcome.NO_HIT: Level.NO_HIT}


def _match(page: Page, hit: TravellerHit) -> Match:
    t = page.t
    if hit.restricted:
        return Match(t("verdict.restricted"), owner=hit.owner)
    reasons: list[str] = []
    if hit.document is not None:
        candidate = hit.document.candidate
        label = f"{candidate.issuing_state} {t.value(candidate.document_type)} {candidate.number}"
        if candidate.detail is not None:
            reasons.append(t.value(candidate.detail.document_status))
        reasons += [t.value(d.value) for d in hit.document.differences]
    else:
        label = hit.label or hit.record_id
        reasons.append(t("verdict.score", score=f"{hit.score:.2f}"))
    reasons += [t("verdict.notice", type=t.value(n.notice_type.value), agency=n.owner) for n in hit.notices]
    readable = page.scope.can(Permission.READ_RECORDS) and not hit.record_id.startswith(REF_PREFIX)
    link = hit.record_id if readable else None
    return Match(label, record_id=link, owner=hit.owner, reason=", ".join(reasons))


def verdict_of(page: Page, result: TravellerResult) -> Verdict:
    """A traveller check's result as the officer's page shows it."""
    t = page.t
    level = _LEVELS[result.verdict]
    matches = [_match(page, hit) for hit in result.hits]
    cleared = [_match(page, hit) for hit in result.remembered_false_positives]
    if level is Level.NO_HIT:
        return Verdict(level, cleared=cleared)
    if level is Level.POSSIBLE_HIT:
        first = result.hits[0]
        action = t("verdict.action_contact") if first.restricted else t("verdict.action_refer")
        return Verdict(level, action=action, contact_agency=first.owner, matches=matches, cleared=cleared)
    hits = [hit for hit in result.hits if hit.outcome is Outcome.HIT]
    noticed = [hit for hit in hits if hit.notices]
    if noticed:
        notice = noticed[0].notices[0]
        actions = list(dict.fromkeys(n.action_to_take for hit in noticed for n in hit.notices))
        return Verdict(level, action=" · ".join(actions), contact_agency=notice.owner, matches=matches, cleared=cleared)
    first = hits[0]
    action = t("verdict.action_seize") if first.document is not None else t("verdict.action_person")
    return Verdict(level, action=action, contact_agency=first.owner, matches=matches, cleared=cleared)


# -- the page -----------------------------------------------------------------------------------


@dataclass
class CheckForm:
    """What the officer sent, kept to be shown again, and the faults by field ('' for the form)."""

    mrz: str = ""
    typed: dict[str, str] = field(default_factory=dict)
    shift: Shift = field(default_factory=Shift)
    faults: dict[str, list[str]] = field(default_factory=dict)

    def fault(self, where: str, message: str) -> None:
        self.faults.setdefault(where, []).append(message)


def _page(
    page: Page,
    conn: Connection,
    form: CheckForm,
    *,
    reading: MRZReading | None = None,
    verdict: Verdict | None = None,
) -> Response:
    response = render(
        page.request,
        "check.html",
        t=page.t,
        session=page.session,
        form=form,
        mrz=form.mrz,
        reading=reading,
        verdict=verdict,
        directions=[d.value for d in Direction],
        document_types=[d.value for d in DocumentType],
        typed_open=any(form.typed.get(name) or form.faults.get(name) for name in TYPED_FIELDS if name != "other_names"),
        history=history.checks_today(conn, page.scope),
        max_characters=MAX_INPUT_CHARACTERS,
        status=422 if form.faults else 200,
    )
    if page.request.method == "POST" and (form.shift.border_post or form.shift.direction):
        remember_shift(page, response, form.shift)
    return response


@router.get("/check")
def check_page(page: PageDep, conn: ConnectionDep) -> Response:
    page.scope.require(Permission.RUN_CHECKS)
    return _page(page, conn, CheckForm(shift=shift_of(page)))


def _form_of(page: Page) -> CheckForm:
    raw = page.form.get("mrz")
    mrz = raw if isinstance(raw, str) else ""
    typed = {name: page.text(name)[: MAX_FIELD * (MAX_OTHER_NAMES if name == "other_names" else 1)] for name in TYPED_FIELDS}
    direction = page.text("direction")
    shift = Shift(page.text("border_post")[:MAX_FIELD], direction if direction in {d.value for d in Direction} else "")
    return CheckForm(mrz=mrz, typed=typed, shift=shift)


def _field_of(fault: Fault) -> str:
    """Where a screening fault belongs on the form."""
    where = fault.field.split(".")[0].split("[")[0]
    return {"names": "name", "traveller": ""}.get(where, where if where in {"mrz", *TYPED_FIELDS} else "")


@router.post("/check")
def check_traveller(page: PageDep, conn: ConnectionDep) -> Response:
    page.scope.require(Permission.RUN_CHECKS)
    form = _form_of(page)
    typed = form.typed
    reading: MRZReading | None = None
    if form.mrz.strip():
        if any(typed[name] for name in ("issuing_state", "number")):
            form.fault("", "check.zone_or_fields")
            return _page(page, conn, form)
        try:
            reading = read_mrz(form.mrz[: MAX_INPUT_CHARACTERS + 1])
        except ValidationFailed as failed:
            for f in failed.faults:
                form.fault("mrz", str(f))
            return _page(page, conn, form)
    elif not any(typed[name] for name in ("issuing_state", "number", "name", "other_names")):
        form.fault("", "check.mrz_empty")
        return _page(page, conn, form)
    birth_date: FlexibleDate | None = None
    if typed["birth_date"]:
        try:
            birth_date = FlexibleDate(value=typed["birth_date"])
        except ValueError:
            form.fault("birth_date", "check.birth_date_invalid")
    names = [typed["name"]] if typed["name"] else []
    names += [line.strip() for line in typed["other_names"].splitlines() if line.strip()][:MAX_OTHER_NAMES]
    try:
        query = traveller_query(
            mrz=form.mrz if reading is not None else None,
            issuing_state=typed["issuing_state"] or None,
            document_type=typed["document_type"] or None,
            number=typed["number"] or None,
            names=names,
            birth_date=birth_date,
            context=form.shift.context(),
        )
    except ValidationFailed as failed:
        for f in failed.faults:
            form.fault(_field_of(f), str(f))
        if reading is not None and not form.faults.keys() - {"mrz"}:
            # A zone read but naming no checkable document: shown, and said to be unchecked.
            form.faults.clear()
            return _page(page, conn, form, reading=reading, verdict=UNAVAILABLE)
        return _page(page, conn, form, reading=reading)
    if form.faults:
        return _page(page, conn, form, reading=reading)
    (result,) = services_of(page).travellers().check(conn, page.scope, [query])
    return _page(page, conn, form, reading=reading, verdict=verdict_of(page, result))
