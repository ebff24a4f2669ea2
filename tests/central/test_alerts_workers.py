"""Two gunicorn workers both run the alert timer on one database: every notice goes out exactly once."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from central.alert_models import Lease
from central.db import database
from central.models import Station, utcnow
from central.services import alerts
from tests.processes import free_port

from .alerting import Receiver, smtp_server, webhook_receiver

SECRET = "khóa-webhook"




def _holders_until(count: int, proc: subprocess.Popen, timeout: float = 180) -> set[str]:
    """Lease holders seen (each a worker that did a round) until ``count`` distinct ones."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        assert proc.poll() is None, "gunicorn exited"
        assert time.monotonic() < deadline, f"only {seen} took the lease within {timeout:.0f} s"
        with database.connection_context():
            row = Lease.get_or_none(Lease.name == "alerts")
        if row is not None and row.holder:
            seen.add(row.holder)
        time.sleep(0.05)
    return seen


def test_two_workers_send_each_alert_once(app, tree, make_user, station_factory):
    problems = []
    for i in range(4):
        station, _ = station_factory(tree["C1" if i % 2 else "C2"], f"Đài thôn {i + 1}")
        problems.append(station)
    Station.update(last_seen=utcnow() - timedelta(hours=3)).where(Station.id.in_([s.id for s in problems])).execute()
    boss, _ = make_user("admin", name="lanh-dao-huyen")
    alerts.set_email(boss, "lanhdao@huyen.vn")
    alerts.subscribe(boss, None, "offline", "immediate")
    database.close()
    receiver = Receiver(SECRET)
    with smtp_server() as (inbox, smtp_port), webhook_receiver(receiver) as hook:
        port = free_port()
        env = {**os.environ, "LOA_DATA_DIR": str(app.config["DATA_DIR"]), "DATABASE_URL": app.config["DATABASE_URL"],
               "LOA_SECRET_KEY": "test-secret", "LOA_ALERTS_TIMER": "1", "LOA_ALERT_INTERVAL_S": "0.3",
               "LOA_SMTP_HOST": "127.0.0.1", "LOA_SMTP_PORT": str(smtp_port), "LOA_SMTP_SECURITY": "none",
               "LOA_WEBHOOK_URL": hook, "LOA_WEBHOOK_SECRET": SECRET}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                 "central:create_app()"], env=env, cwd=Path(__file__).resolve().parents[2])
        try:
            holders = _holders_until(2, proc)  # both workers ran rounds on their own timers
            pids = {int(h.split(":")[1]) for h in holders}
            assert proc.pid not in pids and len(pids) == 2
            inbox.wait_for(1)
            deadline = time.monotonic() + 120
            while len(receiver.accepted) < len(problems):
                assert time.monotonic() < deadline, f"{len(receiver.accepted)} webhook posts arrived"
                time.sleep(0.1)
            _holders_until(2, proc)  # and both keep running rounds after the notices went out
            requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=10).raise_for_status()
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    posts = collections.Counter(a["json"]["delivery"] for a in receiver.accepted)
    assert len(posts) == len(problems) and set(posts.values()) == {1}, posts
    titles = collections.Counter(line for m in inbox.mails for line in m.get_content().splitlines()
                                 if line.startswith("CẢNH BÁO: "))
    assert len(titles) == len(problems) and set(titles.values()) == {1}, titles
    assert all(m["To"] == "lanhdao@huyen.vn" for m in inbox.mails)


@pytest.mark.postgres
def test_two_central_alerts_processes_on_postgresql_send_each_alert_once(app, tree, make_user, station_factory):
    station, _ = station_factory(tree["C1"], "Đài xã Đắk Môl")
    Station.update(last_seen=utcnow() - timedelta(hours=3), clock_trusted=False).where(
        Station.id == station.id).execute()  # two problems: off line, clock untrusted
    database.close()
    receiver = Receiver(SECRET)
    with webhook_receiver(receiver) as hook:
        env = {**os.environ, "LOA_DATA_DIR": str(app.config["DATA_DIR"]), "DATABASE_URL": app.config["DATABASE_URL"],
               "LOA_SECRET_KEY": "test-secret", "LOA_ALERT_INTERVAL_S": "0.3", "LOA_WEBHOOK_URL": hook,
               "LOA_WEBHOOK_SECRET": SECRET}
        central = Path(sys.executable).with_name("central")
        procs = [subprocess.Popen([str(central), "alerts"], env=env) for _ in range(2)]
        try:
            holders: set[str] = set()
            for p in procs:
                holders |= _holders_until(2, p)
            assert {int(h.split(":")[1]) for h in holders} >= {p.pid for p in procs}
            deadline = time.monotonic() + 120
            while len(receiver.accepted) < 2:
                assert time.monotonic() < deadline, f"{len(receiver.accepted)} webhook posts arrived"
                time.sleep(0.1)
            _holders_until(2, procs[0])
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                assert p.wait(timeout=60) == 0  # SIGTERM stops the timer cleanly
    posts = collections.Counter(a["json"]["delivery"] for a in receiver.accepted)
    assert len(posts) == 2 and set(posts.values()) == {1}, posts
    assert {a["json"]["alert"]["kind"] for a in receiver.accepted} == {"offline", "clock"}


def test_central_run_runs_the_alert_timer(app, tree, station_factory):
    """`central run` (and so `make run`) does alert rounds in its own process."""
    database.close()
    port = free_port()
    env = {**os.environ, "LOA_DATA_DIR": str(app.config["DATA_DIR"]), "DATABASE_URL": app.config["DATABASE_URL"],
           "LOA_SECRET_KEY": "test-secret", "LOA_ALERT_INTERVAL_S": "0.3"}
    central = Path(sys.executable).with_name("central")
    proc = subprocess.Popen([str(central), "run", "--port", str(port)], env=env)
    try:
        (holder,) = _holders_until(1, proc)
        assert int(holder.split(":")[1]) == proc.pid
    finally:
        proc.terminate()
        assert proc.wait(timeout=60) == 0
