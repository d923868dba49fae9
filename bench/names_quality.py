"""Quality of name matching, Kalkan's and nomenklatura's logic-v2, on the same data in the same run.

Figures (Kalkan at its operating thresholds, ``kalkan.matching.features.THRESHOLDS``):

- F1 on the 826 labelled pairs of names/name_pairs.csv (persons; organisations, companies,
  vessels and legal entities as organisations);
- alias recall: every name of every OFAC SDN entry (ofac/sdn.csv) as a query against an
  index of the whole list: its own entry in the top 3, and its own entry a hit;
- typo recall: the same with one letter of the longest part changed, dropped or doubled;
- cross-script recall on translit/wd_{russian,arabic}_80.tsv: each Cyrillic or Arabic form
  as a query against an index of all the Latin forms (its own Latin form in the top 3), and
  each Latin form against an index of all the script forms. The pairs are split in two by a
  hash of the Latin form (``held_out``): the keys and rules of ``kalkan.text`` were fitted
  on one half, queries are drawn only from the other (a seeded sample, ``--cross-sample``).
  Besides all held-out pairs, the "regional" ones (a Latin side with the endings or heads of
  Russian, Central Asian, Arabic and Persian names: -ov, -ina, -bek, -zoda, abd-, muham-...)
  are reported apart, and so is the share where a form the data pairs with the query (not
  only its own: парис is Paris, París and Parys) is in the top 3;
- false alerts: the 50,000 persons of names/negatives_us.csv (name, date of birth, gender,
  nationality) screened against the OFAC list: the share with any hit.

logic-v2 runs in its own environment (its dependencies clash with Kalkan's pins): by
default ``.venv-bench/bin/python`` (``uv venv .venv-bench && VIRTUAL_ENV=.venv-bench uv pip
install nomenklatura==4.17.4``), or ``--logic-v2-python``. It scores every labelled pair,
and for samples of the other tasks it ranks the top 10 candidates that Kalkan's index found
(logic-v2 is a scorer, not an index), at yente's default threshold of 0.7.

Run from the project root: ``.venv/bin/python bench/names_quality.py``; writes
bench/results/names_quality.txt. ``--only cross-script`` (or ``pairs``, ``ofac``,
``negatives``) runs one part and replaces only that part's lines in the file.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import tempfile
import time
import zlib
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from kalkan.matching.features import THRESHOLDS, DateSpan, Subject
from kalkan.matching.names.index import IndexedName, IndexedRecord, NameIndex
from kalkan.matching.names.matcher import PreparedQuery, run
from kalkan.matching.names.parts import NameInputError, prepare_name
from kalkan.matching.names.similarity import name_similarity
from kalkan.model.dates import parse_partial_date
from names_common import DATA, RESULTS, ROOT, Entry, country_code, machine, need, read_ofac, typo

AGENCY = "BENCH"
SECTIONS = ("pairs", "ofac", "cross-script", "negatives")
#: The line prefixes of each part of the results file (what ``--only`` replaces).
PREFIXES = {"pairs": ("pairs:",), "ofac": ("OFAC:", "alias:", "typo:"), "cross-script": ("cross-script",), "negatives": ("false alerts:",)}
#: Latin forms of the names the system is for: Russian and Central Asian surname endings, Arabic and Persian heads and suffixes.
REGIONAL = re.compile(r"(?:ov|ova|ev|eva|in|ina|bek|zoda|zade|zadeh|ullah|ulla|uddin|iddin)$|^(?:abd|abu|al-|muham|moham)")
LOGIC_V2_THRESHOLD = 0.7
CANDIDATES_FOR_LOGIC_V2 = 10


def span(text: str) -> DateSpan:
    first, last, _ = parse_partial_date(text)
    return DateSpan(first, last)


def record_id(number: str) -> str:
    return f"{int(number):032x}"


def ofac_index(entries: list[Entry]) -> NameIndex:
    index = NameIndex()
    for entry in entries:
        subject = Subject(birth_dates=tuple(span(text) for text in entry.birth_dates))
        names = tuple(IndexedName(name) for name in entry.names)
        index.add(IndexedRecord(record_id(entry.number), entry.kind, 1, AGENCY, "all", "nothing", (), names, subject))
    index.pack()
    return index


def query(index: NameIndex, names: list[str], kind: str, subject: Subject | None = None, top: int = 10) -> list[Any]:
    try:
        prepared = PreparedQuery(tuple(prepare_name(n, organisation=kind == "organisation") for n in names), subject or Subject())
    except NameInputError:
        return []
    return run(index, prepared, kind, AGENCY, top)


def pairs_f1(rows: list[dict[str, str]]) -> tuple[dict[str, float], list[float]]:
    scores = []
    for row in rows:
        organisation = row["schema"] != "Person"
        try:
            scores.append(
                name_similarity(
                    prepare_name(row["name1"], organisation=organisation), prepare_name(row["name2"], organisation=organisation)
                ).score
            )
        except NameInputError:
            scores.append(0.0)
    figures = {}
    for label, keep in (
        ("persons", lambda r: r["schema"] == "Person"),
        ("organisations", lambda r: r["schema"] != "Person"),
        ("all", lambda r: True),
    ):
        tp = fp = fn = 0
        for row, value in zip(rows, scores, strict=True):
            if not keep(row):
                continue
            threshold = THRESHOLDS["person" if row["schema"] == "Person" else "organisation"]
            predicted, actual = value >= threshold, row["is_match"] == "true"
            tp += predicted and actual
            fp += predicted and not actual
            fn += actual and not predicted
        figures[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return figures, scores


def f1_of(rows: list[dict[str, str]], scores: list[float], threshold: float) -> float:
    tp = sum(1 for r, s in zip(rows, scores, strict=True) if s >= threshold and r["is_match"] == "true")
    fp = sum(1 for r, s in zip(rows, scores, strict=True) if s >= threshold and r["is_match"] != "true")
    fn = sum(1 for r, s in zip(rows, scores, strict=True) if s < threshold and r["is_match"] == "true")
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def candidates_json(index: NameIndex, matches: list[Any], kind: str) -> list[dict[str, Any]]:
    out = []
    for match in matches[:CANDIDATES_FOR_LOGIC_V2]:
        subject = index.subject(match.row)
        out.append(
            {
                "id": match.record_id,
                "schema": "Person" if kind == "person" else "Organization",
                "names": [index.name_value(n) for n in index.names_of(match.row)],
                "birthDate": [d.earliest.isoformat()[:4] for d in subject.birth_dates],
            }
        )
    return out


def translit_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    with need(path).open(encoding="utf-8") as lines:
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 3:
                pairs.append((fields[0], fields[1].replace(" ", "")))
    return pairs


def token_index(tokens: list[str]) -> tuple[NameIndex, dict[str, str]]:
    index = NameIndex()
    ids = {}
    for number, token in enumerate(tokens):
        ids[token] = f"{number:032x}"
        index.add(IndexedRecord(ids[token], "person", 1, AGENCY, "all", "nothing", (), (IndexedName(token),), Subject()))
    index.pack()
    return index, ids


def held_out(latin: str) -> bool:
    """Whether a pair is in the held-out half (by a hash of its Latin form; the other half is for fitting)."""
    return zlib.crc32(latin.encode()) % 2 == 1


def cross_script(args: argparse.Namespace, rng: random.Random, kalkan: dict[str, float], work: dict[str, Any], say: Any) -> None:
    for script, file in (("cyrillic", "wd_russian_80.tsv"), ("arabic", "wd_arabic_80.tsv")):
        pairs = translit_pairs(DATA / "translit" / file)
        held = [pair for pair in pairs if held_out(pair[0])]
        regional = [pair for pair in held if REGIONAL.search(pair[0])]
        partners: dict[str, set[str]] = defaultdict(set)
        for latin, written in pairs:
            partners[latin].add(written)
            partners[written].add(latin)
        for direction in ("to_latin", "from_latin"):
            records = sorted({latin if direction == "to_latin" else written for latin, written in pairs})
            started = time.perf_counter()
            tokens_index, ids = token_index(records)
            built = time.perf_counter() - started
            for subset, pool in (("held-out", held), ("regional", regional)):
                sample = rng.sample(pool, min(args.cross_sample, len(pool)))
                own = paired = 0
                started = time.perf_counter()
                for number, (latin, written) in enumerate(sample):
                    text, target = (written, ids[latin]) if direction == "to_latin" else (latin, ids[written])
                    matches = query(tokens_index, [text], "person")
                    top3 = [m.record_id for m in matches[:3]]
                    own += target in top3
                    paired += any(ids[form] in top3 for form in partners[text])
                    if subset == "held-out" and direction == "to_latin" and number < args.logic_v2_sample // 2:
                        work["ranked"].append(
                            {
                                "task": script,
                                "query": {"schema": "Person", "names": [text]},
                                "target": target,
                                "candidates": candidates_json(tokens_index, matches, "person"),
                            }
                        )
                elapsed = time.perf_counter() - started
                kalkan[f"{script}_{direction}_{subset}"] = own / len(sample)
                say(
                    f"cross-script {script} {direction.replace('_', ' ')}, {subset}: {len(sample)} of {len(pool)} pairs sampled "
                    f"({len(pairs)} in all), index of {len(records)} forms ({built:.1f} s); "
                    f"own form in the top 3: {own / len(sample):.2%}; a form paired with the query: {paired / len(sample):.2%} "
                    f"({elapsed / len(sample) * 1000:.2f} ms/query)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=SECTIONS, help="run one part; its lines replace that part's lines in the results file")
    parser.add_argument("--cross-sample", type=int, default=5000, help="held-out pairs sampled per script, direction and subset")
    parser.add_argument("--logic-v2-python", default=str(ROOT / ".venv-bench" / "bin" / "python"))
    parser.add_argument("--logic-v2-sample", type=int, default=400, help="queries per task scored by logic-v2")
    parser.add_argument("--negatives", type=int, default=50_000)
    args = parser.parse_args()
    rng = random.Random(20240503)
    lines: list[str] = []
    kalkan: dict[str, float] = {}
    work: dict[str, Any] = {"pairs": [], "ranked": []}

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    def wanted(section: str) -> bool:
        return args.only is None or args.only == section

    # 1. labelled pairs
    if wanted("pairs"):
        rows = list(csv.DictReader(need(DATA / "names" / "name_pairs.csv").open(encoding="utf-8")))
        figures, scores = pairs_f1(rows)
        kalkan.update({f"f1_{k}": v for k, v in figures.items()})
        best = max((f1_of(rows, scores, t / 100), t / 100) for t in range(50, 100))
        say(
            f"pairs: {len(rows)} labelled pairs; Kalkan F1 at the operating thresholds: persons {figures['persons']:.3f}, "
            f"organisations {figures['organisations']:.3f}, all {figures['all']:.3f} (best single threshold {best[1]:.2f}: {best[0]:.3f})"
        )
        work["pairs"] = [[r["schema"], r["name1"], r["name2"], r["is_match"] == "true"] for r in rows]

    # 2. OFAC aliases and typos
    entries: list[Entry] = []
    index = NameIndex()
    if wanted("ofac") or wanted("negatives"):
        entries = read_ofac(DATA / "ofac" / "sdn.csv")
        started = time.perf_counter()
        index = ofac_index(entries)
        if wanted("ofac"):
            say(f"OFAC: {len(entries)} entries, {index.name_count} names; index built in {time.perf_counter() - started:.1f} s")
    for task, make in (("alias", lambda name, i: name), ("typo", typo)) if wanted("ofac") else ():
        total = top3 = hits = 0
        chosen = set(rng.sample(range(sum(len(e.names) for e in entries)), args.logic_v2_sample))
        position = 0
        started = time.perf_counter()
        for entry in entries:
            target = record_id(entry.number)
            for name in entry.names:
                text = make(name, position)
                position += 1
                if task == "typo" and text == name:
                    continue
                matches = query(index, [text], entry.kind)
                total += 1
                ranked = [m.record_id for m in matches[:3]]
                top3 += target in ranked
                hits += any(m.record_id == target and m.hit for m in matches)
                if position - 1 in chosen:
                    work["ranked"].append(
                        {
                            "task": task,
                            "query": {"schema": "Person" if entry.kind == "person" else "Organization", "names": [text]},
                            "target": target,
                            "candidates": candidates_json(index, matches, entry.kind),
                        }
                    )
        elapsed = time.perf_counter() - started
        kalkan[f"{task}_top3"], kalkan[f"{task}_hit"] = top3 / total, hits / total
        say(
            f"{task}: {total} queries; own entry in the top 3: {top3 / total:.2%}; own entry a hit: {hits / total:.2%} "
            f"({elapsed / total * 1000:.2f} ms/query)"
        )

    # 3. cross-script
    if wanted("cross-script"):
        cross_script(args, rng, kalkan, work, say)

    # 4. false alerts
    negatives: list[dict[str, str]] = []
    if wanted("negatives"):
        negatives = list(csv.DictReader(need(DATA / "names" / "negatives_us.csv").open(encoding="utf-8")))[: args.negatives]
        alerts = 0
        started = time.perf_counter()
        for number, row in enumerate(negatives):
            born = (span(row["date_of_birth"]),) if row.get("date_of_birth") else ()
            nationality = country_code(row["nationality"]) if row.get("nationality") else None
            subject = Subject(born, frozenset([nationality] if nationality else []), row.get("gender") or None)
            matches = query(index, [row["full_name"]], "person", subject)
            alerts += any(m.hit for m in matches)
            if number < args.logic_v2_sample * 2:
                work["ranked"].append(
                    {
                        "task": "negative",
                        "query": {
                            "schema": "Person",
                            "names": [row["full_name"]],
                            "birthDate": [row["date_of_birth"]],
                            "gender": [row.get("gender") or ""],
                        },
                        "target": None,
                        "candidates": candidates_json(index, matches, "person"),
                    }
                )
        elapsed = time.perf_counter() - started
        kalkan["false_alerts"] = alerts / len(negatives)
        say(
            f"false alerts: {alerts} of {len(negatives)} negatives hit an OFAC entry: {alerts / len(negatives):.3%} "
            f"({elapsed / len(negatives) * 1000:.2f} ms/query)"
        )

    # 5. logic-v2 on the same data
    logic = logic_v2(Path(args.logic_v2_python), work) if args.only is None else None
    if args.only is None and logic is None:
        say("")
        say(f"logic-v2: not run: no interpreter at {args.logic_v2_python} with nomenklatura (see this script's docstring)")
    elif logic is not None:
        say("")
        lv2_pairs = logic["pairs"]
        lv2_f1 = {}
        for label, keep in (
            ("persons", lambda r: r[0] == "Person"),
            ("organisations", lambda r: r[0] != "Person"),
            ("all", lambda r: True),
        ):
            kept = [(r, s) for r, s in zip(work["pairs"], lv2_pairs, strict=True) if keep(r)]
            tp = sum(1 for r, s in kept if s >= LOGIC_V2_THRESHOLD and r[3])
            fp = sum(1 for r, s in kept if s >= LOGIC_V2_THRESHOLD and not r[3])
            fn = sum(1 for r, s in kept if s < LOGIC_V2_THRESHOLD and r[3])
            lv2_f1[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        say(
            f"logic-v2 pairs F1 at {LOGIC_V2_THRESHOLD}: persons {lv2_f1['persons']:.3f}, organisations {lv2_f1['organisations']:.3f}, "
            f"all {lv2_f1['all']:.3f} ({logic['seconds_per_pair'] * 1000:.2f} ms per pair)"
        )
        side = {}
        for task in ("alias", "typo", "cyrillic", "arabic", "negative"):
            items = [(item, result) for item, result in zip(work["ranked"], logic["ranked"], strict=True) if item["task"] == task]
            if not items:
                continue
            if task == "negative":
                alerts = sum(1 for _, result in items if any(s >= LOGIC_V2_THRESHOLD for s in result))
                side[task] = alerts / len(items)
                say(f"logic-v2 false alerts ({len(items)} negatives, Kalkan's top {CANDIDATES_FOR_LOGIC_V2}): {side[task]:.3%}")
                continue
            top3 = hits = 0
            for item, result in items:
                ranked = sorted(zip(result, [c["id"] for c in item["candidates"]], strict=True), key=lambda pair: -pair[0])
                top3 += item["target"] in [cid for _, cid in ranked[:3]]
                hits += any(cid == item["target"] and s >= LOGIC_V2_THRESHOLD for s, cid in ranked)
            side[task] = top3 / len(items)
            say(
                f"logic-v2 {task} ({len(items)} sampled queries, Kalkan's top {CANDIDATES_FOR_LOGIC_V2} re-ranked): own in the top 3 "
                f"{top3 / len(items):.2%}; own a hit {hits / len(items):.2%}"
            )
    header = f"names_quality on {machine()}, {date.today().isoformat()}; OFAC {len(entries)} entries, {len(negatives)} negatives"
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / "names_quality.txt"
    if args.only is not None and target.exists():
        lines = merged(target.read_text(encoding="utf-8").splitlines()[1:], lines, args.only)
        first = target.read_text(encoding="utf-8").splitlines()[0].split("; re-run with --only")[0]
        header = f"{first}; re-run with --only {args.only} on {date.today().isoformat()}"
    target.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {RESULTS / 'names_quality.txt'}")


def merged(old: list[str], new: list[str], section: str) -> list[str]:
    """The lines of an earlier results file with one part's lines replaced by a new run's (in the place of the first)."""
    prefixes = PREFIXES[section]
    out: list[str] = []
    placed = False
    for line in old:
        if line.startswith(prefixes):
            if not placed:
                out.extend(new)
                placed = True
            continue
        out.append(line)
    return out if placed else [*out, *new]


def logic_v2(python: Path, work: dict[str, Any]) -> dict[str, Any] | None:
    if not python.exists():
        return None
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "work.json", Path(folder) / "result.json"
        source.write_text(json.dumps(work), encoding="utf-8")
        done = subprocess.run([str(python), str(ROOT / "bench" / "names_logic_v2.py"), str(source), str(target)], check=False)
        if done.returncode != 0:
            print(f"logic-v2 helper failed with status {done.returncode}")
            return None
        result: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
        return result


if __name__ == "__main__":
    main()
