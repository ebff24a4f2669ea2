"""Players: a small interface (start → a running playback you can watch and stop) over real subprocesses.

``LOA_PLAYER`` is a command template; ``{path}`` is the file, ``{volume}`` 0–100, ``{gain}`` 0.0–1.0,
``{scale}`` mpg123's 0–32768 and ``{ffmpeg}`` the ffmpeg binary. Without it the agent detects a
player for the sound card, or, on a machine without one, plays in real time into ffmpeg's null
output so timing, logs and proof of play behave exactly as on a Pi.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from .errors import PlayerError

log = logging.getLogger(__name__)

NULL_TEMPLATE = "{ffmpeg} -nostdin -hide_banner -loglevel error -re -i {path} -af volume={gain} -f null -"

# The player must die with the agent (a ``kill -9`` or OOM kill must not leave the loudspeaker
# playing an item nobody logs). Linux's prctl(PR_SET_PDEATHSIG, SIGTERM) does it, set in the child
# between fork and exec. We do NOT use ``preexec_fn``: the agent has several threads, and Python
# runs preexec_fn in the forked child where a lock held by another thread at fork time (malloc,
# logging, the import lock) can deadlock it; it also disables the fast vfork/posix_spawn path.
# Instead the command is prefixed with a tiny exec wrapper that sets the signal and execs the
# player (same pid, survives exec): util-linux's ``setpriv --pdeathsig TERM`` when present (it is
# on Raspberry Pi OS), else a few lines of Python that call prctl through ctypes.
# The death signal only covers a parent that dies *after* prctl: an agent killed between fork and
# prctl has already reparented the child (to init or a subreaper), and setpriv does not check. So
# after prctl the wrapper compares its parent with the agent's pid and exits if they differ; with
# setpriv that check is a POSIX ``sh`` (dash: about a millisecond), whose $PPID is read at its start,
# i.e. after setpriv's prctl. Elsewhere (not Linux) nothing is added.
# Note the death signal follows the *thread* that forked: the player loop thread starts every
# player and lives as long as the agent, so this is the agent's death.
_ORPHAN_EXIT = 143  # what a player stopped by SIGTERM answers
_CHECK_SH = f'[ "$PPID" = "$0" ] || exit {_ORPHAN_EXIT}; exec "$@"'
_PDEATHSIG_PY = (
    "import ctypes,os,signal,sys\n"
    "ctypes.CDLL(None,use_errno=True).prctl(1,int(signal.SIGTERM),0,0,0)\n"  # 1 = PR_SET_PDEATHSIG
    f"os.getppid()!=int(sys.argv[1]) and sys.exit({_ORPHAN_EXIT})\n"
    "os.execvp(sys.argv[2],sys.argv[2:])"
)


def die_with_parent(argv: list[str], platform: str = sys.platform, setpriv: str | None = None,
                    parent: int | None = None) -> list[str]:
    """``argv`` wrapped so the player gets SIGTERM when ``parent`` (default: this process) dies."""
    if not platform.startswith("linux"):
        return argv
    pid = str(os.getpid() if parent is None else parent)
    tool = setpriv if setpriv is not None else shutil.which("setpriv")
    if tool:
        return [tool, "--pdeathsig", "TERM", "--", "/bin/sh", "-c", _CHECK_SH, pid, *argv]
    return [sys.executable, "-I", "-S", "-c", _PDEATHSIG_PY, pid, *argv]


class Playback(Protocol):
    """One running item."""

    pid: int
    started_monotonic: float

    def poll(self) -> int | None: ...

    def terminate(self) -> None: ...

    def stderr_tail(self) -> str: ...


class Player(Protocol):
    description: str  # how it was chosen

    @property
    def output(self) -> str: ...  # where the sound goes: the sound card's name, or the null output

    @property
    def null_output(self) -> bool: ...  # nobody can hear it (the demo's and tests' real-time null sink)

    def start(self, path: Path, volume: int, on_exit: Callable[[], None]) -> Playback: ...


class ProcessPlayback:
    """A real player process; ``on_exit`` is called from a watcher thread when it ends."""

    def __init__(self, argv: list[str], on_exit: Callable[[], None]) -> None:
        self._err: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._err)
        except OSError as exc:
            self._err.close()
            raise PlayerError(f"cannot start player {argv[0]!r}: {exc}") from exc
        self.started_monotonic = time.monotonic()
        self.pid = self.proc.pid
        self._on_exit = on_exit
        threading.Thread(target=self._watch, name=f"player-{self.pid}", daemon=True).start()

    def _watch(self) -> None:
        self.proc.wait()
        self._on_exit()

    def poll(self) -> int | None:
        return self.proc.poll()

    def terminate(self) -> None:
        """Stop at once: SIGTERM, then SIGKILL if it does not go within a second."""
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def stderr_tail(self, limit: int = 500) -> str:
        try:
            self._err.seek(0, 2)
            size = self._err.tell()
            self._err.seek(max(0, size - limit))
            return self._err.read().decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""


@dataclass
class CommandPlayer:
    """A player command template (see module docstring)."""

    template: str
    description: str
    ffmpeg: str = "ffmpeg"
    die_with_agent: bool = True
    card: str | None = None  # the sound card's name, when the player was chosen for one

    @property
    def null_output(self) -> bool:
        """True for ffmpeg's null muxer (``-f null``): it keeps time, but nobody hears it."""
        toks = shlex.split(self.template)
        return any(a == "-f" and b == "null" for a, b in zip(toks, toks[1:], strict=False))

    @property
    def output(self) -> str:
        if self.null_output:
            return "null output (ffmpeg -f null): not audible"
        return f"{self.card}: {self.description}" if self.card else self.description

    def argv(self, path: Path, volume: int) -> list[str]:
        v = max(0, min(100, int(volume)))
        values = {
            "path": str(path), "volume": str(v), "gain": f"{v / 100:.2f}",
            "scale": str(int(32768 * v / 100)), "ffmpeg": self.ffmpeg,
        }
        try:
            return [tok.format(**values) for tok in shlex.split(self.template)]
        except (KeyError, IndexError, ValueError) as exc:
            raise PlayerError(f"bad player template {self.template!r}: {exc}") from exc

    def start(self, path: Path, volume: int, on_exit: Callable[[], None]) -> Playback:
        argv = self.argv(path, volume)
        if shutil.which(argv[0]) is None:  # said here: behind the wrapper it would be a mere exit status
            raise PlayerError(f"cannot start player {argv[0]!r}: not found")
        log.debug("starting player %s", argv)
        return ProcessPlayback(die_with_parent(argv) if self.die_with_agent else argv, on_exit)


