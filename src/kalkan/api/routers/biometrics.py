"""Biometrics: enrol, verify and search faces and fingerprints; read a sample's image.

Images travel base64-encoded in JSON bodies. Handlers only translate HTTP: ``Biometrics``
checks permissions, ownership and visibility, and audits. Search answers are candidates for
a trained examiner ("potential_candidate", "inconclusive", "no_candidate"), never an
identification.
"""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import Base64Bytes, BaseModel, ConfigDict, Field

from kalkan.api.deps import ConnectionDep, ScopeDep, SettingsDep
from kalkan.api.errors import error_responses
from kalkan.biometrics import Biometrics, Candidate, Enrolled, SearchResult, Verification
from kalkan.biometrics.minutiae import Impression

router = APIRouter(prefix="/biometrics", tags=["biometrics"], responses=error_responses(401, 403, 422))

_service_lock = threading.Lock()

RecordId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="the person record")]
Image = Annotated[Base64Bytes, Field(description="a PNG or JPEG image, base64-encoded")]


def get_biometrics(request: Request, settings: SettingsDep) -> Biometrics:
    """The process's service (engines, keys, in-memory indexes), made on first use."""
    with _service_lock:
        service: Biometrics | None = getattr(request.app.state, "biometrics", None)
        if service is None:
            service = request.app.state.biometrics = Biometrics.from_settings(settings)
        return service


BiometricsDep = Annotated[Biometrics, Depends(get_biometrics)]


class FaceEnrolQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: RecordId
    images: list[Image] = Field(min_length=1, max_length=10)


class FingerEnrolQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: RecordId
    image: Image
    position: int = Field(ge=0, le=10, description="ANSI/NIST finger position: 1 right thumb ... 10 left little, 0 unknown")
    impression: Literal["plain", "rolled"] = "plain"


class VerifyQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: RecordId
    image: Image
    position: int | None = Field(None, ge=0, le=10, description="fingers only: compare with this finger alone")


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image: Image
    limit: int = Field(10, ge=1, le=50)


class SampleResponse(BaseModel):
    sample_id: int
    record_id: str
    modality: str
    quality: int = Field(description="0-100")
    position: int | None = None
    minutiae: int | None = None


class EnrolResponse(BaseModel):
    samples: list[SampleResponse]


class CandidateResponse(BaseModel):
    record_id: str
    sample_id: int
    score: float
    false_match_probability: float = Field(description="probability that one impostor comparison scores this high")
    false_match_probability_in_gallery: float = Field(description="probability that any impostor in the searched gallery scores this high")
    position: int | None = None


class SearchResponse(BaseModel):
    modality: str
    outcome: Literal["potential_candidate", "inconclusive", "no_candidate"]
    candidates: list[CandidateResponse]
    gallery_size: int
    probe_quality: int
    note: str = "Candidates for a trained examiner to compare; not an identification."


class VerifyResponse(BaseModel):
    record_id: str
    outcome: Literal["potential_candidate", "inconclusive", "no_candidate"]
    score: float
    false_match_probability: float
    sample_id: int | None


def _samples(enrolled: list[Enrolled]) -> EnrolResponse:
    return EnrolResponse(
        samples=[
            SampleResponse(
                sample_id=e.sample_id,
                record_id=e.record_id,
                modality=e.modality,
                quality=e.quality,
                position=e.position,
                minutiae=e.minutiae,
            )
            for e in enrolled
        ]
    )


def _candidate(c: Candidate) -> CandidateResponse:
    return CandidateResponse(
        record_id=c.record_id,
        sample_id=c.sample_id,
        score=c.score,
        false_match_probability=c.false_match_probability,
        false_match_probability_in_gallery=c.false_match_probability_in_gallery,
        position=c.position,
    )


def _search(result: SearchResult) -> SearchResponse:
    return SearchResponse(
        modality=result.modality,
        outcome=result.outcome.value,
        candidates=[_candidate(c) for c in result.candidates],
        gallery_size=result.gallery_size,
        probe_quality=result.probe_quality,
    )


def _verify(result: Verification) -> VerifyResponse:
    return VerifyResponse(
        record_id=result.record_id,
        outcome=result.outcome.value,
        score=result.score,
        false_match_probability=result.false_match_probability,
        sample_id=result.sample_id,
    )


@router.post("/faces/enrol", status_code=201, responses=error_responses(404), summary="Enrol photos of the face of a person record")
def enrol_faces(query: FaceEnrolQuery, conn: ConnectionDep, scope: ScopeDep, service: BiometricsDep) -> EnrolResponse:
    return _samples(service.enrol_faces(conn, scope, query.record_id, list(query.images)))


@router.post("/faces/verify", responses=error_responses(404), summary="Compare a photo with the faces of one person record (1:1)")
def verify_face(query: VerifyQuery, conn: ConnectionDep, scope: ScopeDep, service: BiometricsDep) -> VerifyResponse:
    return _verify(service.verify_face(conn, scope, query.record_id, query.image))


@router.post("/faces/search", summary="Search a photo against every face the caller's agency may see (1:N)")
def search_faces(query: SearchQuery, conn: ConnectionDep, scope: ScopeDep, service: BiometricsDep) -> SearchResponse:
    return _search(service.search_face(conn, scope, query.image, limit=query.limit))


@router.post("/fingers/enrol", status_code=201, responses=error_responses(404), summary="Enrol one finger image of a person record")
def enrol_finger(query: FingerEnrolQuery, conn: ConnectionDep, scope: ScopeDep, service: BiometricsDep) -> EnrolResponse:
    impression = Impression.LIVE_SCAN_ROLLED if query.impression == "rolled" else Impression.LIVE_SCAN_PLAIN
    return _samples([service.enrol_finger(conn, scope, query.record_id, query.image, position=query.position, impression=impression)])


@router.post(
    "/fingers/verify",
    responses=error_responses(404),
    summary="Compare a finger image with the fingerprints of one person record (1:1)",
)
def verify_finger(query: VerifyQuery, conn: ConnectionDep, scope: ScopeDep, service: BiometricsDep) -> VerifyResponse:
    return _verify(service.verify_finger(conn, scope, query.record_id, query.image, position=query.position))


@router.post(
    "/fingers/search",
    summary="Search a finger image against every fingerprint the caller's agency may see (1:N)",
)
def search_fingers(query: SearchQuery, conn: ConnectionDep, scope: ScopeDep, service: BiometricsDep) -> SearchResponse:
    return _search(service.search_finger(conn, scope, query.image, limit=query.limit))


@router.get(
    "/samples/{sample_id}/image",
    response_class=Response,
    responses={**error_responses(404), 200: {"content": {"image/png": {}, "image/jpeg": {}}}},
    summary="A sample's image, to a caller whose agency may see its person record",
)
def sample_image(sample_id: Annotated[int, Path(ge=1)], conn: ConnectionDep, scope: ScopeDep, service: BiometricsDep) -> Response:
    image_format, data = service.image_of(conn, scope, sample_id)
    return Response(content=data, media_type=f"image/{image_format}", headers={"Cache-Control": "no-store"})
