"""The alert tables (``services.alerts``): alerts, who subscribes to them, deliveries, the timer's lease.

Kept beside ``models`` (which ``models.MODELS`` includes) so that module stays readable.
"""

from __future__ import annotations

from peewee import BooleanField, CharField, Field, ForeignKeyField, IntegerField, TextField

from .models import Area, BaseModel, JSONField, Station, User, UTCDateTimeField, utcnow
from .words import ALERT_KINDS, DELIVERY_STATUSES, DeliveryStatus  # noqa: F401  (re-exported)

SUBSCRIPTION_MODES = ("immediate", "digest")


class Alert(BaseModel):
    """One problem from when a check first saw it until it recovered (``closed_at``).

    ``key`` names the condition and its object (``offline:station:7``); ``open_key`` holds it while
    the alert is open and is NULL after, so a unique index allows one open alert per problem (NULLs
    are distinct on SQLite and PostgreSQL alike) and the same problem may come back later.
    """

    kind = CharField(max_length=16, index=True)  # one of ALERT_KINDS
    key = CharField(max_length=128, index=True)
    open_key = CharField(max_length=128, null=True, unique=True)
    station = ForeignKeyField(Station, null=True, on_delete="CASCADE")
    station_id: Field[int | None]
    area = ForeignKeyField(Area, null=True, on_delete="SET NULL")  # where it happened; None = province-wide
    area_id: Field[int | None]
    object_type = CharField(max_length=32, default="")
    object_id = CharField(max_length=64, null=True)
    title = CharField(max_length=300)  # Vietnamese, the mail's subject
    body = TextField(default="")  # Vietnamese
    detail = JSONField(default=dict)
    opened_at = UTCDateTimeField(default=utcnow, index=True)
    closed_at = UTCDateTimeField(null=True)
    close_note = TextField(null=True)  # why it closed (Vietnamese); sent with the recovery notice
    notify_close = BooleanField(default=True)  # False: it lapsed (a day ended), nobody is told


class AlertSubscription(BaseModel):
    """A person's wish: alerts of ``kind`` ("" = every kind) in ``area`` (None = their scope)."""

    user = ForeignKeyField(User, backref="alert_subscriptions", on_delete="CASCADE")
    user_id: Field[int]
    area = ForeignKeyField(Area, null=True, on_delete="CASCADE")
    area_id: Field[int | None]
    kind = CharField(max_length=16, default="")
    mode = CharField(max_length=16, default="immediate")  # one of SUBSCRIPTION_MODES
    created_at = UTCDateTimeField(default=utcnow)


class AlertProfile(BaseModel):
    """A person's mail address for alerts, and how far they have read the bell."""

    user = ForeignKeyField(User, primary_key=True, on_delete="CASCADE")
    user_id: Field[int]
    email = CharField(max_length=254, default="")
    read_up_to = IntegerField(default=0)  # the bell counts alerts with a higher id as unread
    digest_sent_on = CharField(max_length=10, default="")  # the local day of the last digest


class AlertDelivery(BaseModel):
    """One notice (an alert opening or closing) to one target: a person by mail, or the webhook.

    Unique per (alert, event, target), so two workers never queue the same notice twice.
    """

    alert = ForeignKeyField(Alert, backref="deliveries", on_delete="CASCADE")
    alert_id: Field[int]
    event = CharField(max_length=8)  # "open" or "close"
    channel = CharField(max_length=8)  # "email" or "webhook"
    target = CharField(max_length=32)  # "user:<id>" or "webhook"
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    user_id: Field[int | None]
    digest = BooleanField(default=False)  # waits for the person's daily digest
    status = CharField(max_length=8, default=DeliveryStatus.PENDING)  # one of DELIVERY_STATUSES
    attempts = IntegerField(default=0)
    next_at = UTCDateTimeField(default=utcnow)
    sent_at = UTCDateTimeField(null=True)
    error = TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("alert", "event", "target"), True), (("status", "next_at"), False))


class Lease(BaseModel):
    """A named lease one process holds until ``expires_at`` (the alert timer's: "alerts")."""

    name = CharField(max_length=32, primary_key=True)
    holder = CharField(max_length=64, default="")
    expires_at = UTCDateTimeField(null=True)


ALERT_MODELS: tuple[type[BaseModel], ...] = (Alert, AlertSubscription, AlertProfile, AlertDelivery, Lease)
