"""Every table of the central, as peewee models bound to ``central.db.database``.

Conventions others rely on:
- ``UTCDateTimeField`` columns take and return timezone-aware datetimes (stored as naive UTC, so SQLite
  and PostgreSQL compare them alike); naive values given to them are read as UTC. Use ``utcnow()``.
  Comparing against an expression that is not the column itself (``fn.COALESCE(a, b) >= t``)? Pass
  ``db_time(t)``, or SQLite compares text with an offset in it.
- ``Schedule.dtstart`` and ``Schedule.exdates`` are naive *local* wall-clock times in ``Schedule.timezone``.
- Status columns are plain ``CharField``s holding ``enum.StrEnum`` values (``playlists.words``,
  ``central.words``; the ``*_STATUSES`` tuples say which a column may hold): no migration needed.
- A user's ``area`` is their scope: ``None`` means the whole tree.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    ModelSelect,
    TextField,
)

from playlists.model import DEFAULT_ZONE, ItemKind, Priority
from playlists.words import (  # noqa: F401  (re-exported: the statuses of the tables below)
    BULLETIN_STATUSES,
    CHIME_STATUSES,
    REPORT_STATUSES,
    REVISION_STATUSES,
    SCHEDULE_STATUSES,
    WIRE_PLAY_STATUSES,
    Approval,
)

from .db import database
from .words import AREA_LEVELS, EMERGENCY_MODES, ROLES, AreaLevel, EmergencyMode  # noqa: F401

# the words of the columns below, defined once (enum.StrEnum: a member is its stored string)
PRIORITIES = tuple(Priority)
ITEM_KINDS = tuple(ItemKind)  # what a programme item may be: bulletin, chime, pause, relay
PLAY_STATUSES = WIRE_PLAY_STATUSES


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTimeField(DateTimeField):
    """Aware datetimes (or ISO 8601 strings) in, aware UTC datetimes out; naive UTC in the database."""

    def db_value(self, value: Any) -> Any:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value: Any) -> Any:
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def db_time(value: datetime | str) -> Any:
    """A time as the database stores it; use it where an expression (``fn.COALESCE`` …) loses the field."""
    return UTCDateTimeField().db_value(value)


class JSONField(TextField):
    """JSON in a text column (portable across SQLite and PostgreSQL)."""

    def db_value(self, value: Any) -> Any:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(Model):
    # Annotations only, for the type checker: peewee adds the ``id`` primary key (unless a model names
    # its own) and, for each foreign key ``x``, the raw ``x_id`` accessor; nothing here changes a table.
    id: AutoField[int]

    class Meta:
        database = database
        legacy_table_names = False


class Area(BaseModel):
    """A node of the administrative tree (province → district → commune → village), any depth."""

    code = CharField(max_length=64, unique=True)
    name = CharField(max_length=200)
    level = CharField(max_length=32, default=AreaLevel.COMMUNE)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    parent_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow)


class User(BaseModel):
    name = CharField(max_length=100, unique=True)  # the login name
    full_name = CharField(max_length=200, default="")
    password_hash = CharField(max_length=255)
    role = CharField(max_length=16)  # one of ROLES
    area = ForeignKeyField(Area, null=True, backref="users", on_delete="RESTRICT")  # None = whole tree
    area_id: Field[int | None]
    active = BooleanField(default=True)
    language = CharField(max_length=8, default="vi")
    created_at = UTCDateTimeField(default=utcnow)
    last_login_at = UTCDateTimeField(null=True)


class ApiToken(BaseModel):
    """An operator-API token; only its SHA-256 is stored."""

    user = ForeignKeyField(User, backref="tokens", on_delete="CASCADE")
    user_id: Field[int]
    name = CharField(max_length=100, default="")
    token_hash = CharField(max_length=64, unique=True)
    prefix = CharField(max_length=12)  # shown in lists so people can tell tokens apart
    created_at = UTCDateTimeField(default=utcnow)
    last_used_at = UTCDateTimeField(null=True)
    revoked_at = UTCDateTimeField(null=True)


class LoginAttempt(BaseModel):
    """One checked secret (a password, an enrollment code), for throttling across workers (``throttle``)."""

    kind = CharField(max_length=16, default="login")  # "login" or "enroll" (migration 5)
    name = CharField(max_length=100, index=True)  # the login name, or an enrollment code's SHA-256
    remote_addr = CharField(max_length=64, index=True, default="")
    success = BooleanField()
    at = UTCDateTimeField(default=utcnow, index=True)


class Station(BaseModel):
    """One agent driving one audio output. ``manifest_*`` columns belong to ``services.manifests``."""

    area = ForeignKeyField(Area, backref="stations", on_delete="RESTRICT")
    area_id: Field[int]
    name = CharField(max_length=200)
    timezone = CharField(max_length=64, default=DEFAULT_ZONE)
    quiet_start = CharField(max_length=5, null=True)  # "21:30" local, or None for no quiet hours
    quiet_end = CharField(max_length=5, null=True)
    volume = IntegerField(default=80)
    sync_interval_s = IntegerField(default=60)
    heartbeat_interval_s = IntegerField(default=300)
    active = BooleanField(default=True)
    token_hash = CharField(max_length=64, null=True, unique=True)
    enrolled_at = UTCDateTimeField(null=True)
    # a revoked token's hash is kept so its next call can be told why it is refused (migration 5)
    revoked_token_hash = CharField(max_length=64, null=True, index=True)
    token_revoked_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    # the central's side of the manifest: current version, the content it is bound to, cached ETag
    manifest_version = BigIntegerField(default=0)
    manifest_hash = CharField(max_length=64, null=True)
    manifest_etag = CharField(max_length=100, null=True)
    manifest_built_at = UTCDateTimeField(null=True)
    # what the station last told us
    last_seen = UTCDateTimeField(null=True)
    last_heartbeat_at = UTCDateTimeField(null=True)
    applied_version = BigIntegerField(null=True)
    agent_version = CharField(max_length=64, null=True)
    clock_offset_ms = IntegerField(null=True)
    clock_trusted = BooleanField(null=True)
    now_playing = JSONField(null=True)
    last_error = TextField(null=True)
    # the push channel (services.push, services.presence): the broker password's mosquitto hash,
    # and what the station's presence topic last said (None = never heard on the channel)
    mqtt_password_hash = CharField(max_length=255, null=True)
    online = BooleanField(null=True)
    presence_at = UTCDateTimeField(null=True)
    # a speaker test asked for on the central's page (migration 13): sent in the manifest, the result
    # comes back in the heartbeat's ``sound.speaker_test``
    speaker_test_id = CharField(max_length=36, null=True)
    speaker_test_at = UTCDateTimeField(null=True)


class EnrollmentCode(BaseModel):
    """A one-time, expiring code that hands a registered station its token; only its hash is stored."""

    station = ForeignKeyField(Station, backref="enrollment_codes", on_delete="CASCADE")
    station_id: Field[int]
    code_hash = CharField(max_length=64, unique=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField()
    used_at = UTCDateTimeField(null=True)


class Category(BaseModel):
    code = CharField(max_length=64, unique=True)
    name = CharField(max_length=200)  # Vietnamese
    name_en = CharField(max_length=200, default="")
    position = IntegerField(default=0)
    active = BooleanField(default=True)


class Plan(BaseModel):
    """A year's information plan (kế hoạch): who issued it, its themes, campaigns, report periods, targets."""

    periods: ModelSelect[ReportPeriod]  # backrefs, for the type checker
    targets: ModelSelect[PlanTarget]

    year = IntegerField(index=True)
    title = CharField(max_length=500)
    issuer = CharField(max_length=200, default="")  # issuing body, e.g. "Sở Thông tin và Truyền thông"
    number = CharField(max_length=64, default="")  # e.g. "123/KH-STTTT"
    issued_on = DateField(null=True)
    description = TextField(default="")
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope; None = province-wide
    area_id: Field[int | None]
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)


