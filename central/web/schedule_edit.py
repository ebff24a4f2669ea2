"""Edit and copy a schedule (the new-schedule form, filled from the schedule's own rule); copy a programme.

A rule the four operator forms can express (once, daily, weekly, monthly, any times a day) comes back as
that form; any other (an INTERVAL from "schedule this campaign", a COUNT, an API client's own RRULE) is
edited as its start and RRULE text, so saving never changes a rule the person did not touch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from central.errors import CentralError
from central.models import Schedule, ScheduleTarget
from central.services import schedules as service
from central.times import ZONE
from playlists.words import Approval

from ..words import Role
from . import bp
from .context import flash_error, me, roles
from .schedules import FORMS, _choices, data_from_form, preview, unsaved

RAW = ("raw", _l("Quy tắc RRULE (nâng cao)"))
_FREQ = {"DAILY": "daily", "WEEKLY": "weekly", "MONTHLY": "monthly"}
_PLAIN = {"FREQ", "UNTIL", "BYHOUR", "BYMINUTE", "BYSECOND", "BYDAY", "BYMONTHDAY"}


def _parts(line: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in line.split(";") if "=" in p)


def repeat_of(s: Schedule) -> dict[str, Any] | None:
    """The operator form of ``s``'s rule (``rule_kind``, days, times…), or None if no form expresses it."""
    start: datetime = s.dtstart
    if not (s.rrule or "").strip():
        return {"rule_kind": "once", "first_day": start.date().isoformat(), "times": [start.strftime("%H:%M")]}
    lines = [_parts(x) for x in s.rrule.strip().splitlines() if x.strip()]
    heads = {(p.get("FREQ"), p.get("UNTIL"), p.get("BYDAY"), p.get("BYMONTHDAY")) for p in lines}
    if len(heads) != 1 or any(set(p) - _PLAIN or p.get("BYSECOND", "0") != "0" for p in lines):
        return None
    freq, until, byday, bymonthday = heads.pop()
    if freq not in _FREQ or not all(p.get("BYHOUR") and p.get("BYMINUTE") for p in lines):
        return None
    times = sorted(f"{int(h):02d}:{int(p['BYMINUTE']):02d}" for p in lines for h in p["BYHOUR"].split(","))
    out: dict[str, Any] = {"rule_kind": _FREQ[freq], "first_day": start.date().isoformat(), "times": times,
                           "last_day": f"{until[:4]}-{until[4:6]}-{until[6:8]}" if until else ""}
    if freq == "WEEKLY":
        out["weekdays"] = (byday or "").split(",")
    if freq == "MONTHLY":
        out["days"] = (bymonthday or "").replace(",", ", ")
    return out


