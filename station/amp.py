"""Amplifier power: a relay switched on ``lead`` before each programme and off ``hold`` after the last sound.

Commune amplifiers are switched off between broadcasts to save power, stop the hum and make the
equipment last. Two ways to drive the relay:

- a GPIO pin (``LOA_AMP_GPIO``, BCM numbering) through gpiozero, which uses the lgpio backend on
  Raspberry Pi OS; ``LOA_AMP_ACTIVE_LOW=1`` for relay modules that close on a low pin (most cheap ones);
- commands (``LOA_AMP_ON`` / ``LOA_AMP_OFF``) on other hardware: a USB relay tool, ``curl`` to a smart
  plug, ``uhubctl``….

Every decision takes ``now`` from the loop's injected clock and the slots from its timeline: the
relay closes at ``slot.start - lead``, stays closed through the whole slot (its pauses too: never off in
the middle of a programme) and through anything sounding (an emergency or an operator's play starts
at once, without lead), and opens ``hold`` after the last of these ends, unless another is due by then.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from playlists.model import ItemKind, Slot, SlotStatus

from .errors import StationError

log = logging.getLogger(__name__)

_LIVE = (SlotStatus.PLANNED, SlotStatus.INTERRUPTED)  # slots that still sound (not missed or skipped)


class Relay(Protocol):
    mode: str

    def switch(self, on: bool) -> None: ...

    def close(self) -> None: ...


class GpioRelay:
    """A relay module on one GPIO pin; ``pin_factory`` is gpiozero's (tests pass its MockFactory)."""

    mode = "gpio"

    def __init__(self, pin: int, active_low: bool = False, pin_factory: Any = None) -> None:
        try:  # imported here: an agent without a relay never loads it (RSS on a Pi)
            from gpiozero import OutputDevice
        except ImportError as exc:
            raise StationError("LOA_AMP_GPIO needs gpiozero (pip install 'loa[station]')") from exc
        self.device = OutputDevice(pin, active_high=not active_low, initial_value=False, pin_factory=pin_factory)

    def switch(self, on: bool) -> None:
        self.device.on() if on else self.device.off()

    def close(self) -> None:
        self.device.off()
        self.device.close()


class CommandRelay:
    """Commands that switch the amplifier on and off (each must finish within ``timeout`` seconds)."""

    mode = "command"

    def __init__(self, on: str, off: str, timeout: float = 10.0) -> None:
        self.commands = {True: shlex.split(on), False: shlex.split(off)}
        self.timeout = timeout

    def switch(self, on: bool) -> None:
        argv = self.commands[on]
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=self.timeout,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StationError(f"amplifier {'on' if on else 'off'} command {argv[0]!r} failed: {exc}") from exc
        if done.returncode != 0:
            tail = done.stderr.decode("utf-8", "replace").strip()[-300:]
            raise StationError(f"amplifier {'on' if on else 'off'} command exited {done.returncode}: {tail}")

    def close(self) -> None:
        """Nothing held open."""


class AmpPower:
    """Decides, step by step, whether the amplifier should be on; switches the relay when that changes."""

    def __init__(self, relay: Relay, lead: timedelta = timedelta(seconds=10),
                 hold: timedelta = timedelta(seconds=60)) -> None:
        self.relay, self.lead, self.hold = relay, lead, hold
        self.on = False
        self.error: str | None = None
        self._last_sound: datetime | None = None  # when something last sounded
        self._sounding = False

    def update(self, slots: Sequence[Slot], now: datetime, sounding: bool) -> datetime | None:
        """Switch as the timeline wants at ``now``; answer when the answer may change next (None: never)."""
        if sounding or self._sounding:  # sounding now, or just stopped: the hold counts from here
            self._last_sound = now
        self._sounding = sounding
        want, at = sounding, []
        for s in slots:
            if s.status not in _LIVE or not any(i.kind != ItemKind.PAUSE for i in s.items):
                continue
            if s.start - self.lead <= now < s.end:  # inside a programme (or its lead): the hold runs from its end
                want = True
                self._last_sound = max(self._last_sound or s.end, s.end)
            elif s.start - self.lead > now:
                at.append(s.start - self.lead)
        if self._last_sound is not None and now < self._last_sound + self.hold:
            want = True
            at.append(self._last_sound + self.hold)
        if want != self.on:
            self._switch(want)
        return min(at) if at else None

    def _switch(self, on: bool) -> None:
        try:
            self.relay.switch(on)
        except StationError as exc:  # a relay that fails must never stop a broadcast: say it, retry later
            self.error = str(exc)
            log.error("%s", exc)
            return
        self.on, self.error = on, None
        log.info("amplifier %s (%s)", "on" if on else "off", self.relay.mode)

    def status(self) -> dict[str, Any]:
        return {"mode": self.relay.mode, "on": self.on, **({"error": self.error} if self.error else {})}

    def close(self) -> None:
        if self.on:
            self._switch(False)
        self.relay.close()
