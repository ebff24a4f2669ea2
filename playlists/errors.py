"""The root of every error the scheduling core raises."""


class ScheduleError(Exception):
    """A schedule, rule or manifest that cannot be understood; the message says what to fix."""
