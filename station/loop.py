"""The player loop: plays the timeline that ``playlists`` resolves, on time, and records every play.

At each step it asks ``playlists.timeline.expand`` (with the station's history, ``busy_until=now``
and any local announcement) what should sound now, and makes it so. It wakes at the next slot
boundary (an Event wait with a timeout), woken early by a new manifest, an operator action or a
player process ending; it never polls. Each item is recorded in the store (and so in the
proof-of-play outbox) *before* its player starts. Emergency cuts whatever lower tier sounds at
once; an occurrence that cannot start within its grace is logged missed with the timeline's reason;
a slot finished or cut before a restart is never played again. A slot whose audio is not downloaded
and verified yet waits for it (the timeline holds it aside, see ``playlists.timeline``): the sync
thread wakes the loop when an asset is ready, and the slot starts then, late, if its grace allows;
a start later than ``bookkeeping.LATE_NOTE`` carries its lateness in the play log's reason.

Its parts: ``station/playing.py`` supervises the item sounding now, ``station/bookkeeping.py``
writes what happened to each slot, and ``station/commands.py`` does what people and the central ask.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from playlists.model import (
    ItemKind,
    ManifestContent,
    Priority,
    QuietHours,
    Slot,
    SlotRecord,
    SlotStatus,
    StationSettings,
    manifest_content,
)
from playlists.orders import EmergencyOrder
from playlists.timeline import EMERGENCY_MAX_LATE, current_item, deadline, next_boundary
from playlists.words import PlayStatus, Reason

from . import speaker
from .amp import AmpPower
from .assets import AssetCache
from .bookkeeping import lateness, note_waiting, play_fields, settle, slot_row
from .clock import Clock
from .commands import Command, do
from .journal import WriteJournal
from .live import LiveRun
from .monitor import SoundCheck
from .orders import load_active, merge
from .player import Player
from .playing import Running, interrupt, launch, reap
from .relay import WITHDRAWN_SOURCE, RelayPlayback, relay_start
from .speaker import SpeakerTest
from .store import PLAYING, SlotState, Store

log = logging.getLogger(__name__)

TimelineFn = Callable[
    [ManifestContent, StationSettings, datetime, datetime, Mapping[str, SlotRecord],
     datetime | None, datetime | None, frozenset[str]],
    Sequence[Slot],
]

MAX_SLEEP = timedelta(hours=1)  # a safety net only: boundaries and events wake the loop
CATCH_UP_MAX = timedelta(days=7)  # after a long power cut, account for at most this much
PREROLL_S = 0.25
STORE_RETRY = timedelta(seconds=10)  # how soon to try again writes the store refused


class PlayerLoop:
    """Everything the loop needs comes in through the constructor (see docs/architecture.md, section 1)."""

    def __init__(
        self, store: Store, cache: AssetCache, player: Player, clock: Clock, timeline: TimelineFn,
        horizon: timedelta = timedelta(hours=48), on_change: Callable[[], None] | None = None,
        sound: SoundCheck | None = None, amp: AmpPower | None = None, speaker: SpeakerTest | None = None,
    ) -> None:
        self.store, self.cache, self.player, self.clock = store, cache, player, clock
        self.sound, self.amp, self.speaker = sound or SoundCheck(player), amp, speaker
        self.local_override = False  # a volume or quiet hours set on the station's page is in force
        self.journal = WriteJournal(store)  # the loop's writes: it plays on when the store refuses them
        self.timeline = timeline
        self.horizon = horizon
        self.on_change = on_change or (lambda: None)
        self.wake = threading.Event()
        self._lock = threading.Lock()
        self._commands: deque[Command] = deque()
        self.content: ManifestContent | None = None
        self.settings = StationSettings()
        self.slots: list[Slot] = []
        self.running: Running | None = None
        self.local_until: datetime | None = None
        self.span = timedelta(hours=1)
        self._stale = True
        self.states: dict[str, SlotState] = {}  # the history rows the last expansion read
        self._audio: frozenset[str] = frozenset()  # every asset the applied manifest names
        self.waited: set[str] = set()  # slots seen waiting for their audio
        self.birth = _birth(store)
        seen = store.get("loop_seen_at")  # the last time a loop ran: account for everything since
        self.catch_up_from = datetime.fromisoformat(seen) if seen else None
        self._seen_saved: datetime | None = None
        self.emergencies: dict[str, EmergencyOrder] = load_active(store)  # signed orders (station.orders)
        self.live: LiveRun | None = None  # live announcements from the central (station.live)

    # --- called from other threads ------------------------------------------------------------

    def reload(self) -> None:
        """A new manifest or local setting: re-read it at the next step (which happens now)."""
        with self._lock:
            self._stale = True
        self.wake.set()

    def command(self, cmd: Command) -> None:
        with self._lock:
            self._commands.append(cmd)
        self.wake.set()

    def now_playing(self) -> dict[str, Any] | None:
        r = self.running
        if r is None or r.playback is None:
            return None
        return {
            "slot_id": r.slot.id if r.slot else None, "bulletin_id": r.bulletin_id, "title": r.title,
            "priority": r.priority.value, "started_at": r.started_at.isoformat(timespec="seconds"),
            "asset_sha256": r.sha256,
        }

    def playing_assets(self) -> set[str]:
        r = self.running
        return {r.sha256} if r is not None and r.sha256 else set()

    def upcoming(self, now: datetime, hours: float = 24) -> list[Slot]:
        end = now + timedelta(hours=hours)
        return [s for s in list(self.slots) if s.end >= now and s.start < end
                and s.status in (SlotStatus.PLANNED, SlotStatus.INTERRUPTED, SlotStatus.MISSED)]

    # --- the loop -----------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                wake_at = self.step()
            except Exception:  # the loop must outlive a bug in one step: it is logged and retried
                log.exception("player loop step failed")
                wake_at = self.clock.now() + timedelta(seconds=5)
            timeout = (wake_at - self.clock.now()).total_seconds()
            if timeout > 2 * PREROLL_S:  # wake a little early; step() then waits for the exact instant
                timeout -= PREROLL_S
            if timeout > 0:
                self.wake.wait(min(timeout, MAX_SLEEP.total_seconds()))
            self.wake.clear()
        self.shutdown()
        if not self.journal.flush():
            log.error("stopping with %d write(s) the local store refused; their play logs are lost",
                      self.journal.pending)

    def step(self) -> datetime:
        """Do everything due now; answer when the loop should wake next."""
        now = self.clock.now()
        self.journal.flush()
        if self._stale:
            self.refresh()
            self._drop_withdrawn(now)
        if self.live is not None:  # before _reap: a lost live stream is the live's to retry, not an end
            self.live.step(self, now)
        reap(self, now)
        self._take_commands(now)
        slots: list[Slot] = []
        for _ in range(50):  # a start that cannot happen (no audio) is logged, then we look again
            slots = self._expand(now)
            if self._cut(slots, now):
                continue
            settle(self, slots, now)
            if self.running is not None or not self._start(slots, now):
                break
        if self.running is None:
            self._speaker_test(slots, now)
        if self.running is None:
            self._preroll(slots, now)
        note_waiting(self, slots, now)
        self.slots = slots
        self._mark_seen(now)
        wake, later = self._next_wake(slots, self.clock.now()), self.clock.now()
        amp_at = self.amp.update(slots, later, self.running is not None) if self.amp is not None else None
        live_at = self.live.wake_at(later) if self.live is not None else None
        wake = min(wake, live_at) if live_at is not None else wake
        return min(wake, amp_at) if amp_at is not None and amp_at > later else wake

    def _preroll(self, slots: Sequence[Slot], now: datetime) -> None:
        """An item starts within a moment: the timeline is ready, so wait for the instant and start it.

        Resolving the timeline takes a while on a Pi; doing it before the instant keeps it out of
        the start lateness (only the store write and the process spawn remain).
        """
        b = next_boundary(slots, now)
        if b is None or b <= now or (b - now).total_seconds() > 2 * PREROLL_S:
            return
        cur = current_item(slots, b)
        if cur is None or cur[1].start != b:
            return
        if cur[1].asset_sha256:
            self.cache.verified(cur[1].asset_sha256)  # hash it now, outside the start lateness
        left = (b - self.clock.now()).total_seconds()  # resolving took some of the time already
        if left > 0:
            self.wake.wait(left)
        later = self.clock.now()
        if later >= b and not self._commands_waiting() and self._start(slots, later):
            self.wake.set()  # its audio turned out bad: look again at once

    def _speaker_test(self, slots: Sequence[Slot], now: datetime) -> None:
        """Play a requested speaker test: only when nothing sounds and no slot starts within seconds."""
        b = next_boundary(slots, now)
        if self.speaker is None or not self.speaker.due(now) or (b is not None and b - now < speaker.ROOM):
            return
        path = self.speaker.begin(now)
        if path is not None and not launch(self, None, None, None, 0, path, "Thử loa", speaker.TONE_MS,
                                           Priority.NORMAL, ok_status=speaker.STATUS):
            self.speaker.finish(PlayStatus.FAILED, Reason.PLAYER_FAILED, None, now)

    def _commands_waiting(self) -> bool:
        with self._lock:
            return bool(self._commands) or self._stale

    def _mark_seen(self, now: datetime) -> None:
        self.catch_up_from = None
        if self._seen_saved is None or now - self._seen_saved > timedelta(minutes=1):
            self.journal.put(loop_seen_at=now.isoformat())
            self._seen_saved = now

    def shutdown(self) -> None:
        """Stop the player; the play is logged interrupted and its slot is not resumed after restart."""
        if self.running is not None:
            interrupt(self, self.clock.now(), Reason.AGENT_RESTART, end_slot=True)
        if self.amp is not None:
            self.amp.close()

    def refresh(self) -> None:
        """Re-read the applied manifest and local settings."""
        with self._lock:
            self._stale = False
        applied = self.store.applied()
        self.content = merge(manifest_content(applied.manifest) if applied else None,
                             self.emergencies.values(), self.clock.now())
        self._audio = _audio(self.content)
        self.settings = self._effective_settings()
        if self.speaker is not None and applied is not None:  # a speaker test asked for on the central
            self.speaker.offer(applied.manifest.get("station", {}), self.clock.now())
        if self.birth is None and applied is not None:
            self.birth = _birth(self.store)
        if self.content is not None:
            graces = [s.grace for s in self.content.schedules]
            longest = max([EMERGENCY_MAX_LATE if g is None else timedelta(seconds=g) for g in graces]
                          or [timedelta(0)])
            self.span = longest + timedelta(minutes=5)
        if self.content is not None:
            self.slots = self._expand(self.clock.now())

    def _drop_withdrawn(self, now: datetime) -> None:
        """A bulletin withdrawn by the central (gone from the new manifest) stops now, not at its end.

        So does an emergency whose schedule the new manifest no longer carries: the central stopped it.
        """
        r = self.running
        if r is None or self.content is None:
            return
        if (r.slot is not None and r.priority == Priority.EMERGENCY
                and self.find_schedule(r.slot.schedule_id) is None):
            interrupt(self, now, Reason.EMERGENCY_STOP, end_slot=True)
            return
        if isinstance(r.playback, RelayPlayback) and r.playback.withdrawn(self.content):
            interrupt(self, now, WITHDRAWN_SOURCE, end_slot=False)  # disabled at the central: stop relaying it
            return
        if r.bulletin_id is None:
            return
        if r.bulletin_id not in self.content.bulletins:  # a withdrawn emergency is a false alarm: stop it too
            interrupt(self, now, Reason.BULLETIN_MISSING, end_slot=False)

    def _effective_settings(self) -> StationSettings:
        base = self.content.settings if self.content else StationSettings()
        volume = self.store.get("local_volume")
        quiet = self.store.get("local_quiet_hours")  # {"start","end"} | "off" | None (the central's)
        self.local_override = volume is not None or quiet is not None
        s = replace(base, volume=int(volume)) if volume is not None else base
        if quiet == "off":
            s = replace(s, quiet_hours=None)
        elif isinstance(quiet, dict):
            s = replace(s, quiet_hours=QuietHours(_hhmm(quiet["start"]), _hhmm(quiet["end"])))
        return s

    # --- asking playlists -----------------------------------------------------------------------

    def _expand(self, now: datetime) -> list[Slot]:
        if self.content is None:
            return []
        start = now - self.span
        if self.catch_up_from is not None and self.catch_up_from - self.span < start:
            start = max(self.catch_up_from - self.span, now - CATCH_UP_MAX)
        self.states = {r.slot_id: r for r in self.journal.history(start - self.span)}
        history = {key: self._record(r, now) for key, r in self.states.items()}
        local = self.local_until if self.running is not None and self.running.slot is None else None
        return list(self.timeline(self.content, self.settings, start, now + self.horizon, history, now, local,
                                  self.cache.unready(self._audio)))  # slots needing these wait for them

    def _record(self, r: SlotState, now: datetime) -> SlotRecord:
        started = _dt(r.started_at)
        if r.status != PLAYING:
            return SlotRecord(status=SlotStatus(r.status), started_at=started, ended_at=_dt(r.ended_at), reason=r.reason)
        run = self.running
        current = None
        if run is not None and run.slot is not None and run.slot.id == r.slot_id and run.item is not None:
            expected_end = run.until or run.started_at + timedelta(milliseconds=run.expected_ms)
            current = replace(run.item, start=run.started_at, end=max(expected_end, now + timedelta(seconds=1)),
                              index=run.index, interrupted=False)
        return SlotRecord(status=SlotStatus.PLAYING, started_at=started, next_item=r.next_item, current=current,
                          interrupted=bool(r.interrupted))

    def deadline_of(self, s: Slot) -> datetime:
        """The last instant slot ``s`` may still start (its grace, by its schedule's late policy)."""
        sched = self.find_schedule(s.schedule_id)
        return deadline(sched, s.planned_start) if sched is not None else s.planned_start + timedelta(minutes=15)

    def audio_of(self, schedule_id: int) -> list[str]:
        """The assets one schedule's items play (bulletins and chimes)."""
        sched = self.find_schedule(schedule_id)
        return [sha for i in (sched.items if sched is not None else ())
                if (sha := i.asset_sha256 or self.bulletin_sha(i.bulletin_id))]

    def find_schedule(self, schedule_id: int) -> Any:
        """The applied manifest's schedule ``schedule_id`` (or an emergency order's), or None."""
        if self.content is None:
            return None
        return next((x for x in self.content.schedules if x.id == schedule_id), None)

    def bulletin_sha(self, bulletin_id: int | None) -> str | None:
        """The asset of bulletin ``bulletin_id`` in the applied manifest, or None."""
        b = self.content.bulletins.get(bulletin_id) if self.content and bulletin_id is not None else None
        return b.asset_sha256 if b else None

    def running_slot(self, slot_id: str) -> bool:
        """True if slot ``slot_id`` is the one sounding now."""
        r = self.running
        return r is not None and r.slot is not None and r.slot.id == slot_id

    # --- acting on the answer -------------------------------------------------------------------

    def _cut(self, slots: Sequence[Slot], now: datetime) -> bool:
        """An emergency wants the output now: stop whatever lower tier is sounding."""
        r = self.running
        if r is None or r.priority == Priority.EMERGENCY:
            return False
        cur = current_item(slots, now)
        if cur is None or cur[0].priority != Priority.EMERGENCY or (r.slot and cur[0].id == r.slot.id):
            return False
        interrupt(self, now, Reason.EMERGENCY, end_slot=False)
        return True

    def _start(self, slots: Sequence[Slot], now: datetime) -> bool:
        """Start what should sound now; True if something was logged instead and we must look again."""
        cur = current_item(slots, now)
        if cur is None:
            return False
        s, item = cur
        index = item.index if item.index is not None else 0
        if item.kind == ItemKind.PAUSE:
            self.journal.begin_item(slot_row(s, now), index, None)
            self.running = Running(play_id=None, slot=s, item=item, index=index, sha256=None, bulletin_id=None,
                                   title="", priority=s.priority,
                                   expected_ms=int((item.end - item.start) / timedelta(milliseconds=1)),
                                   started_at=now, playback=None, until=item.end)
            return False
        if item.kind == ItemKind.RELAY:  # a radio stream for the item's length (station/relay.py)
            return not relay_start(self, s, item, index, now)
        path = self.cache.verified(item.asset_sha256) if item.asset_sha256 else None
        if path is None and s.id not in self.states:
            self.waited.add(s.id)  # not started yet: the timeline now holds it until its audio is back
            return True
        if path is None:
            fields = play_fields(self, s, index, item.bulletin_id, item.asset_sha256, PlayStatus.MISSED,
                                 Reason.ASSET_MISSING, now)
            self.journal.begin_item(slot_row(s, now), index + 1, fields)
            log.warning("slot %s item %d missed: its audio is not downloaded and verified", s.id, index)
            self.on_change()  # a heartbeat, which also wakes the sync thread to fetch it (again)
            return True
        note = lateness(self, s, now)
        fields = play_fields(self, s, index, item.bulletin_id, item.asset_sha256, PLAYING, note, now, started=now)
        play_id = self.journal.begin_item(slot_row(s, now), index, fields)
        expected = int((item.end - item.start) / timedelta(milliseconds=1))
        launched = launch(self, play_id, s, item, index, path, fields["title"], expected, s.priority)
        if launched and self.running is not None:
            self.running.note = note
        return not launched

    # --- operator actions (station/commands.py does them) ------------------------------------

    def _take_commands(self, now: datetime) -> None:
        while True:
            with self._lock:
                if not self._commands:
                    return
                cmd = self._commands.popleft()
            do(self, cmd, now)

    # --- when to wake -------------------------------------------------------------------------

    def _next_wake(self, slots: Sequence[Slot], now: datetime) -> datetime:
        times = [now + (STORE_RETRY if self.journal.pending else MAX_SLEEP)]
        b = next_boundary(slots, now)
        if b is not None:
            times.append(b)
        if self.running is not None and self.running.until is not None:
            times.append(self.running.until)
        for s in slots:
            if s.id in self.states:
                continue
            if s.status == SlotStatus.MISSED and self.deadline_of(s) > now:
                times.append(self.deadline_of(s))
            elif s.status == SlotStatus.SKIPPED and s.planned_start > now:
                times.append(s.planned_start)
        return min(times)


def _audio(content: ManifestContent | None) -> frozenset[str]:
    if content is None:
        return frozenset()
    shas = {b.asset_sha256 for b in content.bulletins.values()}
    return frozenset(shas | {i.asset_sha256 for s in content.schedules for i in s.items if i.asset_sha256})


def _birth(store: Store) -> datetime | None:
    """When the station first heard from the central, to the second: occurrences are named by their
    second (an emergency sent at 06:00:00.725 starts at 06:00:00), so one in the same second as the
    first manifest is already the station's to account for."""
    first = store.get("first_manifest_at")
    return datetime.fromisoformat(first).replace(microsecond=0) if first else None


def _dt(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s)


def _hhmm(s: str) -> Any:
    return datetime.strptime(s, "%H:%M").time()