class Campaign(BaseModel):
    """A dated drive (e.g. drug-prevention month 1–30/6) grouping bulletins for reports."""

    code = CharField(max_length=64, unique=True, null=True)
    name = CharField(max_length=200)
    starts_on = DateField()
    ends_on = DateField()
    category = ForeignKeyField(Category, null=True, on_delete="SET NULL")
    category_id: Field[int | None]
    description = TextField(default="")
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope; None = province-wide
    area_id: Field[int | None]
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow)
    plan = ForeignKeyField(Plan, null=True, backref="campaigns", on_delete="SET NULL")  # migration 7
    plan_id: Field[int | None]


class PlanTheme(BaseModel):
    """A theme (category) a plan works through."""

    plan = ForeignKeyField(Plan, backref="themes", on_delete="CASCADE")
    plan_id: Field[int]
    category = ForeignKeyField(Category, on_delete="CASCADE")
    category_id: Field[int]

    class Meta:
        indexes = ((("plan", "category"), True),)


class ReportPeriod(BaseModel):
    """A report a plan asks for: the days it covers and the day it is due (the period ends before it)."""

    plan = ForeignKeyField(Plan, backref="periods", on_delete="CASCADE")
    plan_id: Field[int]
    code = CharField(max_length=32)  # "six-month", "year", or an officer's own
    name = CharField(max_length=200)
    starts_on = DateField()
    ends_on = DateField()
    deadline = DateField()

    class Meta:
        indexes = ((("plan", "code"), True),)


