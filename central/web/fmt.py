"""Jinja filters for the pages: local times, durations, sizes, and the labels of domain words."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from central.services import languages
from central.times import ZONE
from central.words import AreaLevel, EmergencyMode, Role, StationState
from playlists.model import ItemKind, describe_reason
from playlists.words import PLAY_WORDS, TIER_WORDS, Approval

STATUS_LABELS = {
    **{k: _l(v) for k, v in PLAY_WORDS.items()},  # plays and slots: the station's words too
    Approval.DRAFT: _l("Nháp"),
    Approval.SUBMITTED: _l("Chờ duyệt"),
    Approval.APPROVED: _l("Đã duyệt"),
    Approval.REJECTED: _l("Bị từ chối"),
    Approval.WITHDRAWN: _l("Đã thu hồi"),
    Approval.DISABLED: _l("Đã tắt"),
    Approval.AIRED_LIVE: _l("Đã phát trực tiếp"),
    StationState.ONLINE: _l("Trực tuyến"),
    StationState.OFFLINE: _l("Mất kết nối"),
    StationState.OUT_OF_SYNC: _l("Chưa đồng bộ"),
    StationState.NEVER: _l("Chưa kết nối"),
    "active": _l("Đang hiệu lực"),
}

PRIORITY_LABELS = {k: _l(v) for k, v in TIER_WORDS.items()}

ROLE_LABELS = {
    Role.ADMIN: _l("Quản trị"),
    Role.EDITOR: _l("Biên tập viên"),
    Role.APPROVER: _l("Người duyệt"),
    Role.OPERATOR: _l("Vận hành đài"),
}

ENGINE_LABELS = {"gtts": _l("Giọng đọc máy Google (gTTS, cần Internet)"),
                 "espeak": _l("Giọng đọc máy eSpeak NG (không cần mạng)")}

KIND_LABELS = {ItemKind.BULLETIN: _l("Bản tin"), ItemKind.CHIME: _l("Nhạc hiệu"), ItemKind.PAUSE: _l("Khoảng lặng"),
               ItemKind.RELAY: _l("Tiếp sóng")}

LEVEL_LABELS = {
    AreaLevel.PROVINCE: _l("Tỉnh"),
    AreaLevel.DISTRICT: _l("Huyện"),
    AreaLevel.COMMUNE: _l("Xã"),
    AreaLevel.VILLAGE: _l("Thôn"),
}


ACTION_LABELS = {
    "bulletin.create": _l("Tạo bản tin"),
    "bulletin.edit": _l("Sửa bản tin"),
    "bulletin.submit": _l("Gửi duyệt"),
    "bulletin.approve": _l("Duyệt"),
    "bulletin.reject": _l("Từ chối"),
    "bulletin.withdraw": _l("Thu hồi"),
    "bulletin.take_back": _l("Rút lại để sửa"),
    "bulletin.respeak": _l("Đọc lại nội dung mới"),
    "bulletin.delete": _l("Xóa bản nháp"),
}


ACTION_LABELS.update({
    "schedule.create": _l("Tạo lịch phát"),
    "schedule.update": _l("Sửa lịch phát"),
    "schedule.submit": _l("Gửi duyệt"),
    "schedule.approve": _l("Duyệt"),
    "schedule.reject": _l("Từ chối"),
    "schedule.delete": _l("Xóa"),
})

ACTION_LABELS.update({  # the two-person rule for chimes and programme changes, and its alarm
    "chime.create": _l("Tải nhạc hiệu lên"),
    "chime.submit": _l("Gửi duyệt nhạc hiệu"),
    "chime.approve": _l("Duyệt nhạc hiệu"),
    "chime.reject": _l("Từ chối nhạc hiệu"),
    "chime.withdraw": _l("Thu hồi nhạc hiệu"),
    "chime.house": _l("Tạo nhạc hiệu mặc định"),
    "playlist.revision.approve": _l("Duyệt thay đổi chương trình"),
    "playlist.revision.reject": _l("Từ chối thay đổi chương trình"),
    "manifest.refused_asset": _l("Chặn âm thanh chưa duyệt khỏi manifest"),
    "relay.create": _l("Thêm nguồn tiếp sóng"),
    "relay.submit": _l("Gửi duyệt nguồn tiếp sóng"),
    "relay.approve": _l("Duyệt nguồn tiếp sóng"),
    "relay.reject": _l("Từ chối nguồn tiếp sóng"),
    "relay.disable": _l("Tắt nguồn tiếp sóng"),
    "manifest.refused_relay": _l("Chặn nguồn tiếp sóng chưa duyệt khỏi manifest"),
})

_DAY_NAMES = {"MO": _l("T2"), "TU": _l("T3"), "WE": _l("T4"), "TH": _l("T5"), "FR": _l("T6"),
              "SA": _l("T7"), "SU": _l("CN")}


def rrule_text(rrule: str | None) -> str:
    """A short reading of the RRULE lines a schedule holds (``playlists.rules`` writes them)."""
    lines = [ln.removeprefix("RRULE:") for ln in (rrule or "").splitlines() if ln.strip()]
    if not lines:
        return str(_l("Một lần"))
    out = []
    for line in lines:
        parts = dict(p.split("=", 1) for p in line.split(";") if "=" in p)
        freq = parts.get("FREQ", "")
        text = {"DAILY": _l("Hằng ngày"), "WEEKLY": _l("Hằng tuần"), "MONTHLY": _l("Hằng tháng"),
                "YEARLY": _l("Hằng năm")}.get(freq, freq)
        text = str(text)
        if "BYDAY" in parts:
            text += " " + ", ".join(str(_DAY_NAMES.get(d, d)) for d in parts["BYDAY"].split(","))
        if "BYMONTHDAY" in parts:
            text += " " + str(_l("ngày")) + " " + parts["BYMONTHDAY"].replace(",", ", ")
        if "BYHOUR" in parts:
            mins = parts.get("BYMINUTE", "0").split(",")
            text += " " + ", ".join(f"{int(h):02d}:{int(m):02d}" for h in parts["BYHOUR"].split(",")
                                    for m in mins)
        if "UNTIL" in parts:
            u = parts["UNTIL"]
            text += " " + str(_l("đến")) + f" {u[6:8]}/{u[4:6]}/{u[0:4]}"
        out.append(text)
    return "; ".join(out)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def local_dt(value: Any, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """An aware datetime (or ISO string) shown in Vietnam's time as ``dd/mm/yyyy HH:MM``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(ZONE).strftime(pattern)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def wall_dt(value: Any) -> str:
    """A local wall-clock time as the schedule holds it (naive ISO) as ``dd/mm/yyyy HH:MM``, unconverted."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.strftime("%d/%m/%Y %H:%M")
    return local_dt(value)


def local_time(value: Any) -> str:
    return local_dt(value, "%H:%M")


def duration(ms: Any) -> str:
    """Milliseconds as ``m:ss`` (or ``h:mm:ss``)."""
    if ms is None or ms == "":
        return "—"
    total = int(ms) // 1000  # whole seconds, as audio players show them
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def number(value: Any, digits: int = 1) -> str:
    """A number in the viewer's language (Babel): ``3,8`` in Vietnamese, ``3.8`` in English."""
    if value is None or value == "":
        return "—"
    return str(format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0"))


def minutes(ms: Any) -> str:
    """Milliseconds as minutes with one decimal, in the viewer's language."""
    return number(int(ms or 0) / 60000)


def percent(value: Any, digits: int = 1) -> str:
    """``92,5 %`` (a value already in percent); Vietnamese writes a space before the sign."""
    if value is None or value == "":
        return "—"
    space = "" if str(get_locale()) == "en" else "\u00a0"
    return number(value, digits) + space + "%"


def filesize(n: Any) -> str:
    """Bytes in B, KB, MB or GB (powers of 1024), the number in the viewer's language."""
    if n is None:
        return "—"
    size = float(int(n))
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{number(size, 0 if unit == 'B' else 1)} {unit}"
        size /= 1024
    return str(n)


EMERGENCY_MODE_LABELS = {EmergencyMode.LIVE: _l("Phát thật"), EmergencyMode.TEST: _l("Thử nghiệm"), "playing": _l("Đang phát")}

ACTION_LABELS.update({
    "emergency.create": _l("Phát khẩn cấp"),
    "emergency.stop": _l("Dừng phát khẩn cấp"),
    "emergency.stop_area": _l("Dừng khẩn cấp cả đơn vị"),
    "standing_alert.create": _l("Thêm cảnh báo soạn sẵn"),
    "standing_alert.update": _l("Sửa cảnh báo soạn sẵn"),
})


def label(value: Any, table: str = "status") -> str:
    tables: dict[str, Mapping[Any, Any]] = {"status": STATUS_LABELS, "priority": PRIORITY_LABELS, "role": ROLE_LABELS,
              "kind": KIND_LABELS, "level": LEVEL_LABELS, "emergency_mode": EMERGENCY_MODE_LABELS,
              "engine": ENGINE_LABELS}
    if value is None:
        return "—"
    key = getattr(value, "value", value)
    return str(tables[table].get(key, key))


def label_pair(value: Any, table: str = "status") -> tuple[Any, str]:
    return value, label(value, table)


def reason(code: Any) -> str:
    """A play log's or slot's reason code in the viewer's language (``playlists`` owns the texts)."""
    if not code:
        return ""
    return describe_reason(str(code), "en" if str(get_locale()) == "en" else "vi")


def category_name(category: Any) -> str:
    """A category's name in the viewer's language (categories carry ``name`` and ``name_en``)."""
    if category is None:
        return "—"
    if str(get_locale()) == "en" and getattr(category, "name_en", None):
        return str(category.name_en)
    return str(category.name)


def language_name(code: Any) -> str:
    """A bulletin's language by its configured (Vietnamese) name; ISO 639-3 code if unknown."""
    return languages.name(str(code or ""))


def html_lang(code: Any) -> str:
    """The HTML ``lang`` value of an ISO 639-3 code (BCP 47 wants ``vi``, not ``vie``)."""
    return "vi" if code in (None, "", "vi", "vie") else str(code)


def lufs(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1f} LUFS"


FILTERS = {
    "local_dt": local_dt,
    "local_time": local_time,
    "wall_dt": wall_dt,
    "duration": duration,
    "minutes": minutes,
    "number": number,
    "percent": percent,
    "filesize": filesize,
    "label": label,
    "lufs": lufs,
    "action_label": action_label,
    "rrule_text": rrule_text,
    "label_pair": label_pair,
    "reason": reason,
    "category_name": category_name,
    "language_name": language_name,
    "html_lang": html_lang,
}
