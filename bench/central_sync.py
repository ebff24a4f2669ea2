"""Benchmark: 2,000 stations polling their manifests with If-None-Match against gunicorn on loopback.

Prints requests/s and p99 latency for the conditional manifest GET (answered 304) and, as the base,
for a trivial endpoint (``GET /api/v1/health``) on the same server. Goals on a 2-core machine:
≥ 1,000 replies 304/s, and at least half the trivial endpoint's rate.

    python bench/central_sync.py [--stations 2000] [--seconds 10] [--workers 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(data_dir: Path, database_url: str | None, stations: int) -> list[str]:
    """A central with one province, communes, ``stations`` enrolled stations and a scheduled bulletin."""
    from central import create_app
    from central.auth import hash_token, new_token
    from central.cli import initialise
    from central.db import database
    from central.models import Area, Bulletin, Schedule, ScheduleTarget, Station, User
    from central.services import assets

    cfg = {"DATA_DIR": str(data_dir)}
    if database_url:
        cfg["DATABASE_URL"] = database_url
    app = create_app(cfg)
    initialise(app)
    tokens = [new_token() for _ in range(stations)]
    with database.connection_context(), database.atomic():
        province = Area.create(code="BENCH", name="Tỉnh thử", level="province")
        communes = [Area.create(code=f"BENCH-{i:03d}", name=f"Xã {i}", parent=province) for i in range(100)]
        rows = [{"area": communes[i % 100].id, "name": f"Đài {i}", "token_hash": hash_token(t)}
                for i, t in enumerate(tokens)]
        for start in range(0, len(rows), 500):
            Station.insert_many(rows[start:start + 500]).execute()
        author = User.create(name="bench", password_hash="-", role="editor")
        asset = assets.save_bytes(data_dir, os.urandom(200_000), duration_ms=60_000, codec="opus",
                                  mime="audio/ogg")
        bulletin = Bulletin.create(title="Bản tin phòng, chống ma túy", author=author, status="approved",
                                   asset=asset)
        schedule = Schedule.create(bulletin=bulletin, dtstart=datetime(2026, 12, 1, 6, 30),
                                   rrule="FREQ=DAILY", status="approved")
        ScheduleTarget.create(schedule=schedule, area=province)
    database.close()
    return tokens


def start_server(data_dir: Path, database_url: str | None, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "LOA_DATA_DIR": str(data_dir)}
    if database_url:
        env["DATABASE_URL"] = database_url
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
           "central:create_app()"]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not come up")


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], float]:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), time.perf_counter() - t0


def _raw_request(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _raw_get(port: int, request: bytes) -> tuple[int, float]:
    """One request on a fresh connection with prebuilt bytes: a client light enough not to be the bottleneck."""
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head = b"".join(chunks)
    return int(head[9:12]), time.perf_counter() - t0


def _client(port: int, jobs: list[tuple[str, dict[str, str]]], seconds: float, threads: int,
            out: mp.Queue) -> None:
    """One load process: ``threads`` threads cycling through ``jobs`` until time is up."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    requests = [_raw_request(path, headers) for path, headers in jobs]
    stop = time.perf_counter() + seconds

    def loop(offset: int) -> None:
        mine, i = [], offset
        while time.perf_counter() < stop:
            mine.append(_raw_get(port, requests[i % len(requests)]))
            i += threads
        with lock:
            results.extend(mine)

    pool = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put(results)


def load(port: int, jobs: list[tuple[str, dict[str, str]]], seconds: float, procs: int,
         threads: int) -> tuple[float, float, dict[int, int]]:
    """Requests/s, p99 seconds and status counts over ``procs`` × ``threads`` concurrent clients."""
    out: mp.Queue = mp.Queue()
    slices = [jobs[n::procs] or jobs for n in range(procs)]
    workers = [mp.Process(target=_client, args=(port, s, seconds, threads, out)) for s in slices]
    for w in workers:
        w.start()
    results = [r for _ in workers for r in out.get()]
    for w in workers:
        w.join()
    took = sorted(t for _, t in results)
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    p99 = took[int(len(took) * 0.99) - 1] if took else float("nan")
    return len(results) / seconds, p99, statuses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    ap.add_argument("--procs", type=int, default=2, help="load-generator processes")
    ap.add_argument("--threads", type=int, default=4, help="threads per load-generator process")
    ap.add_argument("--database-url", default=None,
                    help="a PostgreSQL server (a throwaway schema is used); default: SQLite in a temp dir")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="loa-bench-sync-"))
    port = free_port()
    try:
        with postgres_schema(args.database_url) if args.database_url else nullcontext(None) as url:
            tokens = prepare(tmp, url, args.stations)
            server = start_server(tmp, url, port, args.workers)
            try:
                run(port, tokens, args)
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A throwaway schema on the server named by ``base``; the URL selects it via search_path."""
    import uuid

    import psycopg2

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(base)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


def run(port: int, tokens: list[str], args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    jobs = []
    for token in tokens:  # each station's first sync: a full, signed manifest
        auth = {"Authorization": f"Bearer {token}"}
        status, headers, _ = _get(port, "/api/v1/station/manifest", auth)
        assert status == 200, status
        jobs.append(("/api/v1/station/manifest", {**auth, "If-None-Match": headers["ETag"]}))
    first = time.perf_counter() - t0
    print(f"machine: {os.cpu_count()} cores; gunicorn {args.workers} sync workers; "
          f"load {args.procs} procs x {args.threads} threads; {len(tokens)} stations; "
          f"db {'SQLite' if not args.database_url else 'PostgreSQL'}")
    print(f"first syncs (200, built + signed): {len(tokens) / first:8.0f} req/s")
    rate, p99, statuses = load(port, jobs, args.seconds, args.procs, args.threads)
    base_rate, base_p99, base_statuses = load(port, [("/api/v1/health", {})], args.seconds, args.procs,
                                              args.threads)
    print(f"conditional manifest GET:          {rate:8.0f} req/s  p99 {p99 * 1000:6.1f} ms  {statuses}")
    print(f"trivial endpoint (/api/v1/health): {base_rate:8.0f} req/s  p99 {base_p99 * 1000:6.1f} ms  "
          f"{base_statuses}")
    print(f"ratio: {rate / base_rate:.2f} (goal >= 0.5); 304/s goal >= 1000: "
          f"{'met' if statuses.get(304, 0) / args.seconds >= 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
