"""Icecast's configuration for live announcements (`central icecast-config`, `make run`).

Live mounts (``/live-*``) ask the central before each listener joins (Icecast's ``listener_add`` URL
authentication, answered by ``services.live.listener_allowed``); no burst on connect, so a station hears
what is said from the moment it joins, not seconds of backlog. The source password is the central's
(``services.live.source_password``); the admin password is made once into the data dir. Nothing here
is needed for scheduled playback.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

from ..config import Settings, write_private
from . import live

ADMIN_PASSWORD_FILE = "icecast_admin_password"
CONF = "icecast.xml"
BINARY = "icecast2"  # Debian's package name and binary
WEBROOTS = ("/usr/share/icecast2/web", "/etc/icecast2/web")


def admin_password(settings: Settings) -> str:
    path = Path(settings.data_dir) / ADMIN_PASSWORD_FILE
    if not path.exists():
        write_private(path, secrets.token_urlsafe(18).encode())
    return path.read_text().strip()


def live_mounts(listener_url: str) -> str:
    """The ``<mount>`` block for live mounts: URL authentication against the central, no burst."""
    return (
        "<mount type=\"normal\"><mount-name>/live-*</mount-name><burst-size>0</burst-size>"
        "<authentication type=\"url\">"
        f"<option name=\"listener_add\" value=\"{escape(listener_url)}\"/>"
        "<option name=\"auth_header\" value=\"icecast-auth-user: 1\"/>"
        "</authentication></mount>"
    )


def listener_url(central_url: str) -> str:
    """Where Icecast asks whether a listener may join (``POST /api/v1/station/live/listener``)."""
    return central_url.rstrip("/") + "/api/v1/station/live/listener"


def config_xml(settings: Settings, port: int, central_url: str, logdir: Path, host: str = "127.0.0.1") -> str:
    """A complete icecast.xml for one listener socket; as root it drops to Debian's icecast2 user."""
    webroot = next((w for w in WEBROOTS if Path(w).is_dir()), WEBROOTS[0])
    security = ("<security><changeowner><user>icecast2</user><group>icecast</group></changeowner></security>"
                if os.geteuid() == 0 else "")
    return f"""<icecast>
  <location>Loa</location><admin>loa@localhost</admin><hostname>{escape(host)}</hostname>
  <limits><clients>2000</clients><sources>50</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout><source-timeout>10</source-timeout>
    <burst-on-connect>0</burst-on-connect><burst-size>0</burst-size></limits>
  <authentication><source-password>{escape(live.source_password(settings))}</source-password>
    <admin-user>admin</admin-user><admin-password>{escape(admin_password(settings))}</admin-password></authentication>
  <listen-socket><port>{port}</port><bind-address>{escape(host)}</bind-address></listen-socket>
  {live_mounts(listener_url(central_url))}
  <fileserve>1</fileserve>
  <paths><basedir>{logdir}</basedir><logdir>{logdir}</logdir><webroot>{webroot}</webroot>
    <adminroot>{Path(webroot).parent / "admin"}</adminroot></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>2</loglevel></logging>
  {security}
</icecast>
"""


def installed() -> str | None:
    """The icecast2 binary, if installed."""
    return shutil.which(BINARY) or next((p for p in ("/usr/bin/icecast2",) if Path(p).exists()), None)


def write(settings: Settings, folder: Path, port: int, central_url: str, host: str = "127.0.0.1") -> Path:
    """Write ``folder/icecast.xml`` (mode 0600: it holds passwords); its log dir is made for icecast2 as root."""
    folder.mkdir(parents=True, exist_ok=True)
    logdir = folder / "log"
    logdir.mkdir(exist_ok=True)
    if os.geteuid() == 0:  # Icecast refuses to run as root and changes to icecast2, who must write its logs
        shutil.chown(logdir, "icecast2", "icecast")
    path = folder / CONF
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(config_xml(settings, port, central_url, logdir.resolve(), host))
    if os.geteuid() == 0:
        shutil.chown(path, "icecast2", "icecast")
    return path
