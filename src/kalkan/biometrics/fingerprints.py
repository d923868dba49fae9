"""Fingerprint images -> minutiae and a quality score. numpy and scipy; 500 ppi assumed.

The classical chain: normalise; segment the print from the background by local contrast;
estimate the ridge orientation field from smoothed gradient moments (its coherence is also
the main quality feature); enhance with even Gabor filters tuned to each pixel's
orientation (a fixed ridge period of 9 pixels, the typical period at 500 ppi); binarise;
thin to one-pixel ridges (Zhang-Suen); find endings and bifurcations by the crossing
number; drop minutiae near the print's edge and pairs closer than a ridge period (breaks
and bridges). Each minutia's angle is the orientation field's, turned towards the ridge
for endings and towards the fork for bifurcations.

Quality, "NFIQ 2 style": NFIQ 2 scores a print from features such as orientation
certainty, foreground area and minutiae count with a trained random forest; Kalkan computes
three of those feature families (mean orientation coherence over the foreground, the
foreground's share of the image, the number of reliable minutiae) and combines them with
fixed weights into 0-100. It is not NFIQ 2 and its numbers are not NFIQ 2 numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kalkan.biometrics.extra import require
from kalkan.biometrics.minutiae import BIFURCATION, ENDING, FingerTemplate, Impression
from kalkan.errors import ValidationFailed

RIDGE_PERIOD = 9.0
BLOCK = 16
MIN_MINUTIAE = 12
MAX_MINUTIAE = 120
ORIENTATIONS = 16

Grid = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Extraction:
    template: FingerTemplate
    coherence: float
    foreground: float


def _gabor_kernel(theta: float, period: float = RIDGE_PERIOD, sigma: float = 4.0) -> Grid:
    half = int(3 * sigma)
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    # Across the ridge: the direction normal to ``theta``.
    across = -x * np.sin(theta) + y * np.cos(theta)
    kernel = np.exp(-(x**2 + y**2) / (2 * sigma**2)) * np.cos(2 * np.pi * across / period)
    result: Grid = kernel - kernel.mean()
    return result


_KERNELS: list[Grid] = [_gabor_kernel(np.pi * i / ORIENTATIONS) for i in range(ORIENTATIONS)]


def extract(pixels: npt.NDArray[np.uint8], *, position: int = 0, impression: Impression = Impression.LIVE_SCAN_PLAIN) -> Extraction:
    """Minutiae and quality of a grey fingerprint image (dark ridges on a light background)."""
    ndimage: Any = require("scipy.ndimage")
    signal: Any = require("scipy.signal")
    image = pixels.astype(np.float64)
    height, width = image.shape
    image = (image - image.mean()) / (image.std() or 1.0)

    # Foreground: blocks whose contrast is ridge-like.
    local_sd = np.sqrt(np.maximum(ndimage.uniform_filter(image**2, BLOCK) - ndimage.uniform_filter(image, BLOCK) ** 2, 0))
    mask = local_sd > 0.35 * float(np.percentile(local_sd, 95))
    mask = ndimage.binary_opening(mask, iterations=4)
    mask = ndimage.binary_fill_holes(ndimage.binary_closing(mask, iterations=8))
    foreground = float(mask.mean())
    if foreground < 0.05:
        raise ValidationFailed.one("image", "no fingerprint found: the image has no area with ridge-like contrast")

    # Orientation field from gradient moments.
    smooth = ndimage.gaussian_filter(image, 1.0)
    gx, gy = ndimage.sobel(smooth, axis=1), ndimage.sobel(smooth, axis=0)
    gxx, gyy, gxy = (ndimage.gaussian_filter(v, 6.0) for v in (gx * gx, gy * gy, gx * gy))
    gradient_angle = 0.5 * np.arctan2(2 * gxy, gxx - gyy)
    ridge_angle = (gradient_angle + np.pi / 2) % np.pi
    coherence_map = np.sqrt((gxx - gyy) ** 2 + 4 * gxy**2) / (gxx + gyy + 1e-9)
    coherence = float(coherence_map[mask].mean())

    # Orientation-tuned Gabor enhancement.
    bins = np.round(ridge_angle / np.pi * ORIENTATIONS).astype(np.int64) % ORIENTATIONS
    enhanced = np.zeros_like(image)
    for index, kernel in enumerate(_KERNELS):
        where = bins == index
        if where.any():
            enhanced[where] = signal.fftconvolve(image, kernel, mode="same")[where]
    ridges = (enhanced < 0) & mask
    skeleton = _thin(ridges)

    inner = ndimage.binary_erosion(mask, iterations=BLOCK)
    found = _minutiae(skeleton, inner, ridge_angle)
    if len(found) < MIN_MINUTIAE:
        raise ValidationFailed.one(
            "image",
            f"only {len(found)} reliable minutiae found (at least {MIN_MINUTIAE} needed): the print is too small, smudged or blurred",
        )
    found = found[:MAX_MINUTIAE]
    count_score = min(1.0, len(found) / 40)
    quality = round(100 * (0.5 * min(1.0, coherence / 0.7) + 0.25 * min(1.0, foreground / 0.5) + 0.25 * count_score))
    template = FingerTemplate(found, width, height, position, impression, quality)
    return Extraction(template, coherence, foreground)


def _neighbours(image: npt.NDArray[np.bool_]) -> list[npt.NDArray[np.bool_]]:
    """P2..P9 of each pixel, clockwise from north (Zhang-Suen's order)."""
    p = np.pad(image, 1)
    return [p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:], p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]]


