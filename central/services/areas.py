"""The area tree: create, import from CSV, walk up (ancestors) and down (subtrees)."""

from __future__ import annotations

import csv
import io
from typing import Any

from peewee import IntegrityError

from central.messages import msg

from ..db import database
from ..errors import Conflict, Invalid, NotFound
from ..models import AREA_LEVELS, Area, User
from ..shapes import operator as shapes
from ..words import AreaLevel
from . import audit, manifests
from .area_tree import ancestor_path

CSV_COLUMNS = ("code", "name", "level", "parent_code")


def get(code: str) -> Area:
    area = Area.get_or_none(Area.code == code)
    if area is None:
        raise NotFound(msg("Không có đơn vị mã '%(code)s'.", code=code))
    return area


def create(actor: User | None, code: str, name: str, parent_code: str | None = None,
           level: str | None = None) -> Area:
    """Add one area under ``parent_code`` (or as a root); the level defaults from the parent's."""
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise Invalid(msg("Cần mã và tên đơn vị."))
    parent = get(parent_code) if parent_code else None
    level = level or _level_below(parent)
    if level not in AREA_LEVELS:
        raise Invalid(msg("Cấp '%(level)s' không hợp lệ; dùng một trong %(value)s.", level=level, value=', '.join(AREA_LEVELS)))
    try:
        with database.atomic():
            area = Area.create(code=code, name=name, level=level, parent=parent)
            audit.record(actor, "area.create", area, code=code, name=name, parent=parent_code)
    except IntegrityError as exc:
        raise Conflict(msg("Mã đơn vị '%(code)s' đã có.", code=code)) from exc
    return area


def _level_below(parent: Area | None) -> str:
    if parent is None:
        return AreaLevel.PROVINCE
    index = AREA_LEVELS.index(parent.level) if parent.level in AREA_LEVELS else 1
    return AREA_LEVELS[min(index + 1, len(AREA_LEVELS) - 1)]


def import_csv(actor: User | None, text: str) -> tuple[int, int]:
    """Load ``code,name,level,parent_code`` rows (header required; parents before or after children).

    Existing codes are updated (name, level, parent); returns ``(created, updated)``.
    """
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if rows and not {"code", "name"} <= set(rows[0]):
        raise Invalid(msg("Tệp CSV cần các cột code,name,level,parent_code."))
    created = updated = 0
    with database.atomic():
        pending = [r for r in rows if (r.get("code") or "").strip()]
        for _ in range(len(pending) + 1):  # parents may come after children: retry until settled
            waiting = []
            for row in pending:
                parent = (row.get("parent_code") or "").strip() or None
                if parent and not Area.select().where(Area.code == parent).exists():
                    waiting.append(row)
                    continue
                was_new = _upsert(row, parent)
                created, updated = created + was_new, updated + (not was_new)
            if not waiting or len(waiting) == len(pending):
                pending = waiting
                break
            pending = waiting
        if pending:
            codes = ", ".join(r["code"] for r in pending[:5])
            raise Invalid(msg("Không tìm thấy đơn vị cấp trên cho: %(codes)s.", codes=codes))
        audit.record(actor, "area.import", None, created=created, updated=updated)
    return created, updated


def _upsert(row: dict[str, Any], parent_code: str | None) -> bool:
    code, name = row["code"].strip(), (row.get("name") or "").strip()
    if not name:
        raise Invalid(msg("Đơn vị '%(code)s' thiếu tên.", code=code))
    parent = Area.get(Area.code == parent_code) if parent_code else None
    level = (row.get("level") or "").strip() or _level_below(parent)
    if level not in AREA_LEVELS:
        raise Invalid(msg("Cấp '%(level)s' của '%(code)s' không hợp lệ.", level=level, code=code))
    existing = Area.get_or_none(Area.code == code)
    if existing is None:
        Area.create(code=code, name=name, level=level, parent=parent)
        return True
    moved = existing.parent_id != (parent.id if parent else None)
    existing.name, existing.level, existing.parent = name, level, parent
    existing.save()
    if moved:  # its stations now fall under other areas' schedules
        manifests.bump_for_area(existing)
    return False


def answer(area: Area, parent_code: str | None = None) -> shapes.Area:
    return shapes.Area(id=area.id, code=area.code, name=area.name, level=area.level, parent_code=parent_code)


def listing(scope: set[int] | None) -> list[shapes.Area]:
    """Every area in ``scope`` (None = all), parents before children, with parent codes."""
    rows = list(Area.select().order_by(Area.id))
    codes = {a.id: a.code for a in rows}
    visible = [a for a in rows if scope is None or a.id in scope]
    depth = {a.id: len(ancestor_path(a.id, {r.id: r.parent_id for r in rows})) for a in visible}
    visible.sort(key=lambda a: (depth[a.id], a.code))
    return [answer(a, codes.get(a.parent_id) if a.parent_id is not None else None) for a in visible]
