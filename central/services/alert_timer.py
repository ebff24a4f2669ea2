"""The alert timer: every ``alert_interval_s`` one process runs the checks and sends what is due.

Any number of processes may run the timer (each gunicorn worker with ``LOA_ALERTS_TIMER=1``, ``central
run``, ``central alerts``): a round first takes the database lease "alerts" (``services.lease``), so
only one process does a round at a time, and the others skip it. The interval chore uses the
``schedule`` library, which reads the wall clock itself and does not run missed jobs: a round late by a
few seconds is harmless, and every decision inside it takes ``now`` explicitly.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime
from typing import Any

import schedule
from flask import Flask

from ..config import Settings, settings
from ..db import database
from . import alert_send, alerts, lease

log = logging.getLogger(__name__)

LEASE = "alerts"
_HOLDERS: dict[int, str] = {}


def holder() -> str:
    """This process as a lease holder: host, pid and a random part (a forked worker is another holder)."""
    pid = os.getpid()
    if pid not in _HOLDERS:
        _HOLDERS[pid] = f"{socket.gethostname()[:30]}:{pid}:{uuid.uuid4().hex[:6]}"
    return _HOLDERS[pid]


def tick(cfg: Settings, now: datetime | None = None, name: str | None = None) -> dict[str, Any] | None:
    """One round under the lease: checks, then deliveries. None if another process holds the lease."""
    me = name or holder()
    ttl = max(120.0, 3 * cfg.alert_interval_s)  # long enough for a slow SMTP server; renewed between steps
    with database.connection_context():
        if not lease.acquire(LEASE, me, ttl, now):
            return None
        try:
            log.info("alerts: round by %s", me)
            changed = alerts.run_checks(cfg, now)
            lease.acquire(LEASE, me, ttl)
            sent = alert_send.deliver(cfg, now)
        finally:
            lease.release(LEASE, me)
    return {**changed, **sent}


class Timer:
    """A daemon thread running ``tick`` every interval until ``stop``."""

    def __init__(self, cfg: Settings) -> None:
        self.cfg = cfg
        self.stopped = threading.Event()
        self.scheduler = schedule.Scheduler()
        self.scheduler.every(cfg.alert_interval_s).seconds.do(self._round)  # type: ignore[arg-type]  # schedule takes float intervals (its stub says int)
        self.thread = threading.Thread(target=self._loop, name="loa-alerts", daemon=True)

    def _round(self) -> None:
        try:
            tick(self.cfg)
        except Exception:  # a database hiccup or a bug in one round must not end the timer
            log.exception("alerts: the round failed")

    def _loop(self) -> None:
        self._round()  # at once, not one interval after start
        while not self.stopped.wait(min(1.0, self.cfg.alert_interval_s)):
            self.scheduler.run_pending()

    def start(self) -> Timer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)


def start(app: Flask) -> Timer:
    """Start the timer for ``app`` once per process (``create_app`` with ``alerts_timer``, ``central run``)."""
    found: Timer | None = app.extensions.get("loa.alert_timer")
    if found is None:
        found = app.extensions["loa.alert_timer"] = Timer(settings(app)).start()
    return found
