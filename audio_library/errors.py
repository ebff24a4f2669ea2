"""The one exception root of the audio library, and the words it gives people.

Like the central's messages (``central/messages.py``), an error carries a msgid, its Vietnamese wording
and the key of the central's catalogue, and its parameters, so the edge can word it in the reader's
language; ``str()`` is the Vietnamese. A parameter may itself be a ``Reason`` (a worded part, such as
why a file is damaged), translated the same way. The library never builds "Vietnamese (English)" text.
"""

from __future__ import annotations

from typing import Any


class Reason:
    """A msgid and its parameters; ``str()`` gives the Vietnamese wording."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid, self.params = msgid, params

    def __str__(self) -> str:
        return self.msgid % {k: str(v) for k, v in self.params.items()} if self.params else self.msgid

    def __repr__(self) -> str:
        return f"Reason({self.msgid!r}, {self.params!r})"


class AudioError(Exception):
    """Audio could not be accepted, processed, synthesised or stored; ``msgid`` and ``params`` say why."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid, self.params = msgid, params
        super().__init__(str(Reason(msgid, **params)))
