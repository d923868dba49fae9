"""Generated biometrics for tests and benchmarks: face embeddings, fingerprint minutiae and ridge images.

No real fingerprint images can be shipped or fetched here, nor a million faces; these stand
in for them where a test or a speed measurement needs many templates. Accuracy on them says
how the matcher and index cope with the variations modelled (for prints: rotation,
translation, a smooth elastic warp, position and angle noise, missed and spurious minutiae,
a capture window that shows only part of the finger),
not how they do on real prints or faces.

Face embeddings are modelled on the development face set: unit vectors around one mean
direction, their spread over the other 127 axes falling off as a power of the axis' rank,
with the power chosen so that pairs of different people score the development set's
impostor cosine similarity (mean 0.826, standard deviation 0.030); a second photo of the
same person adds a smaller spread of the same shape (mean genuine score about 0.95, as the
development set's 0.934-0.99).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kalkan.biometrics.minutiae import BIFURCATION, ENDING

WIDTH, HEIGHT = 320, 400

FACE_SIZE = 128
IMPOSTOR_MEAN, IMPOSTOR_SD = 0.826, 0.030
GENUINE_SPREAD = 0.13  # squared length of a second photo's offset: genuine scores about 0.95


def _face_spectrum(isotropic: bool) -> npt.NDArray[np.float64]:
    """Variance along each of the 127 axes besides the mean direction (the sum is the squared spread)."""
    spread = 1 / IMPOSTOR_MEAN - 1  # cos = (1 + d1.d2) / (1 + |d|^2)
    ranks = np.arange(1, FACE_SIZE, dtype=np.float64)
    if isotropic:
        return np.full(FACE_SIZE - 1, spread / (FACE_SIZE - 1))
    # The variance of a pair's score, to first order: that of d1.d2 (the sum of squared variances)
    # and as much again times mean^2 from the lengths of d1 and d2, which vary too.
    target = (IMPOSTOR_SD / IMPOSTOR_MEAN) ** 2 / (1 + IMPOSTOR_MEAN**2)
    low, high = 0.0, 4.0
    for _ in range(60):
        power = (low + high) / 2
        shares = ranks**-power / (ranks**-power).sum()
        if ((spread * shares) ** 2).sum() < target:
            low = power
        else:
            high = power
    result: npt.NDArray[np.float64] = spread * ranks**-power / (ranks**-power).sum()
    return result


def face_gallery(
    rng: np.random.Generator, count: int, *, isotropic: bool = False
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``count`` unit face embeddings and the unnormalised points they come from (for ``face_probes``).

    ``isotropic`` spreads the faces evenly over every axis instead (pairs then score with a
    smaller spread than the development set's): the hardest case for the first stage of the face index.
    """
    axes, _ = np.linalg.qr(rng.normal(size=(FACE_SIZE, FACE_SIZE)))
    scale = np.sqrt(_face_spectrum(isotropic))
    points = np.empty((count, FACE_SIZE), dtype=np.float32)
    for start in range(0, count, 65_536):
        rows = min(65_536, count - start)
        points[start : start + rows] = axes[:, 0] + (rng.normal(size=(rows, FACE_SIZE - 1)) * scale) @ axes[:, 1:].T
    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    return unit.astype(np.float32), points


def face_probes(rng: np.random.Generator, points: npt.NDArray[np.float32], *, isotropic: bool = False) -> npt.NDArray[np.float32]:
    """A second photo of each face of ``points`` (from ``face_gallery``): unit embeddings."""
    shape = _face_spectrum(isotropic)
    scale = np.sqrt(shape / shape.sum() * GENUINE_SPREAD)
    axes, _ = np.linalg.qr(rng.normal(size=(FACE_SIZE, FACE_SIZE)))
    moved = points + (rng.normal(size=(len(points), FACE_SIZE - 1)) * scale) @ axes[:, 1:].T
    result: npt.NDArray[np.float32] = (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)
    return result


def master(rng: np.random.Generator, count: int = 45) -> npt.NDArray[np.float32]:
    """A finger's true minutiae: spread over the print, at least 14 pixels apart."""
    points: list[tuple[float, float]] = []
    while len(points) < count:
        x, y = rng.uniform(30, WIDTH - 30), rng.uniform(30, HEIGHT - 30)
        if all((x - px) ** 2 + (y - py) ** 2 >= 14**2 for px, py in points):
            points.append((x, y))
    angles = rng.uniform(0, 2 * np.pi, count)
    kinds = rng.choice([ENDING, BIFURCATION], count)
    return np.column_stack([np.array(points), angles, kinds]).astype(np.float32)