class PlanTarget(BaseModel):
    """A minimum the plan sets: at least ``min_bulletins`` distinct bulletins of a theme in a period."""

    plan = ForeignKeyField(Plan, backref="targets", on_delete="CASCADE")
    plan_id: Field[int]
    period = ForeignKeyField(ReportPeriod, null=True, on_delete="CASCADE")  # None = every period
    period_id: Field[int | None]
    category = ForeignKeyField(Category, on_delete="CASCADE")
    category_id: Field[int]
    min_bulletins = IntegerField(default=0)


class Asset(BaseModel):
    """Encoded audio, content-addressed; the bytes live in ``audio_library.AssetStore``."""

    sha256 = CharField(max_length=64, primary_key=True)
    size = BigIntegerField()
    duration_ms = IntegerField()
    codec = CharField(max_length=16, default="opus")
    mime = CharField(max_length=32, default="audio/ogg")
    loudness_lufs = FloatField(null=True)
    true_peak = FloatField(null=True)  # dBTP
    original_name = CharField(max_length=255, null=True)
    created_at = UTCDateTimeField(default=utcnow)


class Bulletin(BaseModel):
    title = CharField(max_length=300)
    text = TextField(null=True)  # the script (TTS source or transcript)
    category = ForeignKeyField(Category, null=True, backref="bulletins", on_delete="SET NULL")
    category_id: Field[int | None]
    campaign = ForeignKeyField(Campaign, null=True, backref="bulletins", on_delete="SET NULL")
    campaign_id: Field[int | None]
    language = CharField(max_length=8, default="vie")  # ISO 639-3 (services.languages; migration 10)
    priority = CharField(max_length=16, default=Priority.NORMAL)
    status = CharField(max_length=16, default=Approval.DRAFT, index=True)  # one of BULLETIN_STATUSES
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope
    area_id: Field[int | None]
    author = ForeignKeyField(User, backref="bulletins", on_delete="RESTRICT")
    author_id: Field[int]
    approver = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    approver_id: Field[int | None]
    reject_reason = TextField(null=True)
    valid_from = UTCDateTimeField(null=True)
    valid_until = UTCDateTimeField(null=True)
    asset = ForeignKeyField(Asset, null=True, on_delete="RESTRICT")
    asset_id: Field[str | None]
    tts_engine = CharField(max_length=32, null=True)  # "gtts" | "espeak" | None for uploads
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    submitted_at = UTCDateTimeField(null=True)
    decided_at = UTCDateTimeField(null=True)  # approved or rejected
    withdrawn_at = UTCDateTimeField(null=True)


