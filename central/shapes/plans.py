"""Shapes of plans (kế hoạch), their report periods and deadlines, the calendar and campaign scheduling."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, WithJsonSchema

from . import MAX_INT64, VISIBLE, Answer, Clock, Day, Id, OneOf, OpenShape, Shape
from .workflow import Campaign, Schedule, SomeTargets

Year = Annotated[int, Field(ge=2000, le=2100)]


def _filled(n: int) -> object:
    return Field(min_length=1, max_length=n, pattern=VISIBLE)


class ReportPeriod(Answer):
    code: str
    name: str
    starts_on: Day
    ends_on: Day
    deadline: Day


class PlanTarget(Answer):
    category: str
    period: str | None
    min_bulletins: int


class PlanCampaign(Answer):
    id: int
    name: str
    starts_on: Day
    ends_on: Day


class Plan(Answer):
    id: int
    year: int
    title: str
    issuer: str
    number: str
    issued_on: Annotated[str, Field(json_schema_extra={"format": "date"})] | None
    description: str
    area_code: str | None
    themes: list[str]
    periods: list[ReportPeriod]
    targets: list[PlanTarget]
    campaigns: list[PlanCampaign]


class PeriodInput(Shape):
    code: Annotated[str, _filled(32)]
    name: Annotated[str, _filled(200)]
    starts_on: Day
    ends_on: Day
    deadline: Day


class TargetInput(Shape):
    category: Annotated[str, _filled(64)]
    period: Annotated[str, Field(max_length=32)] | None = None
    min_bulletins: Annotated[int, Field(ge=0, le=100_000)]


Theme = Annotated[str | int, WithJsonSchema({"type": ["string", "integer"], "maxLength": 64, "minimum": 0,
                                             "maximum": MAX_INT64})]


class PlanNew(Shape):
    year: Year
    title: Annotated[str, _filled(500)]
    issuer: Annotated[str, Field(max_length=200)] | None = None
    number: Annotated[str, Field(max_length=64)] | None = None
    issued_on: Annotated[str | None, WithJsonSchema(
        {"anyOf": [{"type": "null"}, {"const": ""}, {"type": "string", "format": "date",
                                                     "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}],
         "description": "empty: none"})] = None
    description: Annotated[str, Field(max_length=20_000)] | None = None
    themes: list[Theme] | None = Field(None, max_length=100)
    periods: list[PeriodInput] | None = Field(None, max_length=100)
    targets: list[TargetInput] | None = Field(None, max_length=1000)


class PlanInput(PlanNew):
    """The members of PlanNew, none required: what PATCH takes."""

    year: Year = None  # type: ignore[assignment]
    title: Annotated[str, _filled(500)] = None  # type: ignore[assignment]


class PlanDefaults(Answer):
    year: int
    lead_days: int
    periods: list[ReportPeriod]


class Deadline(Answer):
    plan_id: int
    plan_title: str
    code: str
    name: str
    starts_on: Day
    ends_on: Day
    deadline: Day


class UpcomingDeadline(Deadline):
    days_left: int


class UnscheduledCampaign(Answer):
    campaign: Campaign
    days_left: int


class Upcoming(Answer):
    deadlines: list[UpcomingDeadline]
    unscheduled_campaigns: list[UnscheduledCampaign]


class CalendarEvent(Answer):
    kind: Annotated[str, OneOf(("observance", "campaign", "deadline", "schedule"))]
    title: str
    campaign_id: int = 0
    starts_on: Day = ""
    ends_on: Day = ""
    plan_id: int = 0
    plan_title: str = ""
    period: str = ""
    schedule_id: int = 0
    status: str = ""
    times: list[str] = []
    count: int = 0


class CalendarDay(Answer):
    date: Day
    events: list[CalendarEvent]


class Calendar(Answer):
    year: int
    month: int
    area_code: str | None
    days: list[CalendarDay]


class CampaignSchedule(OpenShape):
    times: list[Clock] = Field(min_length=1, max_length=24)
    targets: SomeTargets
    bulletin_ids: list[Id] = []
    first_day: Day = ""
    last_day: Day = ""
    priority: Annotated[str, OneOf(("normal", "priority"))] = "normal"
    submit: bool = True


class CampaignScheduled(Answer):
    campaign_id: int
    schedules: list[Schedule]


class Language(Answer):
    code: Annotated[str, Field(pattern="^[a-z]{3}$")]
    name: str
