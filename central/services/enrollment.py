"""Enrollment: register a station and hand out a one-time code; trade the code for the station's token.

Codes are 20 characters in groups of four (``K7MQ-2X9T-BHRN-4PZV-LC3G``), typed in any case, with or
without dashes or spaces. Their alphabet has no vowels, no ``D`` and no ``W``: a Vietnamese keyboard in
Telex or VNI mode (Unikey, phone keyboards) turns ``aa``, ``dd``, ``w``, ``a1``… into other letters, and a
code without those can be typed with it switched on. It also has no ``0``/``O`` or ``1``/``I``
look-alikes. 26 symbols × 20 = 94 bits, so guessing is hopeless even before the throttle: after
``Limit.max_failures`` failed attempts from one address or for one code within the window, every
attempt is refused (429). Only a code's SHA-256 is stored; each works once and expires.

A station's token can be revoked: its next call is refused (401) with a problem that says so.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from central.messages import msg
from playlists.model import DEFAULT_ZONE

from ..auth import hash_token, new_token
from ..db import database
from ..errors import CentralError, Conflict, Gone, Invalid, NotFound, Unprocessable
from ..models import EnrollmentCode, Station, User, utcnow
from . import areas, audit, throttle

ALPHABET = "BCFGHJKLMNPQRSTVXZ23456789"
LENGTH = 20
GROUP = 4
LEGACY_LENGTH = 12  # codes issued before schema version 5, still honoured until they expire
BITS = LENGTH * math.log2(len(ALPHABET))
LIMIT = throttle.Limit(max_failures=10, window_s=15 * 60)
DEFAULT_TTL_S = 7 * 24 * 3600


def normalise(code: str) -> str:
    """Upper case, without the separators people type or paste (dashes, spaces, dots)."""
    return "".join(ch for ch in code.upper() if ch not in "-–—_. \t\r\n")


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP] for i in range(0, LENGTH, GROUP))


def issue_code(actor: User | None, station: Station, ttl_s: int = DEFAULT_TTL_S) -> str:
    """A fresh one-time code for ``station`` (also for re-enrolling a replaced device)."""
    code = _new_code()
    EnrollmentCode.create(station=station, code_hash=hash_code(code), created_by=actor,
                          expires_at=utcnow() + timedelta(seconds=ttl_s))
    audit.record(actor, "station.enroll_code", station, expires_in_s=ttl_s)
    return code


def register(actor: User | None, area_code: str, name: str, ttl_s: int = DEFAULT_TTL_S,
             timezone: str = DEFAULT_ZONE) -> tuple[Station, str]:
    """Create a station in ``area_code`` and return it with its one-time enrollment code."""
    name = (name or "").strip()
    if not name:
        raise Invalid(msg("Cần tên đài."))
    area = areas.get(area_code)
    _check_zone(timezone)
    with database.atomic():
        station = Station.create(area=area, name=name, timezone=timezone)
        audit.record(actor, "station.create", station, name=name, area=area_code)
        code = issue_code(actor, station, ttl_s)
    return station, code


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory
        raise Unprocessable(msg("Múi giờ '%(timezone)s' không có.", timezone=name), field="timezone") from None


def enroll(code: object, remote_addr: str = "", limit: throttle.Limit = LIMIT) -> tuple[Station, str]:
    """Use ``code`` once: the station gets a new token (any older one stops working).

    Throttled per client address and per code (``throttle``); every attempt is recorded.
    """
    text = code if isinstance(code, str) else ""
    key = hash_code(text)
    throttle.guard("enroll", key, remote_addr, limit,
                   f"Quá nhiều lần nhập sai mã đăng ký; hãy thử lại sau {math.ceil(limit.window_s / 60)} "
                   "phút. (Too many failed enrollment attempts; try again later.)")
    try:
        station, token = _claim(text, utcnow())
    except CentralError:
        throttle.note("enroll", key, remote_addr, False)  # after the rollback, so that it counts
        raise
    throttle.note("enroll", key, remote_addr, True)
    return station, token


def _claim(code: str, now: datetime) -> tuple[Station, str]:
    if len(normalise(code)) not in (LENGTH, LEGACY_LENGTH):
        raise Invalid(msg("Mã đăng ký gồm %(LENGTH)s ký tự, ví dụ K7MQ-2X9T-BHRN-4PZV-LC3G.", LENGTH=LENGTH), field="code")
    with database.atomic():
        row = EnrollmentCode.get_or_none(EnrollmentCode.code_hash == hash_code(code))
        if row is None:
            raise NotFound(msg("Không có mã đăng ký này; hãy kiểm tra lại từng ký tự."))
        if row.used_at is not None or row.expires_at <= now:
            raise Gone(msg("Mã đăng ký đã dùng hoặc đã hết hạn; hãy xin mã mới."))
        claimed = (
            EnrollmentCode.update(used_at=now)
            .where((EnrollmentCode.id == row.id) & EnrollmentCode.used_at.is_null())
            .execute()
        )
        if not claimed:  # a concurrent request used it first
            raise Gone(msg("Mã đăng ký đã dùng."))
        token = new_token()
        Station.update(token_hash=hash_token(token), enrolled_at=now).where(
            Station.id == row.station_id
        ).execute()
        station = Station.get_by_id(row.station_id)
        audit.record(None, "station.enroll", station)
    return station, token


def revoke(actor: User | None, station: Station) -> None:
    """Stop the station's token at once, and void its unused codes; it must be enrolled again."""
    now = utcnow()
    with database.atomic():
        fresh = Station.get_by_id(station.id)
        voided = (EnrollmentCode.update(expires_at=now)
                  .where((EnrollmentCode.station == station.id) & EnrollmentCode.used_at.is_null()
                         & (EnrollmentCode.expires_at > now))
                  .execute())
        if fresh.token_hash is None and not voided:
            raise Conflict(msg("Đài này không có mã nào đang dùng được để thu hồi."))
        if fresh.token_hash is not None:
            Station.update(token_hash=None, revoked_token_hash=fresh.token_hash, token_revoked_at=now).where(
                Station.id == station.id).execute()
        audit.record(actor, "station.revoke", station, had_token=fresh.token_hash is not None,
                     voided_codes=voided)
