"""The simulation behind ``timeline.expand``: one audio output, slots queued by tier, item by item.

``timeline`` gathers occurrences and history into :class:`Job` s; :func:`simulate` plays them
out in time and leaves on each job what happened (items placed, status, reason). The rules it
follows are written down once, in the docstring of :mod:`playlists.timeline`.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .model import (
    Bulletin,
    Item,
    ItemKind,
    Priority,
    Schedule,
    SlotItem,
    SlotRecord,
    SlotStatus,
    StationSettings,
)

EMERGENCY = Priority.EMERGENCY.rank
#: Queues in the order they are served: (rank, already started).
_QUEUES = [(2, True), (2, False), (1, True), (1, False), (0, True), (0, False)]

Todo = tuple[int, Item, Bulletin | None, timedelta]


@dataclass(eq=False, slots=True)
class Job:
    """One occurrence while it is being resolved."""

    slot_id: str  # "" until named (only a station with history needs the names)
    schedule_id: int
    schedule: Schedule | None
    planned: datetime
    rank: int
    deadline: datetime
    todo: list[Todo] = field(default_factory=list)
    started: bool = False
    placed: list[SlotItem] = field(default_factory=list)
    interrupted: bool = False
    status: SlotStatus | None = None
    reason: str | None = None
    real_start: datetime | None = None  # history: when the slot really began


@dataclass
class Ctx:
    """Everything one resolution shares: inputs, gates, and what the output did so far."""

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
    fixed: dict[int, list[Todo]] = field(default_factory=dict)  # timeline._fixed_layouts
    unready: frozenset[str] = frozenset()  # audio the station has not verified yet (it waits for it)


def bulletin_of(item: Item, bulletins: Mapping[int, Bulletin]) -> Bulletin | None:
    if item.kind is ItemKind.BULLETIN and item.bulletin_id is not None:
        return bulletins.get(item.bulletin_id)
    return None


def duration(item: Item, bulletins: Mapping[int, Bulletin]) -> timedelta:
    if item.kind is ItemKind.BULLETIN:
        b = bulletins.get(item.bulletin_id) if item.bulletin_id is not None else None
        return timedelta(milliseconds=b.duration_ms if b is not None else 0)
    return timedelta(milliseconds=item.duration_ms)


def place_current(job: Job, rec: SlotRecord, ctx: Ctx) -> datetime | None:
    """Put the item the station reports as sounding on the timeline; return when it stops."""
    cur = rec.current
    stop = None
    if cur is not None:
        stop = cur.end
        cut = _next_cut(ctx, cur.start, cur.end) if job.rank < EMERGENCY else None
        if cut is not None:
            stop, job.interrupted = cut, True
        job.placed.append(SlotItem(kind=cur.kind, start=cur.start, end=stop, bulletin_id=cur.bulletin_id,
                                   asset_sha256=cur.asset_sha256, index=cur.index, interrupted=cut is not None))
        _record_play(ctx, cur.start, stop)
    if not job.todo:
        _finish(job)
    return stop


def _finish(job: Job) -> None:
    job.status = SlotStatus.INTERRUPTED if job.interrupted else SlotStatus.PLANNED
    job.reason = "emergency" if job.interrupted else None


def _start_layout(job: Job, at: datetime, ctx: Ctx) -> tuple[list[Todo], str | None]:
    """``layout`` of a whole slot starting at ``at``, from the precomputed one when possible."""
    fixed = ctx.fixed.get(job.schedule_id)
    if fixed is not None:
        return list(fixed), None
    assert job.schedule is not None
    return layout(job.schedule, 0, at, ctx.bulletins)


def layout(
    s: Schedule, first: int, at: datetime, bulletins: Mapping[int, Bulletin], *, whole: bool = True
) -> tuple[list[Todo], str | None]:
    """Items from index ``first`` laid back to back from ``at``, invalid bulletins dropped.

    Returns the kept items and, for a ``whole`` slot where no bulletin survives although the
    schedule has some, nothing and why. The rest of a slot in progress keeps its chimes/pauses.
    """
    kept: list[Todo] = []
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
        d = duration(item, bulletins)
        kept.append((idx, item, b, d))
        cursor += d
    if whole and (missing or invalid) and not any(b is not None for _, _, b, _ in kept):
        return [], "bulletin_missing" if missing and not invalid else "bulletin_invalid"
    return kept, None


def lacks_audio(todo: list[Todo], ctx: Ctx) -> bool:
    """True if an item of ``todo`` needs audio the station does not have verified yet."""
    if not ctx.unready:
        return False
    return any((b.asset_sha256 if b is not None else item.asset_sha256) in ctx.unready
               for _, item, b, _ in todo)


def _earliest(job: Job, ctx: Ctx) -> datetime:
    """The first instant the job could sound: its planned start, or when the station is back."""
    if ctx.busy_until is not None and ctx.busy_until > job.planned:
        return ctx.busy_until
    return job.planned


def prepare_cuts(jobs: list[Job], ctx: Ctx) -> None:
    """The instants at which an emergency will want the output (it cuts lower tiers there)."""
    for job in jobs:
        if job.rank < EMERGENCY or job.schedule is None:
            continue
        at = _earliest(job, ctx)
        todo = _start_layout(job, at, ctx)[0] if at <= job.deadline else []
        if todo and not lacks_audio(todo, ctx):  # an emergency without its audio cannot cut anything
            ctx.cuts.append(at)
    ctx.cuts.sort()


def _next_cut(ctx: Ctx, after: datetime, before: datetime) -> datetime | None:
    i = bisect.bisect_right(ctx.cuts, after)
    if i < len(ctx.cuts) and ctx.cuts[i] < before:
        return ctx.cuts[i]
    return None


def _record_play(ctx: Ctx, a: datetime, b: datetime) -> None:
    ctx.play_starts.append(a)
    ctx.play_ends.append(b)


class _Queues:
    """One heap per (tier, started), each ordered by planned start, then schedule id."""

    def __init__(self) -> None:
        self.heaps: dict[tuple[int, bool], list[tuple[datetime, int, int, Job]]] = {
            q: [] for q in _QUEUES
        }
        self.seq = itertools.count()

    def push(self, job: Job) -> None:
        key = (job.rank, job.started)
        heapq.heappush(self.heaps[key], (job.planned, job.schedule_id, next(self.seq), job))

    def empty(self) -> bool:
        return not any(self.heaps.values())


def simulate(jobs: list[Job], resumed: list[Job], t: datetime, ctx: Ctx) -> None:
    """Play ``jobs`` (sorted by planned start) and ``resumed`` out from ``t``, deciding each."""
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


def _admit(job: Job, queues: _Queues, ctx: Ctx) -> None:
    if _stale(job) and _earliest(job, ctx) > job.deadline:  # came too late: not a wait for audio
        job.status, job.reason = SlotStatus.MISSED, "stale"
        return
    fixed = ctx.fixed.get(job.schedule_id)
    if fixed and not ctx.unready:  # the common case: _start_layout without the copy
        queues.push(job)
        return
    todo, why = (fixed, None) if fixed else _start_layout(job, _earliest(job, ctx), ctx)
    if not todo:
        job.status, job.reason = SlotStatus.SKIPPED, why or "bulletin_invalid"
        return
    if lacks_audio(todo, ctx):
        # Its audio is still on its way: the slot neither starts nor holds the output. Whether the
        # audio comes in time is not known here, so it reads as missed; the station asks again when
        # the audio is verified, and only logs the miss once the grace has run out (its deadline).
        job.status, job.reason = SlotStatus.MISSED, "asset_missing"
        return
    queues.push(job)


def _gated(rank: int, started: bool, t: datetime, ctx: Ctx) -> bool:
    """True if a slot of this tier may not begin (or resume) at ``t``."""
    if ctx.busy_until is not None and t < ctx.busy_until:
        return True
    if _in_block(ctx, t):
        return True
    if rank >= EMERGENCY:
        return False
    if ctx.local_until is not None and t < ctx.local_until:
        return True
    return not started and _quiet(t, ctx)


def _pick(queues: _Queues, t: datetime, ctx: Ctx) -> Job | None:
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


def _play_one(job: Job, t: datetime, queues: _Queues, ctx: Ctx) -> datetime:
    """Play the job's next item from ``t``; return when the output is free again."""
    if not job.started:
        job.todo, why = _start_layout(job, t, ctx)
        if not job.todo:
            job.status, job.reason = SlotStatus.SKIPPED, why or "bulletin_invalid"
            return t
        job.started = True
    idx, item, b, d = job.todo.pop(0)
    stop = t + d
    cut = _next_cut(ctx, t, stop) if job.rank < EMERGENCY else None
    if cut is not None:
        stop, job.interrupted = cut, True
    sha = b.asset_sha256 if b is not None else item.asset_sha256
    job.placed.append(SlotItem(kind=item.kind, start=t, end=stop, bulletin_id=item.bulletin_id, asset_sha256=sha,
                               index=idx, interrupted=cut is not None))
    _record_play(ctx, t, stop)
    if job.todo:
        queues.push(job)
    else:
        _finish(job)
    return stop