class Chime(BaseModel):
    """A chime or jingle (nhạc hiệu): short audio a programme plays between bulletins.

    Approved like a bulletin (two-person rule). ``builtin`` marks the house chime, made by Loa itself
    and approved by construction (no author, no approver).
    """

    title = CharField(max_length=300)
    status = CharField(max_length=16, default=Approval.DRAFT, index=True)  # one of CHIME_STATUSES
    builtin = BooleanField(default=False)
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope
    area_id: Field[int | None]
    author = ForeignKeyField(User, null=True, backref="chimes", on_delete="RESTRICT")
    author_id: Field[int | None]
    approver = ForeignKeyField(User, null=True, backref="approved_chimes", on_delete="RESTRICT")
    approver_id: Field[int | None]
    reject_reason = TextField(null=True)
    asset = ForeignKeyField(Asset, on_delete="RESTRICT")
    asset_id: Field[str]
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    submitted_at = UTCDateTimeField(null=True)
    decided_at = UTCDateTimeField(null=True)
    withdrawn_at = UTCDateTimeField(null=True)


class Playlist(BaseModel):
    """A programme. Its items come in numbered revisions; ``live_revision`` is the one that airs."""

    items: ModelSelect[PlaylistItem]  # backref, for the type checker

    name = CharField(max_length=200)
    description = TextField(default="")
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope
    area_id: Field[int | None]
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    live_revision = IntegerField(default=1)  # the number of the revision manifests use (migration 4)


class PlaylistRevision(BaseModel):
    """One version of a programme's items: who proposed it, who decided, and how (REVISION_STATUSES)."""

    playlist = ForeignKeyField(Playlist, backref="revisions", on_delete="CASCADE")
    playlist_id: Field[int]
    number = IntegerField()
    status = CharField(max_length=16)  # one of REVISION_STATUSES
    author = ForeignKeyField(User, null=True, backref="playlist_revisions", on_delete="SET NULL")
    author_id: Field[int | None]
    approver = ForeignKeyField(User, null=True, backref="approved_revisions", on_delete="SET NULL")
    approver_id: Field[int | None]
    reason = TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    decided_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("playlist", "number"), True),)


class PlaylistItem(BaseModel):
    playlist = ForeignKeyField(Playlist, backref="items", on_delete="CASCADE")
    playlist_id: Field[int]
    revision = IntegerField(default=1)  # the PlaylistRevision.number it belongs to (migration 4)
    position = IntegerField()
    kind = CharField(max_length=16)  # one of ITEM_KINDS
    bulletin = ForeignKeyField(Bulletin, null=True, on_delete="RESTRICT")
    bulletin_id: Field[int | None]
    chime = ForeignKeyField(Chime, null=True, on_delete="RESTRICT")  # the approved chime it plays
    chime_id: Field[int | None]
    asset = ForeignKeyField(Asset, null=True, on_delete="RESTRICT")  # a chime's own audio
    asset_id: Field[str | None]
    duration_ms = IntegerField(default=0)  # a pause's or relay's length; bulletins and chimes take their asset's
    # a relay item (migration 16): {"source_id", "max_gap_s", "fallback": {"bulletin_id"} | {"playlist_id"} | null}
    relay = JSONField(null=True)

    class Meta:
        indexes = ((("playlist", "position"), False),)


class Schedule(BaseModel):
    """A bulletin or playlist on a recurrence. It airs when ``Schedule.airing()`` holds."""

    _targets: tuple[list[str], list[int]]  # area codes and station ids, cached by services.schedules

    title = CharField(max_length=300, default="")
    bulletin = ForeignKeyField(Bulletin, null=True, backref="schedules", on_delete="RESTRICT")
    bulletin_id: Field[int | None]
    playlist = ForeignKeyField(Playlist, null=True, backref="schedules", on_delete="RESTRICT")
    playlist_id: Field[int | None]
    dtstart = DateTimeField()  # naive local wall-clock time in ``timezone``
    rrule = CharField(max_length=500, default="")  # RFC 5545 RRULE value, empty = once
    exdates = JSONField(default=list)  # naive local ISO strings
    timezone = CharField(max_length=64, default=DEFAULT_ZONE)
    priority = CharField(max_length=16, default=Priority.NORMAL)
    grace_s = IntegerField(null=True)  # None = the tier's default
    valid_from = UTCDateTimeField(null=True)
    valid_until = UTCDateTimeField(null=True)
    status = CharField(max_length=16, default=Approval.DRAFT)  # one of SCHEDULE_STATUSES
    active = BooleanField(default=True)  # paused by a person when False
    deleted = BooleanField(default=False)
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope
    area_id: Field[int | None]
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by_id: Field[int | None]
    approved_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    approved_by_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    play_by = UTCDateTimeField(null=True)  # "play no later than": later, stations log it missed (stale)
    # a single relay (migration 16), neither bulletin nor playlist: {"source_id", "duration_ms",
    # "max_gap_s", "fallback": {"bulletin_id"} | {"playlist_id"} | null} (services.relay_items)
    relay = JSONField(null=True)

    @classmethod
    def airing(cls) -> Any:
        """The condition under which a schedule goes into manifests."""
        return (cls.status == Approval.APPROVED) & (cls.active == True) & (cls.deleted == False)  # noqa: E712


