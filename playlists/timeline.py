"""One timeline: schedules + bulletins + station settings + a window → resolved slots.

The station's player loop and the central's preview both call :func:`expand`; it reads no clock.
The resolution simulates the station's single audio output, item by item:

- **Tiers.** Emergency > priority > normal. An emergency cuts the item sounding when it arrives
  (that item is reported ``interrupted`` and not replayed); a priority slot waits for the current
  item to end and then goes before queued normal slots. The slot that gave way is *suspended*, not
  dropped: its remaining items resume as soon as nothing of a higher tier waits, ahead of queued
  slots of its own tier. A slot with a cut item has status ``INTERRUPTED``. Lower never cuts higher;
  equal tiers queue by planned start, then schedule id (lower id first).
- **Late policy.** A slot may start up to ``Schedule.grace`` seconds after its planned start
  and never at or after the schedule's ``valid_until`` (:func:`deadline`). An emergency without
  its own grace waits "until it expires": while its bulletins are valid, at most
  :data:`EMERGENCY_MAX_LATE`. An occurrence that cannot start in time is ``MISSED`` with the
  reason in force at its deadline: ``stale`` (the schedule's ``play_by``, "play no later than",
  is the deadline that passed: an outdated warning never airs late, even if its audio arrives
  only then), ``conflict`` (something else held the output), ``quiet_hours``,
  ``local_override`` or ``busy_reason`` (default ``station_off``, for ``busy_until``). Codes and
  their Vietnamese/English text are ``words.REASONS``. Missed and skipped slots have no items
  and ``start == end == planned_start``; a slot is never silently dropped.
- **Quiet hours / local override** hold back the *start* of normal and priority slots (and the
  resumption of suspended ones for a local override); emergency ignores both. A slot already
  playing when quiet hours begin finishes.
- **Validity.** When a slot starts, each bulletin item is kept only if the bulletin is valid at the
  time that item would start (laid out back to back from the slot's start) and still in the
  manifest. A slot left without any bulletin is ``SKIPPED`` (``bulletin_invalid`` or
  ``bulletin_missing``); chimes and pauses alone never air. A schedule whose validity ends mid-day
  has no occurrences planned at or after ``valid_until``; one that started before plays to its end.
- **Audio not on the station yet** (station only): ``unready`` names assets the station has not
  downloaded and verified. A slot that has not started and needs any of them is ``MISSED`` with
  reason ``asset_missing``, without items, and holds nothing: other slots play as if it were
  absent, and an emergency without its audio cuts nothing. The answer is provisional: the station
  expands again as soon as an asset is verified, and the slot then starts (late) if that is still
  within its :func:`deadline`; the station only logs the miss once the deadline has passed. A slot
  already in progress is not held back (the station decides about its later items itself).
- **Window.** The result holds every occurrence planned in ``[start, end)`` and every slot that
  plays at some time in ``[start, end)``, including one that began before ``start`` (a window that
  begins mid-slot). To get that right the simulation starts :func:`lookback` earlier; a chain of
  back-to-back slots longer than that is the one case where two windows could disagree.
  Slots queued in the window are followed to their end, even past ``end``.
- **DST and midnight** are handled by :mod:`playlists.rules` (occurrences are instants; a slot that
  crosses midnight or a DST change is just an interval of real time).
- **History** (station only): ``history`` maps slot ids to :class:`~playlists.model.SlotRecord`.
  Final records (completed, interrupted, missed, skipped) are reported as recorded and never
  played again, so a restarted station does not replay a finished slot; their
  ``[started_at, ended_at)`` holds the output (nothing else starts then). A ``PLAYING`` record
  continues from the item sounding now. The station should pass ``busy_until=now`` (nothing that
  has not started yet can start in the past) and keep history for :func:`lookback`. Records of
  occurrences the rules no longer produce are not reported (the station has them already).
- **Edited schedules.** A slot in progress keeps its id. Its remaining items are taken from the
  schedule as it is now (by index after the current item), even if the edited rule no longer
  produces that occurrence; if the schedule was removed, the current item finishes and the slot
  ends there. Occurrences not yet started simply follow the new rule.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from operator import attrgetter

from .errors import ScheduleError
from .model import (
    Bulletin,
    ItemKind,
    Priority,
    Schedule,
    Slot,
    SlotItem,
    SlotRecord,
    SlotStatus,
    StationSettings,
    parse_slot_id,
    slot_id,
)
from .resolve import (
    Ctx,
    Job,
    Todo,
    bulletin_of,
    duration,
    layout,
    place_current,
    prepare_cuts,
    simulate,
)
from .rules import occurrences, zone

log = logging.getLogger(__name__)

__all__ = [
    "EMERGENCY_MAX_LATE",
    "deadline",
    "expand",
    "lookback",
    "now_and_next",
    "current_item",
    "next_boundary",
]

#: An emergency with no grace of its own may start at most this late ("until it expires").
EMERGENCY_MAX_LATE = timedelta(hours=24)
_FINAL = {SlotStatus.COMPLETED, SlotStatus.INTERRUPTED, SlotStatus.MISSED, SlotStatus.SKIPPED}
_SOUNDING = {SlotStatus.PLANNED, SlotStatus.INTERRUPTED}
_ZERO = timedelta(0)
_TICK = timedelta(microseconds=1)


def lookback(
    schedules: Iterable[Schedule], bulletins: Mapping[int, Bulletin], *, outage: bool = True
) -> timedelta:
    """How far before a window the simulation starts (the station keeps history that long).

    With ``outage=False`` (no ``busy_until``) an emergency is only ever delayed by other
    emergencies, so its long grace need not be covered.
    """
    longest = _ZERO
    late = timedelta(hours=1)
    for s in schedules:
        longest = max(longest, sum((duration(i, bulletins) for i in s.items), _ZERO))
        g = s.grace
        if g is not None:
            late = max(late, timedelta(seconds=g))
        elif outage:
            late = max(late, EMERGENCY_MAX_LATE)
    return late + 2 * longest


def expand(
    schedules: Sequence[Schedule],
    bulletins: Mapping[int, Bulletin],
    settings: StationSettings,
    start: datetime,
    end: datetime,
    *,
    history: Mapping[str, SlotRecord] | None = None,
    busy_until: datetime | None = None,
    busy_reason: str = "station_off",
    local_until: datetime | None = None,
    unready: AbstractSet[str] = frozenset(),
) -> list[Slot]:
    """Resolve what plays in ``[start, end)``; see the module docstring for every rule.

    ``busy_until``: nothing new may start before it (station off or just booted; the station
    passes its ``now``); ``busy_reason`` names why for slots missed that way. ``local_until``: a
    local announcement holds back normal and priority slots until then. ``unready``: assets the
    station does not have verified yet (slots needing them wait for them, see the module docstring).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ScheduleError("expand() needs timezone-aware start and end")
    history = history or {}
    schedules = _unique(schedules)
    span = lookback(schedules, bulletins, outage=busy_until is not None)
    sim_start = start - span
    blocks = _blocks(history)
    ctx = Ctx(bulletins, settings, zone(settings.timezone), busy_until, busy_reason, local_until,
              blocks, [a for a, _ in blocks], fixed=_fixed_layouts(schedules, bulletins, sim_start,
                                                                   end + span),
              unready=frozenset(unready))
    by_id = {s.id: s for s in schedules}
    jobs, finals = _occurrences(schedules, sim_start, end, history)
    resumed = _resumed(history, by_id, ctx)
    prepare_cuts(jobs, ctx)
    t = sim_start
    for job in resumed:
        stop = place_current(job, history[job.sid], ctx)
        t = max(t, stop) if stop is not None else t
    simulate(jobs, resumed, t, ctx)
    keep = [_slot(j) for j in itertools.chain(jobs, resumed) if _job_in_window(j, start, end)]
    finished = (_final_slot(sid, rec, sch, planned) for sid, rec, sch, planned in finals)
    keep += [s for s in finished if _in_window(s, start, end)]
    keep.sort(key=attrgetter("start", "planned_start", "schedule_id"))
    return keep


