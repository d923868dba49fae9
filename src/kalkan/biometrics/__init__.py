"""Faces and fingerprints on person records: extract, compare, index, search 1:N.

The public face is ``Biometrics`` (``service.py``): enrol, verify, search, read images,
rotate keys. Everything that needs the optional ``biometrics`` install extra imports it
lazily (``extra.require``), so the core installs and runs without it.
"""

from kalkan.biometrics.calibration import Outcome
from kalkan.biometrics.extra import BiometricsUnavailable
from kalkan.biometrics.results import Candidate, Enrolled, SearchResult, Verification
from kalkan.biometrics.service import Biometrics

__all__ = ["Biometrics", "BiometricsUnavailable", "Candidate", "Enrolled", "Outcome", "SearchResult", "Verification"]
