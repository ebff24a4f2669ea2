"""How a play sounded: the one classification the station, the central's pages and its reports share.

On the wire a play log keeps its old ``status`` (``completed``, ``failed``…), so an older central
never refuses a newer station's logs, and carries an optional ``sound`` object saying how it
sounded (output, volume, and the ``audibility`` below). ``outcome`` folds the two into the status a
person and a report see, which adds two values to the six of the contract:

- ``not_audible``: the play ran, but into the null output (no sound card) or at volume 0;
- ``failed_to_sound``: the station's monitor (``LOA_MONITOR``) heard silence while it played.

Neither counts as aired (``aired``): no minutes, no plays, no station reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_AUDIBLE = "not_audible"
FAILED_TO_SOUND = "failed_to_sound"

#: ``sound.audibility`` values: heard by the monitor, not checked (no monitor, a real output at a
#: volume above 0), the set-up cannot be heard, or the monitor heard silence.
AUDIBLE, UNCHECKED = "audible", "unchecked"
AUDIBILITIES = (AUDIBLE, UNCHECKED, NOT_AUDIBLE, FAILED_TO_SOUND)

#: every status a stored or shown play may have: the contract's six, then the two sound outcomes
STATUSES = ("completed", "interrupted", "failed", "missed", "skipped", "local", NOT_AUDIBLE, FAILED_TO_SOUND)
AIRED = frozenset({"completed", "interrupted", "local"})
_SOUNDING = frozenset({"completed", "interrupted", "local", "failed"})  # a player ran for these


def setup_audibility(null_output: bool, volume: int) -> str:
    """``not_audible`` for the null output or volume 0, else ``unchecked`` (until a monitor says more)."""
    return NOT_AUDIBLE if null_output or int(volume) <= 0 else UNCHECKED


def outcome(status: str, sound: Mapping[str, Any] | None) -> str:
    """The status a person and a report see: ``status`` unless the ``sound`` says nobody heard it."""
    audibility = (sound or {}).get("audibility")
    if status not in _SOUNDING:
        return status
    if audibility == FAILED_TO_SOUND:
        return FAILED_TO_SOUND
    if audibility == NOT_AUDIBLE and status != "failed":
        return NOT_AUDIBLE
    return status


def aired(status: str) -> bool:
    """True if a play with this (outcome) status was heard and counts in plays and minutes aired."""
    return status in AIRED
