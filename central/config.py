"""The central's settings: one frozen object, read once from defaults < ``LOA_CONFIG`` file < environment
< overrides (tests), and passed down from ``create_app``. Nothing else in the central reads ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from central.messages import msg

from .errors import CentralError


class ConfigError(CentralError):
    """A setting that cannot be used; says which one and why."""


@dataclass(frozen=True)
class Settings:
    """Everything the central is configured with. Each field's ``env`` metadata names its variable."""

    data_dir: Path  # database, audio store, signing key, secret key
    database_url: str  # sqlite:///… or postgresql://…; default: SQLite in the data dir
    secret_key: str  # signs session cookies; default: generated once into the data dir
    secure_cookies: bool = False  # behind TLS: session cookies only over HTTPS
    gtts_host: str | None = None  # where gTTS requests go; None = Google's own host
    ffmpeg: str | None = None  # ffmpeg binary (path or name on PATH); None = imageio-ffmpeg's
    login_max_failures: int = 5  # per name and per address within login_window_s
    login_window_s: float = 15 * 60
    enroll_max_failures: int = 10  # failed enrollment codes per address and per code within enroll_window_s
    enroll_window_s: float = 15 * 60
    manifest_cache_s: float = 600  # a cached ETag answers 304 for at most this long without a rebuild
    max_content_length: int = 512 * 1024 * 1024  # largest request body (uploads)
    # the push channel (services.push): the broker the central publishes to (mqtt:// or mqtts://),
    # the address stations are told at enrollment (default: the same), and where `central
    # mqtt-config` writes the broker's password file and ACL. No URL: stations only poll.
    mqtt_url: str | None = None
    mqtt_public_url: str | None = None
    mqtt_dir: str | None = None
    # reverse proxies in front whose X-Forwarded-For/-Proto to trust: the throttles count per client
    # address, and behind a proxy without this every client is the proxy; 0 = trust no such header
    proxy_hops: int = 0
    # live announcements (services.live): the Icecast the central feeds (http://host:port), its source
    # password (default: generated once into the data dir), the address stations are told (default:
    # the same), and how long a station waits for a lost stream, or the central for a silent speaker,
    # before the live ends for it. No URL: live is off and says how to install Icecast.
    icecast_url: str | None = None
    icecast_source_password: str | None = None
    icecast_public_url: str | None = None
    live_lost_s: float = 10
    live_idle_s: float = 15
    emergency_late_minutes: float = 5  # an emergency's page highlights stations not sounding after this
    # languages bulletins may be in (services.languages): ISO 639-3 code and Vietnamese name; None = default
    languages: tuple[tuple[str, str], ...] | None = None
    # alerts (services.alerts): the thresholds of each condition, the timer, and the channels
    alerts_timer: bool = False  # run the alert timer in this process (`central run` always does)
    alert_interval_s: float = 60  # how often the checks run (one process at a time, by a lease)
    alert_offline_minutes: float = 30  # a station off line longer than this
    alert_bad_plays_per_day: int = 3  # missed/failed/not-audible/failed-to-sound plays in a local day
    alert_approval_hours: float = 24  # a bulletin or schedule waiting for a second person longer than this
    alert_deadline_days: int = 7  # a report due within this many days and not yet submitted
    alert_disk_min_mb: int = 500  # a station with less free disk than this
    alert_digest_hour: int = 7  # local hour (playlists.model.DEFAULT_ZONE) the daily digest goes out
    public_url: str | None = None  # the central's address, for links in mails
    smtp_host: str | None = None  # no host: no mail
    smtp_port: int = 587
    smtp_security: str = "starttls"  # starttls, tls (implicit, port 465) or none
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "loa@localhost"
    webhook_url: str | None = None  # every alert and recovery, JSON, signed with webhook_secret
    webhook_secret: str | None = None

    def flask_config(self) -> dict[str, Any]:
        """What Flask and its extensions read from ``app.config``, derived from these settings."""
        mirror = {f.name.upper(): getattr(self, f.name) for f in fields(self)}
        mirror["SESSION_COOKIE_SECURE"] = self.secure_cookies
        return mirror


