"""Shapes of the operator API's areas, stations, people, proof of play, timelines and summaries."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
)

from ..models import AREA_LEVELS, ROLES
from . import (
    VISIBLE,
    Answer,
    Clock,
    Code,
    Day,
    Int32,
    Name,
    OneOf,
    OpenShape,
    Percent,
    Shape,
    Text64,
    Text2000,
    Time,
    Zone,
)
from .relays import RelayLog, RelayMinutes
from .station import Audibility, ItemKind, LogOutcome, LogStatus, Long, Priority, Short

GROUPS = ("category", "campaign", "area", "station")


class Problem(BaseModel):
    """RFC 9457 problem details; open, for a problem may carry extension members clients ignore."""

    type: str
    title: str
    status: int
    detail: str
    field: str = ""
    index: int = 0
    current_status: str = ""
    size: int = 0


class Area(Answer):
    id: int
    code: str
    name: str
    level: str
    parent_code: str | None


class QuietHours(Answer):
    start: str
    end: str


class Station(Answer):
    id: int
    name: str
    area_code: str
    area_name: str
    timezone: str
    enrolled: bool
    active: bool
    online: bool
    presence_at: Time | None
    last_seen: Time | None
    last_heartbeat_at: Time | None
    manifest_version: int
    applied_version: int | None
    in_sync: bool
    agent_version: str | None
    clock_offset_ms: int | None
    clock_trusted: bool | None
    now_playing: dict[str, Any] | None
    last_error: str | None
    volume: int
    quiet_hours: QuietHours | None
    # members only one station's own page carries
    sound: dict[str, Any] | None = Field(
        default=None, description="one station only: its last heartbeat's sound (issue 15)")
    speaker_test_waiting: dict[str, Any] | None = Field(
        default=None, description="one station only: a speaker test not reported yet")

    @model_serializer(mode="wrap")
    def _one_station(self, dump: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A list's station has no ``sound`` or ``speaker_test_waiting`` member at all (not null)."""
        return {key: value for key, value in dump(self).items()
                if key not in _ONE_STATION or key in self.model_fields_set}


_ONE_STATION = ("sound", "speaker_test_waiting")


class Token(Answer):
    id: int
    name: str
    prefix: str
    created_at: Time
    last_used_at: Time | None
    revoked_at: Time | None


class User(Answer):
    id: int
    name: str
    full_name: str
    role: Annotated[str, OneOf(ROLES)]
    area_code: str | None
    active: bool


class PlayedSound(Answer):
    """How a stored play sounded: the members of the station's ``sound`` it sent, and its own status.

    A member the station did not send is absent from the answer (never null), so only
    ``reported_status`` is required; the defaults are never shown.
    """

    output: Annotated[str, Field(max_length=200)] = ""
    null_output: bool = False
    volume: Percent = 0
    muted: bool = False
    quiet_hours: bool = False
    local_override: bool = False
    audibility: Audibility = ""
    level_lufs: Annotated[float | int, WithJsonSchema({"type": "number"})] = 0  # an integer stays one
    monitor: bool = False
    reported_status: LogStatus = Field(description="the status the station sent; the row's status is "
                                                   "what the sound made of it")

    @model_serializer(mode="wrap")
    def _sent(self, dump: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in dump(self).items() if key in self.model_fields_set}


class PlayLogRow(Answer):
    """One stored play: the station's log, and its outcome as ``status``."""

    id: str
    station_id: int
    station_name: str
    slot_id: Short | None
    schedule_id: Int32 | None
    bulletin_id: Int32 | None
    asset_sha256: Short | None
    planned_start: Time | None
    started_at: Time | None
    ended_at: Time | None
    status: LogOutcome
    reason: Long | None
    clock_trusted: bool
    clock_offset_ms: Int32
    sound: PlayedSound | None
    relay: RelayLog | None
    received_at: Time | None
    emergency_test: bool = Field(description="a play of a TEST emergency (a drill)")