def _unique(schedules: Sequence[Schedule]) -> list[Schedule]:
    """The schedules with distinct ids (the first wins): one id must name one occurrence."""
    seen: set[int] = set()
    out = []
    for s in schedules:
        if s.id in seen:
            log.warning("schedule id %s given twice; the second is ignored", s.id)
            continue
        seen.add(s.id)
        out.append(s)
    return out


def _fixed_layouts(
    schedules: Sequence[Schedule], bulletins: Mapping[int, Bulletin], lo: datetime, hi: datetime
) -> dict[int, list[Todo]]:
    """Item lists of schedules whose bulletins are all present and valid over ``[lo, hi]``.

    Their layout does not depend on when the slot starts, so it is computed once, not per slot.
    """
    out: dict[int, list[Todo]] = {}
    for s in schedules:
        ok = True
        for item in s.items:
            if item.kind is ItemKind.BULLETIN:
                b = bulletins.get(item.bulletin_id) if item.bulletin_id is not None else None
                if b is None or not (b.valid_at(lo) and (b.valid_until is None or b.valid_until > hi)):
                    ok = False
                    break
        if ok:
            out[s.id] = [(i, item, bulletin_of(item, bulletins), duration(item, bulletins))
                         for i, item in enumerate(s.items)]
    return out


