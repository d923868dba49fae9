"""Stolen and lost travel documents at scale: import rate, size, memory, check latency.

Generates a data set (issuing states weighted like border traffic, number formats per state,
a few serial ranges of stolen blanks), imports it with ``kalkan.io.documents``, builds and
saves the screening index, then measures check latency three ways, side by side:

- floor: a plain indexed SELECT on ``documents`` by number, state and type, on an open connection;
- Kalkan's check without its audit entry (index lookup + reading the candidates as the caller may see them);
- Kalkan's whole check with its audit entry committed in the check's own transaction (as the CLI runs it);
- Kalkan's whole check as the API runs it: a reading connection, the check, its audit entry handed to
  the process's ``AuditWriter`` and waited for (alone, and from eight threads at once, where the
  writer commits the entries of concurrent checks together);

and over HTTP against uvicorn as ``kalkan serve`` runs it, with two worker processes, the load coming
from a separate process on loopback: single checks and batches of 1,000.

    .venv/bin/python bench/documents.py --count 1000000
    .venv/bin/python bench/documents.py --count 1000000 --database-url postgresql://...

Figures are printed and written to ``bench/results/documents-<count>-<database>.txt``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.api.server import EVENT_LOOP, HTTP_PROTOCOL
from kalkan.cli.setup import APP_FACTORY
from kalkan.io.documents import FileFormat, import_documents
from kalkan.screening.documents import DocumentChecker, DocumentQuery, build_index
from kalkan.store import agencies, users
from kalkan.store import documents as store
from kalkan.store.audit_writer import AuditWriter
from kalkan.store.database import Database
from load import post_load, wrk_available

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

#: (state, share of records, number format): L a letter, D a digit. Shares follow the rough
#: weight of each state in border traffic and in what it reports; the rest are spread thinly.
STATES = [
    ("USA", 14, "DDDDDDDDD"),
    ("GBR", 8, "DDDDDDDDD"),
    ("DEU", 7, "LDLDLDLDL"),
    ("FRA", 6, "DDLLDDDDD"),
    ("RUS", 6, "DDDDDDDDD"),
    ("CHN", 6, "LDDDDDDDD"),
    ("IND", 5, "LDDDDDDD"),
    ("TUR", 4, "LDDDDDDD"),
    ("ITA", 4, "LLDDDDDDD"),
    ("ESP", 4, "LLLDDDDDD"),
    ("UZB", 3, "LLDDDDDDD"),
    ("KAZ", 3, "NDDDDDDD"),
    ("UKR", 3, "LLDDDDDD"),
    ("NGA", 3, "LDDDDDDDD"),
    ("BRA", 3, "LLDDDDDD"),
    ("PAK", 3, "LLDDDDDDD"),
    ("IDN", 3, "LDDDDDDD"),
    ("MEX", 2, "LDDDDDDDD"),
    ("CAN", 2, "LLDDDDDD"),
    ("AUS", 2, "LDDDDDDD"),
    ("TJK", 1, "DDDDDDDDD"),
    ("KGZ", 1, "LLDDDDDDD"),
    ("AFG", 1, "LDDDDDDDD"),
    ("IRN", 1, "LDDDDDDDD"),
    ("EGY", 1, "LDDDDDDDD"),
]
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
TYPES = [("passport", 85), ("identity_card", 12), ("residence_permit", 2), ("visa", 1)]
STATUSES = [("stolen", 45), ("lost", 50), ("revoked", 3), ("invalidated", 2)]
AGENCY = "BENCH-NCB"


def number_of(rng: random.Random, pattern: str) -> str:
    return "".join(rng.choice(LETTERS) if p == "L" else str(rng.randrange(10)) if p == "D" else "N" for p in pattern)


def generate(path: Path, count: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """Write ``count`` documents as CSV; return a sample of (state, type, number) that are in it."""
    rng = random.Random(seed)
    states = [s for s, _, _ in STATES]
    formats = {s: f for s, _, f in STATES}
    state_weights = [w for _, w, _ in STATES]
    types, type_weights = zip(*TYPES, strict=True)
    statuses, status_weights = zip(*STATUSES, strict=True)
    sample: list[tuple[str, str, str]] = []
    day0 = date(2015, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write("issuing_state,document_type,number,document_status,range_end,reported_on,restriction_mode,hit_disclosure\n")
        chunk = 100_000
        for start in range(0, count, chunk):
            n = min(chunk, count - start)
            picked_states = rng.choices(states, state_weights, k=n)
            picked_types = rng.choices(types, type_weights, k=n)
            picked_status = rng.choices(statuses, status_weights, k=n)
            lines = []
            for i in range(n):
                state, kind = picked_states[i], picked_types[i]
                number = number_of(rng, formats[state])
                reported = (day0 + timedelta(days=rng.randrange(4000))).isoformat()
                mode = "all" if rng.random() < 0.97 else "owner"
                lines.append(f"{state},{kind},{number},{picked_status[i]},,{reported},{mode},contact_owner\n")
                if len(sample) < 20_000 and rng.random() < 0.05:
                    sample.append((state, kind, number))
            out.writelines(lines)
        for i in range(200):  # stolen blanks, in ranges of a thousand
            out.write(f"UZB,passport,BL{i:03d}0000,stolen_blank,BL{i:03d}0999,2024-01-01,all,nothing\n")
    return sample


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "mean_ms": statistics.fmean(ordered) * 1000}


def queries_for(sample: list[tuple[str, str, str]], n: int, seed: int = 11) -> list[DocumentQuery]:
    """A realistic mix: one in ten checks is of a reported document, the rest are not."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            state, kind, number = rng.choice(sample)
        else:
            state, _, pattern = rng.choice(STATES)
            kind, number = "passport", number_of(rng, pattern)
        out.append(DocumentQuery.of(state, number, kind))
    return out


