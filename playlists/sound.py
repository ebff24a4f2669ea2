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

from .words import OUTCOMES, Audibility, PlayStatus

# the names this module has always exported (the station's monitor and the central's reports use them)
NOT_AUDIBLE = Audibility.NOT_AUDIBLE
FAILED_TO_SOUND = Audibility.FAILED_TO_SOUND
AUDIBLE, UNCHECKED = Audibility.AUDIBLE, Audibility.UNCHECKED
AUDIBILITIES = tuple(Audibility)

#: every status a stored or shown play may have: the contract's six, then the two sound outcomes
STATUSES = OUTCOMES
AIRED = frozenset({PlayStatus.COMPLETED, PlayStatus.INTERRUPTED, PlayStatus.LOCAL})
#: plays that should have sounded and did not (the dashboard's "failed"): not_audible is its own column
DID_NOT_SOUND = frozenset({PlayStatus.FAILED, PlayStatus.MISSED, PlayStatus.FAILED_TO_SOUND})
# a player ran for these
_SOUNDING = frozenset({PlayStatus.COMPLETED, PlayStatus.INTERRUPTED, PlayStatus.LOCAL, PlayStatus.FAILED})


def setup_audibility(null_output: bool, volume: int) -> str:
    """``not_audible`` for the null output or volume 0, else ``unchecked`` (until a monitor says more)."""
    return Audibility.NOT_AUDIBLE if null_output or int(volume) <= 0 else Audibility.UNCHECKED


def outcome(status: str, sound: Mapping[str, Any] | None) -> str:
    """The status a person and a report see: ``status`` unless the ``sound`` says nobody heard it."""
    audibility = (sound or {}).get("audibility")
    if status not in _SOUNDING:
        return status
    if audibility == Audibility.FAILED_TO_SOUND:
        return PlayStatus.FAILED_TO_SOUND
    if audibility == Audibility.NOT_AUDIBLE and status != PlayStatus.FAILED:
        return PlayStatus.NOT_AUDIBLE
    return status


def aired(status: str) -> bool:
    """True if a play with this (outcome) status was heard and counts in plays and minutes aired."""
    return status in AIRED
