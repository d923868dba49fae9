"""Load from a separate process on loopback: wrk (C) when installed, else Python clients.

wrk (Debian's ``wrk`` package) costs the machine a small fraction of what a Python client
spends per request, so on a small machine it leaves the cores to the server being measured.
Without it the figures come from Python clients (httpx, one thread each, in a process of
their own) and say so: on two cores those clients take much of the CPU the server needs.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

_SCRIPT = """
local bodies = {}
for line in io.lines(os.getenv("KALKAN_BODIES")) do bodies[#bodies + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KALKAN_TOKEN")
request = function()
  i = i + 1
  return wrk.format(nil, nil, nil, bodies[(i % #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("KALKAN-LOAD %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Requests answered, per second, and latency percentiles in milliseconds."""

    generator: str
    requests: int
    per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "generator": self.generator,
            "requests": self.requests,
            "per_s": round(self.per_s),
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "mean_ms": round(self.mean_ms, 2),
        }


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def post_load(base: str, path: str, token: str, bodies: list[Any], clients: int, seconds: float) -> LoadResult:
    """POST ``bodies`` (in turn) to ``base + path`` from ``clients`` connections for ``seconds``."""
    if wrk_available():
        return _wrk(base + path, token, bodies, clients, seconds)
    return _python(base, path, token, bodies, clients, seconds)


def _wrk(url: str, token: str, bodies: list[Any], clients: int, seconds: float) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="kalkan-load-") as folder:
        script, lines = Path(folder) / "post.lua", Path(folder) / "bodies.jsonl"
        script.write_text(_SCRIPT)
        lines.write_text("".join(json.dumps(body, separators=(",", ":")) + "\n" for body in bodies))
        env = {**os.environ, "KALKAN_BODIES": str(lines), "KALKAN_TOKEN": token}
        command = ["wrk", "-t", "1", "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(script), url]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("KALKAN-LOAD "))
    requests, duration_us, p50, p95, p99, mean, errors = (float(x) for x in line.split()[1:])
    if errors:
        raise RuntimeError(f"{int(errors)} of {int(requests)} requests failed:\n{output}")
    return LoadResult("wrk", int(requests), requests / (duration_us / 1e6), p50 / 1000, p95 / 1000, p99 / 1000, mean / 1000)


def _clients(base: str, path: str, token: str, bodies: list[Any], clients: int, seconds: float, queue: Any) -> None:
    samples: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(offset: int) -> None:
        mine = []
        # No Nagle delay: the client writes headers and body apart, and the server acknowledges late.
        transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, transport=transport) as http:
            i = offset
            while time.perf_counter() < stop:
                start = time.perf_counter()
                response = http.post(path, json=bodies[i % len(bodies)])
                mine.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(response.text)
                i += clients
        with lock:
            samples.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=client, args=(t,)) for t in range(clients)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put((samples, time.perf_counter() - started))


def _python(base: str, path: str, token: str, bodies: list[Any], clients: int, seconds: float) -> LoadResult:
    queue: Any = multiprocessing.Queue()
    process = multiprocessing.Process(target=_clients, args=(base, path, token, bodies, clients, seconds, queue))
    process.start()
    samples, elapsed = queue.get()
    process.join()
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    mean = sum(ordered) / len(ordered) * 1000
    return LoadResult("python httpx clients", len(ordered), len(ordered) / elapsed, at(0.5), at(0.95), at(0.99), mean)
