"""What ships works: build the sdist and the wheel, install the wheel (not editable) into a fresh venv,
and drive a central and a station from that install, from the login page up to one aired bulletin.

    python scripts/smoke_install.py [--work DIR]      # .ci/run and `make smoke` call it

Nothing here imports Loa: every step runs the installed `central` and `station` commands, or speaks
HTTP to them, from a directory outside the source tree and without PYTHONPATH. Waits are on real
state (a port answering, a manifest applied, a play log on the central) with generous timeouts.
"""

from __future__ import annotations

import argparse
import http.cookiejar as http_cookiejar
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
ZONE = "Asia/Ho_Chi_Minh"
AREA = "SMOKE-XA"
T = TypeVar("T")


def step(what: str) -> None:
    print(f"-- {what}", flush=True)


def sh(*cmd: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    """Run a command to completion; its output, or exit with everything it said."""
    p = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        sys.exit(f"FAILED ({p.returncode}): {' '.join(map(str, cmd))}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def wait_for(pred: Callable[[], T | None], timeout: float, what: str, logs: tuple[Path, ...] = ()) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.5)
    tails = "".join(f"\n--- {p.name}:\n{p.read_text(errors='replace')[-3000:]}" for p in logs if p.exists())
    sys.exit(f"FAILED: no {what} within {timeout:.0f} s{tails}")


def build(out: Path) -> Path:
    """The sdist, then the wheel built from it (as `python -m build` does); returns the wheel."""
    step("build the sdist and the wheel (no isolation: offline, with the dev venv's setuptools)")
    sh(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT)
    (sdist,), (wheel,) = out.glob("loa-*.tar.gz"), out.glob("loa-*.whl")
    print(f"   {sdist.name} ({sdist.stat().st_size // 1024} KiB), {wheel.name} ({wheel.stat().st_size // 1024} KiB)")
    return wheel


def install(wheel: Path, venv: Path, env: dict[str, str]) -> Path:
    """A fresh venv with the wheel and the central, station and postgres extras; returns its bin/."""
    step(f"install the wheel into a fresh venv ({venv})")
    sh(sys.executable, "-m", "venv", "--clear", venv)
    sh(venv / "bin/python", "-m", "pip", "install", "--quiet", f"{wheel}[central,station,postgres]", env=env)
    where = sh(venv / "bin/python", "-c", "import central, station; print(central.__file__, station.__file__)",
               env=env, cwd=venv).split()
    assert all(p.startswith(str(venv)) for p in where), f"not imported from the venv: {where}"
    return venv / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(url: str, *, token: str = "", body: Any = None, method: str | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request; (status, headers, body) also for 4xx/5xx answers."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data else "GET"),
                                 headers={**(headers or {}), **({"Content-Type": "application/json"} if data else {}),
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    except OSError:
        return 0, {}, b""


def api(url: str, token: str, body: Any = None, expect: int = 200) -> Any:
    status, _, raw = http(url, token=token, body=body)
    if status != expect:
        sys.exit(f"FAILED: {url} answered {status}, not {expect}: {raw[:2000]!r}")
    return json.loads(raw)


class Service:
    """A long-running installed command with its output in a log file."""

    def __init__(self, cmd: list[str | Path], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = subprocess.Popen([str(c) for c in cmd], env=env, cwd=log.parent,
                                     stdout=log.open("wb"), stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            sys.exit(f"FAILED: {self.proc.args} exited {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
        return True

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)


def start_central(bin_: Path, work: Path, env: dict[str, str]) -> tuple[Service, str]:
    """`central init` and `central run` (the production server) on a free port."""
    step("central init, central run")
    print("   " + sh(bin_ / "central", "init", env=env, cwd=work).strip().replace("\n", "\n   "))
    url = f"http://127.0.0.1:{free_port()}"
    central = Service([bin_ / "central", "run", "--port", url.rsplit(":", 1)[1]], env, work / "central.log")
    wait_for(lambda: central.alive() and http(url + "/api/v1/health")[0] == 200, 90, "answer from the central",
             (central.log,))
    return central, url


def check_pages(url: str) -> None:
    """The login page (Vietnamese), a static file, and the English catalog."""
    step("web pages: login (vi), static file, English")
    status, headers, body = http(url + "/login")
    page = body.decode()
    assert status == 200 and "Đăng nhập" in page, (status, page[:500])
    assert headers.get("Server") == "loa-central", f"not the production server: {headers.get('Server')}"
    status, headers, body = http(url + "/static/loa.css")
    assert status == 200 and headers.get("Content-Type", "").startswith("text/css") and body, status
    # The language choice lives in the session cookie: switch, and follow the redirect with it.
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http_cookiejar.CookieJar()))
    with browser.open(url + "/lang/en?next=/login", timeout=30) as r:
        english = r.read().decode()
        assert r.status == 200 and r.url.endswith("/login"), (r.status, r.url)
    assert "Log in" in english and "Đăng nhập" not in english, english[:800]


def people(bin_: Path, env: dict[str, str], work: Path) -> dict[str, str]:
    """An area, an editor and an approver with API tokens, through the CLI."""
    step("central add-area, create-user, create-token")
    sh(bin_ / "central", "add-area", AREA, "Xã Đắk Lao (thử)", "--level", "commune", env=env, cwd=work)
    tokens = {}
    for name, role in (("bientap", "editor"), ("pheduyet", "approver")):
        sh(bin_ / "central", "create-user", name, "--role", role, env=env, cwd=work)
        tokens[role] = sh(bin_ / "central", "create-token", name, env=env, cwd=work).strip().splitlines()[-1]
    return tokens


def start_station(bin_: Path, work: Path, env: dict[str, str], url: str, central_env: dict[str, str]) -> Service:
    """`station enroll` with a code from `central enroll-code`, then `station run`."""
    step("station enroll, station run")
    code = sh(bin_ / "central", "enroll-code", "--area", AREA, "--name", "Đài xã thử", env=central_env,
              cwd=work).strip().splitlines()[-1]
    sh(bin_ / "station", "enroll", url, code, "--password", "mật-khẩu-xã-thử", env=env, cwd=work)
    station = Service([bin_ / "station", "run"], env, work / "station.log")

    def synced() -> bool:
        st = json.loads(sh(bin_ / "station", "status", "--json", env=env, cwd=work))
        return station.alive() and st.get("manifest_version") is not None

    wait_for(synced, 120, "manifest applied by the station", (station.log,))
    # The commune operator's page: its templates and catalogs ship in the wheel too (redirects followed).
    status, _, body = http(f"http://127.0.0.1:{env['LOA_UI_PORT']}/")
    assert status == 200 and "Đăng nhập" in body.decode(), f"the station's page answered {status}: {body[:300]!r}"
    return station


def one_play(url: str, tokens: dict[str, str], station_id: int, logs: tuple[Path, ...]) -> None:
    """A spoken bulletin, approved, scheduled 20 s ahead, aired and logged completed on the central."""
    step("bulletin (eSpeak NG) → approve → schedule 20 s ahead → play → proof of play")
    b = api(url + "/api/v1/bulletins", tokens["editor"], {
        "title": "Bản tin thử sau cài đặt", "text": "Xin chào bà con. Đây là bản tin thử của hệ thống loa.",
        "language": "vi", "category": "policy", "engine": "espeak"}, expect=201)
    api(f"{url}/api/v1/bulletins/{b['id']}/submit", tokens["editor"], {})
    api(f"{url}/api/v1/bulletins/{b['id']}/approve", tokens["approver"], {})
    at = datetime.now(ZoneInfo(ZONE)).replace(microsecond=0, tzinfo=None) + timedelta(seconds=20)
    s = api(url + "/api/v1/schedules", tokens["editor"], {
        "bulletin_id": b["id"], "targets": {"areas": [], "stations": [station_id]},
        "dtstart": at.isoformat(), "rrule": "", "timezone": ZONE, "priority": "normal"}, expect=201)
    if s["status"] != "approved":
        api(f"{url}/api/v1/schedules/{s['id']}/approve", tokens["approver"], {})

    def completed() -> list[dict[str, Any]]:
        rows = api(f"{url}/api/v1/play-logs?station={station_id}", tokens["approver"])["play_logs"]
        return [r for r in rows if r["status"] in ("completed", "not_audible") and r["asset_sha256"] == b["asset"]["sha256"]]

    row = wait_for(completed, 150, "completed play log on the central", logs)[0]
    print(f"   planned {row['planned_start']}, started {row['started_at']}, ended {row['ended_at']}")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the tree (PYTHONPATH) or any Loa setting."""
    env = {k: v for k, v in os.environ.items()
           if k != "PYTHONPATH" and not k.startswith("LOA_") and k != "DATABASE_URL"}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def smoke(work: Path) -> None:
    bin_ = install(build(work / "dist"), work / "venv", clean_env())
    cenv = clean_env(LOA_DATA_DIR=str(work / "central"))
    senv = clean_env(LOA_STATION_DIR=str(work / "station"), LOA_UI_PORT=str(free_port()),
                     LOA_SYNC_INTERVAL="2", LOA_SYNC_JITTER="0", LOA_HEARTBEAT_INTERVAL="5")
    central, url = start_central(bin_, work, cenv)
    services = [central]
    try:
        check_pages(url)
        tokens = people(bin_, cenv, work)
        services.append(start_station(bin_, work, senv, url, cenv))
        station_id = int(json.loads(sh(bin_ / "station", "status", "--json", env=senv, cwd=work))["station_id"])
        one_play(url, tokens, station_id, (services[1].log, central.log))
    finally:
        codes = [s.stop() for s in reversed(services)]
    assert codes[-1] == 0, f"`central run` did not stop cleanly on SIGTERM (exit {codes[-1]})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, help="keep everything here (default: a temporary directory)")
    args = ap.parse_args()
    started = time.monotonic()
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        smoke(args.work.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="loa-smoke-") as tmp:
            smoke(Path(tmp))
    print(f"== smoke test of the installed wheel passed in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