def _next_event(
    t: datetime, arrival: datetime | None, queues: _Queues, ctx: Ctx
) -> datetime | None:
    """The next instant at which the answer of ``_pick`` can change."""
    cands = [] if arrival is None else [arrival]
    if not queues.empty():
        for x in (ctx.busy_until, ctx.local_until, _block_end(ctx, t), _quiet_end(t, ctx)):
            if x is not None and x > t:
                cands.append(x)
    return min(cands) if cands else None


def _in_block(ctx: Ctx, t: datetime) -> bool:
    return bool(ctx.blocks) and _block_end(ctx, t) is not None


def _block_end(ctx: Ctx, t: datetime) -> datetime | None:
    """The end of the history interval holding the output at ``t``, if any."""
    i = bisect.bisect_right(ctx.block_starts, t) - 1
    if i >= 0 and ctx.blocks[i][1] > t:
        return ctx.blocks[i][1]
    return None


def _quiet(t: datetime, ctx: Ctx) -> bool:
    qh = ctx.settings.quiet_hours
    return qh is not None and qh.contains(t.astimezone(ctx.tz).time())


def _quiet_end(t: datetime, ctx: Ctx) -> datetime | None:
    """The next instant after ``t`` at which the station's wall clock leaves quiet hours.

    An end time that a DST change skips (02:01 on a spring-forward night in Berlin) ends quiet hours
    when the clock jumps past it; one it repeats ends them at its first occurrence, and again at the
    second if ``t`` lies in the repeated hour. So both readings of the wall time are candidates, and
    the first one that is really outside quiet hours is taken back to the instant the clock left them.
    """
    qh = ctx.settings.quiet_hours
    if qh is None:
        return None
    day = t.astimezone(ctx.tz).date()
    for k in range(3):
        wall = datetime.combine(day + timedelta(days=k), qh.end)
        for at in sorted({wall.replace(tzinfo=ctx.tz, fold=f).astimezone(UTC) for f in (0, 1)}):
            if at > t and not _quiet(at, ctx):
                return _left_quiet(t, at, ctx)
    return None  # pragma: no cover - an end time always comes within two days