def has_sound_card(cards: Path = Path("/proc/asound/cards")) -> bool:
    return sound_card(cards) is not None


def sound_card(cards: Path = Path("/proc/asound/cards")) -> str | None:
    """The first sound card's name (``bcm2835 Headphones``), or None without one."""
    try:
        text = cards.read_text()
    except OSError:
        return None
    if not text.strip() or "no soundcards" in text:
        return None
    first = text.strip().splitlines()[0]
    name = first.partition(" - ")[2].strip() or first.partition("]:")[2].strip()
    return name or "sound card"


def detect(template: str | None, ffmpeg: str, sound: bool | None = None) -> CommandPlayer:
    """The configured player, else the best one found for the sound card, else a real-time null sink."""
    card = sound_card() if sound is None else ("sound card" if sound else None)
    if template:
        return CommandPlayer(template, f"LOA_PLAYER: {template}", ffmpeg, card=card)
    if card is not None:
        if shutil.which("ffplay"):
            return CommandPlayer("ffplay -nodisp -autoexit -loglevel error -volume {volume} {path}", "ffplay → sound card",
                                 card=card)
        if shutil.which("ffmpeg"):
            return CommandPlayer(
                "ffmpeg -nostdin -loglevel error -i {path} -af volume={gain} -f alsa default",
                "ffmpeg → ALSA default device", card=card,
            )
        if shutil.which("mpg123"):
            return CommandPlayer("mpg123 -q -f {scale} {path}", "mpg123 → sound card (MP3 only)", card=card)
        if shutil.which("aplay"):
            return CommandPlayer("aplay -q {path}", "aplay → sound card (WAV only, no volume)", card=card)
    return CommandPlayer(NULL_TEMPLATE, "no sound card: real-time null output (ffmpeg -re … -f null)", ffmpeg)
