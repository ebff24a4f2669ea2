"""Categories (chủ đề) and the reference data of the provincial plan: categories and campaigns.

The seed follows the province's 2024 information plan (seed/000_…txt): the topics it names and the
dated drives it asks stations to air around — drug-prevention month (1–30/6), the people's
drug-prevention day 26/6, the anti-trafficking day 30/7, the HIV/AIDS action month (10/11–10/12)
and World AIDS Day 1/12. Names stay editable afterwards; seeding never overwrites an edit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from peewee import IntegrityError, fn

from central.db import database
from central.errors import Conflict, Invalid, NotFound, Unprocessable
from central.messages import msg
from central.migrations import m0002_seed_categories as seed_step
from central.models import Campaign, Category, User
from central.services import audit
from central.shapes import workflow as shapes

log = logging.getLogger(__name__)


#: (code, Vietnamese name, English name): the plan's topics, seeded by migration step 2.
CATEGORIES: tuple[tuple[str, str, str], ...] = seed_step.CATEGORIES


@dataclass(frozen=True)
class CampaignSeed:
    name: str
    category: str
    start: tuple[int, int]  # (day, month)
    end: tuple[int, int]
    next_year_end: bool = False  # the drive ends in the following year (never for these)


CAMPAIGNS: tuple[CampaignSeed, ...] = (
    CampaignSeed("Tháng hành động phòng, chống ma túy", "drugs", (1, 6), (30, 6)),
    CampaignSeed("Ngày toàn dân phòng, chống ma túy 26/6", "drugs", (26, 6), (26, 6)),
    CampaignSeed("Ngày toàn dân phòng, chống mua bán người 30/7", "trafficking", (30, 7), (30, 7)),
    CampaignSeed("Tháng hành động quốc gia phòng, chống HIV/AIDS", "hiv", (10, 11), (10, 12)),
    CampaignSeed("Ngày Thế giới phòng, chống AIDS 1/12", "hiv", (1, 12), (1, 12)),
)


def campaign_dates(seed: CampaignSeed, year: int) -> tuple[date, date]:
    (d0, m0), (d1, m1) = seed.start, seed.end
    return date(year, m0, d0), date(year + (1 if seed.next_year_end else 0), m1, d1)


# --- database side ---------------------------------------------------------------------------


def seed_reference_data(years: tuple[int, ...] | None = None) -> dict[str, int]:
    """Create the plan's categories and, for each year, its campaigns; existing rows are kept."""
    years = years or (date.today().year,)
    made = {"categories": 0, "campaigns": 0}
    with database.atomic():
        for position, (code, name, name_en) in enumerate(CATEGORIES):
            _, created = Category.get_or_create(
                code=code, defaults={"name": name, "name_en": name_en, "position": position}
            )
            made["categories"] += int(created)
        for year in years:
            for s in CAMPAIGNS:
                start, end = campaign_dates(s, year)
                _, created = Campaign.get_or_create(
                    name=s.name,
                    starts_on=start,
                    defaults={"ends_on": end, "category": by_code(s.category)},
                )
                made["campaigns"] += int(created)
    log.info("reference data seeded: %s", made)
    return made


def answer(c: Category) -> shapes.Category:
    return shapes.Category(id=c.id, code=c.code, name=c.name, name_en=c.name_en, position=c.position,
                           active=c.active)


def listing(include_inactive: bool = False) -> list[Category]:
    q = Category.select().order_by(Category.position, Category.name)
    if not include_inactive:
        q = q.where(Category.active == True)  # noqa: E712 (peewee expression)
    return list(q)


def get(cid: int) -> Category:
    c = Category.get_or_none(Category.id == cid)
    if c is None:
        raise NotFound(msg("Không có chủ đề số %(cid)s.", cid=cid))
    return c


def by_code(code: str | int | None) -> Category | None:
    """The category named by ``code`` (or by its id); None for an empty value."""
    if code is None or code == "":
        return None
    c = Category.get_or_none(Category.code == str(code))
    if c is None and str(code).isdigit():
        c = Category.get_or_none(Category.id == int(code))
    if c is None:
        raise Unprocessable(msg("Không có chủ đề mã '%(code)s'.", code=code), field="category")
    return c


def _clean(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("code", "name", "name_en"):
        if key in data:
            value = data[key]
            if value is not None and not isinstance(value, str):
                raise Invalid(msg("Trường %(key)s phải là chuỗi.", key=key), field=key)
            out[key] = (value or "").strip()
    if "position" in data:
        try:
            out["position"] = int(data["position"])
        except (TypeError, ValueError):
            raise Invalid(msg("position phải là số nguyên."), field="position") from None
    if "active" in data:
        out["active"] = bool(data["active"])
    for key in ("code", "name"):
        if (not partial or key in out) and not out.get(key):
            raise Invalid(msg("Thiếu trường %(key)s.", key=key), field=key)
    return out


def create(actor: User, data: dict[str, Any]) -> Category:
    fields = _clean(data, partial=False)
    if "position" not in fields:  # a new topic goes to the end of the list
        fields["position"] = (Category.select(fn.MAX(Category.position)).scalar() or 0) + 1
    try:
        with database.atomic():
            c = Category.create(**fields)
            audit.record(actor, "category.create", c, **fields)
    except IntegrityError as exc:
        raise Conflict(msg("Mã chủ đề '%(code)s' đã có.", code=fields['code'])) from exc
    return c


def update(actor: User, cid: int, data: dict[str, Any]) -> Category:
    c = get(cid)
    fields = _clean(data, partial=True)
    try:
        with database.atomic():
            for k, v in fields.items():
                setattr(c, k, v)
            c.save()
            audit.record(actor, "category.update", c, **fields)
    except IntegrityError as exc:
        raise Conflict(msg("Mã chủ đề '%(code)s' đã có.", code=fields.get('code'))) from exc
    return c


def delete(actor: User, cid: int) -> None:
    """Hide a category (it stays on old bulletins and in reports)."""
    c = get(cid)
    with database.atomic():
        c.active = False
        c.save()
        audit.record(actor, "category.deactivate", c)
