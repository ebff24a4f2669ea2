"""`central demo`: a realistic demo province (Đắk Nông) loaded through the same services as the UI.

``load(app)`` makes the area tree, the plan's categories and 2024 campaigns (and this year's), four
people with generated passwords, six Vietnamese bulletins read by TTS (eSpeak NG when Google is out of
reach) and approved by a second person, a morning and an evening programme scheduled daily, VOV1
relayed daily at 18:00 (an approved relay source on the local Icecast), one
station ready to enroll, a few more stations with a simulated week of proof of play (so the
dashboard and reports have something to show), and one bulletin scheduled to play about a minute
after loading. It returns what a person (or ``make run``) needs: logins, the enrollment code, URLs.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Flask

from central.config import Settings, settings
from central.errors import Conflict
from central.messages import msg
from central.models import Area, Campaign, Station, User, utcnow
from central.services import (
    areas,
    bulletins,
    categories,
    enrollment,
    heartbeats,
    manifests,
    plans,
    playlogs,
    programmes,
    relays,
    schedules,
    standing_alerts,
    users,
)
from central.times import ZONE
from playlists.model import DEFAULT_ZONE, ItemKind
from playlists.words import PlayStatus, Reason

from . import demo_data as data
from .words import AreaLevel, Role

log = logging.getLogger(__name__)

PEOPLE = (  # login, role, area code (None = the whole tree), full name
    ("quantri", Role.ADMIN, None, "Quản trị hệ thống"),
    ("bientap", Role.EDITOR, "DKN", "Nguyễn Thị Hoa (biên tập)"),
    ("pheduyet", Role.APPROVER, "DKN", "Trần Văn Minh (phê duyệt)"),
    ("vanhanh", Role.OPERATOR, data.DEMO_STATION[0], "Y Bhin Niê (vận hành đài Đắk Môl)"),
)
OFFLINE = {"DKN-TDC-QTR"}  # the simulated station shown as offline
SOON_S = 60  # the first demo bulletin plays this long after loading
HISTORY_DAYS = 7


def load(app: Flask, now: datetime | None = None, tts_engine: str = "auto") -> dict[str, Any]:
    """Fill an initialised, empty central with the demo province; refuses a central that has data.

    ``tts_engine`` "auto" tries Google once and falls back to eSpeak NG for the rest when offline.
    """
    now = now or utcnow()
    if Area.select().exists() or User.select().exists():
        raise Conflict(msg("Cơ sở dữ liệu đã có dữ liệu; `central demo` chỉ chạy trên dữ liệu trống."))
    cfg = settings(app)
    data_dir = cfg.data_dir
    _areas()
    years = tuple(sorted({2024, now.year}))
    categories.seed_reference_data(years=years)
    people = _people()
    for year in years:  # the province's plan of 2024 (seed/000_…txt), and this year's in its image
        plans.seed_plan(year, people["quantri"][0])
    editor, approver = people["bientap"][0], people["pheduyet"][0]
    made = _bulletins(editor, approver, data_dir, tts_engine, cfg)
    standing_alerts.seed_standard(people["quantri"][0], editor, approver, data_dir, ffmpeg=cfg.ffmpeg)
    morning, evening = _programmes(editor, made, data_dir)
    today = now.astimezone(ZONE).date()
    _daily(editor, approver, morning, "Chương trình buổi sáng", time(6, 0), today)
    _daily(editor, approver, evening, "Chương trình buổi chiều", time(17, 30), today)
    _relay(editor, approver, made[0], today, relay_url(cfg))
    station, code = enrollment.register(people["quantri"][0], *data.DEMO_STATION)
    first_play = _soon(editor, approver, made[data.SOON], station, now)
    _simulated_stations(people["quantri"][0], made, now)
    return {
        "users": [{"name": n, "role": u.role, "password": pw, "area": u.area.code if u.area is not None else None}
                  for n, (u, pw) in people.items()],
        "enrollment_code": code,
        "station_id": station.id,
        "station_name": station.name,
        "first_play": first_play,
        "bulletins": len(made),
        "hints": {"web": "/login", "station": f"/stations/{station.id}", "reports": "/reports?preset=year"},
    }


def _areas() -> None:
    code, name = data.PROVINCE
    areas.create(None, code, name, level=AreaLevel.PROVINCE)
    for dcode, dname, communes in data.DISTRICTS:
        areas.create(None, f"{code}-{dcode}", dname, parent_code=code, level=AreaLevel.DISTRICT)
        for ccode, cname in communes:
            areas.create(None, f"{code}-{dcode}-{ccode}", cname, parent_code=f"{code}-{dcode}", level=AreaLevel.COMMUNE)


def _people() -> dict[str, tuple[User, str]]:
    return {login: users.create(None, login, role, area, full_name)
            for login, role, area, full_name in PEOPLE}


def _campaign_id(name: str | None) -> int | None:
    if name is None:
        return None
    c = (Campaign.select().where(Campaign.name == name, Campaign.starts_on >= date(2024, 1, 1),
                                 Campaign.starts_on < date(2025, 1, 1)).first())
    return c.id if c else None


def _bulletins(editor: User, approver: User, data_dir: Any, engine: str, cfg: Settings) -> list[Any]:
    """Read each bulletin aloud, submit it as the editor and approve it as the approver."""
    # "auto": gTTS if Google answers; after the first fallback, go straight to eSpeak NG
    made = []
    for title, category, campaign, text in data.BULLETINS:
        body = {"title": title, "text": text, "category": category, "language": "vi",
                "campaign_id": _campaign_id(campaign), "engine": engine}
        b = bulletins.create_spoken(editor, body, data_dir, ffmpeg=cfg.ffmpeg, gtts_host=cfg.gtts_host)
        if b.tts_engine == "espeak":
            engine = "espeak"
        bulletins.submit(editor, b.id)
        made.append(bulletins.approve(approver, b.id))
    log.info("demo: %d bulletins read by %s", len(made), engine)
    return made


def _programmes(editor: User, made: list[Any], data_dir: Any) -> tuple[Any, Any]:
    def items(indexes: tuple[int, ...]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{"kind": ItemKind.CHIME}]
        for n, i in enumerate(indexes):
            if n:
                out.append({"kind": ItemKind.PAUSE, "duration_ms": 2000})
            out.append({"kind": ItemKind.BULLETIN, "bulletin_id": made[i].id})
        return out

    morning = programmes.create(editor, {"name": "Bản tin buổi sáng", "items": items(data.MORNING),
                                         "description": "Phát lúc 6 giờ sáng"}, data_dir)
    evening = programmes.create(editor, {"name": "Bản tin buổi chiều", "items": items(data.EVENING),
                                         "description": "Phát lúc 17 giờ 30"}, data_dir)
    return morning, evening


def _daily(editor: User, approver: User, programme: Any, title: str, at: time, today: date) -> Any:
    s = schedules.create(editor, {
        "playlist_id": programme.id, "title": title, "timezone": DEFAULT_ZONE, "priority": "normal",
        "repeat": {"form": "daily", "times": [at.strftime("%H:%M")],
                   "first_day": (today - timedelta(days=HISTORY_DAYS)).isoformat(),
                   "last_day": (today + timedelta(days=90)).isoformat()},
        "targets": {"areas": [data.PROVINCE[0]], "stations": []},
    })
    return schedules.approve(approver, s.id)


def relay_url(cfg: Settings) -> str:
    """The demo's "VOV1": the stand-in stream ``make run`` feeds to its own Icecast (``RELAY_MOUNT``)."""
    return f"{cfg.icecast_url.rstrip('/')}{data.RELAY_MOUNT}" if cfg.icecast_url else data.RELAY_URL


