"""Standing alerts: approved emergency recordings every station in scope keeps cached in advance.

The audio is a bulletin that passed the two-person rule like any other (upload or TTS, submit,
approve by a second person); a standing alert only names it, with a key (``storm``, ``flood``,
``all_clear``…) and a scope area (None: every station). Manifests carry the audio of the active
alerts in a station's scope as ``standby`` assets (``manifests.content``): downloaded and kept, never
played unless an emergency schedules them, so such an emergency needs no download. Adding or
changing alerts is for admins; using one in an emergency is for approvers (``services.emergencies``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from peewee import JOIN

from central.auth import check_area, in_scope
from central.db import database, tuples_of
from central.errors import Conflict, Invalid, NotFound, Unprocessable
from central.messages import msg
from central.models import Area, Asset, Bulletin, StandingAlert, Station, User
from central.policy import check_role
from central.services import audit
from playlists.words import Approval

from ..shapes import emergencies as shapes
from ..words import Role
from .area_tree import ancestor_ids

ADMINS = (Role.ADMIN,)
#: The alerts a province starts with (``central demo`` records them with the offline TTS).
STANDARD = (
    ("storm", "Bão, áp thấp nhiệt đới"),
    ("flood", "Lũ, lũ quét"),
    ("landslide", "Sạt lở đất"),
    ("forest_fire", "Cháy rừng"),
    ("evacuation", "Sơ tán khẩn cấp"),
    ("all_clear", "Báo yên: hết nguy hiểm"),
)
ALL_CLEAR = "all_clear"
#: What the demo's recordings say (read by the offline eSpeak NG voice, so no network is needed).
SCRIPTS = {
    "storm": "Thông báo khẩn cấp. Bão đang đổ bộ vào địa bàn. Bà con ở trong nhà kiên cố, chằng chống nhà cửa, "
             "không ra đồng, không ra sông suối.",
    "flood": "Thông báo khẩn cấp. Lũ, lũ quét có thể xảy ra trong vài giờ tới. Bà con ven sông suối di chuyển "
             "ngay lên vùng cao, không qua ngầm tràn.",
    "landslide": "Thông báo khẩn cấp. Nguy cơ sạt lở đất rất cao. Bà con sống gần sườn đồi, taluy rời khỏi nhà "
                 "ngay, đến nơi tránh trú của xã.",
    "forest_fire": "Thông báo khẩn cấp. Cháy rừng đang lan rộng. Bà con không vào rừng, sẵn sàng sơ tán theo "
                   "hướng dẫn của chính quyền.",
    "evacuation": "Lệnh sơ tán khẩn cấp. Bà con lập tức rời khỏi khu vực nguy hiểm, đến điểm tập kết của xã, "
                  "mang theo giấy tờ và thuốc men cần thiết.",
    "all_clear": "Thông báo. Tình huống khẩn cấp đã qua. Bà con có thể trở về nhà và sinh hoạt bình thường. "
                 "Tiếp tục theo dõi thông tin trên loa truyền thanh.",
}
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def for_station(station: Station, now: datetime) -> list[StandingAlert]:
    """Active alerts whose scope holds the station, with their bulletin and asset joined."""
    areas = ancestor_ids(station.area_id)
    return list(
        StandingAlert.select(StandingAlert, Bulletin, Asset)
        .join(Bulletin).join(Asset)
        .where(StandingAlert.active == True)  # noqa: E712
        .where(StandingAlert.area.is_null() | StandingAlert.area.in_(areas))
        .order_by(StandingAlert.key)
    )


def listing(user: User, active_only: bool = False) -> list[StandingAlert]:
    """The alerts ``user`` can use: scope None (everywhere) or an area above, in or below theirs."""
    q = (StandingAlert.select(StandingAlert, Bulletin, Area)
         .join(Bulletin).switch(StandingAlert).join(Area, JOIN.LEFT_OUTER).order_by(StandingAlert.key))
    if active_only:
        q = q.where(StandingAlert.active == True)  # noqa: E712
    return [a for a in q if a.area_id is None or in_scope(user, a.area_id) or _above(user, a.area_id)]


def _above(user: User, area_id: int) -> bool:
    return user.area_id is not None and area_id in ancestor_ids(user.area_id)


def get(user: User, alert_id: int) -> StandingAlert:
    for a in listing(user):
        if a.id == alert_id:
            return a
    raise NotFound(msg("Không có cảnh báo soạn sẵn số %(alert_id)s.", alert_id=alert_id))


def by_key(user: User, key: str) -> StandingAlert:
    for a in listing(user, active_only=True):
        if a.key == key:
            return a
    raise NotFound(msg("Không có cảnh báo soạn sẵn '%(key)s' đang dùng.", key=key))


def _approved_bulletin(value: Any) -> Bulletin:
    try:
        bid = int(value) if not isinstance(value, bool) else 0
        b = Bulletin.get_or_none(Bulletin.id == bid) if 0 < bid < 2**63 else None  # beyond a row id: none
    except (TypeError, ValueError):
        b = None
    if b is None:
        raise Unprocessable(msg("bulletin_id phải là mã một bản tin."),
                      field="bulletin_id")
    if b.status != Approval.APPROVED:
        raise Conflict(msg("Bản tin %(id)s chưa được duyệt (đang '%(status)s'): cảnh báo soạn sẵn phải qua hai người duyệt.", id=b.id, status=b.status))
    return b


def create(actor: User, data: Mapping[str, Any]) -> StandingAlert:
    """A new standing alert (admin): ``{"key", "name", "bulletin_id", "area": code | null}``."""
    check_role(actor, ADMINS, "thêm cảnh báo soạn sẵn")
    key = str(data.get("key") or "").strip()
    if not _KEY.match(key):
        raise Invalid(msg("key: chữ thường, số, gạch dưới (ví dụ flood)."), field="key")
    if StandingAlert.get_or_none(StandingAlert.key == key) is not None:
        raise Conflict(msg("Đã có cảnh báo soạn sẵn '%(key)s'.", key=key))
    name = str(data.get("name") or "").strip()[:200]
    if not name:
        raise Invalid(msg("Cần tên cảnh báo."), field="name")
    area = _area(actor, data.get("area"))
    b = _approved_bulletin(data.get("bulletin_id"))
    with database.atomic():
        a = StandingAlert.create(key=key, name=name, bulletin=b, area=area, created_by=actor)
        audit.record(actor, "standing_alert.create", a, key=key, bulletin=b.id)
        _bump(a)
    return a


def update(actor: User, alert_id: int, data: Mapping[str, Any]) -> StandingAlert:
    """Change an alert's name, recording (approved bulletin) or ``active`` (admin)."""
    check_role(actor, ADMINS, "sửa cảnh báo soạn sẵn")
    a = get(actor, alert_id)
    check_area(actor, a.area_id)
    with database.atomic():
        _bump(a)  # the stations that held it before
        if "name" in data and str(data["name"] or "").strip():
            a.name = str(data["name"]).strip()[:200]
        if "bulletin_id" in data:
            a.bulletin = _approved_bulletin(data["bulletin_id"])
        if "active" in data:
            a.active = bool(data["active"])
        a.save()
        audit.record(actor, "standing_alert.update", a, fields=sorted(data))
        _bump(a)
    return a