class ScheduleTarget(BaseModel):
    """One target of a schedule: an area (and so every station below it) or a single station."""

    schedule = ForeignKeyField(Schedule, backref="targets", on_delete="CASCADE")
    schedule_id: Field[int]
    area = ForeignKeyField(Area, null=True, on_delete="CASCADE")
    area_id: Field[int | None]
    station = ForeignKeyField(Station, null=True, on_delete="CASCADE")
    station_id: Field[int | None]


class PlayLog(BaseModel):
    """Proof of play as a station sent it; ``(station, uuid)`` is unique, so a re-send is a no-op.

    ``schedule_id``/``bulletin_id`` are plain integers: a station may report on rows since deleted.
    """

    station = ForeignKeyField(Station, backref="play_logs", on_delete="CASCADE")
    station_id: Field[int]
    uuid = CharField(max_length=36)
    slot_id = CharField(max_length=64, null=True)
    schedule_id = IntegerField(null=True, index=True)
    bulletin_id = IntegerField(null=True, index=True)
    asset_sha256 = CharField(max_length=64, null=True)
    planned_start = UTCDateTimeField(null=True)
    started_at = UTCDateTimeField(null=True, index=True)
    ended_at = UTCDateTimeField(null=True)
    # the outcome: the wire status (PLAY_STATUSES), or not_audible / failed_to_sound when ``sound``
    # says nobody heard it (playlists.sound.outcome); the wire status is kept in ``sound``
    status = CharField(max_length=16)
    reason = TextField(null=True)
    sound = JSONField(null=True)  # how it sounded, as the station said (migration 13); None from older stations
    relay = JSONField(null=True)  # a relay item's counters (playlists.model.RelayLog, migration 16)
    clock_trusted = BooleanField(default=True)
    clock_offset_ms = IntegerField(default=0)
    received_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("station", "uuid"), True),  # idempotence: a re-sent log is a no-op
            (("station", "started_at"), False),  # a station's history, newest first (migration 3)
        )


class _PlayRollup(BaseModel):
    """Play logs folded by station, bulletin (or, without one, the audio played) and a period.

    Kept by ``services.rollups`` in the transaction that stores the logs, so reports never scan
    ``play_log``. ``bulletin_id`` 0 and ``asset_sha256`` "" stand for none (a unique index treats NULLs
    as distinct, which would break the upsert); ``aired_us`` sums ``ended_at - started_at`` of the plays
    that aired (completed, interrupted; ``local_us`` for local ones), in microseconds, so totals are exact.
    """

    station = ForeignKeyField(Station, on_delete="CASCADE", index=False)
    station_id: Field[int]
    bulletin_id = IntegerField(default=0)
    asset_sha256 = CharField(max_length=64, default="")
    n_completed = IntegerField(default=0)
    n_interrupted = IntegerField(default=0)
    n_failed = IntegerField(default=0)
    n_missed = IntegerField(default=0)
    n_skipped = IntegerField(default=0)
    n_local = IntegerField(default=0)
    n_not_audible = IntegerField(default=0)  # played where nobody could hear it (migration 13)
    n_failed_to_sound = IntegerField(default=0)  # the station's monitor heard silence (migration 13)
    aired_us = BigIntegerField(default=0)  # completed + interrupted
    local_us = BigIntegerField(default=0)  # local plays: reports put them in a group of their own


class PlayDay(_PlayRollup):
    """One station-local day of a station's plays of one bulletin or audio (migration 10)."""

    day = DateField()

    class Meta:
        indexes = (
            (("station", "day", "bulletin_id", "asset_sha256"), True),  # the upsert's key; per-station probes
            (("day",), False),  # a period across every station
        )


