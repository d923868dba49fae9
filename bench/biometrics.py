"""Biometric accuracy and speed: faces (../shared/data/faces) and generated fingerprints.

    .venv/bin/python bench/biometrics.py [--faces 10000,100000,1000000] [--fingers 10000,100000]
        [--probes 200] [--face-stress 1000000] [--finger-probes 100] [--one-by-one 2] [--speed-only]

Prints the figures and writes them, with the machine and data sizes, to
bench/results/biometrics.json. Accuracy on faces uses the 31 photos of 11 people of the
shared development data; fingerprint accuracy and all large-gallery speeds use generated
templates and embeddings (``kalkan.biometrics.synthetic``), since no real fingerprint set
and no million faces can be fetched here. Every search is timed beside its floor in the same
run: brute-force exact search for faces, one-by-one matching for fingerprints. Wall times
on a machine shared with other work are pessimistic; CPU seconds per search are given too,
and each section records the load average before and after it. A section left out (an
empty size list, ``--speed-only``) keeps its figures from the previous run.
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

from kalkan.biometrics import calibration, finger_match, fingerprints, synthetic
from kalkan.biometrics.face_index import SearchTrace, VectorIndex
from kalkan.biometrics.faces import engine
from kalkan.biometrics.finger_gallery import FingerGallery, FingerTrace
from kalkan.biometrics.finger_index import PROBE_MARGIN, triplet_keys
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


def finger_accuracy(fingers: int = 500, images: int = 12) -> dict[str, object]:
    """The matcher on generated templates; the whole chain (extraction included) on generated images."""
    rng = np.random.default_rng(1)
    masters = [synthetic.master(rng, int(rng.integers(35, 60))) for _ in range(fingers)]
    gallery = [synthetic.impression(m, rng) for m in masters]
    probes = [synthetic.impression(m, rng) for m in masters]
    genuine = np.array([finger_match.match(a, b) for a, b in zip(probes, gallery, strict=True)])
    impostor = np.array([finger_match.match(probes[i], gallery[(i + k) % fingers]) for i in range(fingers) for k in range(1, 9)])
    fitted = calibration.FINGER
    chain_seconds, first, second = [], [], []
    for seed in range(images):
        for target, view in ((first, {}), (second, {"rotate": 0.12, "shift": (9.0, -7.0)})):
            start = time.perf_counter()
            template = fingerprints.extract(synthetic.ridge_image(seed, **view)).template  # type: ignore[arg-type]
            template.to_bytes(), triplet_keys(template.minutiae)
            chain_seconds.append(time.perf_counter() - start)
            target.append(template.minutiae)
    image_genuine = np.array([finger_match.match(a, b) for a, b in zip(first, second, strict=True)])
    image_impostor = np.array([finger_match.match(first[i], second[j]) for i in range(images) for j in range(images) if i != j])
    return {
        "fingers": fingers,
        "data": "generated minutiae templates (synthetic.master / impression: rotation, shift, elastic warp, noise, "
        "20% missed, 10% spurious, a capture window of 75-100% each way), not real prints",
        "genuine_pairs": len(genuine),
        "impostor_pairs": len(impostor),
        **rates(genuine, impostor),
        "genuine_p5": float(np.percentile(genuine, 5)),
        "impostor_mean": float(impostor.mean()),
        "impostor_sd": float(impostor.std()),
        "impostor_p99": float(np.percentile(impostor, 99)),
        "impostor_max": float(impostor.max()),
        "calibration_share_above_listing": float((impostor >= fitted.listing_score).mean()),
        "calibration_listing_score": fitted.listing_score,
        "match_ms_mean": _match_ms(probes, gallery),
        "images": {
            "data": f"{images} generated ridge images (synthetic.ridge_image), each seen twice (turned 7 degrees, moved 11 pixels)",
            **rates(image_genuine, image_impostor),
            "genuine_min": float(image_genuine.min()),
            "impostor_max": float(image_impostor.max()),
            "enrol_chain_seconds_mean": float(np.mean(chain_seconds[1:])),
            "enrol_chain_seconds_p95": float(np.percentile(chain_seconds[1:], 95)),
            "first_call_seconds": chain_seconds[0],
        },
    }


def _match_ms(probes: list[np.ndarray], gallery: list[np.ndarray]) -> float:
    start = time.process_time()
    for a, b in zip(probes[:200], gallery[1:201], strict=False):
        finger_match.match(a, b)
    return 1000 * (time.process_time() - start) / min(200, len(gallery) - 1)


class Clock:
    """Wall and CPU seconds (of this process, both cores) of the block it wraps."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def _ms(values: list[float], q: float) -> float:
    return 1000 * float(np.percentile(values, q))


