"""The audit log page for admins: filter by person, object, action, area and dates; pages; CSV."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l

from central.api.audit import csv_response, filters_from
from central.errors import CentralError
from central.services import audit as service
from central.services import users as users_service

from ..words import Role
from . import bp, queries
from .context import flash_error, int_arg, me, roles

PER_PAGE = 50
FILTERS = ("person", "object_type", "object_id", "action", "area", "from", "to")

OBJECT_LABELS = {
    "Area": _l("Đơn vị hành chính"), "User": _l("Người dùng"), "ApiToken": _l("Mã API"),
    "Station": _l("Đài"), "Bulletin": _l("Bản tin"), "Playlist": _l("Chương trình"),
    "Schedule": _l("Lịch phát"), "Campaign": _l("Đợt tuyên truyền"), "Category": _l("Chủ đề"),
    "Chime": _l("Nhạc hiệu"), "Plan": _l("Kế hoạch"), "StandingAlert": _l("Cảnh báo thường trực"),
    "Emergency": _l("Phát khẩn cấp"),
}
VERB_LABELS = {
    "create": _l("tạo"), "update": _l("sửa"), "edit": _l("sửa"), "delete": _l("xóa"),
    "submit": _l("gửi duyệt"), "approve": _l("duyệt"), "reject": _l("từ chối"), "withdraw": _l("thu hồi"),
    "revoke": _l("thu hồi quyền truy cập"), "deactivate": _l("ẩn"), "import": _l("nhập từ CSV"),
    "login": _l("đăng nhập"), "password": _l("đổi mật khẩu"), "enroll": _l("đăng ký đài"), "enroll_code": _l("cấp mã đăng ký"),
    "schedule": _l("lên lịch"), "stop": _l("dừng"), "stop_area": _l("dừng ở một đơn vị"),
}
NOUN_OF_ACTION = {
    "area": "Area", "user": "User", "token": "ApiToken", "station": "Station", "bulletin": "Bulletin",
    "playlist": "Playlist", "schedule": "Schedule", "campaign": "Campaign", "category": "Category",
    "chime": "Chime", "plan": "Plan", "standing_alert": "StandingAlert", "emergency": "Emergency",
}
#: actions whose words do not follow "noun.verb"
WHOLE_LABELS = {
    "playlist.revision.approve": _l("Chương trình: duyệt thay đổi nội dung"),
    "playlist.revision.reject": _l("Chương trình: từ chối thay đổi nội dung"),
    "chime.house": _l("Nhạc hiệu: tạo nhạc hiệu mặc định"),
    "manifest.refused_asset": _l("Cảnh báo: bản kê bỏ âm thanh chưa duyệt"),
}
#: rows an admin should notice: the system refused something that should never have been asked for
ALERTS = {"manifest.refused_asset"}
# where a person reads more about an object
OBJECT_PAGES = {"Bulletin": ("web.bulletin_detail", "bid"), "Schedule": ("web.schedule_detail", "schedule_id"),
                "Station": ("web.station_detail", "station_id"), "Playlist": ("web.programme_detail", "programme_id")}


def action_label(action: str) -> str:
    """``bulletin.approve`` → "Bản tin: duyệt"; an action this page does not know shows its code."""
    if action in WHOLE_LABELS:
        return str(WHOLE_LABELS[action])
    noun, _, verb = action.partition(".")
    kind = OBJECT_LABELS.get(NOUN_OF_ACTION.get(noun, ""))
    if kind is None or verb not in VERB_LABELS:
        return action
    return f"{kind}: {VERB_LABELS[verb]}"


def object_url(row: Any) -> str | None:
    target = OBJECT_PAGES.get(row.object_type)
    if target is None or not (row.object_id or "").isdigit():
        return None
    values: dict[str, Any] = {target[1]: int(row.object_id)}
    return url_for(target[0], **values)


@bp.route("/admin/audit")
@roles(Role.ADMIN)
def audit() -> Any:
    user = me()
    args = {k: (request.args.get(k) or "").strip() for k in FILTERS}
    page_no = max(int_arg("page") or 1, 1)
    result = None
    try:
        f = filters_from(request.args)
        if request.args.get("format") == "csv":
            return csv_response(service.export(user, f), request.args)
        result = service.page(user, f, PER_PAGE, min((page_no - 1) * PER_PAGE, service.MAX_OFFSET))
    except CentralError as exc:
        flash_error(exc)
    kept: dict[str, Any] = {k: v for k, v in args.items() if v}
    pages = max(1, -(-result.total // PER_PAGE)) if result else 1
    return render_template(
        "web/audit.html", result=result, f=args, page=page_no, pages=pages, kept=kept,
        csv_url=url_for("web.audit", format="csv", **kept),
        people=_people(user),
        object_types=[(t, OBJECT_LABELS.get(t, t)) for t in service.object_types()],
        actions=sorted({(a, action_label(a)) for a in service.actions()}, key=lambda p: str(p[1])),
        areas=queries.area_choices(user), action_label=action_label, object_url=object_url,
        object_labels=OBJECT_LABELS, alerts=ALERTS,
    )


def _people(user: Any) -> list[str]:
    """Login names to suggest: the people of the admin's subtree (anyone may still be typed)."""
    return [u.name for u in users_service.listing(user)]
