"""The one exception root of the audio library."""

from __future__ import annotations


class AudioError(Exception):
    """Audio could not be accepted, processed, synthesised or stored; the message says why."""