class TimelineItem(Answer):
    kind: ItemKind
    start: Time
    end: Time
    bulletin_id: int | None
    asset_sha256: str | None
    index: int
    interrupted: bool


class TimelineSlot(Answer):
    id: str
    schedule_id: int
    planned_start: Time
    start: Time
    end: Time
    priority: Priority
    status: Annotated[str, OneOf(("planned", "missed", "skipped", "interrupted"))]
    reason: str | None
    reason_text: str
    items: list[TimelineItem]


class Timeline(Answer):
    model_config = ConfigDict(populate_by_name=True)

    station_id: int
    version: int
    timezone: str
    from_: Time = Field(alias="from")
    to: Time
    slots: list[TimelineSlot]


class SummaryRow(Answer):
    key: str
    label: str
    plays: int
    minutes_aired: float
    completed: int
    interrupted: int
    failed: int
    missed: int
    skipped: int
    local: int
    not_audible: int
    failed_to_sound: int
    completion_rate: float | None
    stations_reached: int
    uptime_pct: Annotated[float, Field(ge=0, le=100)] | None = Field(
        None, description="share of the period the stations were on line (services.uptime)")


class Summary(Answer):
    model_config = ConfigDict(populate_by_name=True)

    # built by the service as ``from_=…`` (checked by mypy), read and written as "from"
    from_: Day = Field(validation_alias="from", serialization_alias="from")
    to: Day
    area: str | None
    group_by: Annotated[str, OneOf(GROUPS)]
    rows: list[SummaryRow]
    total: SummaryRow
    relays: list[RelayMinutes] = Field(
        description="relay minutes per source (issue 13): never counted in the rows above")


class AreaInput(Shape):
    code: Code
    name: Name
    parent_code: Text64 | None = None
    level: Annotated[str, OneOf(AREA_LEVELS)] | None = None


class StationInput(Shape):
    area_code: Code
    name: Name
    timezone: Zone = ""


class QuietHoursInput(Shape):
    start: Clock
    end: Clock


class StationSettings(Shape):
    name: Name = ""
    timezone: Zone = ""
    quiet_hours: QuietHoursInput | None = None
    volume: Annotated[int, Field(ge=0, le=100)] = 0
    sync_interval_s: Annotated[int, Field(ge=10, le=3600)] = 60
    heartbeat_interval_s: Annotated[int, Field(ge=30, le=86400)] = 300
    active: bool = True


class AreaList(Answer):
    areas: list[Area]


class StationList(Answer):
    stations: list[Station]


class StationCreated(Answer):
    station: Station
    code: str


class EnrollCode(Answer):
    station_id: int
    code: str


class Outage(Answer):
    """One interval a station was off the push channel (its link dropped or it stopped)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Time = Field(alias="from")
    to: Time | None
    duration_s: Annotated[float, Field(ge=0)]
    ongoing: bool


class Outages(Answer):
    station_id: int
    outages: list[Outage]


class SpeakerTestAsked(Answer):
    station_id: int
    id: str


class PlayLogPage(Answer):
    play_logs: list[PlayLogRow]
    limit: int
    offset: int


class TokenList(Answer):
    tokens: list[Token]


class TokenNew(Shape):
    name: Annotated[str, Field(max_length=100)] = ""


class TokenMade(Answer):
    id: int
    token: str
    prefix: str


class AuditEntry(Answer):
    id: int
    at: Time
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str | None
    object_id: str | None
    area_code: str | None
    detail: dict[str, Any]


class AuditPage(Answer):
    entries: list[AuditEntry]
    total: int
    limit: int
    offset: int


class Health(Answer):
    status: str


class Reason(OpenShape):
    """Why (optional): a workflow step's note."""

    reason: Text2000 | None = None


class ReasonRequired(OpenShape):
    """Why (required): a rejection says what to change."""

    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=VISIBLE)]
