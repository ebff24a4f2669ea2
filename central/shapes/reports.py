"""Shapes of the period report (figures by theme, campaign, language; the area's draft), alerts and uptime."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from ..alert_models import ALERT_KINDS, SUBSCRIPTION_MODES
from ..models import REPORT_STATUSES
from ..words import ReportState
from . import VISIBLE, Answer, Day, OneOf, OpenShape, Shape, Time

Count = Annotated[int, Field(ge=0)]
Pct = Annotated[float, Field(ge=0, le=100)] | None
DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Date = Annotated[str, Field(json_schema_extra={"format": "date"})]
Kind = Annotated[str, OneOf(ALERT_KINDS)]
SubscriptionMode = Annotated[str, OneOf(SUBSCRIPTION_MODES)]


class ReportFigures(Answer):
    key: str
    label: str
    plays: Count
    minutes_aired: float
    completed: Count
    interrupted: Count
    failed: Count
    missed: Count
    skipped: Count
    local: Count
    not_audible: Count  # not aired (playlists.sound)
    failed_to_sound: Count
    completion_rate: float | None
    stations_reached: Count
    stations_total: Count
    bulletins: Count
    titles: list[str]


class ReportTheme(ReportFigures):
    target_bulletins: int | None


class ReportCampaign(ReportFigures):
    starts_on: Day
    ends_on: Day
    areas: list[ReportFigures]


class ReportArea(Answer):
    code: str
    name: str
    level: str


class ReportManual(Answer):
    wired_communes: Count
    fm_communes: Count
    wired_fm_minutes: Count
    sms_messages: Count
    portal_articles: Count
    printed_copies: Count


class ReportNarrative(Answer):
    results: str
    assessment: str
    difficulties: str
    proposals: str


class ReportHeader(Answer):
    id: int | None
    status: Annotated[str, OneOf((ReportState.NEW, *REPORT_STATUSES))]
    created_at: DateTime | None
    updated_at: DateTime | None
    submitted_at: DateTime | None
    submitted_by: str | None
    number: str
    issuer: str
    superior: str
    place: str
    title: str
    recipients: str
    signer_title: str
    signer_name: str


class ChildNarrative(Answer):
    results: str = ""
    assessment: str = ""
    difficulties: str = ""
    proposals: str = ""


class ReportChild(Answer):
    area: ReportArea
    status: Annotated[str, OneOf((ReportState.MISSING, *REPORT_STATUSES))]
    submitted_at: DateTime | None
    manual: ReportManual
    narrative: ChildNarrative


class ReportPlan(Answer):
    id: int
    title: str
    number: str
    issuer: str
    year: int


class StationSilent(Answer):
    station_id: int
    name: str
    last_log_day: Date | None


class StationOffline(Answer):
    station_id: int
    name: str
    days_offline: float


class Completeness(Answer):
    stations_total: Count
    silent: list[StationSilent]
    silent_since: Date | None
    offline: list[StationOffline]
    offline_days: int
    uptime_pct: Pct = Field(None, description="absent from reports frozen before uptime was counted")


class PeriodReport(Answer):
    model_config = ConfigDict(populate_by_name=True)

    area: ReportArea
    from_: Day = Field(alias="from")
    to: Day
    plan: ReportPlan | None
    report: ReportHeader
    manual: ReportManual
    manual_total: ReportManual
    narrative: ReportNarrative
    children: list[ReportChild]
    children_missing: list[str]
    stations_total: Count
    themes: list[ReportTheme]
    campaigns: list[ReportCampaign]
    languages: list[ReportFigures]
    total: ReportFigures
    relay_minutes: float
    tests: SkipJsonSchema[None] | ReportFigures = Field(
        None, description="TEST emergencies' plays, apart from every figure above; absent from reports "
                          "frozen before")
    completeness: Completeness


def _limit(n: int) -> object:
    return Field(max_length=n)


Big = Annotated[int, Field(ge=0, le=10**9)]
Story = Annotated[str, Field(max_length=20_000)]


class ManualInput(Shape):
    wired_communes: Big = 0
    fm_communes: Big = 0
    wired_fm_minutes: Big = 0
    sms_messages: Big = 0
    portal_articles: Big = 0
    printed_copies: Big = 0


class NarrativeInput(Shape):
    results: Story = ""
    assessment: Story = ""
    difficulties: Story = ""
    proposals: Story = ""


class PeriodReportInput(Shape):
    """The draft's header (as area_reports checks its lengths), figures kept by hand and narrative."""

    number: Annotated[str, _limit(64)] = ""
    issuer: Annotated[str, _limit(200)] = ""
    superior: Annotated[str, _limit(200)] = ""
    place: Annotated[str, _limit(100)] = ""
    title: Annotated[str, _limit(500)] = ""
    recipients: Annotated[str, _limit(4000)] = ""
    signer_title: Annotated[str, _limit(200)] = ""
    signer_name: Annotated[str, _limit(200)] = ""
    manual: ManualInput = ManualInput()
    narrative: NarrativeInput = NarrativeInput()


# --- alerts and uptime --------------------------------------------------------------------------


class Alert(Answer):
    id: int
    kind: Kind
    key: str
    title: str
    body: str
    area_code: str | None
    area_name: str | None
    station_id: int | None
    station_name: str | None
    object_type: str | None
    object_id: str | None
    opened_at: Time
    closed_at: Time | None
    close_note: str | None
    open: bool


class AlertList(Answer):
    alerts: list[Alert]
    unread: int
    limit: int
    offset: int


class Subscription(Answer):
    id: int
    area_code: str | None
    area_name: str | None
    kind: Annotated[str | None, OneOf((*ALERT_KINDS, None)),
                    WithJsonSchema({"type": ["string", "null"], "enum": [*map(str, ALERT_KINDS), None]})]
    mode: SubscriptionMode


class Subscriptions(Answer):
    email: str
    subscriptions: list[Subscription]


class MailAddress(Shape):
    email: Annotated[str, Field(max_length=254, pattern=f"^({VISIBLE}*@{VISIBLE}*)?$", description="empty: no mail")]


class SubscriptionNew(OpenShape):
    area_code: str | None = None
    kind: Annotated[str, OneOf(("", *ALERT_KINDS))] = ""
    mode: SubscriptionMode = SUBSCRIPTION_MODES[0]


class StationUptime(Answer):
    station_id: int
    name: str
    area_code: str | None
    uptime_pct: Pct
    counted_s: Annotated[float, Field(ge=0)]
    offline_s: Annotated[float, Field(ge=0)]


class Uptime(Answer):
    model_config = ConfigDict(populate_by_name=True)

    area_code: str | None
    from_: Day = Field(alias="from")
    to: Day
    uptime_pct: Pct
    stations: list[StationUptime]
