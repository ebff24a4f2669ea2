"""Shapes of the editorial workflow: bulletins, categories, campaigns, programmes (playlists), chimes, schedules.

Answers are closed (every member always present); request bodies state every limit the server
enforces. ``…Patch`` models take any part of their ``…Input`` (``partial``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, WithJsonSchema

from ..models import BULLETIN_STATUSES, CHIME_STATUSES, REVISION_STATUSES, SCHEDULE_STATUSES
from . import (
    MAX_INT64,
    NAIVE_TIME,
    TIME_FORMS,
    VISIBLE,
    Answer,
    Clock,
    Code,
    Day,
    Id,
    Int32,
    LocalTime,
    Name,
    OneOf,
    OpenShape,
    Shape,
    Text64,
    Text2000,
    Time,
    Title,
    WindowTime,
    Zone,
    partial,
)
from .relays import RelayIn, RelayOut, ScheduleRelay
from .station import ItemKind, Priority

Upload = Annotated[str, WithJsonSchema({"type": "string", "contentMediaType": "application/octet-stream",
                                        "minLength": 1})]
CategoryRef = Annotated[str, Field(max_length=64, description="category code (or id); empty: none")]
Language = Annotated[str, Field(max_length=8)]


class BulletinAsset(Answer):
    sha256: str
    duration_ms: int
    size: int
    loudness_lufs: float | None
    loudness_warning: str | None = Field(description=(
        "Set when the delivered audio misses the loudness target (-16 LUFS) by more than 1 LU because it "
        "could not be louder under the -1.5 dBTP peak ceiling: Vietnamese, then English in brackets. Null "
        "when on target."))


class Bulletin(Answer):
    id: int
    title: str
    status: Annotated[str, OneOf(BULLETIN_STATUSES)]
    category: str | None
    category_name: str | None
    campaign_id: int | None
    language: str
    priority: Priority
    valid_from: Time | None
    valid_until: Time | None
    asset: BulletinAsset | None
    text: str | None
    tts_engine: str | None
    author: str
    approver: str | None
    reason: str | None
    area_code: str | None
    created_at: Time | None
    submitted_at: Time | None
    decided_at: Time | None
    withdrawn_at: Time | None


class Speech(Shape):
    """How a text is read aloud (a TTS bulletin, a preview)."""

    text: Annotated[str, Field(min_length=1, max_length=20_000, pattern=VISIBLE)] = None  # type: ignore[assignment]
    engine: Annotated[str, OneOf(("auto", "gtts", "espeak"))] = "auto"
    voice: Text64 | None = None
    speed: Annotated[float, Field(ge=0.5, le=2.0)] = 1.0


class BulletinPatch(Speech):
    """New text (or engine, voice, speed) reads a TTS bulletin again into new audio; a recording's text is its
    transcript (engine, voice or speed for a recording: 422)."""

    title: Title = None  # type: ignore[assignment]
    category: CategoryRef | None = None
    campaign_id: Id | None = None
    language: Language = ""
    priority: Priority = "normal"
    valid_from: WindowTime = None
    valid_until: WindowTime = None


class BulletinTTS(BulletinPatch):
    __doc__ = None

    title: Title
    text: Annotated[str, Field(min_length=1, max_length=20_000, pattern=VISIBLE)]


class TTSPreviewInput(Speech):
    text: Annotated[str, Field(min_length=1, max_length=20_000, pattern=VISIBLE)]
    language: Language = ""


class TTSPreview(Answer):
    spoken_text: str = Field(description="the text as read: abbreviations, dates and numbers in words")
    engine: Annotated[str, OneOf(("gtts", "espeak"))]
    voice: str | None
    mime: str
    duration_ms: int
    loudness_lufs: float
    audio_base64: str = Field(description="the audio exactly as a saved bulletin would have it",
                              json_schema_extra={"contentEncoding": "base64"})


#: seconds of a recording, as a form field (empty: the edge)
_TRIM: dict[str, Any] = {"type": ["number", "string"], "minimum": 0, "maximum": 86400, "maxLength": 0}
#: an empty field is the edge (None): a plain optional number, so a fault names the field alone
Trim = Annotated[Annotated[float, Field(ge=0, le=86400)] | None, BeforeValidator(lambda v: None if v == "" else v)]


#: a validity end in a form: text (an absent field means none)
_WINDOW_TEXT = WithJsonSchema({"type": "string", "anyOf": TIME_FORMS, "description": NAIVE_TIME})


class BulletinUpload(Shape):
    """The same fields in a multipart form, where every value is text and an absent field means none."""

    file: Upload
    title: Title
    category: CategoryRef = ""
    campaign_id: Id = 0
    language: Language = ""
    priority: Priority = "normal"
    valid_from: Annotated[str, _WINDOW_TEXT] = ""
    valid_until: Annotated[str, _WINDOW_TEXT] = ""
    trim_start: Annotated[Trim, WithJsonSchema(
        {**_TRIM, "description": "keep the audio from this second (empty: the start)"})] = None
    trim_end: Annotated[Trim, WithJsonSchema(
        {**_TRIM, "description": "keep the audio up to this second (empty: the end); after trim_start, else 422"})] = None
    source: Annotated[str, OneOf(("file", "recording"))] = Field(
        "file", description="recording: made with the browser's microphone (noted in the audit log)")


class Category(Answer):
    id: int
    code: str
    name: str
    name_en: str
    position: int
    active: bool


class CategoryInput(Shape):
    code: Code
    name: Name
    name_en: Annotated[str, Field(max_length=200)] | None = None
    position: Int32 = 0
    active: bool = True


CategoryPatch = partial(CategoryInput, "CategoryPatch")


class Campaign(Answer):
    id: int
    code: str | None
    name: str
    category: str | None
    starts_on: Day
    ends_on: Day
    description: str
    area_code: str | None
    plan_id: int | None


class CampaignInput(Shape):
    name: Name
    code: Text64 | None = None
    category: Text64 | None = None
    starts_on: Day
    ends_on: Day
    description: Text2000 | None = None
    plan_id: Id | None = None


CampaignPatch = partial(CampaignInput, "CampaignPatch")


class PlaylistItem(Answer):
    kind: ItemKind
    bulletin_id: int | None
    chime_id: int | None
    asset_sha256: str | None
    duration_ms: int
    title: str | None
    status: str | None
    relay: RelayOut | None


class PlaylistRevision(Answer):
    """A programme's change: the live one (``applied``) or one waiting for a second person."""

    revision: int
    status: Annotated[str, OneOf(REVISION_STATUSES)]
    author: str | None
    approver: str | None
    reason: str | None
    created_at: str
    items: list[PlaylistItem]
    duration_ms: int


