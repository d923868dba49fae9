"""Speed of the name index: build, save, restart, query latency and memory, on generated persons.

Generates N persons with 3 names each: a Latin primary name, the same name in Cyrillic,
and the same in Arabic script (consonants and long vowels, as Arabic writes them), from
given names, patronymics and surnames combined out of stems and regional endings (so the
vocabulary grows with N as real lists do). Then, in one process on one core: index build
time (``NameIndex.add`` for every record, then ``pack``), save time and file size, restart
time (``storage.load`` of the saved file), and the latency of 2,000 queries (a third the
exact Latin name, a third with one typo, a third in Cyrillic; top 10, names prepared and
candidates scored), with p50/p95/p99 and queries per second; memory is the process's peak
resident size. Each size runs in a fresh process.

Run from the project root: ``.venv/bin/python bench/names_speed.py [--sizes 100000 1000000]``;
writes bench/results/names_speed.txt.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from kalkan.matching.features import Subject
from kalkan.matching.names import storage
from kalkan.matching.names.index import IndexedName, IndexedRecord, NameIndex
from kalkan.matching.names.matcher import PreparedQuery, run
from kalkan.matching.names.parts import prepare_name
from names_common import RESULTS, machine, typo

GIVEN = (  # noqa: SIM905 - a paragraph of names reads better than a list literal
    "aziz rustam bakhtiyor dilshod farrukh jasur sardor timur ulugbek shavkat nodir otabek sherzod akmal anvar bobur davron "
    "eldor faridun ilhom jamshid kamol lutfullo mansur nurali olim parviz rahim saidmumin tohir umar vali yusuf zafar ahmad "
    "mahmud hasan husayn ibrahim ismail khalid jamal kamal tariq salim karim malik hamid rashid majid qasim hashim jafar "
    "hamza zayd bilal yunus musa isa harun sulayman dawud amir akbar javad mahdi reza sultan salman bakr anwar sharif habib "
    "olga elena irina natalia svetlana tatiana marina gulnara dilnoza madina zarina aisha fatima maryam zaynab khadija amina"
).split()
STEMS = (  # noqa: SIM905
    "jalol rahim karim tursun nazar sobir khol yusup ism mirza ergash abdull nurmat sadyk tokht bek alim gaf umar shar "
    "hakim salim kasim rasul akhmed makhmud khasan ibragim ismail khalil dzhamal kamil tarik malik khamid rashid madzhid "
    "khashim dzhafar khamza zaid bilal yunus mus khar sulaim davud amir akbar mahd sult salm bakir anvar sharip khabib "
    "ivan petr sergei nikol alexandr dmitr andrei mikhail vladim yuri boris oleg igor pavel grigor fedor stepan semen"
).split()
MIDDLES = ("", "a", "o", "u", "i", "ali", "ber", "dan", "gul", "mur", "nis", "qul", "sher", "tosh", "zar", "din", "mat", "bay")
ENDINGS = ("ov", "ev", "in", "zoda", "zade", "iy", "jonov", "bekov", "ullaev", "uly", "ov", "i", "zai", "khel", "yar", "pur")
PATRONYMIC = ("ovich", "evich", "ovna", "evna")

_TO_CYRILLIC = [
    ("shch", "щ"), ("kh", "х"), ("zh", "ж"), ("dzh", "дж"), ("ch", "ч"), ("sh", "ш"), ("ts", "ц"), ("yu", "ю"), ("ya", "я"),
    ("yo", "ё"), ("j", "дж"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"),
    ("y", "й"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"),
    ("u", "у"), ("f", "ф"), ("h", "х"), ("q", "к"), ("w", "в"), ("x", "кс"), ("c", "к"),
]  # fmt: skip
_TO_ARABIC = [
    ("kh", "خ"), ("sh", "ش"), ("zh", "ژ"), ("dzh", "ج"), ("ch", "چ"), ("gh", "غ"), ("th", "ث"), ("j", "ج"), ("b", "ب"),
    ("v", "و"), ("w", "و"), ("g", "گ"), ("d", "د"), ("z", "ز"), ("y", "ي"), ("k", "ك"), ("l", "ل"), ("m", "م"), ("n", "ن"),
    ("p", "پ"), ("r", "ر"), ("s", "س"), ("t", "ت"), ("f", "ف"), ("h", "ه"), ("q", "ق"), ("x", "كس"), ("c", "ك"), ("aa", "ا"),
    ("ee", "ي"), ("oo", "و"), ("u", "و"), ("i", "ي"), ("o", "و"), ("a", ""), ("e", ""),
]  # fmt: skip


def convert(text: str, table: list[tuple[str, str]], initial_vowel: str = "") -> str:
    words = []
    for word in text.split():
        out, i = [], 0
        if initial_vowel and word[0] in "aeiou":
            out.append(initial_vowel)
        while i < len(word):
            for latin, letter in table:
                if word.startswith(latin, i):
                    out.append(letter)
                    i += len(latin)
                    break
            else:
                i += 1
        words.append("".join(out))
    return " ".join(words)


def person(rng: random.Random) -> tuple[str, str, str]:
    given = rng.choice(GIVEN)
    surname = rng.choice(STEMS) + rng.choice(MIDDLES) + rng.choice(ENDINGS)
    father = rng.choice(STEMS) + rng.choice(PATRONYMIC) if rng.random() < 0.4 else ""
    latin = " ".join(part for part in (surname, given, father) if part).title()
    return latin, convert(latin.lower(), _TO_CYRILLIC).title(), convert(latin.lower(), _TO_ARABIC, "ا")


def measure(size: int, queries: int) -> dict[str, float]:
    rng = random.Random(size)
    people = [person(rng) for _ in range(size)]
    started = time.perf_counter()
    index = NameIndex()
    for number, (latin, cyrillic, arabic) in enumerate(people):
        names = (IndexedName(latin), IndexedName(cyrillic, "alias"), IndexedName(arabic, "original_script"))
        born = Subject()
        index.add(IndexedRecord(f"{number:032x}", "person", 1, "BENCH", "all", "nothing", (), names, born))
    added = time.perf_counter() - started
    index.pack()
    built = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = storage.save(index, Path(folder), storage.Header(0, "bench"))
        saved, file_bytes = time.perf_counter() - started, path.stat().st_size
        arrays = index.nbytes()
        del index
        started = time.perf_counter()
        loaded = storage.load(Path(folder))
        assert loaded is not None
        index = loaded[0]
        index.rows()  # what the first catch-up from the change log needs
        restart = time.perf_counter() - started
    texts = []
    for number in range(queries):
        latin, cyrillic, _ = people[rng.randrange(size)]
        texts.append((latin, typo(latin, number), cyrillic)[number % 3])
    latencies = []
    found = 0
    for text in texts:
        started = time.perf_counter()
        matches = run(index, PreparedQuery((prepare_name(text),), Subject()), "person", "BENCH", 10)
        latencies.append(time.perf_counter() - started)
        found += bool(matches) and matches[0].hit
    latencies.sort()
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "persons": size,
        "names": size * 3,
        "build_s": built,
        "add_s": added,
        "save_s": saved,
        "file_mb": file_bytes / 2**20,
        "arrays_mb": arrays / 2**20,
        "restart_s": restart,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "qps": len(latencies) / sum(latencies),
        "top_is_hit": found / len(texts),
        "peak_rss_mb": memory / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.queries)))
        return
    lines = [f"names_speed on {machine()}, {date.today().isoformat()}; one process, one core; {args.queries} queries per size"]
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            lines.append(f"{size:,} persons: failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
            print(lines[-1], flush=True)
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        lines.append(
            f"{r['persons']:,} persons ({r['names']:,} names): build {r['build_s']:.1f} s (adding {r['add_s']:.1f} s), "
            f"save {r['save_s']:.1f} s ({r['file_mb']:.0f} MB file, arrays {r['arrays_mb']:.0f} MB), restart {r['restart_s']:.2f} s; "
            f"query p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, {r['qps']:.0f} queries/s; "
            f"top candidate a hit for {r['top_is_hit']:.1%} of queries; peak memory {r['peak_rss_mb']:.0f} MB"
        )
        print(lines[-1], flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "names_speed.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
