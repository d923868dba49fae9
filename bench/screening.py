"""Border screening end to end: traveller checks over HTTP, manifests, notification delay, the kill test.

Loads N stolen and lost documents (``kalkan.io.documents``, the bulk import) and M persons
(``kalkan.io.jsonl``, the record import) owned by one agency, saves both screening indexes,
registers that agency's webhook on a receiver in this process (a free loopback port), then
starts the server (uvicorn, two worker processes, on loopback, as ``kalkan serve`` runs it) and the delivery worker
(``kalkan notify run``, its own process). A load generator in another process sends mixed
traffic, 99 travellers in 100 who hit nothing and 1 who hits a document or a person of
the set (each check is a document with names and a date of birth, as an officer's scanner
sends it), bounded in requests and seconds:

- single traveller checks, one client (latency) and eight clients (throughput);
- manifests of 300 travellers, one client;
- for every hit, the delay from the check's answer (its transaction committed) to the
  webhook's receipt of the notification.

Then the kill test, repeated: a delivery worker is killed (SIGKILL) after the commit of a
hit — either at once, or while its delivery is held open by the receiver — a new one is
started, and the notifications received are counted: none may be lost.

Last, one request is profiled in process (the check without its commit, the commit) to
show where the time goes.

    .venv/bin/python bench/screening.py --documents 1000000 --persons 100000
    .venv/bin/python bench/screening.py --database-url postgresql://...

Figures are printed and written to ``bench/results/screening-<documents>-<persons>-<database>.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import platform
import pstats
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from documents import AGENCY, STATES, generate, number_of, percentiles, setup_world
from kalkan.access.roles import Role
from kalkan.access.scope import Scope
from kalkan.api.server import EVENT_LOOP, HTTP_PROTOCOL
from kalkan.io.documents import FileFormat, import_documents
from kalkan.io.jsonl import import_records
from kalkan.matching.names import sync
from kalkan.model.dates import FlexibleDate
from kalkan.notify.signing import InvalidSignature, verify
from kalkan.notify.webhooks import register
from kalkan.screening.documents import DocumentChecker, save_index
from kalkan.screening.names import NameScreening
from kalkan.screening.travellers import TravellerScreening, traveller_query
from kalkan.store import outbox
from kalkan.store.database import Database
from names_speed import person

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SECRET_KEY = secrets.token_hex(32)  # webhook secrets derive from it
MANIFEST = 300
HIT_SHARE = 0.01
CONTEXT = {"border_post": "Dusti", "direction": "entry", "carrier": "Somon Air", "flight": "SZ 202"}
_CLI = "from kalkan.cli import main; main()"
#: One request as the load generator saw it: latency (s), wall-clock times of the request and the answer, hit ids, verdicts.
Row = tuple[float, float, float, list[str], dict[str, int]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the data set ------------------------------------------------------------------------


def birth_date(rng: random.Random) -> str:
    return (date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))).isoformat()


def generate_persons(path: Path, count: int, seed: int = 5) -> list[tuple[str, str, str]]:
    """Write ``count`` persons as JSON lines (Latin and Cyrillic names, a date of birth, a nationality);
    return a sample of (Latin name, date of birth, nationality) that are in it."""
    rng = random.Random(seed)
    sample: list[tuple[str, str, str]] = []
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            latin, cyrillic, _ = person(rng)
            born = birth_date(rng)
            nationality = rng.choice(STATES)[0]
            line = {
                "kind": "person",
                "id": f"{n + 1:032x}",
                "names": [latin, cyrillic],
                "dates_of_birth": [born],
                "nationalities": [nationality],
                "restriction": {"mode": "all"},
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            if len(sample) < 5000 and rng.random() < 0.05:
                sample.append((latin, born, nationality))
    return sample


def travellers(documents: list[tuple[str, str, str]], persons: list[tuple[str, str, str]], count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` travellers as the API takes them; one in a hundred carries a reported document or is a listed person."""
    rng = random.Random(seed)
    names = random.Random(seed + 1000)  # another stream of the same name generator: not the listed persons
    out = []
    for _ in range(count):
        state, _, pattern = rng.choice(STATES)
        latin, _, _ = person(names)
        traveller = {
            "issuing_state": state,
            "document_type": "passport",
            "number": number_of(rng, pattern),
            "names": [latin],
            "birth_date": birth_date(rng),
            "nationality": state,
        }
        if rng.random() < HIT_SHARE:
            if rng.random() < 0.5:
                state, kind, number = rng.choice(documents)
                traveller |= {"issuing_state": state, "document_type": kind, "number": number}
            else:
                name, born, nationality = rng.choice(persons)
                traveller |= {"names": [name], "birth_date": born, "nationality": nationality}
        out.append(traveller)
    return out


