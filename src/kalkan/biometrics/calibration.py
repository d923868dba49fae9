"""Scores -> the probability of a false match, and the examiner's outcome.

An impostor score distribution is fitted as a normal distribution on the scores of pairs of
different people; the probability that an impostor comparison scores at least ``s`` is its
upper tail. The fits and how they were made are in docs/biometrics.md, and
``bench/biometrics.py`` re-measures them. A search over a gallery of ``n`` templates also
reports the probability that at least one of ``n`` impostors scores that high,
``1 - (1 - p) ** n``: the larger the gallery, the less a given score means.

Outcomes are for a trained examiner, never an identification:
``potential_candidate`` when a candidate's per-comparison probability is at most
``candidate_at``, ``inconclusive`` when the best one is at most ``inconclusive_at``,
``no_candidate`` otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    POTENTIAL_CANDIDATE = "potential_candidate"
    INCONCLUSIVE = "inconclusive"
    NO_CANDIDATE = "no_candidate"


@dataclass(frozen=True, slots=True)
class Calibration:
    """A normal fit of impostor scores, and the probabilities that bound each outcome."""

    impostor_mean: float
    impostor_sd: float
    pairs: int
    source: str
    candidate_at: float = 1e-4
    inconclusive_at: float = 1e-2

    def false_match_probability(self, score: float) -> float:
        """P(an impostor comparison scores >= ``score``)."""
        z = (score - self.impostor_mean) / self.impostor_sd
        return 0.5 * math.erfc(z / math.sqrt(2.0))

    def in_gallery(self, probability: float, gallery: int) -> float:
        """P(at least one of ``gallery`` impostors scores as high)."""
        if gallery <= 0:
            return 0.0
        return -math.expm1(gallery * math.log1p(-min(probability, 1 - 1e-16)))

    def score_at(self, probability: float) -> float:
        """The score whose impostor tail is ``probability`` (bisection on the tail)."""
        low, high = self.impostor_mean - 10 * self.impostor_sd, self.impostor_mean + 10 * self.impostor_sd
        for _ in range(80):
            middle = (low + high) / 2
            if self.false_match_probability(middle) > probability:
                low = middle
            else:
                high = middle
        return high

    @property
    def listing_score(self) -> float:
        """Scores below this are not worth an examiner's time: never listed."""
        return self.score_at(self.inconclusive_at)

    def outcome(self, best_probability: float | None) -> Outcome:
        if best_probability is None or best_probability > self.inconclusive_at:
            return Outcome.NO_CANDIDATE
        if best_probability <= self.candidate_at:
            return Outcome.POTENTIAL_CANDIDATE
        return Outcome.INCONCLUSIVE


#: Cosine similarity of unit dlib embeddings. Fitted on the 421 impostor pairs of the 31
#: photos of 11 people of the development face set (mean 0.826, sd 0.030); the fit's upper
#: tail is at or above the empirical one where it can be measured (95th percentile 0.875
#: fitted vs 0.874 measured, 99th 0.896 vs 0.886), so it errs towards larger probabilities.
FACE = Calibration(impostor_mean=0.826, impostor_sd=0.030, pairs=421, source="development face set, 31 photos of 11 people")

#: Fingerprint matcher scores (``finger_match.match``); see docs/biometrics.md.
#: Fitted on 20,000 impostor pairs of generated templates (``synthetic.py``, 2,000 fingers,
#: each probe against 10 others): mean 0.0107, sd inflated from the measured 0.0074 to 0.013
#: so that the fitted tail is at or above the measured one everywhere it can be measured
#: (99th percentile 0.041 fitted vs 0.033 measured, 99.9th 0.051 vs 0.045, the largest of
#: 20,000 at 0.061 vs 0.061). Generated, not real prints: re-fit on real impostor pairs.
FINGER = Calibration(impostor_mean=0.0107, impostor_sd=0.013, pairs=20_000, source="generated fingerprint templates")
