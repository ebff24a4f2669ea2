"""Pure scheduling core: what plays when. No Flask, no peewee, no wall clock."""

from .errors import ScheduleError

__all__ = ["ScheduleError"]
