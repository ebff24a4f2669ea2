"""The item sounding now: start its player, see it end, cut it short, and log how it went.

The player loop (``station/loop.py``) decides *what* sounds; this module supervises the one item
that does (``loop.running``): a scheduled item, a pause, an operator's play, a speaker test, a relay
(``station/relay.py``) or a live announcement (``station/live.py``). A play ends ``completed`` only
when its player exited cleanly after about the item's length; an exit status, or a stop well short
of the length, is ``failed`` with the player's last words. Every end goes through ``end``, which
finishes the sound check and writes the play log's end (``station/journal.py``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playlists.model import Priority, Slot, SlotItem, SlotStatus, describe_reason
from playlists.words import PlayStatus, Reason

from . import speaker
from .errors import PlayerError
from .player import Playback, Player
from .relay import RelayPlayback

if TYPE_CHECKING:
    from .loop import PlayerLoop

log = logging.getLogger(__name__)


@dataclass
class Running:
    """The item sounding now: a scheduled item, a pause, or an operator's play (``slot`` None)."""

    play_id: str | None  # None for a pause
    slot: Slot | None
    item: SlotItem | None
    index: int
    sha256: str | None
    bulletin_id: int | None
    title: str
    priority: Priority
    expected_ms: int
    started_at: datetime
    playback: Playback | None  # None for a pause
    until: datetime | None = None  # when a pause ends
    ok_status: str = PlayStatus.COMPLETED
    note: str | None = None  # the reason logged if it ends well: how late it started
    sound: dict[str, Any] | None = None  # how it sounds (station.monitor), completed at its end
    measurement: Any = None  # the monitor listening to it, if there is one


def launch(loop: PlayerLoop, play_id: str | None, s: Slot | None, item: SlotItem | None, index: int,
           path: Path, title: str, expected_ms: int, priority: Priority,
           ok_status: str = PlayStatus.COMPLETED, sha: str | None = None, bulletin: int | None = None,
           player: Player | None = None) -> bool:
    """Start ``path`` as the running item; False (its play logged failed) if the player would not start."""
    try:
        playback = (player or loop.player).start(path, loop.settings.volume, loop.wake.set)
    except PlayerError as exc:
        log.error("%s", exc)
        loop.journal.end_item(play_id, PlayStatus.FAILED, f"{Reason.PLAYER_FAILED}: {exc}", loop.clock.now(),
                              None, s.id if s else None, index + 1)
        return False
    started = loop.clock.now()
    loop.running = Running(play_id=play_id, slot=s, item=item, index=index,
                           sha256=item.asset_sha256 if item else sha,
                           bulletin_id=item.bulletin_id if item else bulletin, title=title, priority=priority,
                           expected_ms=expected_ms, started_at=started, playback=playback,
                           ok_status=ok_status, measurement=loop.sound.measure(),
                           sound=loop.sound.describe(loop.settings, started, loop.local_override))
    if s is not None:
        log.info("playing %r (%s, slot %s, %d ms after its start)", title, priority.value, s.id,
                 (started - s.start) / timedelta(milliseconds=1))
    loop.on_change()
    return True


def reap(loop: PlayerLoop, now: datetime) -> None:
    """End the running item if its player exited (or its pause is over), judging how it went."""
    r = loop.running
    if r is None:
        return
    if loop.live is not None and loop.live.owns(r):  # a live's player ending is the live's to judge
        return
    if r.playback is None:  # a pause
        if r.until is not None and now >= r.until:
            end(loop, r, PlayStatus.COMPLETED, None, now)
        return
    code = r.playback.poll()
    if code is None:
        return
    # Either clock alone can mislead: the corrected one jumps when a sync moves the offset.
    ran = max((now - r.started_at).total_seconds(), time.monotonic() - r.playback.started_monotonic)
    expected = r.expected_ms / 1000
    status, reason = r.ok_status, r.note
    if code != 0:
        status, reason = PlayStatus.FAILED, f"{Reason.PLAYER_FAILED}: exit status {code}: {r.playback.stderr_tail()}"
    elif expected > 2 and ran < expected * 0.9 - 1:
        status, reason = PlayStatus.FAILED, (f"{Reason.PLAYER_FAILED}: stopped after {ran:.1f} s of {expected:.1f} s: "
                                             f"{r.playback.stderr_tail()}")
    if status == PlayStatus.FAILED:
        log.warning("play of %r failed: %s", r.title, reason)
    end(loop, r, status, reason, now)


def end(loop: PlayerLoop, r: Running, status: str, reason: str | None, now: datetime, cut: bool = False) -> None:
    """Log the end of ``r`` (with how it sounded) and free the output."""
    sound, status, reason = loop.sound.finish(r.sound, r.measurement, status, reason, r.title)
    if r.ok_status == speaker.STATUS and loop.speaker is not None:
        loop.speaker.finish(status, reason, sound, now)
    relay = r.playback.relay_log() if isinstance(r.playback, RelayPlayback) else None
    loop.journal.end_item(r.play_id, status, reason, now, r.started_at if r.play_id else None,
                          r.slot.id if r.slot else None, r.index + 1, interrupted=cut, sound=sound, relay=relay)
    loop.running = None
    if r.slot is None:
        loop.local_until = None
    if r.playback is not None:
        loop.on_change()


def interrupt(loop: PlayerLoop, now: datetime, reason: str, end_slot: bool) -> None:
    """Stop the running item, logged interrupted; ``end_slot``: its slot is over too, never resumed."""
    r = loop.running
    if r is None:
        return
    if r.playback is not None:
        r.playback.terminate()
    log.info("interrupted %r: %s", r.title, describe_reason(reason, "en"))
    end(loop, r, PlayStatus.INTERRUPTED, reason, now, cut=True)
    if end_slot and r.slot is not None:
        loop.journal.settle_slot({"slot_id": r.slot.id}, SlotStatus.INTERRUPTED, reason, now, [])