def _area(actor: User, code: Any) -> Area | None:
    if code in (None, ""):
        check_area(actor, None)
        return None
    area = Area.get_or_none(Area.code == str(code))
    if area is None:
        raise Unprocessable(msg("Không có đơn vị mã '%(code)s'.", code=code), field="area")
    check_area(actor, area)
    return area


def _bump(a: StandingAlert) -> None:
    from . import manifests

    if a.area_id is None:
        manifests.bump(station_id for (station_id,) in tuples_of(Station.select(Station.id)))
    else:
        manifests.bump_for_area(a.area_id)


def answer(a: StandingAlert) -> shapes.StandingAlert:
    b = a.bulletin
    return shapes.StandingAlert(
        id=a.id, key=a.key, name=a.name, active=a.active, bulletin_id=b.id,
        bulletin_title=b.title, bulletin_status=b.status,
        duration_ms=b.asset.duration_ms if b.asset is not None else 0,
        area_code=a.area.code if a.area is not None else None,
    )


def seed_standard(admin: User, editor: User, approver: User, data_dir: Any, ffmpeg: str | None = None) -> list[StandingAlert]:
    """The six standard alerts, read by eSpeak NG (offline), approved by a second person (the demo)."""
    from central.services import bulletins

    made = []
    for key, name in STANDARD:
        body = {"title": f"Cảnh báo soạn sẵn: {name}", "text": SCRIPTS[key], "category": "disaster",
                "language": "vi", "engine": "espeak"}
        b = bulletins.create_spoken(editor, body, data_dir, ffmpeg=ffmpeg)
        bulletins.submit(editor, b.id)
        bulletins.approve(approver, b.id)
        made.append(create(admin, {"key": key, "name": name, "bulletin_id": b.id}))
    return made