class Playlist(Answer):
    id: int
    name: str
    description: str
    area_code: str | None
    items: list[PlaylistItem]
    duration_ms: int
    revision: int = Field(description="the live revision: what airs")
    pending: PlaylistRevision | None
    rejected: PlaylistRevision | None


_FALLBACK_IN: dict[str, Any] = {"oneOf": [
    {"type": "null"},
    {"type": "object", "properties": {"bulletin_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT64}},
     "required": ["bulletin_id"], "additionalProperties": False},
    {"type": "object", "properties": {"playlist_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT64}},
     "required": ["playlist_id"], "additionalProperties": False}]}
_ITEM_IN = WithJsonSchema({
    "description": "an item: {kind: bulletin, bulletin_id}, {kind: chime[, asset_sha256]} or "
                   "{kind: pause, duration_ms 1–600000}",
    "oneOf": [
        {"type": "object", "properties": {"kind": {"const": "bulletin"}, "bulletin_id": {
            "type": "integer", "minimum": 1, "maximum": MAX_INT64}},
         "required": ["kind", "bulletin_id"], "additionalProperties": False},
        {"type": "object", "properties": {"kind": {"const": "chime"}, "chime_id": {
            "type": "integer", "minimum": 1, "maximum": MAX_INT64}, "asset_sha256": {
            "type": "string", "pattern": "^[0-9a-f]{64}$"}}, "required": ["kind"], "additionalProperties": False},
        {"type": "object", "properties": {"kind": {"const": "pause"}, "duration_ms": {
            "type": "integer", "minimum": 1, "maximum": 600_000}},
         "required": ["kind", "duration_ms"], "additionalProperties": False},
        {"type": "object", "properties": {
            "kind": {"const": "relay"}, "relay_source_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT64},
            "duration_ms": {"type": "integer", "minimum": 1, "maximum": 43_200_000},
            "max_gap_s": {"type": "integer", "minimum": 0, "maximum": 3600}, "fallback": _FALLBACK_IN},
         "required": ["kind", "relay_source_id", "duration_ms"], "additionalProperties": False},
    ]})


class PlaylistInput(Shape):
    name: Name
    description: Text2000 | None = None
    items: list[Annotated[dict[str, Any], _ITEM_IN]] = Field(
        min_length=1, max_length=200,
        description="at least one bulletin or relay item; chimes and pauses around it",
        json_schema_extra={"contains": {"properties": {"kind": {"enum": ["bulletin", "relay"]}}}})


PlaylistPatch = partial(PlaylistInput, "PlaylistPatch")


class ChimeAsset(Answer):
    sha256: str
    duration_ms: int
    size: int
    loudness_lufs: float | None


class Chime(Answer):
    id: int
    title: str
    status: Annotated[str, OneOf(CHIME_STATUSES)]
    builtin: bool
    asset: ChimeAsset
    author: str | None
    approver: str | None
    reason: str | None
    area_code: str | None
    created_at: str
    decided_at: Time | None


class ChimeUpload(Shape):
    file: Upload
    title: Title


class Targets(Answer):
    areas: list[str]
    stations: list[int]


class Repeat(Shape):
    form: Annotated[str, OneOf(("once", "daily", "weekly", "monthly"))]
    times: list[Clock] = Field(min_length=1, max_length=48)
    first_day: Day
    last_day: Day | None = None
    weekdays: list[Annotated[str, OneOf(("MO", "TU", "WE", "TH", "FR", "SA", "SU"))]] = Field([], max_length=7)
    days: list[Annotated[int, Field(ge=1, le=31)]] = Field([], max_length=31)


#: the description and rule every targets object shares
ONE_TARGET: dict[str, Any] = {"description": "at least one target area or station", "anyOf": [
    {"required": ["areas"], "properties": {"areas": {"minItems": 1}}},
    {"required": ["stations"], "properties": {"stations": {"minItems": 1}}}]}


class TargetsInput(Shape):
    model_config = ConfigDict(json_schema_extra=ONE_TARGET)

    areas: list[Text64] = Field([], max_length=1000)
    stations: list[Id] = Field([], max_length=1000)


def _given(name: str) -> dict[str, Any]:
    """``name`` is present and not null."""
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


class SchedulePatch(Shape):
    """At most one of bulletin_id, playlist_id and relay."""

    model_config = ConfigDict(json_schema_extra={"not": {"anyOf": [
        {"required": ["bulletin_id", "playlist_id"]}, {"required": ["bulletin_id", "relay"]},
        {"required": ["playlist_id", "relay"]}]}})

    title: Annotated[str, Field(max_length=300)] | None = None
    bulletin_id: Id = None  # type: ignore[assignment]
    playlist_id: Id = None  # type: ignore[assignment]
    relay: RelayIn = None  # type: ignore[assignment]
    targets: TargetsInput = None  # type: ignore[assignment]
    dtstart: LocalTime = ""
    rrule: Annotated[str, Field(max_length=500)] | None = Field(
        None, description="RFC 5545 RRULE value(s), one per line; empty = once")
    repeat: Repeat = None  # type: ignore[assignment]
    exdates: list[LocalTime] = Field([], max_length=1000)
    timezone: Zone = ""
    priority: Priority = "normal"
    grace_s: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    valid_from: WindowTime = None
    valid_until: WindowTime = None
    active: bool = True
    submit: bool = Field(True, description="false keeps a new schedule as a draft")


class ScheduleInput(SchedulePatch):
    """Exactly one of bulletin_id, playlist_id and relay; dtstart, or repeat."""

    model_config = ConfigDict(json_schema_extra={"allOf": [
        {"description": "exactly one of bulletin_id, playlist_id and relay",
         "oneOf": [_given("bulletin_id"), _given("playlist_id"), _given("relay")]},
        {"description": "dtstart, or repeat", "anyOf": [_given("dtstart"), {"required": ["repeat"]}]}]})

    bulletin_id: Id | None = None  # type: ignore[assignment]
    playlist_id: Id | None = None  # type: ignore[assignment]
    relay: RelayIn | None = None  # type: ignore[assignment]
    targets: TargetsInput
    dtstart: LocalTime | None = None  # type: ignore[assignment]


class Schedule(Answer):
    id: int
    title: str
    bulletin_id: int | None
    playlist_id: int | None
    relay: ScheduleRelay | None
    targets: Targets
    dtstart: str
    rrule: str
    exdates: list[str]
    timezone: str
    priority: Priority
    grace_s: int | None
    valid_from: Time | None
    valid_until: Time | None
    status: Annotated[str, OneOf(SCHEDULE_STATUSES)]
    active: bool
    area_code: str | None
    created_by: str | None
    approved_by: str | None


class SomeTargets(OpenShape):
    """Areas (codes) and stations (ids) an emergency or a campaign's schedules reach."""

    model_config = ConfigDict(json_schema_extra=ONE_TARGET)

    areas: list[Text64] = []
    stations: list[Id] = []
