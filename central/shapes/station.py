"""The station contract's shapes (docs/contract.md): enrollment, manifest, play logs, heartbeat.

Requests stay open where the contract says so (a newer station sends more than an older central
knows); the manifest is an open answer, for DESIGN §7 lets new optional fields appear in it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from playlists.sound import AUDIBILITIES
from playlists.words import OUTCOMES

from ..models import ITEM_KINDS, PLAY_STATUSES, PRIORITIES
from . import Answer, Int32, Int64, OneOf, OpenShape, Percent, Time, Uuid
from .relays import RelayLog

Priority = Annotated[str, OneOf(PRIORITIES)]
LogStatus = Annotated[str, OneOf(PLAY_STATUSES)]
#: a stored play's status: the station's, or what ``sound`` made of it (playlists.sound.outcome)
LogOutcome = Annotated[str, OneOf(OUTCOMES)]
ItemKind = Annotated[str, OneOf(ITEM_KINDS)]
Audibility = Annotated[str, OneOf(AUDIBILITIES)]
Source = Annotated[str, OneOf(("central", "local"))]
#: a loudness in LUFS; an integer stays one (what a station sent is stored as sent)
Lufs = Annotated[float | int | None, WithJsonSchema({"type": ["number", "null"]})]
Short = Annotated[str, Field(max_length=64)]
Long = Annotated[str, Field(max_length=2000)]


class OpenAnswer(BaseModel):
    """A reply that may grow optional members (the manifest): the named ones are what clients rely on."""

    model_config = ConfigDict(extra="allow")


class MqttCredentials(Answer):
    """The push channel's broker and the station's own credentials (absent without a broker)."""

    url: Annotated[str, Field(pattern="^mqtts?://")]
    username: str
    password: str
    areas: list[str] = Field(description="the station's area code and every area above it")


class Enrolled(Answer):
    station_id: int
    token: str
    public_key: str
    server_time: Time
    mqtt: SkipJsonSchema[None] | MqttCredentials = None


class Asset(OpenAnswer):
    sha256: str
    size: int
    duration_ms: int
    codec: str = ""


class ManifestBulletin(OpenAnswer):
    id: int
    title: str = ""
    asset_sha256: str
    duration_ms: int
    category: str | None = None
    language: str = ""
    valid_from: Time | None = None
    valid_until: Time | None = None


class Item(OpenAnswer):
    kind: ItemKind
    bulletin_id: int | None = None
    asset_sha256: str | None = None
    duration_ms: int = 0


class ManifestSchedule(OpenAnswer):
    id: int
    title: str = ""
    items: list[Item]
    dtstart: str = Field(description="naive local ISO time in `timezone`")
    timezone: str
    rrule: str
    exdates: list[str] = []
    priority: Priority
    grace_s: int | None = None
    valid_from: Time | None = None
    valid_until: Time | None = None
    play_by: Time = Field("", description="optional: not started by then, it is missed (stale)")


class ManifestStation(OpenAnswer):
    id: int
    name: str = ""
    area_code: str = ""
    timezone: str


class Standby(OpenAnswer):
    sha256: str
    size: int
    duration_ms: int = 0
    codec: str = ""
    key: str = ""
    title: str = ""
    bulletin_id: int = 0


class Manifest(OpenAnswer):
    version: int
    server_time: Time
    horizon_days: int = 0
    station: ManifestStation
    assets: list[Asset]
    bulletins: list[ManifestBulletin]
    schedules: list[ManifestSchedule]
    standby: list[Standby] = Field([], description="optional: standing alerts' audio to keep cached, never "
                                                   "played unless a schedule names it")


class SignedManifest(Answer):
    manifest: Manifest
    signature: str


class Sound(OpenShape):
    """How a play sounded (issue 15); optional, an older station sends none. Members it does not name
    are accepted and not stored; ``output`` is kept to 200 characters."""

    model_config = ConfigDict(extra="ignore")

    output: Annotated[str, AfterValidator(lambda text: text[:200])] = ""
    null_output: bool = False
    volume: Percent = 0
    muted: bool = False
    quiet_hours: bool = False
    local_override: bool = False
    audibility: Audibility = ""
    level_lufs: Lufs = None
    monitor: bool = False


class LogFields(OpenShape):
    """The fields of one play log, as a station sends it and as the operator API shows it."""

    slot_id: Short | None = None
    schedule_id: Int32 | None = None
    bulletin_id: Int32 | None = None
    asset_sha256: Short | None = None
    planned_start: Time | None = None
    started_at: Time | None = None
    ended_at: Time | None = None
    status: LogStatus
    reason: Long | None = None
    clock_trusted: bool = True
    clock_offset_ms: Int32 = 0
    sound: Sound | None = None
    relay: RelayLog | None = None


class PlayLog(LogFields):
    """One play log a station sends (docs/contract.md)."""

    id: Uuid


class PlayLogBatch(OpenShape):
    logs: list[PlayLog] = Field(min_length=1, max_length=1000)


class PlayLogsStored(Answer):
    accepted: int
    duplicates: int


class HeartbeatAmp(OpenShape):
    mode: str = ""
    on: bool = False
    error: str = ""


class SpeakerTestResult(OpenShape):
    id: str = ""
    source: str = ""
    requested_at: Time | None = None
    at: Time | None = None
    status: str = ""
    reason: str | None = None
    audibility: str = ""
    level_lufs: float | None = None
    output: str = ""
    volume: int = 0
    monitor: bool = False


class HeartbeatSound(Sound):
    last_audibility: str | None = None
    amp: HeartbeatAmp | None = None
    speaker_test: SpeakerTestResult | None = None


class HeartbeatSettings(OpenShape):
    """What the station applies, and whose value it is (newer stations)."""

    volume: int = 0
    volume_source: Source = ""
    quiet_hours: dict[str, Any] | None = None
    quiet_hours_source: Source = ""
    quiet_mode: Annotated[str, OneOf(("central", "set", "off"))] = ""
    central: dict[str, Any] = {}


class Heartbeat(OpenShape):
    """A station's status; a station reports more than the contract names, and the central keeps it."""

    agent_version: str | None = None
    manifest_version: Int64 | None = None
    clock_offset_ms: Int32 | None = None
    clock_trusted: bool | None = None
    disk_free_bytes: Int64 | None = None
    cache: dict[str, Any] | None = None
    now_playing: dict[str, Any] | None = None
    outbox: Int32 | None = None
    last_error: str | None = None
    sound: HeartbeatSound | None = None
    settings: HeartbeatSettings = HeartbeatSettings()
    missing_bulletins: list[str] = []
    emergency_audio: dict[str, Time | None] = Field(
        {}, description="optional: audio of emergency schedules → when verified")


class HeartbeatReply(Answer):
    server_time: Time
    manifest_version: int