def face_speed(sizes: list[int], probes: int, *, isotropic: bool = False) -> list[dict[str, object]]:
    """The index (first stage + exact short list) beside brute force (every face scored), same probes."""
    out = []
    for size in sizes:
        rng = np.random.default_rng(0)
        every, points = synthetic.face_gallery(rng, size + probes, isotropic=isotropic)
        vectors, strangers = every[:size], every[size:]
        picks = rng.choice(size, probes, replace=False)
        mated = synthetic.face_probes(rng, points[picks], isotropic=isotropic)
        del points
        index = VectorIndex()
        with Clock() as build:
            index.add_matrix(np.arange(size, dtype=np.int64), [f"r{i}" for i in range(size)], vectors)
        row: dict[str, object] = {
            "templates": size,
            "model": "isotropic (stress case)" if isotropic else "fitted to the development set's impostor scores",
            "build_seconds": build.wall,
            "bytes_per_template": index.nbytes / size,
        }
        for kind, batch in (("mated", mated), ("not_enrolled", strangers)):
            wall, cpu, brute_wall, brute_cpu, agree, rescored = [], [], [], [], 0, []
            for probe in batch:
                trace = SearchTrace()
                with Clock() as clock:
                    hits = index.search(probe, limit=10, floor=-1.0, allowed=set, trace=trace)
                wall.append(clock.wall), cpu.append(clock.cpu), rescored.append(trace.rescored)
                with Clock() as clock:
                    best = _brute_force(vectors, probe)
                brute_wall.append(clock.wall), brute_cpu.append(clock.cpu)
                agree += bool(hits) and hits[0].sample_id == best
            row[kind] = {
                "probes": len(batch),
                "p50_ms": _ms(wall, 50),
                "p95_ms": _ms(wall, 95),
                "cpu_ms_mean": 1000 * float(np.mean(cpu)),
                "rescored_mean": float(np.mean(rescored)),
                "brute_force_p50_ms": _ms(brute_wall, 50),
                "brute_force_p95_ms": _ms(brute_wall, 95),
                "brute_force_cpu_ms_mean": 1000 * float(np.mean(brute_cpu)),
                "rank1_same_as_brute_force": agree / len(batch),
            }
        out.append(row)
        print(json.dumps(row), flush=True)
        del index, vectors, every
    return out


def _brute_force(vectors: np.ndarray, probe: np.ndarray) -> int:
    """Exact search, the floor: every face scored, the ten best partially sorted, the best returned."""
    scores = vectors @ probe
    top = np.argpartition(-scores, 10)[:10]
    return int(top[np.argmax(scores[top])])


