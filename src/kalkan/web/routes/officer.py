"""The officer's page: a traveller checked by the zone a passport reader types or by typed fields,
with a photo or a fingerprint if one was taken.

The zone is read with ``model.mrz.read_mrz`` (its fields, faults and the readings an OCR
confusion may have spoilt). The traveller, from the zone or from the typed document fields
and names, and the photo or fingerprint uploaded with them (``screening.probes.probe``: PNG
or JPEG, at most ``MAX_PROBE_BYTES``), goes to ``screening.travellers.TravellerScreening``
(the checker the API uses): the document against the stolen and lost documents, the names
against the persons, the photo among their faces, one verdict, stored hits, the owner told,
one audit entry (``check.travellers``). Its result becomes the page's ``Verdict``
(``web.verdict``): the published notice's action to take and the agency to contact on a hit,
and the photo on record of each person hit whose record the officer's agency may see. A
traveller that cannot be checked says that no check was run, never "no hit". An upload that
is refused comes back with its fault next to its field and everything typed kept (a file
input cannot be filled again by the server: the photo is chosen again).

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
from starlette.datastructures import UploadFile
from starlette.responses import Response

from kalkan.access.roles import Permission
from kalkan.biometrics import BiometricsUnavailable
from kalkan.errors import Fault, ValidationFailed
from kalkan.model.dates import FlexibleDate
from kalkan.model.documents import DocumentType
from kalkan.model.mrz import MAX_INPUT_CHARACTERS, MRZReading, read_mrz
from kalkan.model.records import Direction, RecordKind
from kalkan.screening.probes import FACE, FINGER, MAX_PROBE_BYTES, MODALITIES, Probe, photos_on_record, probe
from kalkan.screening.travellers import Context, TravellerResult, traveller_query
from kalkan.store.clock import now
from kalkan.web import history
from kalkan.web.errors import WebRoute
from kalkan.web.pages import Page, render
from kalkan.web.photos import preview
from kalkan.web.services import services_of
from kalkan.web.session import ConnectionDep, PageDep, is_secure
from kalkan.web.verdict import UNAVAILABLE, Verdict, verdict_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)

#: The shift's border post and direction, bound to the session that set them.
SHIFT_COOKIE = "kalkan_shift"
#: The typed fields of the form, besides the zone.
TYPED_FIELDS = ("issuing_state", "document_type", "number", "name", "birth_date", "other_names")
#: The file fields of the form, and the fingerprint's position.
PROBE_FIELDS = ("face_image", "finger_image", "finger_position")
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


# -- the page -----------------------------------------------------------------------------------


@dataclass
class CheckForm:
    """What the officer sent, kept to be shown again, and the faults by field ('' for the form)."""

    mrz: str = ""
    typed: dict[str, str] = field(default_factory=dict)
    shift: Shift = field(default_factory=Shift)
    faults: dict[str, list[str]] = field(default_factory=dict)
    #: A photo or fingerprint was sent: if the form comes back, it must be chosen again.
    files_sent: bool = False

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
        finger_open=bool(form.faults.get("finger_image") or form.faults.get("finger_position")),
        finger_positions=list(range(11)),
        max_probe_bytes=MAX_PROBE_BYTES,
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


def _probes_of(page: Page, form: CheckForm) -> list[Probe]:
    """The photo and fingerprint sent with the form, checked; a fault lands next to its field."""
    found: list[Probe] = []
    for modality in MODALITIES:
        upload = page.form.get(f"{modality}_image")
        if not isinstance(upload, UploadFile):
            continue
        data = upload.file.read(MAX_PROBE_BYTES + 1)
        if not data and not upload.filename:
            continue  # the field left empty
        form.files_sent = True
        position_text = page.text("finger_position") if modality == FINGER else ""
        try:
            found.append(probe(modality, data, position=int(position_text) if position_text.isdigit() else None))
        except ValidationFailed as failed:
            for f in failed.faults:
                if f.field != f"{modality}_image":
                    form.fault(f.field, f.fault)
                elif len(data) > MAX_PROBE_BYTES:
                    form.fault(f.field, "check.upload_too_large")
                elif not data:
                    form.fault(f.field, "check.upload_empty")
                else:
                    form.fault(f.field, "check.upload_wrong_type")
                    form.fault(f.field, f.fault)  # what the bytes are instead
    return found


def _photos(page: Page, conn: Connection, result: TravellerResult) -> dict[str, str]:
    """The photos on record of the person records hit that the officer's agency may see, as previews."""
    people = [h.record_id for h in result.hits if h.record_kind == RecordKind.PERSON.value and not h.restricted]
    if not people:
        return {}
    try:
        found = photos_on_record(services_of(page).biometrics, conn, page.scope, people)
    except BiometricsUnavailable:
        return {}
    return {record_id: shown for record_id, photo in found.items() if (shown := preview(photo.image))}


def _form_of(page: Page) -> CheckForm:
    raw = page.form.get("mrz")
    mrz = raw if isinstance(raw, str) else ""
    typed = {name: page.text(name)[: MAX_FIELD * (MAX_OTHER_NAMES if name == "other_names" else 1)] for name in TYPED_FIELDS}
    direction = page.text("direction")
    shift = Shift(page.text("border_post")[:MAX_FIELD], direction if direction in {d.value for d in Direction} else "")
    typed["finger_position"] = page.text("finger_position")[:2]
    return CheckForm(mrz=mrz, typed=typed, shift=shift)


def _field_of(fault: Fault) -> str:
    """Where a screening fault belongs on the form."""
    where = fault.field.split(".")[0].split("[")[0]
    return {"names": "name", "traveller": ""}.get(where, where if where in {"mrz", *TYPED_FIELDS, *PROBE_FIELDS} else "")


@router.post("/check")
def check_traveller(page: PageDep, conn: ConnectionDep) -> Response:
    page.scope.require(Permission.RUN_CHECKS)
    form = _form_of(page)
    typed = form.typed
    probes = _probes_of(page, form)
    reading: MRZReading | None = None
    if form.faults:
        return _page(page, conn, form)
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
    elif not probes and not any(typed[name] for name in ("issuing_state", "number", "name", "other_names")):
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
            probes=probes,
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
    face = next((p for p in probes if p.modality == FACE), None)
    verdict = verdict_of(
        page.t,
        result,
        may_open=page.scope.can(Permission.READ_RECORDS),
        photos=_photos(page, conn, result),
        traveller_photo=preview(face.image) if face else None,
    )
    return _page(page, conn, form, reading=reading, verdict=verdict)
