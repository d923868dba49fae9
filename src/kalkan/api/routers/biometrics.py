"""Biometrics: enrol, verify and search faces and fingerprints; read a sample's image.

Images travel base64-encoded in JSON bodies; ANSI/NIST-ITL transactions travel as raw bytes
(``POST /nist/import``, ``GET /records/{id}/nist``). Handlers only translate HTTP: ``Biometrics``
checks permissions, ownership and visibility, and audits. Search answers are candidates for
a trained examiner ("potential_candidate", "inconclusive", "no_candidate"), never an
identification.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import Base64Bytes, BaseModel, ConfigDict, Field

from kalkan.api.bodies import BodyDep
from kalkan.api.deps import ConnectionDep, ScopeDep, ServicesDep
from kalkan.api.errors import error_responses
from kalkan.biometrics import Biometrics, Candidate, Enrolled, SearchResult, Verification
from kalkan.biometrics.minutiae import Impression
from kalkan.biometrics.nist import MAX_BYTES as NIST_MAX_BYTES
from kalkan.biometrics.results import NistImport

router = APIRouter(prefix="/biometrics", tags=["biometrics"], responses=error_responses(401, 403, 422))

RecordId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="the person record")]
Image = Annotated[Base64Bytes, Field(description="a PNG or JPEG image, base64-encoded")]


def get_biometrics(services: ServicesDep) -> Biometrics:
    """The process's service (engines, keys, in-memory indexes), made on first use."""
    return services.biometrics


BiometricsDep = Annotated[Biometrics, Depends(get_biometrics)]


NIST_MEDIA_TYPE = "application/octet-stream"
NIST_BODY = {
    "requestBody": {
        "required": True,
        "description": f"an ANSI/NIST-ITL 1-2011 transaction, traditional encoding, at most {NIST_MAX_BYTES:,} bytes",
        "content": {NIST_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}


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


class NistImportResponse(BaseModel):
    control_number: str = Field(description="the transaction's control number (1.009 TCN)")
    samples: list[SampleResponse]
    skipped: list[str] = Field(description="image records not enrolled, each naming record type, place, field and why")
    notes: list[str] = Field(description="records read but not imported (other record types)")
    descriptive_text: list[dict[str, str]] = Field(description="the Type-2 records' fields, as sent")
    complete: bool = Field(description="true when every image record was enrolled")


def _nist_import(result: NistImport) -> NistImportResponse:
    return NistImportResponse(
        control_number=result.control_number,
        samples=_samples(result.enrolled).samples,
        skipped=result.skipped,
        notes=result.notes,
        descriptive_text=result.descriptive_text,
        complete=result.complete,
    )


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


@router.post(
    "/nist/import",
    status_code=201,
    responses=error_responses(404),
    openapi_extra=NIST_BODY,
    summary="Enrol the fingers and faces of an ANSI/NIST-ITL transaction on a person record",
)
def import_nist(
    body: BodyDep,
    record_id: Annotated[str, Query(pattern=r"^[0-9a-f]{32}$", description="the person record")],
    conn: ConnectionDep,
    scope: ScopeDep,
    service: BiometricsDep,
    strict: Annotated[bool, Query(description="all or nothing: one image record that cannot be enrolled and nothing is")] = False,
) -> NistImportResponse:
    return _nist_import(service.import_nist(conn, scope, record_id, body, strict=strict))


@router.get(
    "/records/{record_id}/nist",
    response_class=Response,
    responses={**error_responses(404), 200: {"content": {NIST_MEDIA_TYPE: {}}}},
    summary="A person record's fingers and faces as one ANSI/NIST-ITL transaction, to a caller who may see the record",
)
def export_nist(
    record_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], conn: ConnectionDep, scope: ScopeDep, service: BiometricsDep
) -> Response:
    data = service.export_nist(conn, scope, record_id)
    headers = {"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{record_id}.an2"'}
    return Response(content=data, media_type=NIST_MEDIA_TYPE, headers=headers)
