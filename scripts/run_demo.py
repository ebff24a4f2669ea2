"""`make run`: an embedded central with the demo province and one enrolled station agent, under ./var/.

First run: initialise the central, load the demo data (printing the generated logins once) and enroll
the demo station. Later runs reuse ./var as it is (`make clean` starts over). Ctrl-C stops everything.

The push channel: Mosquitto where it is installed (with the password file and ACL `central mqtt-config`
writes), else the embedded amqtt broker pip installed (no passwords or ACL: a development broker), else
none (the station polls). `central presence` keeps the stations' online state. The banner says which.

Live announcements: Icecast (Debian's icecast2) where it is installed, with the icecast.xml `central
icecast-config` writes into ./var/icecast (its live mounts ask the central who may listen); otherwise
the banner says that live needs it and how to install it. Scheduled playback never needs it. With
Icecast, a stand-in for the national radio (a test signal from ffmpeg) is fed to its /vov1.ogg mount,
which the demo's daily 18:00 relay slot rebroadcasts; without it, that slot plays its fallback.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def run(tool: str, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run([str(BIN / tool), *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{tool} {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def wait_up(url: str, proc: subprocess.Popen[bytes], what: str = "the central", timeout: float = 60) -> None:
    """Until ``url`` answers, or exit if ``proc`` ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{what} did not answer at {url} within {timeout:.0f} s")


def first_time(central_env: dict[str, str], station_env: dict[str, str], url: str) -> dict:
    demo = json.loads(run("central", "demo", "--json", env=central_env))
    demo["station_password"] = secrets.token_urlsafe(9)
    run("station", "enroll", url, demo["enrollment_code"], "--password", demo["station_password"],
        env=station_env)
    return demo


def where_audio_goes(station_env: dict[str, str]) -> str:
    """The same choice `station run` makes (LOA_PLAYER, else the sound card, else a null sink)."""
    from station.ffmpeg import ffmpeg_exe
    from station.player import detect

    player = detect(station_env.get("LOA_PLAYER"), ffmpeg_exe())
    if player.null_output:  # the demo's plays are then reported "not audible" (Không nghe được)
        return f"{player.description} — NOT AUDIBLE: plays are reported not_audible, not counted as aired"
    return player.description


MOSQUITTO = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto")
AMQTT_CONF = """listeners:
  default:
    type: tcp
    bind: 127.0.0.1:{port}
plugins:
  amqtt.plugins.authentication.AnonymousAuthPlugin:
    allow_anonymous: true
"""


def start_broker(var: Path, port: int, central_env: dict[str, str]) -> tuple[subprocess.Popen[bytes] | None, str]:
    """Mosquitto if installed, else amqtt if pip installed it; (process, what it is) or (None, why not)."""
    mqtt_dir = var / "mqtt"
    mqtt_dir.mkdir(parents=True, exist_ok=True)
    log = (mqtt_dir / "broker.log").open("ab")
    want = os.environ.get("LOA_DEMO_BROKER", "")  # "mosquitto", "amqtt" or "none"; default: the best present
    mosquitto = next((m for m in MOSQUITTO if Path(m).exists()), None) or shutil.which("mosquitto")
    if mosquitto and want in ("", "mosquitto"):
        run("central", "mqtt-config", "--listen", str(port), env=central_env)
        proc = subprocess.Popen([mosquitto, "-c", str(mqtt_dir / "mosquitto.conf")], stdout=log, stderr=log)
        return proc, f"Mosquitto ({mosquitto}) on 127.0.0.1:{port}, password file and ACL in {mqtt_dir}"
    amqtt = BIN / "amqtt"
    if amqtt.exists() and want in ("", "amqtt"):
        (mqtt_dir / "amqtt.yaml").write_text(AMQTT_CONF.format(port=port))
        proc = subprocess.Popen([str(amqtt), "-c", str(mqtt_dir / "amqtt.yaml")], stdout=log, stderr=log)
        return proc, f"embedded amqtt on 127.0.0.1:{port} (development only: no passwords or ACL)"
    return None, "none (no Mosquitto or amqtt installed): the station polls every minute"


ICECAST = ("/usr/bin/icecast2", "/usr/local/bin/icecast2")
LIVE_HOWTO = ("not available: live announcements need Icecast (sudo apt install icecast2, then `make run` again); "
              "scheduled playback works without it")


def start_icecast(var: Path, port: int, central_env: dict[str, str], url: str) -> tuple[subprocess.Popen[bytes] | None, str]:
    """Icecast for live announcements if installed; (process, what it is) or (None, how to get it)."""
    icecast = next((i for i in ICECAST if Path(i).exists()), None) or shutil.which("icecast2")
    if icecast is None or os.environ.get("LOA_DEMO_ICECAST") == "none":
        return None, LIVE_HOWTO
    folder = var / "icecast"
    run("central", "icecast-config", "--dir", str(folder), "--port", str(port), "--central", url, env=central_env)
    log = (folder / "icecast.out").open("ab")
    proc = subprocess.Popen([icecast, "-c", str(folder / "icecast.xml")], stdout=log, stderr=log)
    central_env["LOA_ICECAST_URL"] = f"http://127.0.0.1:{port}"
    return proc, f"Icecast ({icecast}) on 127.0.0.1:{port}: go live from the page Phát trực tiếp"