class PlayMonth(_PlayRollup):
    """The same folded by calendar month (``month`` = its first day): a year reads 12 rows, not 365."""

    month = DateField()

    class Meta:
        indexes = (
            (("station", "month", "bulletin_id", "asset_sha256"), True),
            (("month",), False),
        )


#: figures an officer enters by hand, for channels Loa does not see
MANUAL_FIELDS = ("wired_communes", "fm_communes", "wired_fm_minutes", "sms_messages", "portal_articles",
                 "printed_copies")
NARRATIVE_FIELDS = ("results", "assessment", "difficulties", "proposals")


class Report(BaseModel):
    """A period report of one area (báo cáo): hand-entered figures, narrative, and who submitted it.

    The figures Loa counts are computed from the rollups when read; at submission they are frozen in
    ``figures`` so the report a district sent does not change under the province (migration 11).
    """

    area = ForeignKeyField(Area, backref="reports", on_delete="RESTRICT")
    area_id: Field[int]
    date_from = DateField()
    date_to = DateField()
    plan = ForeignKeyField(Plan, null=True, on_delete="SET NULL")
    plan_id: Field[int | None]
    status = CharField(max_length=16, default=Approval.DRAFT)  # one of REPORT_STATUSES
    number = CharField(max_length=64, default="")  # "12/BC-TTVH"
    issuer = CharField(max_length=200, default="")  # the issuing body, e.g. "Trung tâm Văn hóa – Thông tin …"
    superior = CharField(max_length=200, default="")  # the body above it, printed over the issuer
    place = CharField(max_length=100, default="")  # "Gia Nghĩa", for "…, ngày … tháng … năm …"
    title = CharField(max_length=500, default="")
    recipients = TextField(default="")  # "Nơi nhận", one per line
    signer_title = CharField(max_length=200, default="")  # "GIÁM ĐỐC", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    signer_name = CharField(max_length=200, default="")
    manual = JSONField(default=dict)  # MANUAL_FIELDS → int
    narrative = JSONField(default=dict)  # NARRATIVE_FIELDS → text
    figures = JSONField(null=True)  # frozen at submission
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    submitted_by = ForeignKeyField(User, null=True, backref="submitted_reports", on_delete="SET NULL")
    submitted_by_id: Field[int | None]
    submitted_at = UTCDateTimeField(null=True)

    class Meta:
        indexes = ((("area", "date_from", "date_to"), True),)  # one report per area and period


class Heartbeat(BaseModel):
    station = ForeignKeyField(Station, backref="heartbeats", on_delete="CASCADE")
    station_id: Field[int]
    received_at = UTCDateTimeField(default=utcnow, index=True)
    agent_version = CharField(max_length=64, null=True)
    manifest_version = BigIntegerField(null=True)
    clock_offset_ms = IntegerField(null=True)
    clock_trusted = BooleanField(null=True)
    disk_free_bytes = BigIntegerField(null=True)
    outbox = IntegerField(null=True)
    last_error = TextField(null=True)
    payload = JSONField(default=dict)  # the whole body, unknown fields kept


class AuditLog(BaseModel):
    """Every change a person made: who, what, on which object, when."""

    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_id: Field[int | None]
    actor_name = CharField(max_length=100, default="")
    action = CharField(max_length=64, index=True)
    object_type = CharField(max_length=32, default="")
    object_id = CharField(max_length=64, null=True)
    # where it happened: the object's area, else the actor's; None = province-wide (migration 5)
    area = ForeignKeyField(Area, null=True, on_delete="SET NULL")
    area_id: Field[int | None]
    detail = JSONField(default=dict)
    at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("object_type", "object_id"), False),)  # "everything that happened to bulletin 7"


class StandingAlert(BaseModel):
    """A standing emergency recording (storm, flood…) every station in scope keeps cached in advance.

    The audio is an approved bulletin (two-person rule); stations under ``area`` (None: all) hold it
    as a manifest ``standby`` asset, never played unless an emergency schedules it.
    """

    key = CharField(max_length=64, unique=True)  # "storm", "flood", "all_clear"…
    name = CharField(max_length=200)  # Vietnamese
    bulletin = ForeignKeyField(Bulletin, backref="standing_alerts", on_delete="RESTRICT")
    bulletin_id: Field[int]
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")
    area_id: Field[int | None]
    active = BooleanField(default=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_by_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow)