def form_of(s: Schedule) -> MultiDict[str, Any]:
    """The new-schedule form's fields for ``s`` (content, timing, targets, tier, validity)."""
    content = f"b:{s.bulletin_id}" if s.bulletin_id else f"p:{s.playlist_id}"
    fields: list[tuple[str, Any]] = [("title", s.title or ""), ("priority", s.priority)]
    if s.relay is not None:
        content = f"r:{s.relay['source_id']}"
        fb = s.relay.get("fallback") or {}
        fields += [("relay_min", str(s.relay.get("duration_ms", 0) / 60_000)),
                   ("relay_gap", str(s.relay.get("max_gap_s", 15))),
                   ("relay_fb", f"b:{fb['bulletin_id']}" if fb.get("bulletin_id") else
                    f"p:{fb['playlist_id']}" if fb.get("playlist_id") else "")]
    fields.insert(0, ("content", content))
    rep = repeat_of(s)
    if rep is None:
        fields += [("rule_kind", "raw"), ("dtstart", s.dtstart.strftime("%Y-%m-%dT%H:%M")), ("rrule", s.rrule)]
    else:
        for key, value in rep.items():
            fields += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    for t in ScheduleTarget.select().where(ScheduleTarget.schedule == s):
        fields.append(("areas", t.area.code) if t.area is not None else ("stations", str(t.station_id)))
    for key in ("valid_from", "valid_until"):
        value = getattr(s, key)
        fields.append((key, value.astimezone(_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""))
    if s.grace_s is not None:
        fields.append(("grace_min", str(s.grace_s // 60)))
    return MultiDict(fields)


def _zone() -> Any:

    return ZONE


def data_of(form: Any) -> dict[str, Any]:
    """The service's fields from the form; an advanced rule goes as its start and RRULE text."""
    data = data_from_form(form)
    if form.get("rule_kind") == "raw":
        data.pop("repeat", None)
        data["dtstart"], data["rrule"] = form.get("dtstart") or None, form.get("rrule", "")
    return data


def _page(s: Schedule, form: Any, heading: str, previews: Any = None) -> Any:
    forms = list(FORMS) + ([RAW] if form.get("rule_kind") == "raw" else [])
    return render_template("web/schedule_new.html", **{**_choices(me()), "forms": forms}, form=form, multi=form,
                           previews=previews, heading=heading, source=s)


@bp.route("/schedules/<int:schedule_id>/edit", methods=["GET", "POST"])
@roles(Role.EDITOR, Role.APPROVER)
def schedule_edit(schedule_id: int) -> Any:
    user = me()
    s = service.get(user, schedule_id)
    if request.method == "GET":
        return _page(s, form_of(s), _("Sửa lịch phát"))
    previews = None
    try:
        data = data_of(request.form)
        if request.form.get("action") == "save":
            after = service.update(user, schedule_id, data)
            flash(_("Đã lưu thay đổi; lịch cần một người duyệt khác trước khi phát.")
                  if after.status == Approval.SUBMITTED else _("Đã lưu thay đổi."), "success")
            return redirect(url_for("web.schedule_detail", schedule_id=schedule_id))
        previews = preview(user, *unsaved(user, data))
    except CentralError as exc:
        flash_error(exc)
    return _page(s, request.form, _("Sửa lịch phát"), previews)


@bp.route("/schedules/<int:schedule_id>/copy", methods=["GET", "POST"])
@roles(Role.EDITOR, Role.APPROVER)
def schedule_copy(schedule_id: int) -> Any:
    user = me()
    s = service.get(user, schedule_id)
    if request.method == "GET":
        form = form_of(s)
        form["title"] = _("%(t)s (bản sao)", t=s.title) if s.title else ""
        return _page(s, form, _("Sao chép lịch phát"))
    previews = None
    try:
        data = data_of(request.form)
        if request.form.get("action") == "save":
            made = service.create(user, data)
            flash(_("Đã tạo bản sao; lịch cần một người duyệt khác trước khi phát."), "success")
            return redirect(url_for("web.schedule_detail", schedule_id=made.id))
        previews = preview(user, *unsaved(user, data))
    except CentralError as exc:
        flash_error(exc)
    return _page(s, request.form, _("Sao chép lịch phát"), previews)


# --- programmes ------------------------------------------------------------------------------


@bp.route("/playlists/<int:programme_id>/copy", methods=["POST"])
@roles(Role.EDITOR)
def programme_copy(programme_id: int) -> Any:
    """A new programme with the items on air (or waiting) in this one; it goes live as any new programme."""
    from central.services import programmes

    from . import queries

    user = me()
    current = programmes.answer(programmes.get(user, programme_id))
    shown = current.pending or current
    items = [{k: v for k, v in i.model_dump(include={"kind", "bulletin_id", "chime_id", "duration_ms"}).items()
              if v is not None} for i in shown.items]
    for i in items:
        if i["kind"] != "pause":
            i.pop("duration_ms", None)
    try:
        made = programmes.create(user, {"name": _("%(t)s (bản sao)", t=current.name),
                                        "description": current.description or "", "items": items},
                                 queries.data_dir())
    except CentralError as exc:
        flash_error(exc)
        return redirect(url_for("web.programme_detail", programme_id=programme_id))
    flash(_("Đã sao chép chương trình; đổi tên và nội dung nếu cần."), "success")
    return redirect(url_for("web.programme_detail", programme_id=made.id))


# --- approving many schedules ----------------------------------------------------------------


@bp.route("/schedules/approve", methods=["POST"])
@roles(Role.APPROVER)
def schedules_approve_many() -> Any:
    """Approve the ticked schedules (a campaign's rotation makes several), each on its own, each audited."""
    user = me()
    done, refused = 0, []
    for raw in request.form.getlist("sid"):
        if not raw.isdigit() or int(raw) >= 2**63:
            continue
        try:
            service.approve(user, int(raw))
        except CentralError as exc:
            refused.append(f"#{raw}: {exc.detail}")
        else:
            done += 1
    if done:
        flash(_("Đã duyệt %(n)s lịch phát.", n=done), "success")
    for reason in refused:
        flash(reason, "error")
    if not done and not refused:
        flash(_("Chưa chọn lịch phát nào."), "error")
    return redirect(url_for("web.approvals"))
