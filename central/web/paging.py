"""Pagination and the shared search fields of list pages (bulletins, schedules, programmes, stations)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from flask import request, url_for
from flask_babel import gettext as _

from central.errors import Invalid
from central.times import ZONE

T = TypeVar("T")
PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    """One page of a filtered list, and how to reach the others with the same filters."""

    rows: Sequence[Any]
    number: int
    pages: int
    total: int

    def url(self, number: int) -> str:
        args: dict[str, Any] = {k: v for k, v in request.args.items() if v and k != "page"}
        return url_for(request.endpoint or "web.dashboard", **request.view_args or {}, **args, page=number)


def paginate(rows: Sequence[T], per_page: int = PER_PAGE) -> Page:
    """The page ``?page=`` asks for (1 if absent or beyond the last)."""
    raw = request.args.get("page", "1")
    number = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    pages = max(1, -(-len(rows) // per_page))
    number = min(number, pages)
    return Page(rows[(number - 1) * per_page:number * per_page], number, pages, len(rows))


def day_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(_("Ngày phải dạng YYYY-MM-DD.")) from None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local (Vietnam) day as UTC instants [start, end)."""
    start = datetime.combine(day, time(), ZONE).astimezone(UTC)
    return start, start + timedelta(days=1)


def within_days(rows: Iterable[T], when: Callable[[T], datetime | None], first: date | None,
                last: date | None) -> list[T]:
    """Rows whose ``when`` falls on a local day from ``first`` to ``last`` (either may be open)."""
    out = []
    for r in rows:
        t = when(r)
        d = t.astimezone(ZONE).date() if t is not None else None
        if (first is None or (d is not None and d >= first)) and (last is None or (d is not None and d <= last)):
            out.append(r)
    return out


def contains(needle: str, *texts: str | None) -> bool:
    n = needle.casefold()
    return any(n in (t or "").casefold() for t in texts)