def _relay(editor: User, approver: User, fallback: Any, today: date, url: str) -> Any:
    """VOV1 relayed daily at 18:00 for 15 minutes (issue 13), the first bulletin as its fallback.

    ``make run`` feeds a stand-in for the radio to its local Icecast where icecast2 is installed;
    without it the stations play the fallback, as they would with the real radio out of reach.
    """
    source = relays.create(editor, {"name": "VOV1 — Thời sự (tiếp sóng)", "submit": True, "url": url,
                                    "note": "Luồng thử trên Icecast của máy chủ (make run)"})
    relays.approve(approver, source.id)
    s = schedules.create(editor, {
        "relay": {"source_id": source.id, "duration_ms": 15 * 60_000, "max_gap_s": 15,
                  "fallback": {"bulletin_id": fallback.id}},
        "title": "Tiếp sóng VOV1 buổi chiều", "timezone": DEFAULT_ZONE, "priority": "normal",
        "repeat": {"form": "daily", "times": ["18:00"], "first_day": today.isoformat(),
                   "last_day": (today + timedelta(days=90)).isoformat()},
        "targets": {"areas": [data.PROVINCE[0]], "stations": []},
    })
    return schedules.approve(approver, s.id)


def _soon(editor: User, approver: User, bulletin: Any, station: Station, now: datetime) -> str:
    """One play about a minute from now on the demo station, so `make run` is heard quickly."""
    local = (now + timedelta(seconds=SOON_S)).astimezone(ZONE).replace(tzinfo=None, microsecond=0)
    s = schedules.create(editor, {
        "bulletin_id": bulletin.id, "title": "Phát thử khi khởi động demo", "timezone": DEFAULT_ZONE,
        "dtstart": local.isoformat(), "rrule": "", "priority": "priority",
        "targets": {"areas": [], "stations": [station.id]},
    })
    schedules.approve(approver, s.id)
    return local.isoformat()