def _thin(image: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Zhang-Suen thinning, each pass vectorised over the whole image."""
    current = image.copy()
    for _ in range(40):
        changed = False
        for step in (0, 1):
            n = [v.astype(np.int8) for v in _neighbours(current)]
            count = sum(n)
            transitions = sum(((n[i] == 0) & (n[(i + 1) % 8] == 1)).astype(np.int8) for i in range(8))
            if step == 0:
                first, second = n[0] * n[2] * n[4], n[2] * n[4] * n[6]
            else:
                first, second = n[0] * n[2] * n[6], n[0] * n[4] * n[6]
            remove = current & (count >= 2) & (count <= 6) & (transitions == 1) & (first == 0) & (second == 0)
            if remove.any():
                current &= ~remove
                changed = True
        if not changed:
            break
    return current


def _minutiae(skeleton: npt.NDArray[np.bool_], inner: npt.NDArray[np.bool_], ridge_angle: Grid) -> npt.NDArray[np.float32]:
    n = [v.astype(np.int8) for v in _neighbours(skeleton)]
    crossing = sum(np.abs(n[i] - n[(i + 1) % 8]) for i in range(8)) // 2
    kinds = np.where(skeleton & inner & (crossing == 1), ENDING, np.where(skeleton & inner & (crossing == 3), BIFURCATION, 0))
    ys, xs = np.nonzero(kinds)
    if len(xs) == 0:
        return np.zeros((0, 4), dtype=np.float32)
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    # Drop pairs closer than a ridge period: breaks, bridges and spurs, not true minutiae.
    distance = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(distance, np.inf)
    keep = distance.min(axis=1) >= RIDGE_PERIOD
    xs, ys = xs[keep], ys[keep]
    rows = []
    height, width = skeleton.shape
    radius = 5
    for x, y in zip(xs, ys, strict=True):
        kind = int(kinds[y, x])
        theta = float(ridge_angle[y, x])
        window = skeleton[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1]
        wy, wx = np.nonzero(window)
        offset = np.array([(wx + max(0, x - radius) - x).mean(), (wy + max(0, y - radius) - y).mean()])
        toward = np.array([np.cos(theta), np.sin(theta)])
        # Endings point away from their ridge; bifurcations towards their fork's open side.
        if (float(offset @ toward) > 0) == (kind == ENDING):
            theta += np.pi
        rows.append((x, y, theta % (2 * np.pi), kind))
    found = np.array(rows, dtype=np.float32).reshape(-1, 4)
    # Keep the minutiae nearest the print's centre first when there are too many.
    centre = np.array([width / 2, height / 2])
    order = np.argsort(((found[:, :2] - centre) ** 2).sum(axis=1))
    result: npt.NDArray[np.float32] = found[order]
    return result
