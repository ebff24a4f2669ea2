"""Enrollment: register a station and hand out a one-time code; trade the code for the station's token.

Codes are 12 characters from an alphabet without look-alikes, shown as ``ABCD-EFGH-JKLM``, typed in any
case with or without dashes. Only their SHA-256 is stored; each works once and expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from ..auth import hash_token, new_token
from ..db import database
from ..errors import Gone, Invalid, NotFound, Unprocessable
from ..models import EnrollmentCode, Station, User, utcnow
from . import areas, audit

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DEFAULT_TTL_S = 7 * 24 * 3600


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch not in "- \t")


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issue_code(actor: User | None, station: Station, ttl_s: int = DEFAULT_TTL_S) -> str:
    """A fresh one-time code for ``station`` (also for re-enrolling a replaced device)."""
    code = _new_code()
    EnrollmentCode.create(station=station, code_hash=hash_code(code), created_by=actor,
                          expires_at=utcnow() + timedelta(seconds=ttl_s))
    audit.record(actor, "station.enroll_code", station, expires_in_s=ttl_s)
    return code


def register(actor: User | None, area_code: str, name: str, ttl_s: int = DEFAULT_TTL_S,
             timezone: str = "Asia/Ho_Chi_Minh") -> tuple[Station, str]:
    """Create a station in ``area_code`` and return it with its one-time enrollment code."""
    name = (name or "").strip()
    if not name:
        raise Invalid("Cần tên đài. (A station needs a name.)")
    area = areas.get(area_code)
    _check_zone(timezone)
    with database.atomic():
        station = Station.create(area=area, name=name, timezone=timezone)
        audit.record(actor, "station.create", station, name=name, area=area_code)
        code = issue_code(actor, station, ttl_s)
    return station, code


def _check_zone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a directory
        raise Unprocessable(f"Múi giờ '{name}' không có. (Unknown IANA zone.)", field="timezone") from None


def enroll(code: str) -> tuple[Station, str]:
    """Use ``code`` once: the station gets a new token (any older one stops working)."""
    if not isinstance(code, str) or len(normalise(code)) != 12:
        raise Invalid("Mã đăng ký gồm 12 ký tự, ví dụ ABCD-EFGH-JKLM. (Malformed enrollment code.)")
    now = utcnow()
    with database.atomic():
        row = EnrollmentCode.get_or_none(EnrollmentCode.code_hash == hash_code(code))
        if row is None:
            raise NotFound("Không có mã đăng ký này. (Unknown enrollment code.)")
        if row.used_at is not None or row.expires_at <= now:
            raise Gone("Mã đăng ký đã dùng hoặc đã hết hạn; hãy xin mã mới. (Code used or expired.)")
        claimed = (
            EnrollmentCode.update(used_at=now)
            .where((EnrollmentCode.id == row.id) & EnrollmentCode.used_at.is_null())
            .execute()
        )
        if not claimed:  # a concurrent request used it first
            raise Gone("Mã đăng ký đã dùng. (Code already used.)")
        token = new_token()
        Station.update(token_hash=hash_token(token), enrolled_at=now).where(
            Station.id == row.station_id
        ).execute()
        station = Station.get_by_id(row.station_id)
        audit.record(None, "station.enroll", station)
    return station, token