# -- the webhook receiver (a thread of this process) --------------------------------------


class Receiver:
    """Records the first accepted receipt of each hit (by ``hit_id``); can hold the next delivery open."""

    def __init__(self) -> None:
        self.secret = ""
        self.lock = threading.Condition()
        self.received: dict[str, float] = {}
        self.requests = 0
        self.bad_signatures = 0
        self.hold_next = 0.0  # seconds to hold the next request open, then refuse it
        self.held = 0

    def accepted(self, hit_ids: set[str]) -> set[str]:
        with self.lock:
            return hit_ids & self.received.keys()

    def wait_for(self, hit_ids: set[str], timeout: float) -> set[str]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while not hit_ids <= self.received.keys() and (left := deadline - time.monotonic()) > 0:
                self.lock.wait(left)
            return hit_ids & self.received.keys()


@contextmanager
def running_receiver(receiver: Receiver) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrived = time.time()
            delivery_id = self.headers.get("Kalkan-Delivery-Id", "")
            try:
                verify(receiver.secret, self.headers.get("Kalkan-Signature", ""), delivery_id, body, now=arrived)
                good = True
            except InvalidSignature:
                good = False
            with receiver.lock:
                receiver.requests += 1
                receiver.bad_signatures += not good
                hold, receiver.hold_next = receiver.hold_next, 0.0
                if hold:
                    receiver.held += 1
                receiver.lock.notify_all()
            if hold:
                time.sleep(hold)
                status = 503
            else:
                status = 204 if good else 401
                if good:
                    hit_id = json.loads(body)["payload"].get("hit_id")
                    with receiver.lock:
                        receiver.received.setdefault(hit_id, arrived)
                        receiver.lock.notify_all()
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender is gone (killed)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/kalkan"
    finally:
        server.shutdown()
        server.server_close()


# -- the load generator (another process) -------------------------------------------------


def _load(base: str, token: str, bodies: list[dict[str, Any]], clients: int, seconds: float, limit: int, queue: Any) -> None:
    """Send ``bodies`` round robin from ``clients`` threads until ``seconds`` pass or ``limit`` requests are sent.
    Puts (rows, elapsed): a row per request, (latency s, wall-clock times of the request and the answer, hit ids, verdicts)."""
    rows: list[Row] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    sent = iter(range(limit))

    def client(offset: int) -> None:
        mine = []
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, transport=transport) as http:
            while time.perf_counter() < stop:
                with lock:
                    i = next(sent, None)
                if i is None:
                    break
                began, start = time.time(), time.perf_counter()
                response = http.post("/v1/checks/travellers", json=bodies[(i + offset) % len(bodies)])
                took = time.perf_counter() - start
                answered = time.time()
                if response.status_code != 200:
                    raise RuntimeError(f"{response.status_code}: {response.text[:500]}")
                verdicts: dict[str, int] = {}
                hit_ids = []
                for result in response.json()["results"]:
                    verdicts[result["verdict"]] = verdicts.get(result["verdict"], 0) + 1
                    hit_ids += [h["hit_id"] for h in result["hits"] if h["hit_id"]]
                mine.append((took, began, answered, hit_ids, verdicts))
        with lock:
            rows.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(t,)) for t in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((rows, time.perf_counter() - started))


