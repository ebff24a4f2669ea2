"""Real processes for tests: a central server and station agents on loopback, driven as operators would.

Shared by tests/e2e, tests/station and tests/browser. Audio is made here in code (a speech-like
tone); the central ingests it with the real ffmpeg pipeline.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import requests

BIN = Path(sys.executable).parent
NULL_PLAYER = "{ffmpeg} -nostdin -hide_banner -loglevel error -re -i {path} -af volume={gain} -f null -"
ZONE = "Asia/Ho_Chi_Minh"
AREA = "DNO-DMI-DLA"  # the commune every test station belongs to

T = TypeVar("T")


_PICKED: set[int] = set()


def free_port() -> int:
    """A loopback port nothing is bound to, from just below the kernel's ephemeral range.

    Port 0 hands back an ephemeral port, which the kernel may give to any outgoing connection (this
    suite's or a neighbour's) before the server binds it: CI run 14 lost a central that way
    ("Address already in use"). Ports below the range are never handed out implicitly, so only
    another explicit bind could take one, and this process never hands the same one out twice.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(500):
        port = random.randrange(max(1024, low - 12_000), low)
        if port in _PICKED:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _PICKED.add(port)
        return port
    raise RuntimeError(f"no free loopback port below {low}")


def cli(tool: str, *args: str, env: dict[str, str], timeout: float = 120) -> str:
    """Run ``central``/``station`` like an operator would; return stdout, fail loudly on error."""
    proc = subprocess.run([str(BIN / tool), *args], env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"{tool} {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout.strip()


def wait_for(pred: Callable[[], T], timeout: float, what: str | Callable[[], str], interval: float = 0.2) -> T:
    """Poll ``pred`` until it is truthy; ``what`` (or what it returns, read at the timeout) names the wait."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    said = what() if callable(what) else what
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {said}")


def soon(seconds: float) -> datetime:
    """A whole-second aware time ``seconds`` from now."""
    return datetime.now().astimezone().replace(microsecond=0) + timedelta(seconds=seconds)


def speech_like_wav(seconds: float = 4.0, rate: int = 16000) -> bytes:
    """A tone with a syllable-rate envelope: loud enough to survive trimming and normalising."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        t = n / rate
        envelope = 0.35 + 0.3 * math.sin(2 * math.pi * 3.0 * t) ** 2
        sample = envelope * (math.sin(2 * math.pi * 220 * t) + 0.4 * math.sin(2 * math.pi * 660 * t))
        frames += struct.pack("<h", int(max(-1.0, min(1.0, sample / 1.5)) * 32000))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buf.getvalue()


@dataclass
class Central:
    url: str
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str) -> str:
        return cli("central", *args, env=self.env)

    def api(self, user: str, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def start(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        self.proc = subprocess.Popen(
            [str(BIN / "central"), "run", "--host", "127.0.0.1", "--port", port],
            env=self.env, stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT,
        )
        wait_for(self._up, 30, "the central to answer")

    def _up(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"central exited {self.proc.returncode}: {self.log_path.read_text()[-3000:]}")
        try:
            return requests.get(self.url + "/api/v1/openapi.json", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def new_central(root: Path) -> Central:
    """An initialised (not started) central: Đắk Nông → Đắk Mil → Đắk Lao, an editor and an approver."""
    env = dict(os.environ, LOA_DATA_DIR=str(root / "central"), PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    c = Central(url=f"http://127.0.0.1:{free_port()}", env=env, log_path=root / "central.log")
    c.cli("init")
    c.cli("add-area", "DNO", "Tỉnh Đắk Nông", "--level", "province")
    c.cli("add-area", "DNO-DMI", "Huyện Đắk Mil", "--parent", "DNO", "--level", "district")
    c.cli("add-area", AREA, "Xã Đắk Lao", "--parent", "DNO-DMI", "--level", "commune")
    for name, role in (("bientap", "editor"), ("pheduyet", "approver")):
        c.cli("create-user", name, "--role", role)
        c.tokens[name] = c.cli("create-token", name).splitlines()[-1]
    return c


def approved_bulletin(central: Central, title: str, seconds: float = 4.0) -> dict[str, Any]:
    """Upload (editor), submit and approve (approver) a bulletin of speech-like audio."""
    r = central.api("bientap", "POST", "/api/v1/bulletins",
                    files={"file": ("bản tin.wav", speech_like_wav(seconds), "audio/wav")},
                    data={"title": title, "category": "drugs", "language": "vi"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "draft"
    bid = r.json()["id"]
    assert central.api("bientap", "POST", f"/api/v1/bulletins/{bid}/submit").status_code == 200
    r = central.api("pheduyet", "POST", f"/api/v1/bulletins/{bid}/approve")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    return dict(r.json())


def schedule(central: Central, bulletin_id: int, station_id: int, at: datetime,
             priority: str = "normal", grace_s: int | None = None) -> int:
    """Schedule a bulletin once at ``at`` for one station, approved by a second person."""
    local = at.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None, microsecond=0)
    body: dict[str, Any] = {"bulletin_id": bulletin_id, "targets": {"areas": [], "stations": [station_id]},
                            "dtstart": local.isoformat(), "rrule": "", "timezone": ZONE, "priority": priority}
    if grace_s is not None:
        body["grace_s"] = grace_s
    author = "pheduyet" if priority == "emergency" else "bientap"  # emergencies need the approver role
    r = central.api(author, "POST", "/api/v1/schedules", json=body)
    assert r.status_code == 201, r.text
    sid = int(r.json()["id"])
    if r.json()["status"] != "approved":
        r = central.api("pheduyet", "POST", f"/api/v1/schedules/{sid}/approve")
        assert r.status_code == 200, r.text
    return sid


def play_logs(central: Central, station_id: int) -> list[dict[str, Any]]:
    r = central.api("pheduyet", "GET", f"/api/v1/play-logs?station={station_id}")
    assert r.status_code == 200, r.text
    return list(r.json()["play_logs"])


class Station:
    """One station agent's directory, environment and CLI; ``start`` runs ``station run``."""

    def __init__(self, root: Path, central_url: str = "", **env: str) -> None:
        self.root = root
        self.central_url = central_url
        self.env = dict(os.environ, LOA_STATION_DIR=str(root / "station"), LOA_PLAYER=NULL_PLAYER,
                        LOA_SYNC_INTERVAL="1", LOA_SYNC_JITTER="0", LOA_UI_PORT="0",
                        LOA_HEARTBEAT_INTERVAL="2", PYTHONUNBUFFERED="1")
        self.env.update(env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = root / "station.log"
        self.id = 0

    def run_cli(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([str(BIN / "station"), *args], env={**self.env, **env}, capture_output=True,
                           text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"station {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
        return p

    def cli(self, *args: str) -> str:
        return self.run_cli(*args).stdout

    def enroll(self, central: Central, name: str) -> int:
        code = central.cli("enroll-code", "--area", AREA, "--name", name).splitlines()[-1]
        self.run_cli("enroll", self.central_url or central.url, code, "--password", "mật-khẩu-xã")
        self.id = int(self.status()["station_id"])
        return self.id

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.run_cli("status", "--json").stdout))

    def start(self, **env: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([str(BIN / "station"), "run"], env={**self.env, **env},
                                     stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


MOSQUITTO = next((p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if Path(p).exists()), None)


@dataclass
class Broker:
    """A real Mosquitto on a free loopback port, with the password file and ACL `central mqtt-config` writes."""

    dir: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert MOSQUITTO is not None
        log = (self.dir / "mosquitto.log").open("ab")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.dir / "mosquitto.conf")],
                                     stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._up, 30, "mosquitto to listen")

    def _up(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"mosquitto exited: {(self.dir / 'mosquitto.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def with_broker(central: Central, root: Path) -> Broker:
    """Point ``central`` (not yet started) at a new Mosquitto, write its files, and start it."""
    broker = Broker(root / "mqtt", free_port())
    central.env.update(LOA_MQTT_URL=broker.url, LOA_MQTT_DIR=str(broker.dir))
    central.cli("mqtt-config", "--listen", str(broker.port))
    broker.start()
    return broker


ICECAST = "/usr/bin/icecast2" if Path("/usr/bin/icecast2").exists() else None
# /usr/share has the whole web root (status-json.xsl imports xml2json.xslt, which /etc/icecast2/web lacks)
ICECAST_WEB = next((p for p in ("/usr/share/icecast2/web", "/etc/icecast2/web") if Path(p).is_dir()), "")


def _ffmpeg_with_icecast() -> str:
    """An ffmpeg that can send to Icecast: imageio-ffmpeg's has the icecast protocol, Debian's may not."""
    import imageio_ffmpeg

    for exe in (imageio_ffmpeg.get_ffmpeg_exe(), "/usr/bin/ffmpeg"):
        out = subprocess.run([exe, "-hide_banner", "-protocols"], capture_output=True, text=True).stdout
        if "icecast" in out.split():
            return str(exe)
    raise AssertionError("no ffmpeg here speaks the icecast protocol")


def icecast_xml(port: int, source_password: str, admin_password: str, logdir: Path,
                burst_size: int = 0, mounts: str = "") -> str:
    """A minimal icecast.xml on loopback; as root it drops to Debian's icecast2 user (it refuses root)."""
    security = ("<security><changeowner><user>icecast2</user><group>icecast</group></changeowner></security>"
                if os.geteuid() == 0 else "")
    return f"""<icecast>
  <location>loa-test</location><admin>test@localhost</admin><hostname>127.0.0.1</hostname>
  <limits><clients>500</clients><sources>20</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout><source-timeout>5</source-timeout>
    <burst-on-connect>{1 if burst_size else 0}</burst-on-connect><burst-size>{burst_size}</burst-size></limits>
  <authentication><source-password>{source_password}</source-password>
    <relay-password>{source_password}</relay-password>
    <admin-user>admin</admin-user><admin-password>{admin_password}</admin-password></authentication>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  {mounts}
  <fileserve>1</fileserve>
  <paths><basedir>{logdir}</basedir><logdir>{logdir}</logdir><webroot>{ICECAST_WEB}</webroot>
    <adminroot>{Path(ICECAST_WEB).parent / "admin"}</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  {security}
</icecast>
"""


@dataclass
class Icecast:
    """A real Icecast (Debian's icecast2) on a free loopback port with generated passwords.

    ``burst_size`` 0 (the default) sends a new listener only what the source sends from then on, so a
    listener's audio can be compared with what a feed sent while it listened.
    """

    dir: Path
    port: int = field(default_factory=free_port)
    source_password: str = field(default_factory=lambda: "src-" + os.urandom(8).hex())
    admin_password: str = field(default_factory=lambda: "adm-" + os.urandom(8).hex())
    burst_size: int = 0
    extra_mounts: str = ""  # more <mount> sections (the central's live mounts: central.services.icecast)
    proc: subprocess.Popen[bytes] | None = None
    logdir: Path | None = None
    feeds: list[Feed] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert ICECAST is not None
        self.dir.mkdir(parents=True, exist_ok=True)
        self.logdir = self._logdir()
        conf = self.dir / "icecast.xml"
        conf.write_text(icecast_xml(self.port, self.source_password, self.admin_password, self.logdir,
                                    self.burst_size, self.extra_mounts))
        self.proc = subprocess.Popen([ICECAST, "-c", str(conf)], stdout=(self.dir / "icecast.out").open("ab"),
                                     stderr=subprocess.STDOUT)
        try:
            wait_for(self._up, 30, "icecast to answer /status-json.xsl")
        except BaseException:
            self.stop()  # a fixture that fails before its yield gets no teardown
            raise

    def _logdir(self) -> Path:
        # As root Icecast runs as icecast2, which cannot enter pytest's 0700 tmp dirs: a dir of its own.
        if os.geteuid() != 0:
            return self.dir
        logdir = Path(tempfile.mkdtemp(prefix="loa-icecast-"))
        shutil.chown(logdir, "icecast2", "icecast")
        return logdir

    def _up(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"icecast exited {self.proc.returncode}: {self.log()[-2000:]}")
        try:
            return requests.get(self.url + "/status-json.xsl", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def log(self) -> str:
        parts = [self.dir / "icecast.out"] + ([self.logdir / "error.log"] if self.logdir else [])
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def sources(self) -> dict[str, dict[str, str]]:
        """The mounts a source feeds now, by mount path, as Icecast's admin statistics report them."""
        # /admin/stats (XML), not status-json.xsl: Icecast 2.4.4 writes broken JSON when no source is up
        r = requests.get(self.url + "/admin/stats", auth=("admin", self.admin_password), timeout=5)
        r.raise_for_status()
        root = ElementTree.fromstring(r.content)
        return {src.get("mount", ""): {child.tag: child.text or "" for child in src}
                for src in root.iter("source")}

    def listeners(self, mount: str) -> list[dict[str, str]]:
        """Who listens to ``mount`` now (IP, UserAgent, Connected seconds, ID), from /admin/listclients."""
        r = requests.get(self.url + "/admin/listclients", params={"mount": mount},
                         auth=("admin", self.admin_password), timeout=5)
        if r.status_code != 200:  # the mount is not fed: nobody can listen
            return []
        root = ElementTree.fromstring(r.content)
        return [{child.tag: child.text or "" for child in item} for item in root.iter("listener")]

    def feed(self, mount: str, **kw: Any) -> Feed:
        """A feed for ``mount`` (not started); ``stop`` ends it with the server."""
        self.feeds.append(Feed(self, mount, **kw))
        return self.feeds[-1]

    def stop(self) -> None:
        for feed in self.feeds:
            feed.kill()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.logdir is not None and self.logdir != self.dir:
            shutil.rmtree(self.logdir, ignore_errors=True)


class Feed:
    """ffmpeg sending a generated tone to one Icecast mount in real time; ``stop`` cuts it, ``start`` resumes.

    ``sent_s`` is what the feed really sent, summed over its runs from ffmpeg's own -progress reports.
    """

    def __init__(self, icecast: Icecast, mount: str, frequency: int = 440, codec: str = "ogg",
                 bitrate: str = "64k", channels: int = 1, gain: float = 1.0) -> None:
        self.icecast, self.mount, self.frequency, self.codec = icecast, mount, frequency, codec
        self.bitrate, self.channels, self.gain = bitrate, channels, gain
        self.proc: subprocess.Popen[bytes] | None = None
        self.runs = 0
        self._done_s = 0.0

    @property
    def url(self) -> str:
        """Where a listener (a station) reads this mount."""
        return self.icecast.url + self.mount

    def _progress(self) -> Path:
        return self.icecast.dir / f"feed{self.mount.replace('/', '_')}-{self.runs}.progress"

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "the feed is already running"
        self.runs += 1
        # Ogg pages of ¼ s (ffmpeg's default is 1 s): a listener hears the feed within a moment
        encode = (["-c:a", "libvorbis", "-b:a", self.bitrate, "-f", "ogg", "-page_duration", "250000",
                   "-content_type", "audio/ogg"]
                  if self.codec == "ogg" else
                  ["-c:a", "libmp3lame", "-b:a", self.bitrate, "-f", "mp3", "-content_type", "audio/mpeg"])
        target = f"icecast://source:{self.icecast.source_password}@127.0.0.1:{self.icecast.port}{self.mount}"
        self.proc = subprocess.Popen(
            [_ffmpeg_with_icecast(), "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
             "-i", f"sine=frequency={self.frequency}:sample_rate=44100", "-af", f"volume={self.gain}",
             "-ac", str(self.channels), *encode,
             "-stats_period", "0.1", "-progress", str(self._progress()), target],
            stdout=subprocess.DEVNULL, stderr=(self.icecast.dir / "feed.log").open("ab"))
        try:
            wait_for(self._live, 30, f"icecast to list the mount {self.mount}")
        except BaseException:
            self.kill()
            raise

    def _live(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"the feed exited {self.proc.returncode}: "
                                 f"{(self.icecast.dir / 'feed.log').read_text()[-2000:]}")
        return self.mount in self.icecast.sources()

    def kill(self) -> None:
        """End the ffmpeg (SIGTERM: it writes its last progress report), keeping the count of what it sent."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self._done_s += self._run_s()

    def stop(self) -> None:
        """Cut the feed, and wait until Icecast no longer lists the mount."""
        self.kill()
        wait_for(lambda: self.mount not in self.icecast.sources(), 30, f"icecast to drop {self.mount}")

    def _run_s(self) -> float:
        """Seconds of audio the current/last run sent, from its -progress file (out_time_us)."""
        path = self._progress()
        values = [line.split("=", 1)[1] for line in path.read_text().splitlines()
                  if line.startswith("out_time_us=")] if path.exists() else []
        usable = [int(v) for v in values if v.strip().lstrip("-").isdigit()]
        return max(usable, default=0) / 1e6

    def sent_s(self) -> float:
        """Seconds of audio sent so far over every run."""
        running = self.proc is not None and self.proc.poll() is None
        return self._done_s + (self._run_s() if running else 0.0)
