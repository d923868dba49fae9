"""What the biometric service answers: enrolled samples, candidates, verdicts, ANSI/NIST-ITL imports."""

from __future__ import annotations

from dataclasses import dataclass

from kalkan.biometrics.calibration import Outcome

__all__ = ["Candidate", "Enrolled", "NistImport", "SearchResult", "Verification"]


@dataclass(frozen=True, slots=True)
class Candidate:
    record_id: str
    sample_id: int
    score: float
    false_match_probability: float  # one impostor comparison scoring this high
    false_match_probability_in_gallery: float  # any of the gallery's impostors scoring this high
    position: int | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Candidates for a trained examiner: never an identification."""

    modality: str
    outcome: Outcome
    candidates: list[Candidate]
    gallery_size: int
    probe_quality: int


@dataclass(frozen=True, slots=True)
class Verification:
    record_id: str
    outcome: Outcome
    score: float
    false_match_probability: float
    sample_id: int | None


@dataclass(frozen=True, slots=True)
class Enrolled:
    sample_id: int
    record_id: str
    modality: str
    quality: int
    position: int | None = None
    minutiae: int | None = None


@dataclass(frozen=True, slots=True)
class NistImport:
    """What an ANSI/NIST-ITL import enrolled, and each image record it skipped, with why."""

    control_number: str
    enrolled: list[Enrolled]
    skipped: list[str]  # "Type-14 record 3, field 14.011: WSQ-compressed ..."
    notes: list[str]  # records read but not imported (other types)
    descriptive_text: list[dict[str, str]]  # the Type-2 records' fields, as sent

    @property
    def complete(self) -> bool:
        return not self.skipped