def _blocks(history: Mapping[str, SlotRecord]) -> list[tuple[datetime, datetime]]:
    out = [
        (r.started_at, r.ended_at)
        for r in history.values()
        if r.status in _FINAL and r.started_at is not None and r.ended_at is not None
    ]
    return sorted(out)


def _occurrences(
    schedules: Sequence[Schedule],
    sim_start: datetime,
    end: datetime,
    history: Mapping[str, SlotRecord],
) -> tuple[list[Job], list[tuple[str, SlotRecord, Schedule, datetime]]]:
    jobs: list[Job] = []
    finals: list[tuple[str, SlotRecord, Schedule, datetime]] = []
    for s in schedules:
        try:
            planned_starts = occurrences(s, sim_start, end)
        except ScheduleError as exc:  # one broken rule must not silence the whole station
            _warn_once(s, exc)
            continue
        sched_id, rank, grace = s.id, s.priority.rank, _grace(s.grace)
        last = _last_start(s)
        for planned in planned_starts:
            due = planned + grace if last is None else min(planned + grace, last)  # deadline()
            if not history:  # naming every occurrence is only needed to look it up
                jobs.append(Job("", sched_id, s, planned, rank, due))
                continue
            sid = slot_id(sched_id, planned)
            rec = history.get(sid)
            if rec is None:
                jobs.append(Job(sid, sched_id, s, planned, rank, due))
            elif rec.status in _FINAL:
                finals.append((sid, rec, s, planned))
    jobs.sort(key=attrgetter("planned", "schedule_id"))
    return jobs, finals


_WARNED: set[tuple[int, str]] = set()


def _warn_once(s: Schedule, exc: ScheduleError) -> None:
    """Log a broken schedule once, not on every turn of the station's loop."""
    if (s.id, s.rrule) not in _WARNED:
        if len(_WARNED) > 1000:
            _WARNED.clear()
        _WARNED.add((s.id, s.rrule))
        log.warning("schedule %s left out of the timeline: %s", s.id, exc)


def deadline(schedule: Schedule, planned_start: datetime) -> datetime:
    """The last instant an occurrence may still start (inclusive); after it, it is missed.

    Planned start plus the schedule's grace (emergency: :data:`EMERGENCY_MAX_LATE`), always
    before the schedule's ``valid_until``, and never after its ``play_by`` (missed as ``stale``).
    """
    d = planned_start + _grace(schedule.grace)
    last = _last_start(schedule)
    return d if last is None else min(d, last)


def _last_start(s: Schedule) -> datetime | None:
    """The bound on any start the schedule itself sets: before ``valid_until``, by ``play_by``."""
    bounds = [t for t in (None if s.valid_until is None else s.valid_until - _TICK, s.play_by) if t is not None]
    return min(bounds) if bounds else None


