"""`station unit`: the systemd unit shipped inside the package, pointed at the install that prints it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_unit_starts_this_installs_agent() -> None:
    out = subprocess.run([sys.executable, "-m", "station", "unit"], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}).stdout
    shipped = (ROOT / "station/deploy/loa-station.service").read_text(encoding="utf-8").splitlines()
    printed = out.splitlines()
    assert f"ExecStart={Path(sys.executable).parent / 'station'} run" in printed
    # Everything else is the shipped unit as it is: user, sandboxing, restart policy, install target.
    assert [ln for ln in printed if not ln.startswith("ExecStart=")] == [
        ln for ln in shipped if not ln.startswith("ExecStart=")]
    assert "WantedBy=multi-user.target" in printed and "User=loa" in printed
