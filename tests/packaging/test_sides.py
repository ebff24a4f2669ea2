"""Installs by side: a Pi gets what the station imports, and nothing the central alone needs."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What only the central uses: TTS engines, report writers, the web UI's i18n, and the central itself.
CENTRAL_ONLY = ("central", "audio_library", "gtts", "espeakng_loader", "docx", "openpyxl", "flask_babel")

# Imports every station module and runs `station status` with the central-only packages made
# unimportable, as on a Pi that installed `loa[station]`.
_PROBE = """
import importlib, pkgutil, sys
blocked = set(sys.argv[1].split(","))
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name} is not installed on a station")
sys.meta_path.insert(0, Block())
import station
for info in pkgutil.walk_packages(station.__path__, "station."):
    if not info.name.endswith("__main__"):  # that one runs the command line
        importlib.import_module(info.name)
from station.cli import main
sys.exit(main(["status", "--json"]))
"""


def _requires(section: str, key: str) -> set[str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = [ln.split("#")[0].strip() for ln in cfg[section][key].splitlines()]
    return {ln.split(">")[0].split("<")[0].split("=")[0].strip().lower() for ln in lines if ln}


def test_tts_engines_are_the_centrals_alone() -> None:
    station = _requires("options", "install_requires") | _requires("options.extras_require", "station")
    assert not station & {"gtts", "espeakng-loader", "pydub"}
    assert {"gtts", "espeakng-loader"} <= _requires("options.extras_require", "central")


def test_the_station_runs_without_the_centrals_packages(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LOA_STATION_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _PROBE, ",".join(CENTRAL_ONLY)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert "is not installed on a station" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    # Every module imported; the command ran and says what an unenrolled station needs next.
    assert done.returncode == 2 and "station enroll" in done.stderr, (done.stdout, done.stderr)