@functools.lru_cache(maxsize=256)
def _grace(seconds: int | None) -> timedelta:
    return EMERGENCY_MAX_LATE if seconds is None else timedelta(seconds=seconds)


def _resumed(
    history: Mapping[str, SlotRecord], by_id: Mapping[int, Schedule], ctx: Ctx
) -> list[Job]:
    """Jobs for slots the station reports as in progress, whatever the rules say now."""
    out = []
    playing = sorted((sid, r) for sid, r in history.items() if r.status is SlotStatus.PLAYING)
    for sid, rec in playing:
        schedule_id, planned = parse_slot_id(sid)
        s = by_id.get(schedule_id)
        rank = s.priority.rank if s is not None else Priority.NORMAL.rank
        job = Job(sid, schedule_id, s, planned, rank, planned, started=True,
                  interrupted=rec.interrupted, real_start=rec.started_at)
        cur = rec.current
        if s is not None and cur is not None:  # the rest comes after the item sounding now
            first = (cur.index if cur.index is not None else rec.next_item) + 1
            job.todo = layout(s, first, cur.end, ctx.bulletins, whole=False)[0]
        elif s is not None:  # suspended: resumes at next_item
            at = ctx.busy_until or planned
            job.todo = layout(s, rec.next_item, at, ctx.bulletins, whole=False)[0]
        out.append(job)
    return out


# --- results -----------------------------------------------------------------------------


def _slot(job: Job) -> Slot:
    priority = job.schedule.priority if job.schedule is not None else Priority.NORMAL
    status = job.status or SlotStatus.PLANNED
    items = tuple(job.placed)
    if items:
        start, end = items[0].start, items[-1].end
    else:
        start = end = job.planned
    if job.real_start is not None:
        start = min(start, job.real_start)
    sid = job.sid or slot_id(job.schedule_id, job.planned)
    return Slot(sid, job.schedule_id, job.planned, start, end, priority, status, items, job.reason)


def _final_slot(sid: str, rec: SlotRecord, s: Schedule, planned: datetime) -> Slot:
    start = rec.started_at or planned
    end = rec.ended_at or start
    return Slot(sid, s.id, planned, start, end, s.priority, rec.status, (), rec.reason)


def _job_in_window(job: Job, start: datetime, end: datetime) -> bool:
    if start <= job.planned < end:
        return True
    return any(i.start < end and i.end > start for i in job.placed)


def _in_window(s: Slot, start: datetime, end: datetime) -> bool:
    if start <= s.planned_start < end:
        return True
    return any(i.start < end and i.end > start for i in s.items) or (
        s.status in (SlotStatus.COMPLETED, SlotStatus.INTERRUPTED)
        and s.start < end
        and s.end > start
    )


# --- questions the player loop asks ------------------------------------------------------


def current_item(slots: Iterable[Slot], t: datetime) -> tuple[Slot, SlotItem] | None:
    """The slot and item that should be sounding at ``t`` (``start <= t < end``), if any."""
    for s in slots:
        if s.status not in _SOUNDING:
            continue
        for i in s.items:
            if i.start <= t < i.end:
                return s, i
    return None


def now_and_next(slots: Sequence[Slot], t: datetime) -> tuple[Slot | None, Slot | None]:
    """What should be playing at ``t``, and the next slot to sound after it (or after ``t``)."""
    cur = current_item(slots, t)
    now = cur[0] if cur is not None else None
    best: tuple[datetime, Slot] | None = None
    for s in slots:
        if s.status not in _SOUNDING or (now is not None and s.id == now.id):
            continue
        for i in s.items:
            if i.start > t and i.end > i.start and (best is None or i.start < best[0]):
                best = (i.start, s)
                break
    return now, best[1] if best is not None else None


def next_boundary(slots: Iterable[Slot], t: datetime) -> datetime | None:
    """The first instant after ``t`` at which an item starts or stops: when to wake up next."""
    best: datetime | None = None
    for s in slots:
        if s.status not in _SOUNDING:
            continue
        for i in s.items:
            for x in (i.start, i.end):
                if x > t and (best is None or x < best):
                    best = x
    return best
