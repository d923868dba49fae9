"""A traveller's photo or fingerprint, taken at the border, searched among the persons' biometrics.

A ``Probe`` is checked when the traveller is (``probe``): a PNG or JPEG of a sensible size,
its format read from the bytes. The search itself is the biometric service's 1:N search
(``Biometrics.search_face`` / ``search_finger``: only person records the caller's agency may
see, audited as ``biometrics.face_search`` / ``finger_search``). A probe that cannot be
compared (no face found, too blurred, the biometric extra not installed) does not stop the
check of the document and names: its ``ProbeResult`` says why, and the traveller is checked
without it.

Only potential candidates (a false match probability at most the calibration's
``candidate_at``) count for the traveller check: never an identification, at most a
possible hit for an officer to refer.

``photos_on_record`` gives the officer the face photo enrolled on each person record the
check returned: the caller's agency must see the record, the image is decrypted on the
server, and each read is audited (``biometrics.image_read``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection

from kalkan.access.roles import Permission
from kalkan.access.scope import Scope
from kalkan.biometrics import Biometrics, BiometricsUnavailable, Candidate, Outcome, calibration
from kalkan.biometrics.images import sniff
from kalkan.biometrics.minutiae import check_position
from kalkan.errors import Fault, NotFound, ValidationFailed
from kalkan.store import audit
from kalkan.store import biometrics as samples

FACE: Final = "face"
FINGER: Final = "finger"
MODALITIES: Final = (FACE, FINGER)
#: The largest photo or fingerprint image a traveller check takes.
MAX_PROBE_BYTES: Final = 10 * 1024 * 1024
#: Candidates a probe's search returns; only potential candidates among them count.
TOP_CANDIDATES: Final = 5
#: Why a probe was not compared on a server without the biometric service or its extra.
UNAVAILABLE: Final = "biometric comparison is not available on this server"


@dataclass(frozen=True, slots=True)
class Probe:
    """A photo (``face``) or a fingerprint (``finger``, with its position if known) of the traveller."""

    modality: str
    image: bytes
    position: int | None = None

    @property
    def field(self) -> str:
        return f"{self.modality}_image"

    def as_dict(self) -> dict[str, object]:
        """What the audit log keeps of it: never the image."""
        return {"modality": self.modality, "bytes": len(self.image), "position": self.position}


def probe(modality: str, image: bytes, *, position: int | None = None, prefix: str = "") -> Probe:
    """A probe whose bytes are a PNG or JPEG image of at most ``MAX_PROBE_BYTES``; ValidationFailed names the field."""
    if modality not in MODALITIES:
        raise ValidationFailed.one(f"{prefix}modality", f"must be one of {', '.join(MODALITIES)}")
    where = f"{prefix}{modality}_image"
    faults: list[Fault] = []
    if not image:
        faults.append(Fault(where, "is empty"))
    elif len(image) > MAX_PROBE_BYTES:
        faults.append(Fault(where, f"is {len(image):,} bytes; at most {MAX_PROBE_BYTES:,} bytes ({MAX_PROBE_BYTES // 2**20} MiB)"))
    else:
        try:
            sniff(image)
        except ValidationFailed as error:
            faults += [Fault(where, f.fault) for f in error.faults]
    if position is not None:
        try:
            check_position(position)
        except ValidationFailed as error:
            faults += [Fault(f"{prefix}finger_position", f.fault) for f in error.faults]
    if faults:
        raise ValidationFailed(faults)
    return Probe(modality, image, position if modality == FINGER else None)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What one probe's search found: its outcome and its potential candidates (those that count for
    the check); ``fault``: why it could not be compared (then ``outcome`` is None)."""

    modality: str
    outcome: Outcome | None
    candidates: tuple[Candidate, ...] = ()
    gallery_size: int = 0
    fault: str | None = None


def search(biometrics: Biometrics, conn: Connection, scope: Scope, probes: Sequence[Probe]) -> list[ProbeResult]:
    """Each probe searched 1:N among the person records the caller's agency may see."""
    results: list[ProbeResult] = []
    for each in probes:
        try:
            if each.modality == FACE:
                found = biometrics.search_face(conn, scope, each.image, limit=TOP_CANDIDATES)
            else:
                found = biometrics.search_finger(conn, scope, each.image, limit=TOP_CANDIDATES, position=each.position)
        except ValidationFailed as error:
            results.append(ProbeResult(each.modality, None, fault="; ".join(f.fault for f in error.faults)))
            continue
        except BiometricsUnavailable:
            results.append(ProbeResult(each.modality, None, fault=UNAVAILABLE))
            continue
        candidate_at = (calibration.FACE if each.modality == FACE else calibration.FINGER).candidate_at
        potential = tuple(c for c in found.candidates if c.false_match_probability <= candidate_at)
        results.append(ProbeResult(each.modality, found.outcome, potential, found.gallery_size))
    return results


@dataclass(frozen=True, slots=True)
class Photo:
    record_id: str
    sample_id: int
    image_format: str  # "png" or "jpeg"
    image: bytes


def photos_on_record(biometrics: Biometrics, conn: Connection, scope: Scope, record_ids: Sequence[str]) -> dict[str, Photo]:
    """The newest face photo of each person record among ``record_ids`` that the caller's agency may see; audited."""
    scope.require(Permission.RUN_CHECKS)
    photos: dict[str, Photo] = {}
    for record_id in dict.fromkeys(record_ids):
        try:
            faces = samples.samples_of(conn, scope, record_id, FACE)
        except NotFound:
            continue  # not a person, or not one the caller's agency may see
        if faces:
            newest = faces[-1]
            image = biometrics.keys.open(newest.key_id, newest.image, "image")
            photos[record_id] = Photo(record_id, newest.id, newest.image_format, image)
    if photos:
        audit.append(
            conn,
            scope,
            "biometrics.image_read",
            sorted(photos),
            detail="photos on record shown with a check: samples " + ",".join(str(p.sample_id) for p in photos.values()),
        )
    return photos
