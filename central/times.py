"""Reading times people and clients send: one parser, one default zone for the whole central.

A time without an offset is read in the deployment's zone (``DEFAULT_ZONE``, Vietnam's), as a
province officer means it; a date alone means that local day's midnight. The OpenAPI document says
so wherever a time is accepted. The zone is ``playlists.model.DEFAULT_ZONE``, the scheduling core's,
so the central, the station and the core never disagree on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from central.messages import msg
from playlists.model import DEFAULT_ZONE

from .errors import Unprocessable

#: The zone of naive times, local days and of a station that names none.
ZONE = ZoneInfo(DEFAULT_ZONE)


def parse_time(value: Any, what: str) -> datetime | None:
    """An aware datetime from ISO 8601 text (naive: ``DEFAULT_ZONE``), or None if empty."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, date):
        t = datetime.combine(value, time())
    else:
        try:
            t = datetime.fromisoformat(str(value))
        except ValueError:  # the API document let its form through: a day or hour that does not exist
            raise Unprocessable(msg("%(what)s không phải thời gian ISO 8601 dùng được, nhận '%(value)s'.", what=what, value=value), field=what) from None
    t = t if t.tzinfo is not None else t.replace(tzinfo=ZONE)
    try:
        # in UTC: a zone's historical offset (1309 in Hà Nội: +07:06:30) is no RFC 3339 offset
        return t.astimezone(UTC)
    except OverflowError:
        raise Unprocessable(msg("%(what)s nằm ngoài năm 1–9999.", what=what), field=what) from None