#: Environment variable (and ``LOA_CONFIG`` file key) of each setting; overrides use ``FIELD_NAME``.
ENV = {
    "data_dir": "LOA_DATA_DIR",
    "database_url": "DATABASE_URL",
    "secret_key": "LOA_SECRET_KEY",
    "secure_cookies": "LOA_SECURE_COOKIES",
    "gtts_host": "LOA_GTTS_HOST",
    "ffmpeg": "LOA_FFMPEG",
    "login_max_failures": "LOA_LOGIN_MAX_FAILURES",
    "login_window_s": "LOA_LOGIN_WINDOW_S",
    "enroll_max_failures": "LOA_ENROLL_MAX_FAILURES",
    "enroll_window_s": "LOA_ENROLL_WINDOW_S",
    "manifest_cache_s": "LOA_MANIFEST_CACHE_S",
    "max_content_length": "LOA_MAX_CONTENT_LENGTH",
    "mqtt_url": "LOA_MQTT_URL",
    "mqtt_public_url": "LOA_MQTT_PUBLIC_URL",
    "mqtt_dir": "LOA_MQTT_DIR",
    "proxy_hops": "LOA_PROXY_HOPS",
    "icecast_url": "LOA_ICECAST_URL",
    "icecast_source_password": "LOA_ICECAST_SOURCE_PASSWORD",
    "icecast_public_url": "LOA_ICECAST_PUBLIC_URL",
    "live_lost_s": "LOA_LIVE_LOST_S",
    "live_idle_s": "LOA_LIVE_IDLE_S",
    "emergency_late_minutes": "LOA_EMERGENCY_LATE_MINUTES",
    "languages": "LOA_LANGUAGES",
    "alerts_timer": "LOA_ALERTS_TIMER",
    "alert_interval_s": "LOA_ALERT_INTERVAL_S",
    "alert_offline_minutes": "LOA_ALERT_OFFLINE_MINUTES",
    "alert_bad_plays_per_day": "LOA_ALERT_BAD_PLAYS_PER_DAY",
    "alert_approval_hours": "LOA_ALERT_APPROVAL_HOURS",
    "alert_deadline_days": "LOA_ALERT_DEADLINE_DAYS",
    "alert_disk_min_mb": "LOA_ALERT_DISK_MIN_MB",
    "alert_digest_hour": "LOA_ALERT_DIGEST_HOUR",
    "public_url": "LOA_PUBLIC_URL",
    "smtp_host": "LOA_SMTP_HOST",
    "smtp_port": "LOA_SMTP_PORT",
    "smtp_security": "LOA_SMTP_SECURITY",
    "smtp_user": "LOA_SMTP_USER",
    "smtp_password": "LOA_SMTP_PASSWORD",
    "smtp_from": "LOA_SMTP_FROM",
    "webhook_url": "LOA_WEBHOOK_URL",
    "webhook_secret": "LOA_WEBHOOK_SECRET",
}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines; ``#`` comments and blank lines ignored; quotes around values stripped."""
    out: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(msg("Không đọc được tệp cấu hình LOA_CONFIG=%(path)s: %(exc)s", path=path, exc=exc)) from exc
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip().strip("'\"")
    return out


def load(environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read the settings once; derive the data dir, database URL and secret key that are not given."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    if env.get("LOA_CONFIG"):
        from_file = read_env_file(Path(env["LOA_CONFIG"]))
        raw.update({name: from_file[var] for name, var in ENV.items() if from_file.get(var)})
    # An empty variable counts as unset, so `LOA_X=` in a unit file does not mask the file's value.
    raw.update({name: env[var] for name, var in ENV.items() if env.get(var)})
    for key, value in (overrides or {}).items():
        if key.lower() in ENV:
            raw[key.lower()] = value
    values = {name: _parse(name, value) for name, value in raw.items()}
    data_dir = Path(values.pop("data_dir", None) or "var/central").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        data_dir=data_dir,
        database_url=values.pop("database_url", None) or f"sqlite:///{data_dir / 'central.sqlite3'}",
        secret_key=values.pop("secret_key", None) or _secret_key(data_dir),
        **values,
    )


