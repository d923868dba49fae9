"""Biometric accuracy and speed: faces (../shared/data/faces) and generated fingerprints.

    .venv/bin/python bench/biometrics.py [--faces 10000,100000,1000000] [--fingers 10000,100000] [--probes 50]

Prints the figures and writes them, with the machine and data sizes, to
bench/results/biometrics.json. Accuracy on faces uses the 31 photos of 11 people of the
shared development data; fingerprint accuracy and all large-gallery speeds use generated
templates (``kalkan.biometrics.synthetic``), since no real fingerprint set can be fetched.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from kalkan.biometrics import finger_match, fingerprints, synthetic
from kalkan.biometrics.face_index import VectorIndex
from kalkan.biometrics.faces import engine
from kalkan.biometrics.images import decode

FACES = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "faces"
RESULTS = Path(__file__).resolve().parent / "results"


def rates(genuine: np.ndarray, impostor: np.ndarray) -> dict[str, float]:
    """EER and FNMR at FMR 1% and 0.1% from genuine and impostor scores (higher = more alike)."""
    thresholds = np.unique(np.concatenate([genuine, impostor]))
    fmr = np.array([(impostor >= t).mean() for t in thresholds])
    fnmr = np.array([(genuine < t).mean() for t in thresholds])
    eer_at = int(np.argmin(np.abs(fmr - fnmr)))

    def fnmr_at(target: float) -> float:
        ok = np.nonzero(fmr <= target)[0]
        return float(fnmr[ok[0]]) if len(ok) else 1.0

    return {"eer": float((fmr[eer_at] + fnmr[eer_at]) / 2), "fnmr_at_fmr_1pct": fnmr_at(0.01), "fnmr_at_fmr_0.1pct": fnmr_at(0.001)}


def face_accuracy() -> dict[str, object]:
    if not FACES.is_dir():
        sys.exit(f"missing {FACES}: the face development set (shared data, faces/) is needed")
    names, embeddings, times, refused = [], [], [], []
    for path in sorted(FACES.iterdir()):
        data = path.read_bytes()
        start = time.perf_counter()
        try:
            template = engine().extract(decode(data))
        except Exception as error:  # a refused photo is a figure, not a failure
            refused.append(f"{path.name}: {error}")
            continue
        times.append(time.perf_counter() - start)
        names.append(path.name.split("__")[0])
        embeddings.append(template.embedding)
    matrix = np.array(embeddings)
    scores = matrix @ matrix.T
    genuine, impostor = [], []
    for a, b in itertools.combinations(range(len(names)), 2):
        (genuine if names[a] == names[b] else impostor).append(scores[a, b])
    rank1 = []
    for i in range(len(names)):
        others = [j for j in range(len(names)) if j != i]
        if any(names[j] == names[i] for j in others):
            best = max(others, key=lambda j: scores[i, j])
            rank1.append(names[best] == names[i])
    imp = np.array(impostor)
    return {
        "photos": len(list(FACES.iterdir())),
        "enrolled": len(names),
        "refused": refused,
        "genuine_pairs": len(genuine),
        "impostor_pairs": len(impostor),
        **rates(np.array(genuine), imp),
        "rank1": float(np.mean(rank1)),
        "impostor_mean": float(imp.mean()),
        "impostor_sd": float(imp.std()),
        "enrol_seconds_mean": float(np.mean(times)),
        "enrol_seconds_p95": float(np.percentile(times, 95)),
    }


def face_speed(sizes: list[int], probes: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(0)
    out = []
    for size in sizes:
        vectors = rng.normal(size=(size, 128)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        start = time.perf_counter()
        index = VectorIndex()
        index.add_matrix(np.arange(1, size + 1, dtype=np.int64), [f"r{i}" for i in range(size)], vectors)
        build = time.perf_counter() - start
        picks = rng.choice(size, probes, replace=False)
        noisy = vectors[picks] + rng.normal(scale=0.02, size=(probes, 128)).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        latencies, brute, agree = [], [], 0
        for probe in noisy:
            t0 = time.perf_counter()
            hits = index.search(probe, limit=10, floor=-1.0, allowed=set)  # everything visible
            t1 = time.perf_counter()
            exact = int(np.argmax(vectors @ probe))
            brute.append(time.perf_counter() - t1)
            latencies.append(t1 - t0)
            agree += bool(hits) and hits[0].sample_id == exact + 1
        out.append(
            {
                "templates": size,
                "build_seconds": build,
                "search_p50_ms": 1000 * float(np.percentile(latencies, 50)),
                "search_p95_ms": 1000 * float(np.percentile(latencies, 95)),
                "brute_force_p95_ms": 1000 * float(np.percentile(brute, 95)),
                "rank1_same_as_exact": agree / probes,
                "bytes_per_template": index.nbytes / size,
            }
        )
        print(json.dumps(out[-1]))
        del index, vectors
    return out


def finger_accuracy(fingers: int = 500) -> dict[str, object]:
    rng = np.random.default_rng(1)
    masters = [synthetic.master(rng, int(rng.integers(35, 60))) for _ in range(fingers)]
    gallery = [synthetic.impression(m, rng) for m in masters]
    probes = [synthetic.impression(m, rng) for m in masters]
    genuine = np.array([finger_match.match(a, b) for a, b in zip(probes, gallery, strict=True)])
    impostor = np.array([finger_match.match(probes[i], gallery[(i + k) % fingers]) for i in range(fingers) for k in (1, 2, 3, 4)])
    images = []
    for seed in range(10):
        start = time.perf_counter()
        fingerprints.extract(synthetic.ridge_image(seed))
        images.append(time.perf_counter() - start)
    return {
        "fingers": fingers,
        "data": "generated minutiae templates (synthetic.master / impression), not real prints",
        **rates(genuine, impostor),
        "impostor_mean": float(impostor.mean()),
        "impostor_sd": float(impostor.std()),
        "impostor_max": float(impostor.max()),
        "enrol_seconds_mean_generated_images": float(np.mean(images)),
        "enrol_seconds_p95_generated_images": float(np.percentile(images, 95)),
    }


def finger_speed(sizes: list[int], probes: int) -> list[dict[str, object]]:
    from kalkan.biometrics.crypto import KeyRing
    from kalkan.biometrics.minutiae import FingerTemplate
    from kalkan.biometrics.service import Biometrics

    rng = np.random.default_rng(2)
    out = []
    for size in sizes:
        masters = [synthetic.master(rng, int(rng.integers(35, 60))) for _ in range(size)]
        service = Biometrics(KeyRing("bench" * 8))
        start = time.perf_counter()
        templates = [synthetic.impression(m, rng) for m in masters]
        vectors = np.array([finger_match.pair_vector(t) for t in templates])
        service.fingers.vectors.add_matrix(np.arange(1, size + 1, dtype=np.int64), [f"r{i}" for i in range(size)], vectors)
        service.fingers.minutiae.update({i + 1: t for i, t in enumerate(templates)})
        build = time.perf_counter() - start
        picks = rng.choice(size, probes, replace=False)
        two_stage, one_by_one, hits2, hits1 = [], [], 0, 0
        for truth in picks:
            probe = synthetic.impression(masters[truth], rng)
            t0 = time.perf_counter()
            found = service.finger_candidates(FingerTemplate(probe, 320, 400), limit=10, allowed=set)
            two_stage.append(time.perf_counter() - t0)
            hits2 += bool(found) and found[0].record_id == f"r{truth}"
            if len(one_by_one) < 3:  # one-by-one is slow: time a few, extrapolate nothing
                t0 = time.perf_counter()
                scores = [finger_match.match(probe, t) for t in templates]
                one_by_one.append(time.perf_counter() - t0)
                hits1 += int(np.argmax(scores)) == truth
        out.append(
            {
                "templates": size,
                "build_seconds": build,
                "search_p50_ms": 1000 * float(np.percentile(two_stage, 50)),
                "search_p95_ms": 1000 * float(np.percentile(two_stage, 95)),
                "rank1_two_stage": hits2 / probes,
                "one_by_one_seconds_mean": float(np.mean(one_by_one)),
                "rank1_one_by_one_on_first_3": hits1 / len(one_by_one),
                "bytes_per_template_vector": finger_match.VECTOR_SIZE * 4,
            }
        )
        print(json.dumps(out[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", default="10000,100000,1000000")
    parser.add_argument("--fingers", default="10000,100000")
    parser.add_argument("--probes", type=int, default=50)
    args = parser.parse_args()
    results: dict[str, object] = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
    }
    results["face_accuracy"] = face_accuracy()
    print(json.dumps(results["face_accuracy"], indent=1))
    results["finger_accuracy"] = finger_accuracy()
    print(json.dumps(results["finger_accuracy"], indent=1))
    results["face_speed"] = face_speed([int(s) for s in args.faces.split(",") if s], args.probes)
    results["finger_speed"] = finger_speed([int(s) for s in args.fingers.split(",") if s], args.probes)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "biometrics.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"written to {RESULTS / 'biometrics.json'}")


if __name__ == "__main__":
    main()
