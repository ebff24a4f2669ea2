"""What the player loop writes about slots: play-log rows, final statuses, lateness and waiting.

Architecture.md, rule 2: every play log's row is built here (``play_fields``) with a UUID made on
the station before any write, so a write the store refused and the journal replays later keeps it.
``settle`` gives a slot its final status once its fate is sealed: an occurrence that could not start
within its grace is logged missed (or skipped) with the timeline's reason, one per item it would
have played; a slot that ended is closed completed or interrupted. An occurrence before the
station's first manifest is not the station's to account for, unless it was waited for.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from playlists.model import ItemKind, Priority, Slot, SlotStatus, describe_reason
from playlists.words import Reason

from .store import PLAYING, SlotState

if TYPE_CHECKING:
    from .loop import PlayerLoop

log = logging.getLogger(__name__)

LATE_NOTE = timedelta(seconds=1)  # a slot starting later than this says so (and by how much) in its log
_FINAL = {SlotStatus.COMPLETED, SlotStatus.INTERRUPTED, SlotStatus.MISSED, SlotStatus.SKIPPED}


def play_fields(loop: PlayerLoop, s: Slot | None, index: int, bulletin: int | None, sha: str | None,
                status: str, reason: str | None, now: datetime,
                started: datetime | None = None) -> dict[str, Any]:
    """One play log's row (item ``index`` of slot ``s``, or an unscheduled play when ``s`` is None)."""
    b = loop.content.bulletins.get(bulletin) if loop.content and bulletin is not None else None
    return {
        "id": str(uuid.uuid4()),  # made here, before any write: a write replayed later keeps it
        "slot_id": s.id if s else None, "item_index": index, "schedule_id": s.schedule_id if s else None,
        "bulletin_id": bulletin, "asset_sha256": sha, "title": b.title if b else ("chuông" if sha else ""),
        "priority": s.priority.value if s else Priority.NORMAL.value,
        "planned_start": s.planned_start if s else None, "started_at": started, "status": status,
        "reason": reason, "recorded_at": now, "clock_trusted": loop.clock.trusted,
        "clock_offset_ms": loop.clock.offset_ms,
        "sound": loop.sound.describe(loop.settings, now, loop.local_override) if started else None,
    }


def slot_row(s: Slot, started: datetime | None) -> dict[str, Any]:
    """The station's history row of slot ``s``."""
    return {"slot_id": s.id, "schedule_id": s.schedule_id, "planned_start": s.planned_start,
            "started_at": started}


def lateness(loop: PlayerLoop, s: Slot, now: datetime) -> str | None:
    """``late_asset: 21.3 s`` or ``late_start: …`` for a slot starting now, late; None if on time."""
    late = now - s.planned_start
    if s.id in loop.states or late < LATE_NOTE:
        return None
    code = Reason.LATE_ASSET if s.id in loop.waited else Reason.LATE_START
    log.warning("slot %s starts %.1f s after its planned start%s", s.id, late.total_seconds(),
                " (it waited for its audio)" if code == Reason.LATE_ASSET else "")
    return f"{code}: {late.total_seconds():.1f} s"


def note_waiting(loop: PlayerLoop, slots: Sequence[Slot], now: datetime) -> None:
    """Remember (and say once) which slots wait for their audio, to log their lateness as such."""
    ids = set()
    for s in slots:
        ids.add(s.id)
        if (s.status == SlotStatus.MISSED and s.reason == Reason.ASSET_MISSING and s.id not in loop.states
                and s.id not in loop.waited and loop.deadline_of(s) > now):
            loop.waited.add(s.id)
            log.warning("slot %s waits for its audio to be downloaded and verified (until %s)",
                        s.id, loop.deadline_of(s).isoformat(timespec="seconds"))
            loop.on_change()  # a heartbeat, which also wakes the sync thread to fetch it
    loop.waited &= ids


def settle(loop: PlayerLoop, slots: Sequence[Slot], now: datetime) -> None:
    """Give final statuses to slots whose fate is sealed, logging what they did not play."""
    seen = set()
    for s in slots:
        seen.add(s.id)
        state = loop.states.get(s.id)
        if state is not None and state.status in _FINAL:
            continue
        # before this station had any schedule, an occurrence is not the station's to account
        # for, unless it came in time to be waited for (its grace was still running)
        born = loop.birth is not None and s.planned_start >= loop.birth or s.id in loop.waited
        if state is None and born and s.status in (SlotStatus.MISSED, SlotStatus.SKIPPED):
            due = loop.deadline_of(s) if s.status == SlotStatus.MISSED else s.planned_start
            if due <= now:
                _account(loop, s, str(s.status), s.reason, now)
        elif state is not None and not loop.running_slot(s.id) and not any(i.end > now for i in s.items):
            _close(loop, state, now)
    for key, state in loop.states.items():
        if state.status == PLAYING and key not in seen and not loop.running_slot(key):
            _close(loop, state, now)


def _close(loop: PlayerLoop, state: SlotState, now: datetime) -> None:
    status = SlotStatus.INTERRUPTED if state.interrupted else SlotStatus.COMPLETED
    ended = datetime.fromisoformat(state.ended_at) if state.ended_at is not None else now
    loop.journal.settle_slot({"slot_id": state.slot_id}, status, state.reason, ended, [])
    loop.states.pop(state.slot_id, None)


def _account(loop: PlayerLoop, s: Slot, status: str, reason: str | None, now: datetime) -> None:
    sched = loop.find_schedule(s.schedule_id)
    items = list(enumerate(sched.items)) if sched is not None else []
    plays = [play_fields(loop, s, i, it.bulletin_id, it.asset_sha256 or loop.bulletin_sha(it.bulletin_id),
                         status, reason, now)
             for i, it in items if it.kind != ItemKind.PAUSE] or [
                 play_fields(loop, s, 0, None, None, status, reason, now)]
    loop.journal.settle_slot(slot_row(s, None), status, reason, None, plays)
    log.warning("slot %s %s: %s", s.id, status, describe_reason(reason, "en"))
