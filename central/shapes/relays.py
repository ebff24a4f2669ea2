"""Shapes of relay sources (nguồn tiếp sóng, issue 13): streams stations rebroadcast, and relay items."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from playlists.model import DEFAULT_MAX_GAP_S

from ..relay_models import RELAY_STATUSES
from . import VISIBLE, Answer, Id, OneOf, Shape, Text2000, Time

#: an http(s) stream address (Icecast MP3/AAC/Ogg, HLS .m3u8)
StreamUrl = Annotated[str, Field(min_length=8, max_length=1000, pattern="^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/]+\\S*$",
                                 examples=["http://127.0.0.1:8000/vov1.ogg"])]
Gap = Annotated[int, Field(ge=0, le=3600)]
RelayLength = Annotated[int, Field(ge=1, le=43_200_000)]


class RelaySource(Answer):
    id: int
    name: str
    url: str
    note: str
    status: Annotated[str, OneOf(RELAY_STATUSES)]
    author: str | None
    approver: str | None
    disabled_by: str | None
    reason: str | None
    area_code: str | None
    created_at: str
    decided_at: Time | None
    disabled_at: Time | None


class RelaySourceIn(Shape):
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=VISIBLE)]
    url: StreamUrl
    note: Text2000 | None = None
    submit: bool = False


class FallbackBulletin(Answer):
    bulletin_id: int


class FallbackPlaylist(Answer):
    playlist_id: int


class RelayOut(Answer):
    """A stored relay as an answer shows it (``services.relay_items.describe``)."""

    source_id: int
    source_name: str | None
    source_status: str | None
    max_gap_s: int
    fallback: FallbackBulletin | FallbackPlaylist | None = Field(
        description="a bulletin, a programme's items, or null (silence)")


class ScheduleRelay(RelayOut):
    duration_ms: int


class FallbackBulletinIn(Shape):
    bulletin_id: Id


class FallbackPlaylistIn(Shape):
    playlist_id: Id


class RelayIn(Shape):
    """A schedule that is one relay (issue 13), as a single-bulletin schedule is one bulletin."""

    source_id: Id
    duration_ms: RelayLength
    max_gap_s: Gap = 0
    fallback: FallbackBulletinIn | FallbackPlaylistIn | None = None


class RelayItemIn(Shape):
    """A programme's relay item as the document's ``items`` say (``workflow._ITEM_IN``): the service reads it so."""

    kind: Annotated[str, OneOf(("relay",))]
    relay_source_id: Id
    duration_ms: RelayLength
    max_gap_s: Gap = DEFAULT_MAX_GAP_S
    fallback: FallbackBulletinIn | FallbackPlaylistIn | None = None


class RelayLog(Shape):
    """A relay item's counters (issue 13, ``playlists.model.RelayLog``); optional, an older station sends none."""

    model_config = {"extra": "allow"}

    source_id: Annotated[int, Field(ge=0, le=2**53)]
    relayed_ms: Annotated[int, Field(ge=0, le=2**53)] = 0
    gap_ms: Annotated[int, Field(ge=0, le=2**53)] = 0
    gaps: Annotated[int, Field(ge=0, le=2**53)] = 0
    fallback_ms: Annotated[int, Field(ge=0, le=2**53)] = 0


class RelayMinutes(Answer):
    source_id: int
    name: str
    stations: int
    plays: int
    relayed_ms: int
    relayed_minutes: float
    gap_minutes: float
    gaps: int
    fallback_minutes: float
