"""Faces: detect, align, measure quality, embed. dlib's HOG detector, 5-point landmarks and ResNet.

The models come from the ``face-recognition-models`` package (installed with the extra; no
download at run time). Only the 5-point landmark model is used: its licence allows any use,
unlike the 68-point one's. An embedding is dlib's 128-d descriptor scaled to unit length, so
that two faces compare by cosine similarity (one inner product).

Detection runs on a copy scaled to at most ``DETECT_SIDE`` pixels (upsampled once inside
the detector), landmarks and alignment on the full image: about 0.2 s a photo on one core
whatever its size.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kalkan.biometrics.extra import BiometricsUnavailable, require
from kalkan.biometrics.images import DecodedImage
from kalkan.errors import ValidationFailed

EMBEDDING_SIZE = 128
DETECT_SIDE = 800
#: Smallest face accepted, as the width of the detector's box in the original image (about
#: 40 pixels between the eyes).
MIN_FACE_WIDTH = 80
#: Variance of the Laplacian over the aligned 150 x 150 grey face below which it is too blurred
#: to compare (sharp photos of the development set measure 50 to 1,800; the same photos
#: blurred by a Gaussian of about 1/200 of their size measure 2 to 15).
MIN_SHARPNESS = 20.0
#: Faces beyond this share of the largest face's width count as "several faces".
SECOND_FACE_RATIO = 0.5


@dataclass(frozen=True, slots=True)
class FaceBox:
    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class FaceTemplate:
    embedding: npt.NDArray[np.float32]  # unit length, EMBEDDING_SIZE
    quality: int  # 0-100
    box: FaceBox
    sharpness: float
    detector_score: float

    def to_bytes(self) -> bytes:
        return self.embedding.astype("<f4").tobytes()

    @staticmethod
    def embedding_from_bytes(data: bytes) -> npt.NDArray[np.float32]:
        if len(data) != EMBEDDING_SIZE * 4:
            raise ValueError(f"a face template is {EMBEDDING_SIZE * 4} bytes, not {len(data)}")
        return np.frombuffer(data, dtype="<f4").astype(np.float32)


def _sharpness(grey: npt.NDArray[np.float32]) -> float:
    laplacian = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    return float(laplacian.var())


def _quality(width: int, sharpness: float, detector_score: float, pose_offset: float) -> int:
    """0-100: face size, sharpness, detector confidence and frontal pose, each scaled to 0-1."""
    size = min(1.0, width / 240)
    sharp = min(1.0, np.log1p(sharpness) / np.log1p(400.0))
    confidence = min(1.0, max(0.0, detector_score / 2.0))
    frontal = max(0.0, 1.0 - pose_offset / 0.35)
    return round(100 * float(0.25 * size + 0.3 * sharp + 0.2 * confidence + 0.25 * frontal))


class FaceEngine:
    """dlib's models, loaded once; ``extract`` is safe to call from several threads."""

    def __init__(self) -> None:
        dlib: Any = require("dlib")
        models = _models_folder()
        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
        self._network = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))
        self._lock = threading.Lock()

    def extract(self, image: DecodedImage, *, field: str = "image") -> FaceTemplate:
        """The template of the one face in ``image``; refuses no face, several, small or blurred."""
        pixels = image.pixels if image.pixels.ndim == 3 else np.stack([image.pixels] * 3, axis=-1)
        scale = min(1.0, DETECT_SIDE / max(image.width, image.height))
        small = _grey_scaled(pixels, scale)
        with self._lock:
            rects, scores, _ = self._detector.run(small, 1, 0.0)
            if not rects:
                raise ValidationFailed.one(field, "no face found: send a photo showing one face, frontal, at least 80 pixels wide")
            widths = [r.width() / scale for r in rects]
            largest = int(np.argmax(widths))
            others = sum(1 for i, w in enumerate(widths) if i != largest and w >= SECOND_FACE_RATIO * widths[largest])
            if others:
                raise ValidationFailed.one(field, f"{others + 1} faces found: send a photo of one person alone")
            rect = rects[largest]
            box = FaceBox(round(rect.left() / scale), round(rect.top() / scale), round(rect.width() / scale), round(rect.height() / scale))
            if box.width < MIN_FACE_WIDTH:
                raise ValidationFailed.one(field, f"the face is {box.width} pixels wide; at least {MIN_FACE_WIDTH} are needed")
            full = self._dlib.rectangle(box.left, box.top, box.left + box.width, box.top + box.height)
            shape = self._landmarks(pixels, full)
            chip = self._dlib.get_face_chip(pixels, shape, size=150, padding=0.25)
            sharpness = _sharpness(np.asarray(chip, dtype=np.float32).mean(axis=2))
            if sharpness < MIN_SHARPNESS:
                raise ValidationFailed.one(
                    field, f"the face is too blurred to compare (sharpness {sharpness:.0f}, at least {MIN_SHARPNESS:.0f})"
                )
            descriptor = np.asarray(self._network.compute_face_descriptor(chip), dtype=np.float32)
        embedding = descriptor / max(float(np.linalg.norm(descriptor)), 1e-6)
        quality = _quality(box.width, sharpness, float(scores[largest]), _pose_offset(shape))
        return FaceTemplate(embedding.astype(np.float32), quality, box, sharpness, float(scores[largest]))


def _models_folder() -> Path:
    """Where ``face-recognition-models`` keeps its files, found without importing it (its
    ``__init__`` needs setuptools' ``pkg_resources``)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        require("face_recognition_models")  # raises, naming the extra
        raise AssertionError("unreachable")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    if not (folder / "shape_predictor_5_face_landmarks.dat").is_file():
        raise BiometricsUnavailable(f"the face models are missing from {folder}: reinstall the 'biometrics' extra")
    return folder


def _grey_scaled(pixels: npt.NDArray[np.uint8], scale: float) -> npt.NDArray[np.uint8]:
    image_module: Any = require("PIL.Image")
    image = image_module.fromarray(pixels).convert("L")
    if scale < 1.0:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), image_module.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.uint8)


def _pose_offset(shape: Any) -> float:
    """How far the nose sits from the eyes' midline, in eye distances (0 for a frontal face).

    The 5-point model's parts: 0-1 one eye's corners, 2-3 the other's, 4 below the nose.
    """
    points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(5)], dtype=np.float64)
    eye_a, eye_b, nose = points[0:2].mean(axis=0), points[2:4].mean(axis=0), points[4]
    span = eye_b - eye_a
    distance = float(np.linalg.norm(span)) or 1.0
    middle = (eye_a + eye_b) / 2
    along = float(np.dot(nose - middle, span) / distance)
    return abs(along) / distance


_ENGINE: FaceEngine | None = None
_ENGINE_LOCK = threading.Lock()


def engine() -> FaceEngine:
    """The process's face engine, loaded on first use (about 1 s)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = FaceEngine()
        return _ENGINE
