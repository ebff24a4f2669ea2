"""Shapes of emergencies (time-to-air per station) and standing alerts; every answer is closed."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ..models import EMERGENCY_MODES
from . import VISIBLE, Answer, Id, OneOf, OpenShape, Shape, Text64, Time
from .workflow import SomeTargets, Targets

Mode = Annotated[str, OneOf(EMERGENCY_MODES)]
AlertName = Annotated[str, Field(min_length=1, max_length=200, pattern=VISIBLE)]


class Steps(Answer):
    """One target station's way to air: nudged, manifest fetched, audio ready, sounding."""

    station_id: int
    station_name: str
    created_at: Time
    nudged_at: Time | None
    manifest_fetched_at: Time | None
    audio_ready_at: Time | None
    audio_cached: bool
    sound_started_at: Time | None
    outcome: str | None = Field(description="the play log's status, then ': ' and its reason")
    delivered: bool
    sounding: bool
    late: bool


class EmergencySummary(Answer):
    id: int
    title: str
    mode: Mode
    schedule_id: int
    bulletin_id: int
    standing_alert: str | None
    all_clear_of: int | None
    targets: Targets
    created_at: Time
    created_by: str | None
    play_by: Time
    valid_until: Time | None
    nudged_at: Time | None
    stopped_at: Time | None
    running: bool
    station_count: int
    delivered: int
    sounding: int
    late: int


class Emergency(EmergencySummary):
    stations: list[Steps]


class EmergencyList(Answer):
    emergencies: list[EmergencySummary]


class EmergencyNew(OpenShape):
    standing_alert: str = Field("", description="a standing alert's key (its audio is cached already)")
    bulletin_id: int = Field(0, description="or an approved bulletin")
    mode: Mode = "live"
    targets: SomeTargets
    play_by_minutes: Annotated[float, Field(ge=1, le=1440, description="default 30")] = 30
    valid_minutes: Annotated[float, Field(ge=1, le=4320, description="default 120")] = 120
    title: str = ""


class StopArea(OpenShape):
    area: str


class StoppedArea(Answer):
    stopped: list[int]
    left: list[int]


class StandingAlert(Answer):
    id: int
    key: str
    name: str
    active: bool
    bulletin_id: int
    bulletin_title: str
    bulletin_status: str
    duration_ms: int
    area_code: str | None


class StandingAlertList(Answer):
    standing_alerts: list[StandingAlert]


class StandingAlertNew(Shape):
    key: Annotated[str, Field(pattern="^[a-z][a-z0-9_]{1,63}$")]
    name: AlertName
    bulletin_id: Id
    area: Text64 | None = None


class StandingAlertPatch(Shape):
    name: AlertName = ""
    bulletin_id: Id = 0
    active: bool = True
