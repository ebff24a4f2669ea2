"""Mosquitto's password file and ACL, generated from the station table (`central mqtt-config`).

Each enrolled station has its own user (``station-<id>``): it may read its nudge topic and the
emergency and live topics of its area and every area above it, and write only its presence topic. The central
(user ``central``) may read and write everything under ``loa/``. Hashes are mosquitto's own
``$7$`` (PBKDF2-SHA512, as ``mosquitto_passwd`` writes them), so no password is ever stored.

Files are written whole and renamed into place under a lock, so concurrent enrollments on several
workers never leave a half file or lose a station; the broker rereads them on SIGHUP.
"""

from __future__ import annotations

import base64
import fcntl
import getpass
import hashlib
import logging
import os
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from central.db import tuples_of
from playlists import orders

from ..config import Settings
from ..models import Area, Station
from .push import CENTRAL_USER, central_password

log = logging.getLogger(__name__)

PASSWORDS, ACL, CONF, PIDFILE = "passwords", "acl", "mosquitto.conf", "mosquitto.pid"
_ITERATIONS = 101  # mosquitto_passwd's default for sha512-pbkdf2


def hash_password(password: str) -> str:
    """The ``$7$`` line part mosquitto checks a password against."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS, 64)
    return f"$7${_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, hashed: str) -> bool:
    """True if ``password`` matches a ``$7$`` hash (tests, and a sanity check of the format)."""
    try:
        _, kind, rounds, salt, digest = hashed.split("$")
        ours = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(rounds), 64)
    except ValueError:
        return False
    return kind == "7" and secrets.compare_digest(base64.b64encode(ours).decode(), digest)


def enroll(settings: Settings, station: Station) -> dict[str, Any] | None:
    """Fresh broker credentials for a station just enrolled (None without a broker), put in the ACL.

    Only the password's hash is stored; the reply carries the password once, as with the token.
    """
    if not settings.mqtt_url:
        return None
    password = secrets.token_urlsafe(24)
    Station.update(mqtt_password_hash=hash_password(password)).where(Station.id == station.id).execute()
    if settings.mqtt_dir:
        write(settings.data_dir, Path(settings.mqtt_dir))
    return {
        "url": settings.mqtt_public_url or settings.mqtt_url,
        "username": orders.station_username(station.id),
        "password": password,
        "areas": area_chains().get(station.area_id, []),
    }


def area_chains() -> dict[int, list[str]]:
    """Each area id's code and the codes of every area above it (one query for the whole tree)."""
    rows = {a: (code, parent) for a, code, parent in tuples_of(Area.select(Area.id, Area.code, Area.parent))}
    chains: dict[int, list[str]] = {}
    for area_id in rows:
        chain, seen, cur = [], set(), area_id
        while cur is not None and cur in rows and cur not in seen:
            seen.add(cur)
            chain.append(rows[cur][0])
            cur = rows[cur][1]
        chains[area_id] = chain
    return chains


def _stations() -> Iterator[tuple[int, str, int]]:
    query = Station.select(Station.id, Station.mqtt_password_hash, Station.area).where(
        Station.mqtt_password_hash.is_null(False) & (Station.active == True)  # noqa: E712
    ).order_by(Station.id)
    yield from tuples_of(query)


def render(central_hash: str) -> tuple[str, str]:
    """The password file and the ACL for every active station with broker credentials."""
    chains = area_chains()
    passwords = [f"{CENTRAL_USER}:{central_hash}"]
    acl = [f"user {CENTRAL_USER}", "topic readwrite loa/#", ""]
    for station_id, hashed, area_id in _stations():
        user = orders.station_username(station_id)
        passwords.append(f"{user}:{hashed}")
        acl += [f"user {user}", f"topic read {orders.nudge_topic(station_id)}",
                f"topic write {orders.presence_topic(station_id)}"]
        acl += [f"topic read {orders.emergency_topic(code)}" for code in chains.get(area_id, [])]
        acl += [f"topic read {orders.live_topic(code)}" for code in chains.get(area_id, [])]
        acl.append("")
    return "\n".join(passwords) + "\n", "\n".join(acl)


def write(data_dir: Path, mqtt_dir: Path, conf: str | None = None) -> int:
    """Rewrite the password file and ACL (and ``conf``, a whole mosquitto.conf, if given) in ``mqtt_dir``;
    SIGHUP the broker it runs; returns the station count.

    Every file is renamed into place before the signal: a broker reloading on SIGHUP while a file was
    half written would come back up with no password file and refuse everyone until the next reload.
    """
    mqtt_dir.mkdir(parents=True, exist_ok=True)
    with open(mqtt_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # read and write as one step: a concurrent enrollment is never lost
        passwords, acl = render(hash_password(central_password(data_dir)))
        _replace(mqtt_dir / PASSWORDS, passwords)
        _replace(mqtt_dir / ACL, acl)
        if conf is not None:
            _replace(mqtt_dir / CONF, conf, 0o644)
    reload(mqtt_dir)
    return passwords.count("\n") - 1


def _replace(path: Path, text: str, mode: int = 0o600) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def reload(mqtt_dir: Path) -> bool:
    """SIGHUP the broker whose pid file is in ``mqtt_dir``, if it runs; True if signalled."""
    try:
        pid = int((mqtt_dir / PIDFILE).read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return False
    return True


def mosquitto_conf(mqtt_dir: Path, port: int, host: str = "127.0.0.1") -> str:
    """A complete mosquitto.conf for one listener using the generated files (tests, `make run`)."""
    return "\n".join([
        "per_listener_settings false",
        f"listener {port} {host}",
        "allow_anonymous false",
        f"password_file {mqtt_dir / PASSWORDS}",
        f"acl_file {mqtt_dir / ACL}",
        f"pid_file {mqtt_dir / PIDFILE}",
        "persistence false",
        f"user {getpass.getuser()}",  # as root, stay root so the 0600 files stay readable
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "",
    ])
