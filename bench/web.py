"""The pages under measure: the analyst's search, the officer's page weight, the bureau's import.

Loads the demo data set into a fresh database, starts ``kalkan serve`` (one worker, loopback)
and, signed in as the demo users:

- **search**: the same name queries (the Cyrillic and Arabic names of the demo's persons, so
  that most find records written in other scripts) through the name matcher (an analyst)
  and, side by side, as the substring search the page used before (the secretariat, who may
  not run checks, still gets it): latency over HTTP, and the server's CPU time per search;
- **weight**: the bytes of the officer's empty page, of an answer with a hit, and of an answer
  with a photo and the photo on record (the demo person's face enrolled first), for a poor
  connection;
- **import**: a generated file of stolen documents imported through the page (upload, then
  the job followed to its end) and, as the anchor, by the same importer called directly (as
  ``kalkan import documents`` does), into two agencies of the same database; rows per second,
  and the server's peak resident memory before and after (the file must not be held whole).

    .venv/bin/python bench/web.py --documents 200000 --searches 200

Figures are printed and written to ``bench/results/web-<documents>-<database>.txt``. The
machine may be shared: wall times are pessimistic then; CPU times are given beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kalkan.access.scope import Scope  # noqa: E402 - after the path
from kalkan.io.demo import load_demo  # noqa: E402
from kalkan.io.demo.loader import DEMO_PASSWORD  # noqa: E402
from kalkan.io.documents import FileFormat, import_documents  # noqa: E402
from kalkan.store.database import Database  # noqa: E402
from kalkan.store.tables import records  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FACES = ROOT.parent / "shared" / "data" / "faces"
_TOKEN = re.compile(r'name="(?:sign_in_token|csrf_token)" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {at(0.5):.1f} ms, p95 {at(0.95):.1f} ms, p99 {at(0.99):.1f} ms (n={len(ordered)})"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its finished children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sign_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=600, follow_redirects=False, headers={"origin": base})
    form = client.get("/sign-in")
    token = _TOKEN.search(form.text)
    assert token, "no sign-in form"
    answer = client.post("/sign-in", data={"username": username, "password": DEMO_PASSWORD, "sign_in_token": token[1], "next": "/"})
    assert answer.status_code == 303, answer.text[:500]
    home = client.get("/")
    client.headers["x-csrf"] = _TOKEN.search(home.text)[1]  # type: ignore[index]
    return client


def csrf(client: httpx.Client) -> str:
    return str(client.headers["x-csrf"])


def demo_names(url: str) -> tuple[list[str], list[str]]:
    """The demo persons' names in Cyrillic and Arabic script, and their Latin names."""
    db = Database(url)
    other, latin = [], []
    with db.transaction() as conn:
        for row in conn.execute(records.select().where(records.c.kind == "person")):
            for name in json.loads(row.body)["names"]:
                (latin if name.get("script") == "latin" else other).append(name["value"])
    db.dispose()
    return other, latin


def measure_search(base: str, pid: int, queries: list[str], out: list[str]) -> None:
    for label, user in (("name matcher (analyst)", "kz-ncb-analyst"), ("substring, as before (secretariat)", "sec-admin")):
        client = sign_in(base, user)
        client.get("/search", params={"q": queries[0]})  # the first builds the name index
        samples, found = [], 0
        cpu = cpu_seconds(pid)
        for query in queries:
            started = time.perf_counter()
            answer = client.get("/search", params={"q": query})
            samples.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text[:300]
            found += len(re.findall(r'<tr class="result', answer.text)) > 0
        cpu = cpu_seconds(pid) - cpu
        out.append(
            f"search by name, {label}: {percentiles(samples)}; server CPU {cpu / len(queries) * 1000:.1f} ms a search; "
            f"{found} of {len(queries)} queries found at least one record (each agency sees its own share of the demo)"
        )
        client.close()


def zone_of_stolen(url: str) -> str:
    from kalkan.model.mrz import MRZDate, MRZFields, MRZFormat, Sex, build_mrz

    db = Database(url)
    with db.transaction() as conn:
        for row in conn.execute(records.select().where(records.c.kind == "travel_document", records.c.restriction_mode == "all")):
            body = json.loads(row.body)
            if body["document_type"] == "passport" and len(body["number"]) <= 9 and body["document_status"] == "stolen":
                break
    db.dispose()
    from datetime import date

    fields = MRZFields(
        document_code="P",
        issuing_state=body["issuing_state"],
        primary_identifier="NAZAROV",
        secondary_identifiers="TIMUR",
        document_number=body["number"],
        nationality=body["issuing_state"],
        birth_date=MRZDate.of(date(1979, 11, 2)),
        sex=Sex.MALE,
        expiry_date=date(2030, 1, 15),
    )
    return "\n".join(build_mrz(fields, MRZFormat.TD3))


