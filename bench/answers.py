"""Benchmark: a big operator API listing answered through the ``central.shapes`` models.

Fills a throwaway SQLite file with N approved bulletins (each with its audio row and a category)
and N audit rows, then times ``GET /api/v1/bulletins`` (every row) and ``GET /api/v1/audit?limit=1000`` (best of
three, first call included in the figure printed as ``first``), and prints each answer's size and a
digest of its bytes with the times masked (the rows' times are the run's own), so two trees' answers
can be compared byte for byte.

    python bench/answers.py            # 5,000 rows each
    python bench/answers.py --rows 20000
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fill(rows: int, data: Path) -> tuple[object, str]:
    """The app on a SQLite file in ``data`` with ``rows`` bulletins and audit rows; an admin's token."""
    from central import create_app
    from central.cli import initialise
    from central.db import database
    from central.models import Asset, AuditLog, Bulletin, Category
    from central.services import users

    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": f"sqlite:///{data / 'c.sqlite3'}",
                      "SECRET_KEY": "bench"})
    initialise(app)
    with app.app_context(), database.connection_context():
        admin, _ = users.create(None, "bench-admin", "admin", None, password="mật-khẩu-bench-1")
        _, token = users.create_token(None, admin, "bench")
        cat = Category.select().first()
        with database.atomic():
            Asset.insert_many([{"sha256": f"{n:064x}", "size": 40_000 + n, "duration_ms": 30_000,
                                "loudness_lufs": -16.2} for n in range(rows)]).execute()
            for start in range(0, rows, 500):
                Bulletin.insert_many([
                    {"title": f"Bản tin phòng, chống ma túy số {n}", "status": "approved", "author": admin,
                     "approver": admin, "category": cat, "asset": f"{n:064x}", "text": "Kính thưa bà con"}
                    for n in range(start, min(rows, start + 500))]).execute()
                AuditLog.insert_many([
                    {"action": "bulletin.approve", "actor": admin, "object_type": "bulletin",
                     "object_id": str(n), "detail": {"n": n}}
                    for n in range(start, min(rows, start + 500))]).execute()
    return app, token


def timed(client: object, path: str, token: str) -> tuple[float, float, bytes]:
    """First call and best of three (seconds), and the answer's bytes."""
    runs, body = [], b""
    for _ in range(4):
        t0 = time.perf_counter()
        reply = client.get(path, headers={"Authorization": f"Bearer {token}"})  # type: ignore[attr-defined]
        runs.append(time.perf_counter() - t0)
        assert reply.status_code == 200, reply.data[:300]
        body = reply.data
    return runs[0], min(runs[1:]), body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="loa-bench-answers-") as tmp:
        app, token = fill(args.rows, Path(tmp))
        client = app.test_client()  # type: ignore[attr-defined]
        for path in ("/api/v1/bulletins", f"/api/v1/audit?limit={min(args.rows, 1000)}"):
            first, best, body = timed(client, path, token)
            masked = re.sub(rb'"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[+0-9:Z]*"', b'"T"', body)
            digest = hashlib.sha256(masked).hexdigest()[:16]
            print(f"{path}: first {first:.3f} s, best of 3 {best:.3f} s, {len(body)} bytes, digest {digest}")


if __name__ == "__main__":
    main()
