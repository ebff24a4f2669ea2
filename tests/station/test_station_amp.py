"""Amplifier power (issue 15 §1): a relay on before each programme and off after it, by the fake clock.

The GPIO relay is gpiozero's real OutputDevice on its MockFactory pins (no Pi here); the command
relay runs real commands.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from station.amp import AmpPower, CommandRelay, GpioRelay
from station.errors import StationError
from station.loop import PlayerLoop
from station.timeline import expand

from .station_helpers import local, utc
from .test_station_loop import Rig, rig  # noqa: F401 - the fixture

PIN = 17


@pytest.fixture
def pins() -> MockFactory:
    return MockFactory()


def _with_amp(r: Rig, relay: object, hold_s: float = 60) -> AmpPower:
    amp = AmpPower(relay, timedelta(seconds=10), timedelta(seconds=hold_s))  # type: ignore[arg-type]
    r.loop = PlayerLoop(r.store, r.cache, r.player, r.clock, expand, amp=amp)
    return amp


def _closed(pins: MockFactory, active_low: bool) -> bool:
    """Whether the relay module's coil is energised, as its input pin level says."""
    return pins.pin(PIN).state is (not active_low)


@pytest.mark.parametrize("active_low", [False, True])
def test_the_relay_closes_before_a_programme_and_opens_after_it(rig: Rig, pins: MockFactory,  # noqa: F811
                                                                 active_low: bool) -> None:
    amp = _with_amp(rig, GpioRelay(PIN, active_low, pin_factory=pins))
    rig.central.bulletin(1, 60)
    rig.central.bulletin(2, 30)
    rig.central.schedule(10, [1, 2], local(2026, 6, 1, 6, 0), pause_s=20)  # a pause inside the programme
    rig.apply()
    assert not _closed(pins, active_low) and not amp.on, "off at start-up"
    wake = rig.loop.step()
    assert wake == utc(local(2026, 6, 1, 5, 59, 50)), "wakes for the amplifier 10 s before the slot"
    rig.step_at(local(2026, 6, 1, 5, 59, 50))
    assert _closed(pins, active_low) and rig.player.started == [], "on before the first sound"
    rig.step_at(local(2026, 6, 1, 6, 0))
    rig.time.t = utc(local(2026, 6, 1, 6, 1))
    rig.player.current.finish(0)  # type: ignore[union-attr]
    rig.loop.step()  # the pause between the two bulletins: still on
    assert _closed(pins, active_low) and rig.player.current is None
    rig.step_at(local(2026, 6, 1, 6, 1, 20))
    rig.time.t = utc(local(2026, 6, 1, 6, 1, 50))
    rig.player.current.finish(0)  # type: ignore[union-attr]
    wake = rig.loop.step()
    assert _closed(pins, active_low) and wake == utc(local(2026, 6, 1, 6, 2, 50)), "held 60 s after the end"
    rig.step_at(local(2026, 6, 1, 6, 2, 50))
    assert not _closed(pins, active_low) and not amp.on


def test_back_to_back_programmes_keep_it_on_and_an_emergency_switches_it_at_once(rig: Rig,  # noqa: F811
                                                                                 pins: MockFactory) -> None:
    from playlists.model import Priority

    amp = _with_amp(rig, GpioRelay(PIN, pin_factory=pins))
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    rig.central.schedule(11, [1], local(2026, 6, 1, 6, 1, 30))  # 30 s after the first ends: within the hold
    rig.central.schedule(12, [1], local(2026, 6, 1, 7, 0, 0), priority=Priority.EMERGENCY)
    rig.apply()
    rig.step_at(local(2026, 6, 1, 6, 0))
    rig.time.t = utc(local(2026, 6, 1, 6, 1))
    rig.player.current.finish(0)  # type: ignore[union-attr]
    rig.loop.step()
    for second in (10, 20, 29):
        rig.step_at(local(2026, 6, 1, 6, 1, second))
        assert amp.on, "never off between two programmes closer than the hold"
    rig.step_at(local(2026, 6, 1, 6, 1, 30))
    rig.time.t = utc(local(2026, 6, 1, 6, 2, 30))
    rig.player.current.finish(0)  # type: ignore[union-attr]
    rig.loop.step()
    rig.step_at(local(2026, 6, 1, 6, 3, 30))
    assert not amp.on
    amp.lead = timedelta(0)  # an emergency without warning (as one sent now is): on with its first sound
    rig.step_at(local(2026, 6, 1, 7, 0, 0))
    assert rig.player.current is not None and amp.on and pins.pin(PIN).state


def test_commands_switch_another_amplifier_and_a_failing_one_never_stops_the_play(
        rig: Rig, tmp_path: Path) -> None:  # noqa: F811
    record = tmp_path / "amp.log"
    relay = CommandRelay(f"sh -c 'echo on >> {record}'", f"sh -c 'echo off >> {record}'")
    amp = _with_amp(rig, relay, hold_s=5)
    rig.central.bulletin(1, 60)
    rig.central.schedule(10, [1], local(2026, 6, 1, 6, 0))
    rig.apply()
    rig.step_at(local(2026, 6, 1, 5, 59, 50))
    rig.step_at(local(2026, 6, 1, 6, 0))
    rig.time.t = utc(local(2026, 6, 1, 6, 1))
    rig.player.current.finish(0)  # type: ignore[union-attr]
    rig.loop.step()
    rig.step_at(local(2026, 6, 1, 6, 1, 5))
    assert record.read_text().split() == ["on", "off"] and amp.status() == {"mode": "command", "on": False}
    broken = CommandRelay("sh -c 'echo relay jammed >&2; exit 3'", "true")
    with pytest.raises(StationError, match="exited 3: relay jammed"):
        broken.switch(True)
    amp.relay = broken
    rig.central.schedule(11, [1], local(2026, 6, 1, 8, 0))
    rig.apply()
    rig.step_at(local(2026, 6, 1, 8, 0))
    assert rig.player.current is not None, "the programme plays whatever the relay does"
    assert "relay jammed" in amp.status()["error"]


def test_the_agent_never_loads_gpiozero_without_a_relay() -> None:
    code = "import sys, station.daemon, station.cli; print('gpiozero' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