def setup_world(db: Database) -> str:
    """Agencies and an officer with a token; returns the token."""
    with db.transaction() as conn:
        agencies.bootstrap_agency(conn, code="SEC", name="General Secretariat", country="FRA")
        system = Scope.system("SEC")
        agencies.create_agency(
            conn, system, code=AGENCY, name="Bench bureau", country="UZB", kind=agencies.AgencyKind.NATIONAL_BUREAU, parent=None
        )
        agencies.create_agency(
            conn, system, code="OTHER-NCB", name="Checking bureau", country="KAZ", kind=agencies.AgencyKind.NATIONAL_BUREAU, parent=None
        )
        user = users.create_user(conn, system, username="officer", agency="OTHER-NCB", roles=frozenset({Role.OFFICER}))
        return users.issue_token(conn, system, user.id, name="bench", lifetime=timedelta(days=1)).secret


FLOOR_BATCH = 50_000


def import_floor(url: str, db: Database, csv_path: Path, limit: int, workdir: Path) -> dict[str, Any]:
    """The database's own cost of the file's rows: a bare bulk insert into an empty table of the
    same shape and indexes (no reading checks, no upsert, no change log, no audit), in batches
    of 50,000 (executemany on SQLite, COPY on PostgreSQL). What Kalkan's import is measured against."""
    stamp = "2026-01-01 00:00:00.000000"

    def rows() -> Any:
        with csv_path.open(encoding="utf-8") as source:
            reader = csv.reader(source)
            header = next(reader)
            for n, values in enumerate(reader):
                if n >= limit:
                    return
                fields = dict(zip(header, values, strict=True))
                yield (AGENCY, fields["issuing_state"], fields["document_type"], fields["number"], fields["range_end"] or None,
                       fields["document_status"], fields["reported_on"] or None, fields["restriction_mode"], fields["hit_disclosure"],
                       "active", 1, stamp, stamp, 1)  # fmt: skip

    columns = ("owner, issuing_state, document_type, number, range_end, document_status, reported_on, restriction_mode, "
               "hit_disclosure, status, version, created_at, updated_at, change_seq")  # fmt: skip
    start = time.perf_counter()
    done = 0
    if url.startswith("sqlite"):
        import sqlite3

        with db.engine.connect() as conn:
            ddl = [r[0] for r in conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE tbl_name = 'documents' AND sql IS NOT NULL")]
        floor_path = workdir / "floor.db"
        floor_path.unlink(missing_ok=True)
        raw = sqlite3.connect(floor_path, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=FULL")
        for statement in ddl:
            raw.execute(statement)
        batch: list[tuple[Any, ...]] = []
        insert = f"INSERT OR IGNORE INTO documents ({columns}) VALUES ({', '.join('?' * 14)})"  # noqa: S608 - ours
        for row in rows():
            batch.append(row)
            if len(batch) == FLOOR_BATCH:
                raw.execute("BEGIN")
                raw.executemany(insert, batch)
                raw.execute("COMMIT")
                done += len(batch)
                batch = []
        if batch:
            raw.execute("BEGIN")
            raw.executemany(insert, batch)
            raw.execute("COMMIT")
            done += len(batch)
        raw.close()
        took = time.perf_counter() - start
        for path in workdir.glob("floor.db*"):
            path.unlink()
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS documents_floor")
            conn.exec_driver_sql("CREATE TABLE documents_floor (LIKE documents INCLUDING ALL)")
            conn.commit()
            start = time.perf_counter()
            raw = conn.connection.driver_connection
            pending = 0
            cursor = raw.cursor()  # type: ignore[union-attr]
            copy = cursor.copy(f"COPY documents_floor ({columns}) FROM STDIN")
            copy.__enter__()
            for row in rows():
                copy.write_row(row)
                pending += 1
                if pending == FLOOR_BATCH:
                    copy.__exit__(None, None, None)
                    raw.commit()  # type: ignore[union-attr]
                    done += pending
                    pending = 0
                    copy = cursor.copy(f"COPY documents_floor ({columns}) FROM STDIN")
                    copy.__enter__()
            copy.__exit__(None, None, None)
            raw.commit()  # type: ignore[union-attr]
            done += pending
            took = time.perf_counter() - start
            conn.exec_driver_sql("DROP TABLE documents_floor")
            conn.commit()
    return {"rows": done, "per_s": round(done / took), "how": "bare bulk insert, same table shape and indexes"}


def disk_bytes(url: str, db: Database) -> int:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with db.transaction() as conn:
        return int(conn.exec_driver_sql("SELECT pg_total_relation_size('documents')").scalar_one())


def time_calls(calls: int, run: Any) -> list[float]:
    samples = []
    for i in range(calls):
        start = time.perf_counter()
        run(i)
        samples.append(time.perf_counter() - start)
    return samples


def concurrent_checks(writer: AuditWriter, run: Any, calls: int, threads: int) -> tuple[list[float], float, int]:
    """``calls`` checks from ``threads`` threads at once: their latencies, the time taken, the writer's commits."""
    samples: list[float] = []
    lock = threading.Lock()
    batches_before = writer.batches

    def worker(offset: int) -> None:
        mine = time_calls(calls // threads, lambda i: run(offset + i * threads))
        with lock:
            samples.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return samples, time.perf_counter() - started, writer.batches - batches_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--http-seconds", type=float, default=15.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--import-floor-rows", type=int, default=10_000_000, help="rows of the file the import floor inserts")
    parser.add_argument("--no-reimport", dest="reimport", action="store_false", help="skip importing the same file a second time")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kalkan-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'kalkan.db'}"
    if args.database_url is None:
        for old in workdir.glob("kalkan.db*"):  # a database left by an earlier run in the same --workdir
            old.unlink()
    figures: dict[str, Any] = {
        "documents": args.count,
        "database": url.split(":")[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}",
        "date": date.today().isoformat(),
        "command": " ".join([".venv/bin/python", "bench/documents.py", *sys.argv[1:]]),
    }

    csv_path = workdir / "documents.csv"
    kept = workdir / f"sample-{args.count}.json"  # a file generated by an earlier run in the same --workdir
    start = time.perf_counter()
    if csv_path.exists() and kept.exists():
        sample = [tuple(item) for item in json.loads(kept.read_text())]
        figures["generated_by_an_earlier_run"] = True
    else:
        sample = generate(csv_path, args.count)
        kept.write_text(json.dumps(sample))
    figures["generate_s"] = round(time.perf_counter() - start, 1)
    figures["csv_mb"] = round(csv_path.stat().st_size / 1e6, 1)

    db = Database(url)
    db.migrate()
    token = setup_world(db)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with csv_path.open("rb") as source:
        summary = import_documents(db, AGENCY, source, FileFormat.CSV)
    took = time.perf_counter() - start
    assert summary.rejected_lines == 0, summary.rejected[:5]
    figures["import_s"] = round(took, 1)
    figures["import_per_s"] = round(summary.lines / took)
    figures["import_peak_rss_growth_mb"] = round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024, 1)
    if args.reimport:
        start = time.perf_counter()
        with csv_path.open("rb") as source:
            again = import_documents(db, AGENCY, source, FileFormat.CSV)
        figures["reimport_unchanged_per_s"] = round(again.lines / (time.perf_counter() - start))
        # Random numbers repeat now and then: a file that names a document twice with different
        # details writes it twice on every import (the later line wins); nothing else changes.
        figures["reimport_written"] = again.written
    figures["disk_mb"] = round(disk_bytes(url, db) / 1e6, 1)
    figures["import_floor"] = import_floor(url, db, csv_path, args.import_floor_rows, workdir)

    index_dir = workdir / "index"
    start = time.perf_counter()
    with db.transaction() as conn:
        index = build_index(conn)
    figures["index_build_s"] = round(time.perf_counter() - start, 1)
    index.save(index_dir)
    figures["index_mb"] = round((index.keys.nbytes + index.rows.nbytes) / 1e6, 1)
    figures["process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    checker = DocumentChecker(db, index_dir=index_dir, refresh_seconds=3600)
    checker.index = index
    officer = Scope(user_id=None, username="officer", agency="OTHER-NCB", roles=frozenset({Role.OFFICER}))
    queries = queries_for(sample, args.checks)
    with db.engine.connect() as conn:
        floor = time_calls(
            len(queries), lambda i: store.lookup(conn, queries[i].issuing_state, queries[i].document_type or "", queries[i].number)
        )

        def lookup_only(i: int) -> None:
            (found,) = index.find([queries[i].number])
            if found:
                store.candidates(conn, officer, [f.ref for f in found])

        kalkan_core = time_calls(len(queries), lookup_only)
        conn.rollback()

    def whole(i: int) -> None:
        with db.transaction() as conn:
            checker.check(conn, officer, [queries[i]])

    writer = AuditWriter(db)

    def grouped(i: int) -> None:
        with db.reading() as conn:
            checker.check(conn, officer, [queries[i]], writer=writer)

    kalkan_whole = time_calls(min(len(queries), 5000), whole)
    kalkan_grouped = time_calls(min(len(queries), 5000), grouped)
    threaded, threaded_elapsed, threaded_batches = concurrent_checks(writer, grouped, len(queries), threads=8)
    figures["in_process"] = {
        "floor_select": percentiles(floor),
        "kalkan_check_without_audit": percentiles(kalkan_core),
        "kalkan_check_with_audit_and_commit": percentiles(kalkan_whole),
        "kalkan_check_with_audit_writer": percentiles(kalkan_grouped),
        "kalkan_check_with_audit_writer_8_threads": percentiles(threaded),
        "kalkan_check_with_audit_writer_8_threads_per_s": round(len(threaded) / threaded_elapsed),
        "audit_entries_per_commit_8_threads": round(len(threaded) / max(threaded_batches, 1), 1),
    }
    batch = queries[:1000]
    start = time.perf_counter()
    for _ in range(5):
        with db.transaction() as conn:
            checker.check(conn, officer, batch)
    figures["in_process_batch_documents_per_s"] = round(5000 / (time.perf_counter() - start))
    start = time.perf_counter()
    for _ in range(5):
        with db.reading() as conn:
            checker.check(conn, officer, batch, writer=writer)
    figures["in_process_batch_with_audit_writer_documents_per_s"] = round(5000 / (time.perf_counter() - start))
    writer.close()
    db.dispose()

    env = {**os.environ, "KALKAN_DATABASE_URL": url, "KALKAN_INDEX_DIR": str(index_dir)}
    # As ``kalkan serve --workers 2`` runs it (its HTTP protocol included), less the access log.
    serve = (
        "import uvicorn; "
        f"uvicorn.run({APP_FACTORY!r}, factory=True, port={args.port}, workers=2, http={HTTP_PROTOCOL!r}, loop={EVENT_LOOP!r}, "
        "log_level='warning', access_log=False)"
    )
    server = subprocess.Popen([sys.executable, "-c", serve], env=env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        singles = [
            {"documents": [{"issuing_state": q.issuing_state, "document_type": q.document_type, "number": q.number}]}
            for q in queries[:2000]
        ]
        path = "/v1/checks/documents"
        post_load(base, path, token, singles, 2, 3)  # warm both workers' indexes
        figures["http_load_generator"] = "wrk" if wrk_available() else "python httpx clients (install Debian's wrk for lighter load)"
        batches = [{"documents": [b["documents"][0] for b in singles[i : i + 1000]]} for i in (0, 1000)]
        batch = post_load(base, path, token, batches, 2, args.http_seconds)
        figures["http"] = {
            "single_one_client": post_load(base, path, token, singles, 1, args.http_seconds).as_dict(),
            "single_8_clients": post_load(base, path, token, singles, 8, args.http_seconds).as_dict(),
            "single_32_clients": post_load(base, path, token, singles, 32, args.http_seconds).as_dict(),
            "batch_1000_two_clients": batch.as_dict(),
            "batch_1000_documents_per_s": round(1000 * batch.per_s),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)

    text = json.dumps(figures, indent=2)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"documents-{args.count}-{figures['database']}.txt").write_text(text + "\n")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