def _simulated_stations(admin: User, made: list[Any], now: datetime) -> None:
    """Other communes' stations with a week of simulated heartbeats and proof of play (demo only)."""
    rnd = random.Random(20240626)  # the same demo every time
    for area_code, name in data.OTHER_STATIONS:
        station, code = enrollment.register(admin, area_code, name)
        enrollment.enroll(code)
        station = Station.get_by_id(station.id)
        logs = _history(rnd, made, now)
        if logs:
            playlogs.ingest(station, logs)
        manifest, _etag = manifests.build(station, now)
        heartbeats.record(station, {
            "agent_version": "0.1.0", "manifest_version": manifest["version"],
            "clock_offset_ms": rnd.randint(-400, 400), "clock_trusted": True,
            "disk_free_bytes": rnd.randint(2, 12) * 1024**3, "outbox": 0, "now_playing": None,
            "cache": {"assets": 7, "missing": 0, "bytes": 7 * 120_000}, "last_error": None})
        if area_code in OFFLINE:  # lost its link three hours ago: the dashboard shows it offline
            gone = now - timedelta(hours=3)
            Station.update(last_seen=gone, last_heartbeat_at=gone).where(Station.id == station.id).execute()
    log.info("demo: %d simulated stations", len(data.OTHER_STATIONS))


def _history(rnd: random.Random, made: list[Any], now: datetime) -> list[dict[str, Any]]:
    """Morning and evening programmes over the last days, mostly completed, a few missed."""
    zone = ZONE
    out = []
    for days_ago in range(HISTORY_DAYS, -1, -1):
        day = (now.astimezone(zone) - timedelta(days=days_ago)).date()
        for at, indexes in ((time(6, 0), data.MORNING), (time(17, 30), data.EVENING)):
            t = datetime.combine(day, at, zone)
            if t + timedelta(minutes=5) > now:
                continue  # only what would have finished by now
            for i in indexes:
                b = made[i]
                ms = b.asset.duration_ms
                missed = rnd.random() < 0.08
                out.append({
                    "id": str(uuid.uuid4()), "slot_id": None, "schedule_id": None, "bulletin_id": b.id,
                    "asset_sha256": b.asset_id, "planned_start": t.isoformat(),
                    "started_at": None if missed else t.isoformat(),
                    "ended_at": None if missed else (t + timedelta(milliseconds=ms)).isoformat(),
                    "status": PlayStatus.MISSED if missed else PlayStatus.COMPLETED,
                    "reason": Reason.STATION_OFF if missed else None, "clock_trusted": True, "clock_offset_ms": 0,
                })
                t += timedelta(milliseconds=ms + 2000)
    return out


def render(result: dict[str, Any], as_json: bool = False) -> str:
    """What `central demo` prints: JSON for scripts (`--json`), or a short Vietnamese summary."""
    if as_json:
        return json.dumps(result, ensure_ascii=False, indent=2)
    lines = ["Đã nạp dữ liệu mẫu tỉnh Đắk Nông (demo data loaded).",
             "Tài khoản (mật khẩu chỉ hiện một lần / passwords shown once):"]
    lines += [f"  {u['name']:<10} {u['role']:<9} {u['password']}" for u in result["users"]]
    lines += [f"Đài mẫu: {result['station_name']} (số {result['station_id']})",
              f"Mã đăng ký đài: {result['enrollment_code']}  →  station enroll <URL> {result['enrollment_code']}",
              f"Bản tin đầu tiên phát lúc {result['first_play']} (giờ Việt Nam)",
              f"Giao diện web: {result['hints']['web']}"]
    return "\n".join(lines)