def impression(
    finger: npt.NDArray[np.float32],
    rng: np.random.Generator,
    *,
    missed: float = 0.2,
    spurious: float = 0.1,
    window: float = 0.75,
    warp: float = 6.0,
) -> npt.NDArray[np.float32]:
    """One capture of ``finger``: placed (rotated up to 15 degrees, moved up to 30 pixels), warped,
    noisy, seen through a capture window of ``window`` to all of the print's width and height
    (so two captures share only part of the finger, as on a plain scanner), with minutiae
    missed and added."""
    theta = rng.uniform(-np.deg2rad(15), np.deg2rad(15))
    shift = rng.uniform(-30, 30, 2)
    centre = np.array([WIDTH / 2, HEIGHT / 2])
    xy = finger[:, :2].astype(np.float64) - centre
    c, s = np.cos(theta), np.sin(theta)
    xy = xy @ np.array([[c, s], [-s, c]]) + centre + shift
    # A smooth elastic warp of a few pixels, as skin pressed on glass gives, stronger away from the centre.
    phase = rng.uniform(0, 2 * np.pi, 4)
    reach = np.hypot(*(xy - centre).T) / np.hypot(*centre)
    xy[:, 0] += warp * reach * np.sin(xy[:, 1] / 70 + phase[0]) + warp / 2 * np.sin(xy[:, 0] / 45 + phase[2])
    xy[:, 1] += warp * reach * np.sin(xy[:, 0] / 70 + phase[1]) + warp / 2 * np.sin(xy[:, 1] / 45 + phase[3])
    xy += rng.normal(0, 2.0, xy.shape)
    angles = (finger[:, 2] + theta + rng.normal(0, np.deg2rad(6), len(finger))) % (2 * np.pi)
    kept = rng.random(len(finger)) >= missed
    rows = np.column_stack([xy, angles, finger[:, 3]])[kept]
    extra = round(spurious * len(finger))
    if extra:
        noise = np.column_stack(
            [
                rng.uniform(20, WIDTH - 20, extra),
                rng.uniform(20, HEIGHT - 20, extra),
                rng.uniform(0, 2 * np.pi, extra),
                rng.choice([ENDING, BIFURCATION], extra),
            ]
        )
        rows = np.vstack([rows, noise])
    size = rng.uniform(window, 1.0, 2) * (WIDTH, HEIGHT)
    corner = rng.uniform(0, 1, 2) * ((WIDTH, HEIGHT) - size)
    inside = (rows[:, 0] >= corner[0]) & (rows[:, 0] < corner[0] + size[0]) & (rows[:, 1] >= corner[1]) & (rows[:, 1] < corner[1] + size[1])
    result: npt.NDArray[np.float32] = rows[inside][rng.permutation(int(inside.sum()))].astype(np.float32)
    return result


def ridge_image(
    seed: int, width: int = WIDTH, height: int = HEIGHT, rotate: float = 0.0, shift: tuple[float, float] = (0.0, 0.0)
) -> npt.NDArray[np.uint8]:
    """A fingerprint-like grey image: dark ridges about 9 pixels apart around a loop, with the
    ridge endings and forks that a phase field's defects produce. ``rotate`` (radians) and
    ``shift`` move the same finger, for a second impression."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    c, s = np.cos(rotate), np.sin(rotate)
    cx, cy = width / 2 + shift[0], height / 2 + shift[1]
    u = c * (x - cx) + s * (y - cy)
    v = -s * (x - cx) + c * (y - cy)
    core = rng.uniform(-20, 20, 2)
    radius = np.hypot(u - core[0], v - core[1]) + 1e-6
    # Concentric-ish ridges around the core, bent by a few random smooth waves.
    phase = 2 * np.pi * radius / 9.0
    for _ in range(4):
        k = rng.uniform(0.01, 0.03, 2)
        phase += rng.uniform(1.5, 3.0) * np.sin(k[0] * u + k[1] * v + rng.uniform(0, 2 * np.pi))
    # Defects: half-twists of the phase around random points make ridges end and fork.
    for _ in range(int(rng.integers(18, 28))):
        px, py = rng.uniform(-width * 0.35, width * 0.35), rng.uniform(-height * 0.38, height * 0.38)
        phase += rng.choice([-1, 1]) * np.arctan2(v - py, u - px)
    image = 128 + 90 * np.cos(phase)
    inside = ((u / (width * 0.45)) ** 2 + (v / (height * 0.47)) ** 2) <= 1.0
    image = np.where(inside, image, 200.0)
    image += np.random.default_rng(seed + 7919).normal(0, 8, image.shape)
    result: npt.NDArray[np.uint8] = np.clip(image, 0, 255).astype(np.uint8)
    return result
