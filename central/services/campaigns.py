"""Campaigns (đợt tuyên truyền): dated drives such as drug-prevention month, used to group reports.

A campaign belongs to its creator's area (None = province-wide, for people whose scope is the
whole tree); it is visible in and below that area, and above it people see their own.
Editors and admins create and change campaigns; a campaign with bulletins cannot be deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any

from peewee import IntegrityError

from central.db import database
from central.errors import Conflict, Invalid, NotFound, Unprocessable
from central.messages import msg
from central.models import Bulletin, Campaign, Plan, User
from central.policy import EDITORS, can_see_owner, check_owner, check_role, owner_visible
from central.services import audit
from central.services import categories as categories_service
from central.services.area_tree import ancestor_ids
from central.shapes import workflow as shapes


def _day(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Invalid(msg("%(what)s phải là ngày YYYY-MM-DD, nhận '%(value)s'.", what=what, value=value), field=what) from None


def _clean(data: Mapping[str, Any], partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in data or not partial:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise Invalid(msg("Đợt tuyên truyền cần có tên."), field="name")
        out["name"] = name.strip()[:200]
    for key in ("starts_on", "ends_on"):
        if key in data or not partial:
            if data.get(key) in (None, ""):
                raise Invalid(msg("Thiếu ngày %(key)s.", key=key), field=key)
            out[key] = _day(data[key], key)
    if "category" in data:
        out["category"] = categories_service.by_code(data.get("category"))
    if "description" in data:
        out["description"] = str(data.get("description") or "")
    if "plan_id" in data:
        out["plan"] = _plan(data.get("plan_id"))
    if "code" in data:
        out["code"] = (str(data["code"]).strip() or None) if data["code"] is not None else None
    return out


def _plan(value: Any) -> Plan | None:
    """The plan a campaign carries out (by id), or None; any plan will do, scope is checked by the caller."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not str(value).isdigit() or int(value) >= 2**63:
        raise Invalid(msg("plan_id phải là mã số kế hoạch."), field="plan_id")
    plan = Plan.get_or_none(Plan.id == int(value))
    if plan is None:
        raise Unprocessable(msg("Không có kế hoạch số %(plan_id)s.", plan_id=value), field="plan_id")
    return plan


def _check_plan(actor: User, c: Campaign) -> None:
    """A campaign joins a plan owned at or above its own area (the plan is seen wherever the campaign is)."""
    if c.plan is None:
        return
    owner = c.plan.area_id
    above = owner is None or (c.area_id is not None and owner in [c.area_id, *ancestor_ids(c.area_id)])
    if not above or not can_see_owner(actor, owner):
        raise Unprocessable(msg("Không có kế hoạch số %(plan_id)s.", plan_id=c.plan_id), field="plan_id")


def _check_dates(c: Campaign) -> None:
    if c.ends_on < c.starts_on:
        raise Unprocessable(msg("Ngày kết thúc trước ngày bắt đầu."))


def listing(user: User, active_on: date | None = None, plan: int | None = None,
            between: tuple[date, date] | None = None) -> list[Campaign]:
    """Campaigns ``user`` sees: running on ``active_on``, of ``plan``, or overlapping the days ``between``."""
    q = Campaign.select()
    cond = owner_visible(user, Campaign.area)
    if cond is not None:
        q = q.where(cond)
    if active_on is not None:
        q = q.where((Campaign.starts_on <= active_on) & (Campaign.ends_on >= active_on))
    if plan is not None:
        q = q.where(Campaign.plan == plan)
    if between is not None:
        q = q.where((Campaign.starts_on <= between[1]) & (Campaign.ends_on >= between[0]))
    return list(q.order_by(Campaign.starts_on, Campaign.id))


def get(user: User, cid: int) -> Campaign:
    c = Campaign.get_or_none(Campaign.id == cid)
    if c is None or not can_see_owner(user, c.area_id):
        raise NotFound(msg("Không có đợt tuyên truyền số %(cid)s.", cid=cid))
    return c


def create(actor: User, data: Mapping[str, Any]) -> Campaign:
    check_role(actor, EDITORS, "tạo đợt tuyên truyền")
    fields = _clean(data, partial=False)
    c = Campaign(area=actor.area_id, created_by=actor, **fields)
    _check_dates(c)
    _check_plan(actor, c)
    with _unique_code(c), database.atomic():
        c.save()
        audit.record(actor, "campaign.create", c, name=c.name, starts_on=str(c.starts_on),
                     ends_on=str(c.ends_on))
    return c


def update(actor: User, cid: int, data: Mapping[str, Any]) -> Campaign:
    check_role(actor, EDITORS, "sửa đợt tuyên truyền")
    c = get(actor, cid)
    check_owner(actor, c.area_id, "Đợt tuyên truyền")
    fields = _clean(data, partial=True)
    for k, v in fields.items():
        setattr(c, k, v)
    _check_dates(c)
    _check_plan(actor, c)
    with _unique_code(c), database.atomic():
        c.save()
        audit.record(actor, "campaign.update", c, fields=sorted(fields))
    return c


@contextmanager
def _unique_code(c: Campaign) -> Iterator[None]:
    """A code another campaign holds is a conflict, not a server error."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(msg("Mã đợt tuyên truyền '%(code)s' đã có.", code=c.code)) from exc


def delete(actor: User, cid: int) -> None:
    check_role(actor, EDITORS, "xóa đợt tuyên truyền")
    c = get(actor, cid)
    check_owner(actor, c.area_id, "Đợt tuyên truyền")
    if Bulletin.select().where(Bulletin.campaign == c).exists():
        raise Conflict(msg("Đợt tuyên truyền đã có bản tin, không xóa được."))
    with database.atomic():
        audit.record(actor, "campaign.delete", c, name=c.name)
        c.delete_instance()


def answer(c: Campaign) -> shapes.Campaign:
    cat = c.category
    return shapes.Campaign(
        id=c.id,
        code=c.code,
        name=c.name,
        category=cat.code if cat else None,
        starts_on=c.starts_on.isoformat() if isinstance(c.starts_on, date) else str(c.starts_on),
        ends_on=c.ends_on.isoformat() if isinstance(c.ends_on, date) else str(c.ends_on),
        description=c.description,
        area_code=c.area.code if c.area is not None else None,
        plan_id=c.plan_id,
    )
