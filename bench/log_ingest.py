"""Benchmark: play-log ingest through gunicorn on loopback, in batches of 500, on SQLite and PostgreSQL.

Several simulated stations post batches of fresh logs at once; prints logs/s (goal ≥ 5,000 on a
2-core machine) and the re-send rate (the same batches again, all duplicates).

    python bench/log_ingest.py [--batches 40] [--postgres postgresql://loa:loa@127.0.0.1:5432/loa_test]

PostgreSQL is used when ``--postgres`` or ``LOA_TEST_POSTGRES_URL`` names a server (a throwaway schema
is created and dropped).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from central_sync import free_port, postgres_schema, start_server  # noqa: E402

BATCH = 500


def prepare(data_dir: Path, database_url: str | None, stations: int) -> list[str]:
    from central import create_app
    from central.auth import hash_token, new_token
    from central.cli import initialise
    from central.db import close_pool, database
    from central.models import Area, Station

    app = create_app({"DATA_DIR": str(data_dir), **({"DATABASE_URL": database_url} if database_url else {})})
    initialise(app)
    tokens = [new_token() for _ in range(stations)]
    with database.connection_context():
        area = Area.create(code="LOG", name="Xã thử", level="commune")
        for t in tokens:
            Station.create(area=area, name="Đài", token_hash=hash_token(t))
    close_pool()
    return tokens


def batch(n: int) -> bytes:
    start = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    logs = []
    for i in range(n):
        t = start + timedelta(minutes=i)
        logs.append({"id": str(uuid.uuid4()), "slot_id": f"7@{t:%Y%m%dT%H%M%SZ}", "schedule_id": 7,
                     "bulletin_id": 3, "asset_sha256": "b" * 64, "planned_start": t.isoformat(),
                     "started_at": t.isoformat(), "ended_at": (t + timedelta(seconds=60)).isoformat(),
                     "status": "completed", "reason": None, "clock_trusted": True, "clock_offset_ms": 40})
    return json.dumps({"logs": logs}).encode()


def post_all(url: str, jobs: list[tuple[str, bytes]], concurrency: int) -> tuple[float, int, int]:
    """Post every (token, body); returns (seconds, accepted, duplicates)."""
    def send(job: tuple[str, bytes]) -> dict[str, int]:
        token, body = job
        reply = requests.post(f"{url}/api/v1/station/play-logs", data=body, timeout=120,
                              headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        reply.raise_for_status()
        return reply.json()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        replies = list(pool.map(send, jobs))
    took = time.perf_counter() - t0
    return took, sum(r["accepted"] for r in replies), sum(r["duplicates"] for r in replies)


def bench(label: str, database_url: str | None, args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="loa-bench-logs-"))
    port = free_port()
    try:
        tokens = prepare(tmp, database_url, args.stations)
        server = start_server(tmp, database_url, port, args.workers)
        try:
            jobs = [(tokens[i % len(tokens)], batch(BATCH)) for i in range(args.batches)]
            url = f"http://127.0.0.1:{port}"
            took, accepted, dups = post_all(url, jobs, args.concurrency)
            assert accepted == BATCH * args.batches and dups == 0, (accepted, dups)
            print(f"{label:10s} new logs:  {accepted / took:8.0f} logs/s  ({args.batches} batches of {BATCH}, "
                  f"{took:.2f} s)")
            took, accepted, dups = post_all(url, jobs, args.concurrency)
            assert accepted == 0 and dups == BATCH * args.batches, (accepted, dups)
            print(f"{label:10s} re-sends:  {dups / took:8.0f} logs/s  (all counted as duplicates)")
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=100)
    ap.add_argument("--stations", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    ap.add_argument("--postgres", default=os.environ.get("LOA_TEST_POSTGRES_URL"))
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores; gunicorn {args.workers} sync workers; "
          f"{args.concurrency} concurrent senders")
    bench("SQLite", None, args)
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            bench("PostgreSQL", url, args)
    else:
        print("PostgreSQL: skipped (no --postgres and no LOA_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
