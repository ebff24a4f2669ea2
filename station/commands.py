"""What people and the central ask of the player loop, and how the loop does it.

A command comes from the station's local page (play a cached bulletin, the operator's own
recording, stop), from the push channel (a verified emergency order, ``station/orders.py``) or from
the live desk (``station/live.py``). The loop's thread takes them in order (``PlayerLoop.command``
only queues) and calls ``do``. An operator's play suspends the programme, which resumes after it;
nothing an operator does cuts an emergency. A stale emergency start is logged missed, never played;
an emergency stop ends the emergency sounding and any of its slots still waiting for their audio.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playlists.model import Priority, SlotStatus, slot_id
from playlists.orders import EmergencyOrder
from playlists.words import PlayStatus, Reason

from .bookkeeping import play_fields, slot_row
from .orders import keep_active, schedule_id_of
from .playing import interrupt, launch
from .store import PLAYING

if TYPE_CHECKING:
    from .loop import PlayerLoop

log = logging.getLogger(__name__)

LOCAL_HOLD = timedelta(minutes=10)  # a local file of unknown length holds the schedule this long at most


class CommandKind(enum.StrEnum):
    """What a person (the local page) or the push channel asks the loop to do."""

    PLAY = "play"  # a cached bulletin, now
    LOCAL = "local"  # the operator's own recording
    STOP = "stop"
    LIVE = "live"  # live announcements from the central (``extra["lives"]``, station.live)
    EMERGENCY = "emergency"  # a verified emergency order (``extra["order"]``)


@dataclass
class Command:
    kind: str  # a CommandKind
    bulletin_id: int | None = None
    path: Path | None = None
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def do(loop: PlayerLoop, cmd: Command, now: datetime) -> None:
    """Carry out one command, on the loop's thread."""
    if cmd.kind == CommandKind.EMERGENCY:
        _emergency(loop, cmd.extra["order"], now)
        return
    if cmd.kind == CommandKind.LIVE and loop.live is not None:
        loop.live.offer(cmd.extra["lives"], cmd.extra["started"])
        loop.live.step(loop, now)
        return
    if cmd.kind == CommandKind.STOP:
        if loop.running is not None and loop.running.priority != Priority.EMERGENCY:
            interrupt(loop, now, Reason.OPERATOR_STOP, end_slot=True)
        return
    if loop.running is not None and loop.running.priority == Priority.EMERGENCY:
        log.warning("operator play refused: an emergency is playing")
        return
    if loop.running is not None:  # the programme is suspended, and resumes after the operator's item
        interrupt(loop, now, Reason.OPERATOR_PLAY, end_slot=False)
    if cmd.kind == CommandKind.PLAY and cmd.bulletin_id is not None:
        _play_bulletin_now(loop, cmd.bulletin_id, now)
    elif cmd.kind == CommandKind.LOCAL and cmd.path is not None:
        sha = cmd.extra.get("sha256")
        fields = play_fields(loop, None, 0, None, sha, PLAYING, Reason.LOCAL_ANNOUNCEMENT, now, started=now)
        fields["title"] = cmd.title
        play_id = loop.journal.start_play(fields)
        loop.local_until = now + LOCAL_HOLD
        launch(loop, play_id, None, None, 0, cmd.path, cmd.title, 0, Priority.NORMAL, ok_status=PlayStatus.LOCAL,
               sha=sha)


def _emergency(loop: PlayerLoop, order: EmergencyOrder, now: datetime) -> None:
    """A verified order: a start becomes an emergency schedule now; a stop ends that emergency."""
    key = slot_id(schedule_id_of(order), order.planned_start)
    if order.action == "start" and order.is_stale(now):
        if key not in loop.states:
            row = {"slot_id": key, "schedule_id": schedule_id_of(order), "planned_start": order.planned_start,
                   "started_at": None}
            fields = play_fields(loop, None, 0, order.bulletin_id, order.asset_sha256, PlayStatus.MISSED,
                                 Reason.STALE, now)
            fields.update(slot_id=key, schedule_id=row["schedule_id"], planned_start=order.planned_start,
                          title=order.title, priority=Priority.EMERGENCY.value)
            loop.journal.settle_slot(row, SlotStatus.MISSED, Reason.STALE, None, [fields])
        log.warning("emergency order %s came after its play-by time: logged missed (stale)", order.order_id)
        return
    if order.action == "start":
        loop.emergencies[order.order_id] = order
    else:
        _stop_emergency(loop, order, now)
    loop.journal.put(emergency_orders=[o.to_wire() for o in keep_active(loop.emergencies.values(), now)])
    loop.refresh()


def _stop_emergency(loop: PlayerLoop, order: EmergencyOrder, now: datetime) -> None:
    ended = [o for o in loop.emergencies.values() if order.stops in (None, o.order_id)]
    schedules = {schedule_id_of(o) for o in ended} | ({order.schedule_id} if order.schedule_id else set())
    for o in ended:
        loop.emergencies.pop(o.order_id, None)
    r = loop.running
    if r is not None and r.priority == Priority.EMERGENCY and r.slot is not None and (
            order.stops is None or r.slot.schedule_id in schedules):
        interrupt(loop, now, Reason.EMERGENCY_STOP, end_slot=True)
    for s in loop.slots:  # not started yet (waiting for its audio): it must not start any more
        if s.schedule_id in schedules and s.id not in loop.states and not loop.running_slot(s.id):
            loop.journal.settle_slot(slot_row(s, None), SlotStatus.SKIPPED, Reason.EMERGENCY_STOP, None, [])


def _play_bulletin_now(loop: PlayerLoop, bulletin_id: int, now: datetime) -> None:
    b = loop.content.bulletins.get(bulletin_id) if loop.content else None
    path = loop.cache.verified(b.asset_sha256) if b else None
    if b is None or path is None or not b.valid_at(now):
        log.warning("bulletin %s is not a cached, approved, valid bulletin; not played", bulletin_id)
        return
    fields = play_fields(loop, None, 0, b.id, b.asset_sha256, PLAYING, Reason.OPERATOR_PLAY, now, started=now)
    play_id = loop.journal.start_play(fields)
    loop.local_until = now + timedelta(milliseconds=b.duration_ms)
    launch(loop, play_id, None, None, 0, path, b.title, b.duration_ms, Priority.NORMAL,
           sha=b.asset_sha256, bulletin=b.id)
