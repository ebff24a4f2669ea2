"""The root of every error the scheduling core raises."""

from __future__ import annotations


class ScheduleError(Exception):
    """A schedule, rule or manifest that cannot be understood; the message says what to fix.

    The message is a msgid (Vietnamese, the wording people read by default) and its parameters, so a
    caller with a gettext catalogue words it in another language (the central's ``central.messages``).
    """

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
