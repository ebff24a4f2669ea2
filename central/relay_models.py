"""The relay tables (issue 13): relay sources and the daily relay rollup.

Kept beside ``models`` (which ``models.MODELS`` includes) so that module stays readable.
"""

from __future__ import annotations

from peewee import (
    BigIntegerField,
    CharField,
    DateField,
    Field,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from playlists.words import RELAY_STATUSES, Approval  # noqa: F401  (re-exported: the statuses of the table below)

from .models import Area, BaseModel, Station, User, UTCDateTimeField, utcnow


class RelaySource(BaseModel):
    """A stream stations may rebroadcast (tiếp sóng): VOV1, the provincial station…

    Approved like a bulletin (two-person rule); ``disabled`` takes it off every manifest at once.
    """

    name = CharField(max_length=200)
    url = CharField(max_length=1000)
    note = TextField(default="")
    status = CharField(max_length=16, default=Approval.DRAFT, index=True)  # RELAY_STATUSES; an approver disables at once
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope
    area_id: Field[int | None]
    author = ForeignKeyField(User, null=True, backref="relay_sources", on_delete="RESTRICT")
    author_id: Field[int | None]
    approver = ForeignKeyField(User, null=True, backref="approved_relay_sources", on_delete="RESTRICT")
    approver_id: Field[int | None]
    disabled_by = ForeignKeyField(User, null=True, backref="disabled_relay_sources", on_delete="RESTRICT")
    disabled_by_id: Field[int | None]
    reject_reason = TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    submitted_at = UTCDateTimeField(null=True)
    decided_at = UTCDateTimeField(null=True)
    disabled_at = UTCDateTimeField(null=True)


class RelayDay(BaseModel):
    """One station-local day of a station's relays of one source, kept with the play logs.

    Relay time is never bulletin time: ``services.rollups`` keeps relay logs out of ``PlayDay``.
    """

    station = ForeignKeyField(Station, on_delete="CASCADE", index=False)
    station_id: Field[int]
    day = DateField()
    source_id = IntegerField()
    n_plays = IntegerField(default=0)
    relayed_ms = BigIntegerField(default=0)
    gap_ms = BigIntegerField(default=0)
    gaps = IntegerField(default=0)
    fallback_ms = BigIntegerField(default=0)

    class Meta:
        indexes = (
            (("station", "day", "source_id"), True),
            (("day",), False),
        )


RELAY_MODELS: tuple[type[BaseModel], ...] = (RelaySource, RelayDay)
