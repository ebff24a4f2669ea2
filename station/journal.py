"""The player loop's writes to the store, kept in memory while the store refuses them.

A full disk or an I/O error must not silence the loudspeaker (docs/architecture.md, rule 4) nor lose a play
log (rule 2). A write the store refuses is queued here, in order, with the play's UUID made by the
loop; the queue is written as soon as the store accepts writes again (every loop step and every
sync pass try). The store inserts a play idempotently by its UUID, so a replayed write is never
counted twice. While writes wait, the slot states they carry are laid over the store's history,
so the timeline never plays a finished item again.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

import peewee as pw

from .store import PLAYING, SlotState, Store, iso

log = logging.getLogger(__name__)

RETRY_S = 5.0  # a write right after a refused one is queued without trying (a start must not wait)


def storage_failure(exc: BaseException) -> bool:
    """A store error that retrying later may fix (disk full, I/O error, locked), not a bug."""
    return isinstance(exc, pw.DatabaseError) and not isinstance(exc, pw.IntegrityError)


def _text(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()}


class WriteJournal:
    """The loop's store writes: straight through when the store works, queued in memory when not."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.RLock()
        self._pending: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self._slots: dict[str, dict[str, Any]] = {}  # slot states the queued writes carry
        self.error: str | None = None  # the storage error, while writes wait
        self._failed_at = float("-inf")  # monotonic time of the last refused write

    @property
    def pending(self) -> int:
        return len(self._pending)

    # --- the writes the loop makes -------------------------------------------------------------

    def begin_item(self, slot: dict[str, Any], index: int, play: dict[str, Any] | None) -> str | None:
        self._write("begin_item", (slot, index, play), slot, status=PLAYING, next_item=index)
        return play["id"] if play is not None else None

    def end_item(self, play_id: str | None, status: str, reason: str | None, ended_at: datetime,
                 started_at: datetime | None, slot_id: str | None, next_item: int, interrupted: bool = False,
                 sound: dict[str, Any] | None = None, relay: dict[str, Any] | None = None) -> None:
        upd: dict[str, Any] = {"next_item": next_item, "ended_at": ended_at}
        if interrupted:
            upd["interrupted"] = True
        self._write("end_item", (play_id, status, reason, ended_at, started_at, slot_id, next_item, interrupted,
                                 sound, relay),
                    {"slot_id": slot_id} if slot_id is not None else None, **upd)

    def settle_slot(self, slot: dict[str, Any], status: str, reason: str | None, ended_at: datetime | None,
                    plays: list[dict[str, Any]]) -> None:
        self._write("settle_slot", (slot, status, reason, ended_at, plays), slot,
                    status=status, reason=reason, ended_at=ended_at)

    def start_play(self, fields: dict[str, Any]) -> str:
        self._write("start_play", (), None, kwargs=fields)
        return str(fields["id"])

    def _write(self, name: str, args: tuple[Any, ...], slot: dict[str, Any] | None,
               kwargs: dict[str, Any] | None = None, **state: Any) -> None:
        call = (name, args, kwargs or {})
        with self._lock:
            if self._pending and time.monotonic() - self._failed_at < RETRY_S or not self.flush():
                self._queue(call, slot, state, None)
                return
            try:
                getattr(self.store, name)(*args, **call[2])
            except Exception as exc:
                if not storage_failure(exc):
                    raise
                self._queue(call, slot, state, exc)

    def _queue(self, call: tuple[str, tuple[Any, ...], dict[str, Any]], slot: dict[str, Any] | None,
               state: dict[str, Any], exc: BaseException | None) -> None:
        if exc is not None:
            self.error = f"cannot write to the local store: {exc}"
            self._failed_at = time.monotonic()
        self._pending.append(call)
        if slot is not None:
            shadow = self._slots.setdefault(slot["slot_id"], {})
            for k, v in _text(slot).items():
                shadow.setdefault(k, v)
            shadow.update(_text(state))
        log.error("STORAGE FAILURE (%s): playing on; %d write(s) incl. play logs kept in memory until the "
                  "store accepts writes again", self.error, len(self._pending))

    def flush(self) -> bool:
        """Write what waits, in order; True when nothing waits any more."""
        with self._lock:
            if not self._pending:
                return True
            while self._pending:
                name, args, kwargs = self._pending[0]
                try:
                    getattr(self.store, name)(*args, **kwargs)
                except Exception as exc:
                    if not storage_failure(exc):
                        raise
                    self.error = f"cannot write to the local store: {exc}"
                    self._failed_at = time.monotonic()
                    return False
                self._pending.pop(0)
            self._slots.clear()
            log.warning("the local store accepts writes again; the play logs kept in memory are saved")
            self.error = None
            return True

    # --- reads that must see the queued writes ---------------------------------------------------

    def history(self, since: datetime) -> list[SlotState]:
        with self._lock:  # read and overlay as one: a flush in between would hide a queued slot state
            rows = self.store.history(since)
            if not self._slots:
                return rows
            shadow = {k: dict(v) for k, v in self._slots.items()}
        for r in rows:
            for k, v in shadow.pop(r.slot_id, {}).items():
                setattr(r, k, v)
        for fields in shadow.values():
            if "schedule_id" in fields and fields.get("planned_start", "") >= iso(since):
                rows.append(SlotState(**fields))
        return rows

    def put(self, **values: Any) -> None:
        """A best-effort setting (no play log in it): dropped, not queued, if the store refuses it."""
        try:
            self.store.put(**values)
        except Exception as exc:
            if not storage_failure(exc):
                raise
            log.warning("could not save %s: %s", ", ".join(values), exc)