def load(base: str, token: str, bodies: list[dict[str, Any]], clients: int, seconds: float, limit: int) -> tuple[list[Row], float]:
    queue: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=_load, args=(base, token, bodies, clients, seconds, limit, queue))
    process.start()
    rows, elapsed = queue.get(timeout=seconds + 600)
    process.join()
    return rows, elapsed


def summary(rows: list[Row], elapsed: float, per_request: int) -> dict[str, Any]:
    verdicts: dict[str, int] = {}
    for row in rows:
        for verdict, n in row[4].items():
            verdicts[verdict] = verdicts.get(verdict, 0) + n
    return {
        "requests": len(rows),
        "travellers_per_s": round(per_request * len(rows) / elapsed, 1),
        "requests_per_s": round(len(rows) / elapsed, 1),
        "verdicts": verdicts,
        **{k: round(v, 1) for k, v in percentiles([r[0] for r in rows]).items()},
    }


# -- processes ----------------------------------------------------------------------------


def start_worker(env: dict[str, str], *options: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, "notify", "run", *options], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    process.wait(timeout=30)


def delay_figures(receiver: Receiver, times: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """To the first accepted receipt of each hit's notification: from the check's request (an upper bound of the
    delay from its commit) and from its answer (a lower bound: the commit is before the answer; negative when
    the notification arrived before the officer's answer)."""
    receiver.wait_for(set(times), timeout=60)
    with receiver.lock:
        got = {hit: receiver.received[hit] for hit in times if hit in receiver.received}
    figures: dict[str, Any] = {"hits": len(times), "received": len(got)}
    if got:
        for name, which in (("from_request", 0), ("from_answer", 1)):
            delays = [at - times[hit][which] for hit, at in got.items()]
            figures[name] = {k: round(v, 1) for k, v in percentiles(delays).items()}
    return figures


def quiet_delays(base: str, token: str, receiver: Receiver, hit_bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """Hits one at a time, each after the previous one's notification arrived, nothing else running."""
    times: dict[str, tuple[float, float]] = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for body in hit_bodies:
            began = time.time()
            response = http.post("/v1/checks/travellers", json=body)
            response.raise_for_status()
            at = time.time()
            ids = {h["hit_id"] for r in response.json()["results"] for h in r["hits"] if h["hit_id"]}
            times |= dict.fromkeys(ids, (began, at))
            receiver.wait_for(ids, timeout=30)
            time.sleep(0.2)
    return delay_figures(receiver, times)


def kill_test(
    base: str, token: str, env: dict[str, str], receiver: Receiver, hit_bodies: list[dict[str, Any]], rounds: int
) -> dict[str, Any]:
    """Each round: a worker; a check that hits (committed); SIGKILL the worker — at once (odd rounds) or while
    its delivery is held open (even rounds); a new worker; the round's notifications must all arrive."""
    # A short timeout keeps the claim of the killed worker short (its lease is what a new worker waits out).
    options = ("--timeout", "0.5", "--batch", "1", "--concurrency", "1", "--poll", "0.05")
    expected: set[str] = set()
    took = []
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, transport=transport) as http:
        for n in range(rounds):
            worker = start_worker(env, *options)
            time.sleep(1.0)  # let it start (import, connect) so that it can be mid-delivery
            held_before = receiver.held
            if n % 2 == 0:
                with receiver.lock:
                    receiver.hold_next = 3.0
            response = http.post("/v1/checks/travellers", json=hit_bodies[n % len(hit_bodies)])
            response.raise_for_status()
            ids = {h["hit_id"] for r in response.json()["results"] for h in r["hits"] if h["hit_id"]}
            assert ids, "a kill round's check must hit"
            expected |= ids
            if n % 2 == 0:
                with receiver.lock:
                    receiver.lock.wait_for(lambda: receiver.held > held_before, timeout=30)  # noqa: B023 - read at once
            stop(worker, signal.SIGKILL)
            started = time.perf_counter()
            again = start_worker(env, *options)
            receiver.wait_for(ids, timeout=60)
            took.append(time.perf_counter() - started)
            stop(again)
    received = receiver.accepted(expected)
    return {
        "rounds": rounds,
        "notifications_expected": len(expected),
        "notifications_received": len(received),
        "lost": len(expected - received),
        "held_deliveries_killed": receiver.held,
        "seconds_to_arrive_after_restart": {"max": round(max(took), 2), "mean": round(sum(took) / len(took), 2)},
    }


def profile_one(url: str, token_agency: str, body: dict[str, Any], index_dir: Path) -> dict[str, Any]:
    """One request's work in process: the check without its commit, then with its commit, and the top of a profile."""
    db = Database(url)
    names = NameScreening(db, index_dir, refresh_seconds=0.5)  # as the server's
    screening = TravellerScreening(DocumentChecker(db, index_dir=index_dir), names)
    officer = Scope(user_id=None, username="officer", agency=token_agency, roles=frozenset({Role.OFFICER}))
    queries = [traveller_query(**_query_args(t)) for t in body["travellers"]]
    with db.transaction() as conn:
        screening.check(conn, officer, queries)  # warm the indexes
    without, whole = [], []
    for _ in range(200):
        with db.engine.connect() as conn:
            start = time.perf_counter()
            screening.check(conn, officer, queries)
            without.append(time.perf_counter() - start)
            conn.rollback()
        start = time.perf_counter()
        with db.transaction() as conn:
            screening.check(conn, officer, queries)
        whole.append(time.perf_counter() - start)
    catch_up = []
    for _ in range(10):
        with db.engine.connect() as conn:
            start = time.perf_counter()
            sync.catch_up(names.index(), conn, names.sequence)
            catch_up.append(time.perf_counter() - start)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(50):
        with db.transaction() as conn:
            screening.check(conn, officer, queries)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(8)
    db.dispose()
    # Paths relative to the project or to site-packages: the figures say nothing about where they ran.
    lines = [re.sub(r"\S*/(?=(?:src|site-packages)/)", "", line.strip()) for line in text.getvalue().splitlines() if line.strip()]
    return {
        "check_without_commit": {k: round(v, 2) for k, v in percentiles(without).items()},
        "check_with_audit_and_commit": {k: round(v, 2) for k, v in percentiles(whole).items()},
        "name_index_catch_up_each_half_second": {k: round(v, 2) for k, v in percentiles(catch_up).items()},
        "profile_top_by_own_time": lines[-9:],
    }


def _query_args(traveller: dict[str, Any]) -> dict[str, Any]:
    return {
        "issuing_state": traveller["issuing_state"],
        "document_type": traveller["document_type"],
        "number": traveller["number"],
        "names": traveller["names"],
        "birth_date": FlexibleDate(value=traveller["birth_date"]),
        "nationality": traveller["nationality"],
    }


def _without_workdir(argv: list[str]) -> list[str]:
    """The command line as recorded: a scratch folder says nothing about the run."""
    out, skip = [], False
    for arg in argv:
        if skip or arg.startswith("--workdir="):
            skip = False
            continue
        skip = arg == "--workdir"
        if not skip:
            out.append(arg)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=20.0, help="bound of each load phase")
    parser.add_argument("--max-requests", type=int, default=20_000, help="bound of requests in each load phase")
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kalkan-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{workdir / 'kalkan.db'}"
    figures: dict[str, Any] = {
        "documents": args.documents,
        "persons": args.persons,
        "database": url.split(":")[0].split("+")[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}",
        "date": date.today().isoformat(),
        "command": " ".join([".venv/bin/python", "bench/screening.py", *_without_workdir(sys.argv[1:])]),
    }

    start = time.perf_counter()
    documents = generate(workdir / "documents.csv", args.documents)
    persons = generate_persons(workdir / "persons.jsonl", args.persons)
    figures["generate_s"] = round(time.perf_counter() - start, 1)

    db = Database(url)
    db.migrate()
    token = setup_world(db)
    start = time.perf_counter()
    with (workdir / "documents.csv").open("rb") as source:
        imported = import_documents(db, AGENCY, source, FileFormat.CSV)
    assert imported.rejected_lines == 0, imported.rejected[:5]
    figures["import_documents_per_s"] = round(imported.lines / (time.perf_counter() - start))
    start = time.perf_counter()
    with (workdir / "persons.jsonl").open("rb") as source:
        loaded = import_records(db, AGENCY, source, batch_size=2000)
    assert loaded.rejected_lines == 0, loaded.rejected[:5]
    figures["import_persons_per_s"] = round(args.persons / (time.perf_counter() - start))
    index_dir = workdir / "index"
    start = time.perf_counter()
    save_index(db, index_dir)
    NameScreening(db, index_dir).index()  # built and saved: the server's workers start from both snapshots
    figures["indexes_s"] = round(time.perf_counter() - start, 1)

    receiver = Receiver()
    with running_receiver(receiver) as hook_url:
        with db.transaction() as conn:
            admin = Scope(user_id=None, username="admin", agency=AGENCY, roles=frozenset({Role.AGENCY_ADMIN}))
            receiver.secret = register(conn, admin, url=hook_url, description="bench", secret_key=SECRET_KEY, allow_http=True).secret
        db.dispose()

        port = free_port()
        env = {
            **os.environ,
            "KALKAN_DATABASE_URL": url,
            "KALKAN_INDEX_DIR": str(index_dir),
            "KALKAN_SECRET_KEY": SECRET_KEY,
        }
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory", "kalkan.api.app:app_from_environment", "--host", "127.0.0.1",
                "--port", str(port), "--workers", "2", "--http", HTTP_PROTOCOL, "--loop", EVENT_LOOP,
                "--log-level", "warning", "--no-access-log",
            ],
            env=env,
        )  # fmt: skip
        worker = start_worker(env)  # the defaults, as an operator runs it
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            pool = travellers(documents, persons, 20_000, seed=11)
            singles = [{"context": CONTEXT, "travellers": [t]} for t in pool]
            manifests = [{"context": CONTEXT, "travellers": pool[i : i + MANIFEST]} for i in range(0, len(pool), MANIFEST)]
            load(base, token, singles[-2000:], 4, 5, 2000)  # warm both workers (indexes loaded, connections made)
            one, one_s = load(base, token, singles, 1, args.seconds, args.max_requests)
            eight, eight_s = load(base, token, singles[5000:], 8, args.seconds, args.max_requests)
            batch, batch_s = load(base, token, manifests, 1, args.seconds, min(args.max_requests, 40))
            figures["single_one_client"] = summary(one, one_s, 1)
            figures["single_8_clients"] = summary(eight, eight_s, 1)
            figures[f"manifest_{MANIFEST}_one_client"] = summary(batch, batch_s, MANIFEST)

            figures["notification_delay_under_load"] = {
                phase: delay_figures(receiver, {hit: (row[1], row[2]) for row in rows for hit in row[3]})
                for phase, rows in (("single_one_client", one), ("single_8_clients", eight), (f"manifest_{MANIFEST}", batch))
            }

            reported = {d[2] for d in documents}
            hit_bodies = [
                {"context": CONTEXT, "travellers": [t]} for t in travellers(documents, persons, 20_000, seed=23) if t["number"] in reported
            ]
            figures["notification_delay_quiet"] = quiet_delays(base, token, receiver, hit_bodies[: args.kills])
            stop(worker)
            figures["kill_test"] = kill_test(base, token, env, receiver, hit_bodies[args.kills :], args.kills)
            figures["bad_signatures"] = receiver.bad_signatures
        finally:
            stop(worker)
            server.terminate()
            server.wait(timeout=30)

    db = Database(url)
    with db.transaction() as conn:
        figures["outbox_pending_at_end"] = outbox.pending_count(conn)
    db.dispose()
    figures["profile_single_check"] = profile_one(url, "OTHER-NCB", singles[0], index_dir)
    text = json.dumps(figures, indent=2, ensure_ascii=False)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"screening-{args.documents}-{args.persons}-{figures['database']}.txt").write_text(text + "\n")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
