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
  (emergency: :data:`EMERGENCY_MAX_LATE`), and never at or after the schedule's ``valid_until``.
  An occurrence that cannot start in time is ``MISSED`` with the reason in force at its deadline:
  ``conflict`` (something else played), ``quiet_hours``, ``local_override`` or ``station_off``
  (``busy_until``). Codes and their Vietnamese/English text are ``model.REASONS``.
- **Quiet hours / local override** hold back the *start* of normal and priority slots (and the
  resumption of suspended ones for a local override); emergency ignores both. A slot already
  playing when quiet hours begin finishes.
- **Validity.** When a slot starts, each bulletin item is kept only if the bulletin is valid at the
  time that item would start (laid out back to back from the slot's start) and still in the
  manifest. A slot left without any bulletin is ``SKIPPED`` (``bulletin_invalid`` or
  ``bulletin_missing``); chimes and pauses alone never air. A schedule whose validity ends mid-day
  has no occurrences planned at or after ``valid_until``; one that started before plays to its end.
- **Window.** The result holds every occurrence planned in ``[start, end)`` and every slot that
  plays at some time in ``[start, end)``, including one that began before ``start`` (a window that
  begins mid-slot). To get that right the simulation starts :func:`lookback` earlier; a chain of
  back-to-back slots longer than that is the one case where two windows could disagree.
  Slots queued in the window are followed to their end, even past ``end``.
- **DST and midnight** are handled by :mod:`playlists.rules` (occurrences are instants; a slot that
  crosses midnight or a DST change is just an interval of real time).
- **History** (station only): ``history`` maps slot ids to :class:`~playlists.model.SlotRecord`.
  Final records (completed, interrupted, missed, skipped) are reported as recorded and never
  played again, so a restarted station does not replay a finished slot. A ``PLAYING`` record
  continues from the item sounding now. The station should pass ``busy_until=now``: nothing that
  has not started yet can start in the past.
- **Edited schedules.** A slot in progress keeps its id. Its remaining items are taken from the
  schedule as it is now (by index after the current item), even if the edited rule no longer
  produces that occurrence; if the schedule was removed, the current item finishes and the slot
  ends there. Occurrences not yet started simply follow the new rule.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from .errors import ScheduleError
from .model import (
    Bulletin,
    Item,
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
_EMERGENCY = Priority.EMERGENCY.rank
_FINAL = {SlotStatus.COMPLETED, SlotStatus.INTERRUPTED, SlotStatus.MISSED, SlotStatus.SKIPPED}
_SOUNDING = {SlotStatus.PLANNED, SlotStatus.INTERRUPTED}
_ZERO = timedelta(0)


_Todo = tuple[int, Item, Bulletin | None, timedelta]


@dataclass(eq=False)
class _Job:
    """One occurrence while it is being resolved."""

    sid: str
    schedule_id: int
    schedule: Schedule | None
    planned: datetime
    rank: int
    deadline: datetime
    todo: list[_Todo] = field(default_factory=list)
    started: bool = False
    placed: list[SlotItem] = field(default_factory=list)
    interrupted: bool = False
    status: SlotStatus | None = None
    reason: str | None = None
    real_start: datetime | None = None  # history: when the slot really began


@dataclass
class _Ctx:
    bulletins: Mapping[int, Bulletin]
    settings: StationSettings
    tz: ZoneInfo
    busy_until: datetime | None
    busy_reason: str
    local_until: datetime | None
    blocks: list[tuple[datetime, datetime]]  # final history: the player was busy then
    block_starts: list[datetime] = field(default_factory=list)
    play_starts: list[datetime] = field(default_factory=list)
    play_ends: list[datetime] = field(default_factory=list)
    cuts: list[datetime] = field(default_factory=list)  # when emergencies can first sound
    fixed: dict[int, list[_Todo]] = field(default_factory=dict)  # see _fixed_layouts


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
        longest = max(longest, sum((_duration(i, bulletins) for i in s.items), _ZERO))
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
) -> list[Slot]:
    """Resolve what plays in ``[start, end)``; see the module docstring for every rule.

    ``busy_until``: nothing new may start before it (station off or just booted; the station
    passes its ``now``); ``busy_reason`` names why for slots missed that way. ``local_until``: a
    local announcement holds back normal and priority slots until then.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ScheduleError("expand() needs timezone-aware start and end")
    history = history or {}
    blocks = _blocks(history)
    ctx = _Ctx(bulletins, settings, zone(settings.timezone), busy_until, busy_reason,
               local_until, blocks, [a for a, _ in blocks])
    span = lookback(schedules, bulletins, outage=busy_until is not None)
    sim_start = start - span
    ctx.fixed = _fixed_layouts(schedules, bulletins, sim_start, end + span)
    by_id = {s.id: s for s in schedules}
    jobs, finals = _occurrences(schedules, sim_start, end, history)
    resumed = _resumed(history, by_id, ctx)
    _prepare_cuts(jobs, ctx)
    t = sim_start
    for job in resumed:
        stop = _place_current(job, history[job.sid], ctx)
        t = max(t, stop) if stop is not None else t
    _simulate(jobs, resumed, t, ctx)
    keep = [_slot(j) for j in itertools.chain(jobs, resumed) if _job_in_window(j, start, end)]
    finished = (_final_slot(sid, rec, by_id) for sid, rec in finals)
    keep += [s for s in finished if _in_window(s, start, end)]
    keep.sort(key=attrgetter("start", "planned_start", "schedule_id"))
    return keep


def _fixed_layouts(
    schedules: Sequence[Schedule], bulletins: Mapping[int, Bulletin], lo: datetime, hi: datetime
) -> dict[int, list[_Todo]]:
    """Item lists of schedules whose bulletins are all present and valid over ``[lo, hi]``.

    Their layout does not depend on when the slot starts, so it is computed once, not per slot.
    """
    out: dict[int, list[_Todo]] = {}
    for s in schedules:
        ok = True
        for item in s.items:
            if item.kind is ItemKind.BULLETIN:
                b = bulletins.get(item.bulletin_id) if item.bulletin_id is not None else None
                if b is None or not (b.valid_at(lo) and (b.valid_until is None or b.valid_until > hi)):
                    ok = False
                    break
        if ok:
            out[s.id] = [(i, item, _bulletin(item, bulletins), _duration(item, bulletins))
                         for i, item in enumerate(s.items)]
    return out


def _bulletin(item: Item, bulletins: Mapping[int, Bulletin]) -> Bulletin | None:
    if item.kind is ItemKind.BULLETIN and item.bulletin_id is not None:
        return bulletins.get(item.bulletin_id)
    return None


def _duration(item: Item, bulletins: Mapping[int, Bulletin]) -> timedelta:
    if item.kind is ItemKind.BULLETIN:
        b = bulletins.get(item.bulletin_id) if item.bulletin_id is not None else None
        return timedelta(milliseconds=b.duration_ms if b is not None else 0)
    return timedelta(milliseconds=item.duration_ms)


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
) -> tuple[list[_Job], list[tuple[str, SlotRecord]]]:
    jobs: list[_Job] = []
    finals: list[tuple[str, SlotRecord]] = []
    for s in schedules:
        try:
            planned_starts = occurrences(s, sim_start, end)
        except ScheduleError as exc:  # one broken rule must not silence the whole station
            log.warning("schedule %s left out of the timeline: %s", s.id, exc)
            continue
        for planned in planned_starts:
            if not history:  # naming every occurrence is only needed to look it up
                jobs.append(_new_job("", s, planned))
                continue
            sid = slot_id(s.id, planned)
            rec = history.get(sid)
            if rec is None:
                jobs.append(_new_job(sid, s, planned))
            elif rec.status in _FINAL:
                finals.append((sid, rec))
    jobs.sort(key=attrgetter("planned", "schedule_id"))
    return jobs, finals


def _new_job(sid: str, s: Schedule, planned: datetime) -> _Job:
    return _Job(sid, s.id, s, planned, s.priority.rank, deadline(s, planned))


def deadline(schedule: Schedule, planned_start: datetime) -> datetime:
    """The last instant an occurrence may still start (inclusive); after it, it is missed.

    Planned start plus the schedule's grace (emergency: :data:`EMERGENCY_MAX_LATE`), and always
    before the schedule's ``valid_until``.
    """
    d = planned_start + _grace(schedule.grace)
    if schedule.valid_until is not None:
        d = min(d, schedule.valid_until - timedelta(microseconds=1))
    return d


@functools.lru_cache(maxsize=256)
def _grace(seconds: int | None) -> timedelta:
    return EMERGENCY_MAX_LATE if seconds is None else timedelta(seconds=seconds)


def _resumed(
    history: Mapping[str, SlotRecord], by_id: Mapping[int, Schedule], ctx: _Ctx
) -> list[_Job]:
    """Jobs for slots the station reports as in progress, whatever the rules say now."""
    out = []
    for sid, rec in sorted(history.items()):
        if rec.status is not SlotStatus.PLAYING:
            continue
        schedule_id, planned = parse_slot_id(sid)
        s = by_id.get(schedule_id)
        rank = s.priority.rank if s is not None else Priority.NORMAL.rank
        job = _Job(sid, schedule_id, s, planned, rank, planned, started=True,
                   interrupted=rec.interrupted, real_start=rec.started_at)
        if s is not None:
            first = rec.next_item + (1 if rec.current is not None else 0)
            at = rec.current.end if rec.current is not None else (ctx.busy_until or planned)
            job.todo = _layout(s, first, at, ctx.bulletins)[0]
        out.append(job)
    return out


def _place_current(job: _Job, rec: SlotRecord, ctx: _Ctx) -> datetime | None:
    """Put the item the station reports as sounding on the timeline; return when it stops."""
    cur = rec.current
    stop = None
    if cur is not None:
        stop = cur.end
        cut = _next_cut(ctx, cur.start, cur.end) if job.rank < _EMERGENCY else None
        if cut is not None:
            stop, job.interrupted = cut, True
        job.placed.append(SlotItem(cur.kind, cur.start, stop, cur.bulletin_id,
                                   cur.asset_sha256, cur.index, cut is not None))
        _record_play(ctx, cur.start, stop)
    if not job.todo:
        _finish(job)
    return stop


def _finish(job: _Job) -> None:
    job.status = SlotStatus.INTERRUPTED if job.interrupted else SlotStatus.PLANNED
    job.reason = "emergency" if job.interrupted else None


def _start_layout(job: _Job, at: datetime, ctx: _Ctx) -> tuple[list[_Todo], str | None]:
    """``_layout`` of a whole slot starting at ``at``, from the precomputed one when possible."""
    fixed = ctx.fixed.get(job.schedule_id)
    if fixed is not None:
        return list(fixed), None
    assert job.schedule is not None
    return _layout(job.schedule, 0, at, ctx.bulletins)


def _layout(
    s: Schedule, first: int, at: datetime, bulletins: Mapping[int, Bulletin]
) -> tuple[list[_Todo], str | None]:
    """Items from index ``first`` laid back to back from ``at``, invalid bulletins dropped.

    Returns the kept items and, if no bulletin survives although the schedule has some, why.
    """
    kept: list[_Todo] = []
    cursor = at
    missing = invalid = 0
    for idx in range(first, len(s.items)):
        item = s.items[idx]
        b = None
        if item.kind is ItemKind.BULLETIN:
            b = bulletins.get(item.bulletin_id) if item.bulletin_id is not None else None
            if b is None:
                missing += 1
                continue
            if not b.valid_at(cursor):
                invalid += 1
                continue
        d = _duration(item, bulletins)
        kept.append((idx, item, b, d))
        cursor += d
    if (missing or invalid) and not any(b is not None for _, _, b, _ in kept):
        return [], "bulletin_missing" if missing and not invalid else "bulletin_invalid"
    return kept, None


def _earliest(job: _Job, ctx: _Ctx) -> datetime:
    """The first instant the job could sound: its planned start, or when the station is back."""
    if ctx.busy_until is not None and ctx.busy_until > job.planned:
        return ctx.busy_until
    return job.planned


def _prepare_cuts(jobs: list[_Job], ctx: _Ctx) -> None:
    """The instants at which an emergency will want the output (it cuts lower tiers there)."""
    for job in jobs:
        if job.rank < _EMERGENCY or job.schedule is None:
            continue
        at = _earliest(job, ctx)
        if at <= job.deadline and _start_layout(job, at, ctx)[0]:
            ctx.cuts.append(at)
    ctx.cuts.sort()


def _next_cut(ctx: _Ctx, after: datetime, before: datetime) -> datetime | None:
    i = bisect.bisect_right(ctx.cuts, after)
    if i < len(ctx.cuts) and ctx.cuts[i] < before:
        return ctx.cuts[i]
    return None


def _record_play(ctx: _Ctx, a: datetime, b: datetime) -> None:
    ctx.play_starts.append(a)
    ctx.play_ends.append(b)


# --- the simulation ----------------------------------------------------------------------

#: Queues in the order they are served: (rank, already started).
_QUEUES = [(2, True), (2, False), (1, True), (1, False), (0, True), (0, False)]


class _Queues:
    def __init__(self) -> None:
        self.heaps: dict[tuple[int, bool], list[tuple[datetime, int, int, _Job]]] = {
            q: [] for q in _QUEUES
        }
        self.seq = itertools.count()

    def push(self, job: _Job) -> None:
        key = (job.rank, job.started)
        heapq.heappush(self.heaps[key], (job.planned, job.schedule_id, next(self.seq), job))

    def empty(self) -> bool:
        return not any(self.heaps.values())


def _simulate(jobs: list[_Job], resumed: list[_Job], t: datetime, ctx: _Ctx) -> None:
    queues = _Queues()
    for job in resumed:
        if job.status is None:
            queues.push(job)
    i, n = 0, len(jobs)
    while True:
        while i < n and jobs[i].planned <= t:
            _admit(jobs[i], queues, ctx)
            i += 1
        picked = _pick(queues, t, ctx)
        if picked is not None:
            t = _play_one(picked, t, queues, ctx)
            continue
        nxt = _next_event(t, jobs[i].planned if i < n else None, queues, ctx)
        if nxt is None:
            return
        t = nxt


def _admit(job: _Job, queues: _Queues, ctx: _Ctx) -> None:
    todo, why = _start_layout(job, _earliest(job, ctx), ctx)
    if not todo:
        job.status, job.reason = SlotStatus.SKIPPED, why or "bulletin_invalid"
        return
    queues.push(job)


def _gated(rank: int, started: bool, t: datetime, ctx: _Ctx) -> bool:
    """True if a slot of this tier may not begin (or resume) at ``t``."""
    if ctx.busy_until is not None and t < ctx.busy_until:
        return True
    if _in_block(ctx, t):
        return True
    if rank >= _EMERGENCY:
        return False
    if ctx.local_until is not None and t < ctx.local_until:
        return True
    return not started and _quiet(t, ctx)


def _pick(queues: _Queues, t: datetime, ctx: _Ctx) -> _Job | None:
    for key in _QUEUES:
        heap = queues.heaps[key]
        if not heap or _gated(key[0], key[1], t, ctx):
            continue
        while heap:
            job = heapq.heappop(heap)[3]
            if job.started or t <= job.deadline:
                return job
            job.status, job.reason = SlotStatus.MISSED, _cause(job, ctx)
    return None


def _play_one(job: _Job, t: datetime, queues: _Queues, ctx: _Ctx) -> datetime:
    """Play the job's next item from ``t``; return when the output is free again."""
    if not job.started:
        job.todo, why = _start_layout(job, t, ctx)
        if not job.todo:
            job.status, job.reason = SlotStatus.SKIPPED, why or "bulletin_invalid"
            return t
        job.started = True
    idx, item, b, d = job.todo.pop(0)
    stop = t + d
    cut = _next_cut(ctx, t, stop) if job.rank < _EMERGENCY else None
    if cut is not None:
        stop, job.interrupted = cut, True
    sha = b.asset_sha256 if b is not None else item.asset_sha256
    job.placed.append(SlotItem(item.kind, t, stop, item.bulletin_id, sha, idx, cut is not None))
    _record_play(ctx, t, stop)
    if job.todo:
        queues.push(job)
    else:
        _finish(job)
    return stop


def _next_event(
    t: datetime, arrival: datetime | None, queues: _Queues, ctx: _Ctx
) -> datetime | None:
    """The next instant at which the answer of ``_pick`` can change."""
    cands = [] if arrival is None else [arrival]
    if not queues.empty():
        for x in (ctx.busy_until, ctx.local_until, _block_end(ctx, t), _quiet_end(t, ctx)):
            if x is not None and x > t:
                cands.append(x)
    return min(cands) if cands else None


def _in_block(ctx: _Ctx, t: datetime) -> bool:
    return _block_end(ctx, t) is not None


def _block_end(ctx: _Ctx, t: datetime) -> datetime | None:
    """The end of the history interval holding the output at ``t``, if any."""
    i = bisect.bisect_right(ctx.block_starts, t) - 1
    if i >= 0 and ctx.blocks[i][1] > t:
        return ctx.blocks[i][1]
    return None


def _quiet(t: datetime, ctx: _Ctx) -> bool:
    qh = ctx.settings.quiet_hours
    return qh is not None and qh.contains(t.astimezone(ctx.tz).time())


def _quiet_end(t: datetime, ctx: _Ctx) -> datetime | None:
    qh = ctx.settings.quiet_hours
    if qh is None:
        return None
    day = t.astimezone(ctx.tz).date()
    for k in range(3):
        local = datetime.combine(day + timedelta(days=k), qh.end)
        at = local.replace(tzinfo=ctx.tz).astimezone(UTC)
        if at > t:
            return at
    return None  # pragma: no cover - an end time always comes within two days


def _cause(job: _Job, ctx: _Ctx) -> str:
    """Why ``job`` could not start by its deadline: what held the output at that instant."""
    d = job.deadline
    i = bisect.bisect_right(ctx.play_starts, d) - 1
    if (i >= 0 and ctx.play_ends[i] > d) or _in_block(ctx, d):
        return "conflict"
    if job.rank < _EMERGENCY and _quiet(d, ctx):
        return "quiet_hours"
    if job.rank < _EMERGENCY and ctx.local_until is not None and d < ctx.local_until:
        return "local_override"
    if ctx.busy_until is not None and d < ctx.busy_until:
        return ctx.busy_reason
    return "conflict"  # the output was free but slots of a higher tier or earlier were waiting


# --- results -----------------------------------------------------------------------------


def _slot(job: _Job) -> Slot:
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


def _final_slot(sid: str, rec: SlotRecord, by_id: Mapping[int, Schedule]) -> Slot:
    schedule_id, planned = parse_slot_id(sid)
    s = by_id.get(schedule_id)
    priority = s.priority if s is not None else Priority.NORMAL
    start = rec.started_at or planned
    end = rec.ended_at or start
    return Slot(sid, schedule_id, planned, start, end, priority, rec.status, (), rec.reason)


def _job_in_window(job: _Job, start: datetime, end: datetime) -> bool:
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