def feed_radio(var: Path, port: int) -> subprocess.Popen[bytes]:
    """The demo's "VOV1" on Icecast: a soft beeping tone, Vorbis in Ogg, at the pace of real time."""
    from xml.etree import ElementTree

    from audio_library.ffmpeg import ffmpeg_exe
    from central.demo_data import RELAY_MOUNT

    password = ElementTree.parse(var / "icecast" / "icecast.xml").findtext("authentication/source-password")
    log = (var / "icecast" / "radio.out").open("ab")
    return subprocess.Popen(
        [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
         "-i", "sine=frequency=392:beep_factor=3:sample_rate=48000", "-af", "volume=-14dB",
         "-c:a", "libvorbis", "-b:a", "64k", "-content_type", "application/ogg", "-f", "ogg",
         f"icecast://source:{password}@127.0.0.1:{port}{RELAY_MOUNT}"],
        stdout=log, stderr=log)


def print_banner(url: str, ui_url: str, demo: dict | None, audio: str) -> None:
    print("\n" + "=" * 72)
    print(f"Loa central:        {url}/")
    print(f"Station local page: {ui_url}/")
    if demo:
        print("Demo logins (generated now, shown only this once):")
        for user in demo["users"]:
            print(f"  {user['name']:<12} {user['role']:<9} {user['password']}")
        print(f"  station page password: {demo['station_password']}")
        if demo.get("first_play"):
            print(f"First demo bulletin plays at {demo['first_play']} (station's local time).")
    else:
        print("Using the existing ./var (logins were printed on its first run; `make clean` starts over).")
    print(f"Station audio goes to: {audio}")
    print("Ctrl-C stops everything.")
    print("=" * 72 + "\n", flush=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--var", default="var", type=Path)
    ap.add_argument("--port", default=int(os.environ.get("LOA_PORT", "8080")), type=int)
    ap.add_argument("--ui-port", default=int(os.environ.get("LOA_UI_PORT", "8081")), type=int)
    ap.add_argument("--mqtt-port", default=int(os.environ.get("LOA_MQTT_PORT", "18830")), type=int)
    ap.add_argument("--icecast-port", default=int(os.environ.get("LOA_ICECAST_PORT", "18000")), type=int)
    args = ap.parse_args()
    for sig in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or `kill` stops everything, as Ctrl-C does
        signal.signal(sig, _interrupt)
    var: Path = args.var.resolve()
    url = f"http://127.0.0.1:{args.port}"
    central_env = dict(os.environ, LOA_DATA_DIR=str(var / "central"), PYTHONUNBUFFERED="1")
    station_env = dict(os.environ, LOA_STATION_DIR=str(var / "station"), LOA_UI_PORT=str(args.ui_port),
                       PYTHONUNBUFFERED="1")
    central_env.update(LOA_MQTT_URL=f"mqtt://127.0.0.1:{args.mqtt_port}", LOA_MQTT_DIR=str(var / "mqtt"))
    fresh = not (var / "station").exists()
    if fresh:
        run("central", "init", env=central_env)
    broker, push = start_broker(var, args.mqtt_port, central_env)
    if broker is None:
        for key in ("LOA_MQTT_URL", "LOA_MQTT_DIR"):
            central_env.pop(key)
    icecast, live = start_icecast(var, args.icecast_port, central_env, url)
    central = subprocess.Popen([str(BIN / "central"), "run", "--port", str(args.port)], env=central_env)
    procs = [central] + ([broker] if broker else []) + ([icecast] if icecast else [])
    extras: list[subprocess.Popen[bytes]] = []  # stopped with the rest; their end does not stop make run
    try:
        wait_up(f"{url}/api/v1/openapi.json", central)
        if broker is not None:
            procs.append(subprocess.Popen([str(BIN / "central"), "presence"], env=central_env))
        if icecast is not None:
            wait_up(f"http://127.0.0.1:{args.icecast_port}/status-json.xsl", icecast, "Icecast")
            extras.append(feed_radio(var, args.icecast_port))
        demo = first_time(central_env, station_env, url) if fresh else None
        procs.append(subprocess.Popen([str(BIN / "station"), "run"], env=station_env))
        print_banner(url, f"http://127.0.0.1:{args.ui_port}", demo, where_audio_goes(station_env))
        print(f"Push channel (MQTT): {push}", flush=True)
        print(f"Live announcements: {live}\n", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        for p in extras + list(reversed(procs)):  # the station first, the broker last: it says "offline" cleanly
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