def measure_weight(base: str, url: str, pid: int, out: list[str]) -> None:
    officer = sign_in(base, "kz-ncb-officer")
    empty = officer.get("/check")
    out.append(f"officer's page, empty: {len(empty.content):,} bytes of HTML (+ {static_bytes(officer):,} of CSS and script, cached)")
    hit = officer.post("/check", data={"mrz": zone_of_stolen(url), "csrf_token": csrf(officer)})
    out.append(f"officer's answer with a hit: {len(hit.content):,} bytes")
    photos = sorted(FACES.glob("obama__*.jpg"))
    if len(photos) < 2:
        out.append(f"officer's answer with photos: not measured ({FACES} is missing)")
        return
    try:
        from kalkan.biometrics import Biometrics
        from kalkan.settings import Settings
    except ImportError:  # pragma: no cover - the extra is missing
        out.append("officer's answer with photos: not measured (the biometrics extra is not installed)")
        return
    db = Database(url)
    with db.transaction() as conn:
        from kalkan.model.validation import parse_record
        from kalkan.store.records import RecordStore

        scope = Scope.system("UZ-NCB", username="bench")
        person = RecordStore(conn, scope).create(
            parse_record({"kind": "person", "names": ["Qodirov Shavkat"], "restriction": {"mode": "all"}})
        )
        Biometrics.from_settings(Settings(database_url=url)).enrol_faces(conn, scope, person.id, [photos[0].read_bytes()])
    db.dispose()
    timings = []
    for _ in range(3):  # the first loads the face models
        started, cpu = time.perf_counter(), cpu_seconds(pid)
        answer = officer.post(
            "/check",
            data={"name": "Saidov Farrukh", "csrf_token": csrf(officer)},
            files={"face_image": ("traveller.jpg", photos[1].read_bytes(), "image/jpeg")},
        )
        timings.append((time.perf_counter() - started, cpu_seconds(pid) - cpu))
    shown = answer.text.count("data:image/jpeg;base64,")
    out.append(
        f"officer's answer with a photo ({photos[1].stat().st_size:,} bytes sent): {len(answer.content):,} bytes, {shown} photos shown; "
        f"first {timings[0][0] * 1000:.0f} ms (models loaded), then {timings[1][0] * 1000:.0f} and {timings[2][0] * 1000:.0f} ms, "
        f"server CPU {timings[2][1] * 1000:.0f} ms (the face found, searched, the photo on record decrypted and scaled)"
    )


def static_bytes(client: httpx.Client) -> int:
    return sum(len(client.get(path).content) for path in ("/static/kalkan.css", "/static/kalkan.js"))


def documents_file(path: Path, count: int, prefix: str) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write("issuing_state,document_type,number,document_status,reported_on\n")
        for n in range(count):
            out.write(f"{rng.choice(['UZB', 'KAZ', 'TJK', 'KGZ'])},passport,{prefix}{n:07d},stolen,2026-01-{1 + n % 28:02d}\n")


def measure_import(base: str, url: str, pid: int, count: int, work: Path, out: list[str]) -> None:
    anchor_file, page_file = work / "anchor.csv", work / "page.csv"
    documents_file(anchor_file, count, "AN")
    documents_file(page_file, count, "PG")
    size = page_file.stat().st_size
    db = Database(url)
    started, cpu = time.perf_counter(), time.process_time()
    with anchor_file.open("rb") as stream:
        summary = import_documents(db, "KZ-NCB", stream, FileFormat.CSV, username="bench")
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    db.dispose()
    out.append(
        f"import of {count:,} documents ({size / 2**20:.1f} MiB), the importer called directly (kalkan import documents): "
        f"{took:.1f} s, {summary.created / took:,.0f} rows/s, CPU {cpu:.1f} s"
    )
    editor = sign_in(base, "uz-ncb-editor")
    rss_before, cpu_before = peak_rss_mib(pid), cpu_seconds(pid)
    started = time.perf_counter()
    with page_file.open("rb") as stream:
        answer = editor.post(
            "/bureau/import", data={"kind": "documents", "csrf_token": csrf(editor)}, files={"file": ("stolen.csv", stream, "text/csv")}
        )
    uploaded = time.perf_counter() - started
    assert answer.status_code == 303, answer.text[:500]
    job = answer.headers["location"]
    polls = 0
    while True:
        status = editor.get(f"{job}/status").json()
        polls += 1
        if status["finished"]:
            break
        time.sleep(0.25)
    took = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu_before
    out.append(
        f"import of {count:,} documents ({size / 2**20:.1f} MiB) through the page: upload {uploaded:.1f} s, in {took:.1f} s in all, "
        f"{status['created'] / took:,.0f} rows/s; server CPU {cpu:.1f} s; state {status['state']}, {status['created']:,} created, "
        f"{status['rejected_lines']} rejected; {polls} progress polls answered"
    )
    out.append(f"server's peak resident memory: {rss_before:.0f} MiB before the page's import, {peak_rss_mib(pid):.0f} MiB after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--demo-size", type=float, default=1.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kalkan-bench-web-"))
    url = f"sqlite:///{work / 'bench.db'}"
    db = Database(url)
    db.migrate()
    load_demo(db, size=args.demo_size)
    db.dispose()
    port = free_port()
    env = {**os.environ, "KALKAN_DATABASE_URL": url, "KALKAN_WORK_DIR": str(work / "work"), "KALKAN_MAX_IMPORT_BYTES": str(2**31)}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "kalkan"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        pid = int(subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()[0]) if _has_children(server.pid) else server.pid
        other, _ = demo_names(url)
        queries = random.Random(3).sample(other, min(args.searches, len(other)))
        out = [
            f"bench/web.py: {platform.node()}, {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
            f"Python {platform.python_version()}, SQLite; demo data set of size {args.demo_size} "
            f"(load average at start {os.getloadavg()[0]:.2f}: the machine may be shared)",
        ]
        measure_search(base, pid, queries, out)
        measure_weight(base, url, pid, out)
        measure_import(base, url, pid, args.documents, work, out)
    finally:
        server.terminate()
        server.wait(timeout=30)
    text = "\n".join(out) + "\n"
    print(text, end="")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"web-{args.documents}-sqlite.txt").write_text(text, encoding="utf-8")


def _has_children(pid: int) -> bool:
    return subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, check=False).returncode == 0


if __name__ == "__main__":
    main()