def _left_quiet(t: datetime, at: datetime, ctx: Ctx) -> datetime:
    """The first whole second in ``(t, at]`` outside quiet hours (``at`` itself unless a DST gap)."""
    if _quiet(at - timedelta(seconds=1), ctx) or not _quiet(t, ctx):
        return at
    lo, hi = int(t.timestamp()), int(at.timestamp())  # quiet at lo, not at hi: clocks jump on seconds
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _quiet(datetime.fromtimestamp(mid, UTC), ctx):
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def _cause(job: Job, ctx: Ctx) -> str:
    """Why ``job`` could not start by its deadline: what held the output at that instant."""
    d = job.deadline
    if _stale(job):
        return "stale"
    i = bisect.bisect_right(ctx.play_starts, d) - 1
    if (i >= 0 and ctx.play_ends[i] > d) or _in_block(ctx, d):
        return "conflict"
    if job.rank < EMERGENCY and _quiet(d, ctx):
        return "quiet_hours"
    if job.rank < EMERGENCY and ctx.local_until is not None and d < ctx.local_until:
        return "local_override"
    if ctx.busy_until is not None and d < ctx.busy_until:
        return ctx.busy_reason
    return "conflict"  # the output was free but slots of a higher tier or earlier were waiting


def _stale(job: Job) -> bool:
    """True if the job's deadline is its schedule's "play no later than" time."""
    s = job.schedule
    return s is not None and s.play_by is not None and job.deadline >= s.play_by
