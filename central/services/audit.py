"""The audit log: every state change made by a person is recorded with who, what, where and when.

``record`` writes a row; ``query`` finds rows by person, object, action, area and time for the admins'
page and API (``answer``, ``to_csv``). A row's area is its object's (a station's, a bulletin's…),
else its actor's; an admin with an area sees the rows of their subtree only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from peewee import JOIN, ModelSelect

from central.messages import msg
from central.times import ZONE

from ..errors import Invalid
from ..models import ApiToken, Area, AuditLog, User
from ..shapes.operator import AuditEntry
from . import area_tree

#: the name written for a change with no user behind it: "system", or "cli:<login>" at the console
_UNNAMED: ContextVar[str] = ContextVar("audit_unnamed_actor", default="system")
MAX_PAGE = 1000
MAX_OFFSET = 2**31 - 1  # beyond any real log, and inside every database's integer


def record(actor: User | None, action: str, obj: Any = None, **detail: Any) -> AuditLog:
    """Record ``action`` (e.g. ``"bulletin.approve"``) by ``actor`` on ``obj`` (a model row or None).

    ``detail`` must be JSON-serialisable; it is stored as given. Call it inside the same transaction
    as the change so that a change and its audit row stand or fall together.
    """
    object_type = type(obj).__name__ if obj is not None else ""
    object_id = None
    if obj is not None:
        object_id = str(obj.get_id()) if hasattr(obj, "get_id") else str(obj)
    return AuditLog.create(
        actor=actor,
        actor_name=actor.name if actor is not None else _UNNAMED.get(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        area=area_of(actor, obj),
        detail=detail,
    )


def acting_as(name: str) -> Token[str]:
    """Name who makes the changes that have no user (the ``central`` command: its login); undo with reset."""
    return _UNNAMED.set(name[:100])


def reset(token: Token[str]) -> None:
    _UNNAMED.reset(token)


def area_of(actor: User | None, obj: Any) -> int | None:
    """Where a change happened: the object's area (an area is its own), else the actor's; None = province."""
    if isinstance(obj, Area):
        return int(obj.id)
    area_id = getattr(obj, "area_id", None)
    if area_id is None and isinstance(obj, ApiToken):
        area_id = User.select(User.area).where(User.id == obj.user_id).scalar()
    if area_id is None and actor is not None:
        area_id = actor.area_id
    return area_id


# --- reading the log (admins) ----------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What to look for; every part optional. ``start`` is inclusive, ``end`` exclusive."""

    person: str | None = None  # a login name, as it was when the row was written
    object_type: str | None = None  # a model name: Bulletin, Schedule, Station…
    object_id: str | None = None
    action: str | None = None  # "bulletin.approve", or a prefix without a dot: "bulletin"
    area_code: str | None = None  # rows of this area's subtree
    start: datetime | None = None
    end: datetime | None = None


#: times outside these are clamped (a date like 0001-01-01 in UTC+7 has no UTC instant in Python)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def parse_when(value: str | None, what: str, end: bool = False) -> datetime | None:
    """A local day ``YYYY-MM-DD`` (its start; with ``end``, the start of the next day) or an ISO time."""
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(msg("'%(what)s' phải là ngày YYYY-MM-DD hoặc thời gian ISO 8601, nhận được %(value)r.", what=what, value=value), field=what) from None
    if not EARLIEST.year < t.year < LATEST.year:
        return EARLIEST if t.year <= EARLIEST.year else LATEST
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZONE)
    return t + timedelta(days=1) if end and len(value) == 10 else t


def query(user: User, f: Filters) -> ModelSelect[AuditLog]:
    """The rows ``user`` may read that match ``f``, newest first (an admin with an area: their subtree)."""
    from ..auth import area_subtree_ids, check_area
    from . import areas

    q = AuditLog.select(AuditLog, Area).join(Area, JOIN.LEFT_OUTER, on=(AuditLog.area == Area.id))
    scope = area_subtree_ids(user)
    if scope is not None:
        q = q.where(AuditLog.area.in_(list(scope)))
    if f.area_code:
        area = areas.get(f.area_code)
        check_area(user, area)
        q = q.where(AuditLog.area.in_(list(area_tree.subtree_ids(area.id))))
    if f.person:
        q = q.where(AuditLog.actor_name == f.person)
    if f.object_type:
        q = q.where(AuditLog.object_type == f.object_type)
    if f.object_id:
        q = q.where(AuditLog.object_id == f.object_id)
    if f.action:
        exact = AuditLog.action == f.action
        q = q.where(exact if "." in f.action else exact | AuditLog.action.startswith(f.action + "."))
    if f.start is not None:
        q = q.where(AuditLog.at >= f.start)
    if f.end is not None:
        q = q.where(AuditLog.at < f.end)
    return q.order_by(AuditLog.at.desc(), AuditLog.id.desc())


@dataclass(frozen=True)
class Page:
    rows: list[AuditLog]
    total: int
    limit: int
    offset: int


def page(user: User, f: Filters, limit: int = 100, offset: int = 0) -> Page:
    """One page of ``query``; ``limit`` 1–1000, ``offset`` ≥ 0."""
    if not 1 <= limit <= MAX_PAGE or not 0 <= offset <= MAX_OFFSET:
        raise Invalid(msg("'limit' từ 1 đến %(MAX_PAGE)s, 'offset' từ 0 đến %(MAX_OFFSET)s.", MAX_PAGE=MAX_PAGE, MAX_OFFSET=MAX_OFFSET))
    q = query(user, f)
    return Page(list(q.limit(limit).offset(offset)), q.count(), limit, offset)


def object_types() -> list[str]:
    """The kinds of object the log names, for a filter's choices."""
    q = AuditLog.select(AuditLog.object_type).where(AuditLog.object_type != "").distinct()
    return sorted(r.object_type for r in q)


def answer(row: AuditLog) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at.isoformat(),
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        action=row.action,
        object_type=row.object_type or None,
        object_id=row.object_id,
        area_code=row.area.code if row.area is not None else None,
        detail=row.detail or {},
    )


CSV_MAX = 100_000
CSV_HEADER = ("Thời gian (giờ Việt Nam)", "Người thực hiện", "Hành động", "Loại đối tượng", "Mã đối tượng",
              "Đơn vị", "Chi tiết")


def to_csv(rows: Iterable[AuditLog]) -> bytes:
    """The rows as CSV, UTF-8 with a BOM so Excel shows Vietnamese diacritics; times in Vietnam's zone."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    zone = ZONE
    for r in rows:
        cells = [r.actor_name, r.action, r.object_type, r.object_id or "",
                 r.area.code if r.area is not None else "",
                 json.dumps(r.detail or {}, ensure_ascii=False, sort_keys=True)]
        w.writerow([r.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"), *map(_cell, cells)])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _cell(text: str) -> str:
    """Text Excel would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export(user: User, f: Filters) -> bytes:
    """Every matching row as CSV; refuses more than ``CSV_MAX`` rows (narrow the filter instead)."""
    q = query(user, f)
    count = q.count()
    if count > CSV_MAX:
        raise Invalid(msg("Có %(count)s dòng, quá %(CSV_MAX)s dòng cho một tệp CSV; hãy thu hẹp khoảng ngày.", count=count, CSV_MAX=CSV_MAX))
    return to_csv(_rows(q))


def _rows(q: ModelSelect[AuditLog]) -> Iterator[AuditLog]:
    yield from q.iterator()


def actions() -> list[str]:
    """The actions the log holds, for a filter's choices."""
    return sorted(r.action for r in AuditLog.select(AuditLog.action).distinct())