def overrides_for_flask(overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The overrides that are not settings (``TESTING``, ``WTF_CSRF_ENABLED``…): Flask's own config."""
    return {k: v for k, v in (overrides or {}).items() if k.lower() not in ENV}


def settings(app: Flask | None = None) -> Settings:
    """The settings ``create_app`` read for ``app`` (default: the current app)."""
    found: Settings = (app or current_app).extensions["loa.settings"]
    return found


def _parse(name: str, value: Any) -> Any:
    """A value from a file, the environment or an override, as the field's type."""
    kind = _KINDS.get(name, _text)
    try:
        return kind(value)
    except ValueError:
        raise ConfigError(msg("Cấu hình %(value)s=%(value2)r không hợp lệ: cần %(doc)s.", value=ENV[name], value2=value, doc=kind.__doc__)) from None


def _text(value: Any) -> str | None:
    """a text (empty = the default)"""
    return str(value).strip() or None


def _flag(value: Any) -> bool:
    """1 or 0 (true/false, yes/no, on/off)"""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(value)


def _count(value: Any) -> int:
    """a whole number ≥ 1"""
    number = int(str(value).strip())
    if number < 1:
        raise ValueError(value)
    return number


def _positive(value: Any) -> float:
    """a number > 0"""
    number = float(str(value).strip())
    if not number > 0:
        raise ValueError(value)
    return number


def _hops(value: Any) -> int:
    """a whole number from 0 to 5"""
    number = int(str(value).strip())
    if not 0 <= number <= 5:
        raise ValueError(value)
    return number


def _seconds(value: Any) -> float:
    """a number of seconds > 0"""
    number = float(str(value).strip())
    if not number > 0:
        raise ValueError(value)
    return number


def _hour(value: Any) -> int:
    """a whole hour from 0 to 23"""
    number = int(str(value).strip())
    if not 0 <= number <= 23:
        raise ValueError(value)
    return number


def _security(value: Any) -> str:
    """starttls, tls or none"""
    text = str(value).strip().lower()
    if text not in ("starttls", "tls", "none"):
        raise ValueError(value)
    return text


def _languages(value: Any) -> tuple[tuple[str, str], ...]:
    """ISO 639-3 code:Name pairs separated by commas, e.g. vie:Tiếng Việt,cmo:M'Nông"""
    if isinstance(value, tuple | list):
        return tuple((str(c), str(n)) for c, n in value)
    from .services.languages import parse

    return parse(str(value))


_KINDS: dict[str, Callable[[Any], Any]] = {
    "languages": _languages,
    "secure_cookies": _flag,
    "login_max_failures": _count,
    "login_window_s": _seconds,
    "enroll_max_failures": _count,
    "enroll_window_s": _seconds,
    "manifest_cache_s": _seconds,
    "max_content_length": _count,
    "proxy_hops": _hops,
    "emergency_late_minutes": _positive,
    "live_lost_s": _seconds,
    "live_idle_s": _seconds,
    "alerts_timer": _flag,
    "alert_interval_s": _seconds,
    "alert_offline_minutes": _positive,
    "alert_bad_plays_per_day": _count,
    "alert_approval_hours": _positive,
    "alert_deadline_days": _count,
    "alert_disk_min_mb": _count,
    "alert_digest_hour": _hour,
    "smtp_port": _count,
    "smtp_security": _security,
}


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        write_private(path, secrets.token_hex(32).encode())
    return path.read_text().strip()


def write_private(path: Path, data: bytes) -> bool:
    """Create ``path`` (mode 0600) atomically unless it exists; False if another process won the race."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    try:
        os.link(tmp, path)  # fails if path exists: the first writer wins, readers never see half a file
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
