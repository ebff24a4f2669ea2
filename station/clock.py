"""The agent's idea of real time: the system clock corrected by the offset learnt from the central.

A Pi without a real-time clock may boot hours or years off. After one good sync the agent plays at
the right real time anyway (system time + offset) and reports ``clock_trusted=false`` until the
system clock itself agrees with the central within a threshold. Before any sync it plays by its own
clock and says so (``synced`` is false, so it is not trusted either).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

SystemTime = Callable[[], datetime]

_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def system_time(skew_s: float = 0.0) -> SystemTime:
    """The real system clock (UTC), shifted by ``skew_s`` seconds (tests simulate a wrong clock)."""
    skew = timedelta(seconds=skew_s)

    def now() -> datetime:
        return datetime.now(UTC) + skew

    return now


def boot_id() -> str:
    """An id of this boot; an offset measured in another boot says nothing about this one."""
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return "unknown"


class Clock:
    """System time plus the offset measured against the central's ``X-Loa-Server-Time``."""

    def __init__(self, system: SystemTime, trust_threshold_s: float = 2.0) -> None:
        self._system = system
        self._threshold_ms = int(trust_threshold_s * 1000)
        self._lock = threading.Lock()
        self._offset_ms = 0
        self._synced = False

    def system_now(self) -> datetime:
        return self._system()

    def now(self) -> datetime:
        """Best estimate of real UTC time."""
        with self._lock:
            off = self._offset_ms
        return self._system() + timedelta(milliseconds=off)

    @property
    def offset_ms(self) -> int:
        with self._lock:
            return self._offset_ms

    @property
    def synced(self) -> bool:
        with self._lock:
            return self._synced

    @property
    def trusted(self) -> bool:
        """True once a sync has shown the system clock within the threshold of the central's."""
        with self._lock:
            return self._synced and abs(self._offset_ms) <= self._threshold_ms

    def observe(self, server_time: datetime, sent: datetime, received: datetime) -> int:
        """Learn the offset from one reply: server time minus the request's midpoint (system time).

        A difference within the measurement's own uncertainty (half the round trip, plus the
        server's millisecond rounding) is no evidence of skew: the clocks agree, the offset is 0.
        """
        midpoint = sent + (received - sent) / 2
        offset = int((server_time - midpoint) / timedelta(milliseconds=1))
        uncertainty = (received - sent) / timedelta(milliseconds=1) / 2 + 5
        if abs(offset) <= uncertainty:
            offset = 0
        with self._lock:
            self._offset_ms = offset
            self._synced = True
        return offset

    def restore(self, offset_ms: int, measured_boot: str) -> bool:
        """Reuse an offset saved earlier, but only if it was measured during this same boot."""
        if measured_boot != boot_id() or measured_boot == "unknown":
            return False
        with self._lock:
            self._offset_ms = offset_ms
            self._synced = True
        return True

    def snapshot(self) -> dict[str, object]:
        return {"offset_ms": self.offset_ms, "trusted": self.trusted, "synced": self.synced}