def finger_speed(sizes: list[int], probes: int, one_by_one: int) -> list[dict[str, object]]:
    """Two stages (triplet votes, exact matcher on the short list) beside one-by-one matching."""
    out = []
    for size in sizes:
        rng = np.random.default_rng(2)
        masters = [synthetic.master(rng, int(rng.integers(35, 60))) for _ in range(size)]
        templates = [synthetic.impression(m, rng) for m in masters]
        gallery = FingerGallery()
        rows = [(i + 1, f"r{i}", 0, t) for i, t in enumerate(templates)]
        with Clock() as build:
            for start in range(0, size, 10_000):
                gallery.add(rows[start : start + 10_000])
        wall, cpu, hits, listed, matched, missed = [], [], 0, 0, [], []
        truths = rng.choice(size, probes, replace=False)
        probe_sets = [synthetic.impression(masters[truth], rng) for truth in truths]
        for truth, probe in zip(truths, probe_sets, strict=True):
            trace = FingerTrace()
            with Clock() as clock:
                found = gallery.search(probe, limit=10, floor=0.0, allowed=set, trace=trace)
            wall.append(clock.wall), cpu.append(clock.cpu), matched.append(trace.matched)
            first = bool(found) and found[0].record_id == f"r{truth}"
            hits += first
            missed += [] if first else [len(wall) - 1]
            listed += int(_mate_listed(gallery, probe, truth, trace.matched))
        # One by one: the first ``one_by_one`` probes, and every probe the two stages missed;
        # those decide how far one-by-one's rank-1 can lie above two-stage's.
        baseline_wall, baseline_hits, recovered = [], 0, 0
        for place in sorted(set(range(min(one_by_one, probes))) | set(missed)):
            truth, probe = truths[place], probe_sets[place]
            local = finger_match.local_structures(probe)
            with Clock() as clock:
                scores = [finger_match.match(probe, template, local_a=local) for template in templates]
            baseline_wall.append(clock.wall)
            found_first = int(np.argmax(scores)) == truth
            baseline_hits += found_first
            recovered += found_first and place in missed
        rank1 = hits / probes
        outside = 1 - listed / probes
        row = {
            "templates": size,
            "build_seconds": build.wall,
            "build_cpu_seconds": build.cpu,
            "bytes_per_template": gallery.nbytes / size,
            "probes": probes,
            "search_p50_ms": _ms(wall, 50),
            "search_p95_ms": _ms(wall, 95),
            "search_cpu_ms_mean": 1000 * float(np.mean(cpu)),
            "matched_exactly_mean": float(np.mean(matched)),
            "rank1_two_stage": rank1,
            "mates_outside_short_list": outside,
            # One-by-one finds the mate first only if no template scores higher; a mate on the
            # short list with the highest score of all is found first by two stages too, so
            # one-by-one's rank-1 is at most two-stage's plus the mates left off the short list.
            "rank1_one_by_one_at_most": min(1.0, rank1 + outside),
            # Measured: of the probes two stages missed, how many one by one finds first. So
            # one-by-one's rank-1 is at most two-stage's plus this share (a probe two stages
            # found first, one by one could only lose).
            "missed_by_two_stages": len(missed),
            "missed_but_found_one_by_one": recovered,
            "rank1_one_by_one_at_most_measured": rank1 + recovered / probes,
            "one_by_one_probes": len(baseline_wall),
            "one_by_one_seconds_mean": float(np.mean(baseline_wall)) if baseline_wall else None,
            "rank1_one_by_one_on_those": baseline_hits / len(baseline_wall) if baseline_wall else None,
            "one_by_one_probes_chosen": "the first --one-by-one probes and every probe the two stages missed",
        }
        out.append(row)
        print(json.dumps(row), flush=True)
    return out


def _mate_listed(gallery: FingerGallery, probe: np.ndarray, truth: int, shortlist: int) -> bool:
    """Whether the first stage put the mate (row ``truth``) among the ``shortlist`` best-voted."""
    votes = gallery.index.votes(triplet_keys(probe, margin=PROBE_MARGIN))
    ahead = int((votes > votes[truth]).sum() + ((votes == votes[truth]) & (np.arange(len(votes)) < truth)).sum())
    return bool(votes[truth] > 0) and ahead < shortlist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", default="10000,100000,1000000")
    parser.add_argument("--fingers", default="10000,100000")
    parser.add_argument("--probes", type=int, default=200, help="face probes per size, of enrolled people and of others each")
    parser.add_argument("--face-stress", default="1000000", help="gallery size for the isotropic stress case ('' to skip)")
    parser.add_argument("--finger-probes", type=int, default=100)
    parser.add_argument(
        "--one-by-one", type=int, default=2, help="probes also matched against every template (besides every probe two stages missed)"
    )
    parser.add_argument("--speed-only", action="store_true", help="skip the accuracy sections (keep their previous figures)")
    args = parser.parse_args()
    # Sections not run this time (an empty size list) keep their figures from the previous run.
    previous = json.loads((RESULTS / "biometrics.json").read_text()) if (RESULTS / "biometrics.json").is_file() else {}
    results: dict[str, object] = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
    }
    faces, fingers = [int(s) for s in args.faces.split(",") if s], [int(s) for s in args.fingers.split(",") if s]
    sections = {
        "face_accuracy": (not args.speed_only, face_accuracy),
        "finger_accuracy": (not args.speed_only, finger_accuracy),
        "face_speed": (bool(faces), lambda: face_speed(faces, args.probes)),
        "face_speed_stress": (bool(faces and args.face_stress), lambda: face_speed([int(args.face_stress)], args.probes, isotropic=True)),
        "finger_speed": (bool(fingers), lambda: finger_speed(fingers, args.finger_probes, args.one_by_one)),
    }
    for name, (wanted, measure) in sections.items():
        if not wanted:
            if name in previous:
                kept = previous[name]
                results[name] = kept if isinstance(kept, dict) and "figures" in kept else {"figures": kept}
            continue
        started = os.getloadavg()
        figures = measure()
        results[name] = {"load_average_before": started, "load_average_after": os.getloadavg(), "figures": figures}
        print(name, json.dumps(results[name], indent=1), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "biometrics.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"written to {RESULTS / 'biometrics.json'}")


if __name__ == "__main__":
    main()