class Emergency(BaseModel):
    """One emergency broadcast: the approved schedule that carries it, LIVE or TEST, and its stop."""

    schedule = ForeignKeyField(Schedule, backref="emergencies", on_delete="RESTRICT")
    schedule_id: Field[int]
    bulletin = ForeignKeyField(Bulletin, on_delete="RESTRICT")
    bulletin_id: Field[int]
    standing_alert = ForeignKeyField(StandingAlert, null=True, on_delete="SET NULL")
    standing_alert_id: Field[int | None]
    all_clear_of = ForeignKeyField("self", null=True, backref="all_clears", on_delete="SET NULL")
    all_clear_of_id: Field[int | None]
    mode = CharField(max_length=8, default=EmergencyMode.LIVE)  # one of EMERGENCY_MODES
    title = CharField(max_length=300)
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope
    area_id: Field[int | None]
    play_by = UTCDateTimeField()
    created_by = ForeignKeyField(User, null=True, backref="emergencies", on_delete="SET NULL")
    created_by_id: Field[int | None]
    created_at = UTCDateTimeField(default=utcnow, index=True)
    nudged_at = UTCDateTimeField(null=True)  # when the push channel was handed its nudges / signed order
    order_id = CharField(max_length=36, default=lambda: str(uuid.uuid4()))  # the signed order's id
    order_seq = BigIntegerField(null=True)
    stopped_at = UTCDateTimeField(null=True)
    stopped_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    stopped_by_id: Field[int | None]


class EmergencyDelivery(BaseModel):
    """Time-to-air of one emergency at one target station (``services.emergencies`` reads it)."""

    emergency = ForeignKeyField(Emergency, backref="deliveries", on_delete="CASCADE")
    emergency_id: Field[int]
    station = ForeignKeyField(Station, on_delete="CASCADE")
    station_id: Field[int]
    carried_version = BigIntegerField()  # the first manifest version that carries the emergency
    fetched_at = UTCDateTimeField(null=True)  # the station's manifest GET served that version or later
    audio_at = UTCDateTimeField(null=True)  # the station had the audio verified (its heartbeat says)
    started_at = UTCDateTimeField(null=True)  # sound started (heartbeat's now playing, or play log)

    class Meta:
        indexes = ((("emergency", "station"), True), (("station", "fetched_at"), False))


class SchemaVersion(BaseModel):
    version = IntegerField(primary_key=True)
    applied_at = UTCDateTimeField(default=utcnow)


class StationOutage(BaseModel):
    """One interval a station was off the push channel; ``ended_at`` None while it lasts."""

    station = ForeignKeyField(Station, backref="outages", on_delete="CASCADE")
    station_id: Field[int]
    started_at = UTCDateTimeField(index=True)
    ended_at = UTCDateTimeField(null=True)


class PushCounter(BaseModel):
    """Named counters of the push channel; ``order`` is the emergency orders' sequence number."""

    name = CharField(max_length=32, primary_key=True)
    value = BigIntegerField(default=0)


MODELS: tuple[type[BaseModel], ...] = (
    Area, User, ApiToken, LoginAttempt, Station, EnrollmentCode, Category, Plan, Campaign, PlanTheme,
    ReportPeriod, PlanTarget, Asset,
    Bulletin, Chime, Playlist, PlaylistRevision, PlaylistItem, Schedule, ScheduleTarget, PlayLog, PlayDay, PlayMonth,
    Report, Heartbeat, AuditLog, StationOutage, PushCounter, StandingAlert, Emergency,
    EmergencyDelivery, SchemaVersion,
)

__all__ = [m.__name__ for m in MODELS] + ["utcnow", "db_time", "UTCDateTimeField", "JSONField"]


# The alert tables live in their own module (this one is long enough); a new database gets them too.

from .alert_models import ALERT_MODELS  # noqa: E402
from .live_models import LIVE_MODELS  # noqa: E402
from .relay_models import RELAY_MODELS  # noqa: E402

MODELS = MODELS + ALERT_MODELS + LIVE_MODELS + RELAY_MODELS
