"""Pure scheduling core: what plays when. No Flask, no peewee, no wall clock.

- ``playlists.model``: the dataclasses (Schedule, Bulletin, Slot, SlotRecord…) and their
  manifest wire shape; reason codes with Vietnamese/English text.
- ``playlists.rules``: RRULE sets in a station's zone; ``once``/``daily``/``weekly``/``monthly``
  constructors, ``occurrences`` and ``validate``.
- ``playlists.timeline``: ``expand`` (the resolved slots of a window, with tiers, grace, quiet
  hours, validity and the station's history), ``now_and_next``, ``current_item``,
  ``next_boundary``, ``deadline``, ``lookback``.
- ``playlists.sound``: how a play sounded (``not_audible``, ``failed_to_sound``) and whether it
  counts as aired: the one definition the station, the central's pages and reports share.
"""

from .errors import ScheduleError

__all__ = ["ScheduleError"]
