"""The live announcement table (``services.live``): who went live, to which targets, and its archive.

Kept beside ``models`` (which ``models.MODELS`` includes) so that module stays readable.
"""

from __future__ import annotations

from peewee import CharField, Field, ForeignKeyField

from .models import Area, BaseModel, Bulletin, JSONField, User, UTCDateTimeField, utcnow

LIVE_PRIORITIES = ("priority",)  # the regulation's tier for a live announcement (issue 13, section 2)
#: why a live ended: the speaker (or an approver) ended it, or the speaker's audio stopped coming
LIVE_END_REASONS = ("ended", "speaker_lost")


class LiveSession(BaseModel):
    """One live announcement: on air from ``started_at`` until ``ended_at``; archived as ``bulletin``.

    ``targets`` is ``{"areas": [codes], "stations": [ids]}`` as given (checked against the person's
    scope); the bulletin (status ``aired-live``) is made at go-live, so the stations' play logs name it,
    and gets the recording's audio when the live ends.
    """

    bulletin = ForeignKeyField(Bulletin, on_delete="RESTRICT")
    bulletin_id: Field[int]
    title = CharField(max_length=300)
    priority = CharField(max_length=16, default="priority")  # one of LIVE_PRIORITIES
    targets = JSONField()
    area = ForeignKeyField(Area, null=True, on_delete="RESTRICT")  # owner scope: the speaker's area
    area_id: Field[int | None]
    author = ForeignKeyField(User, backref="live_sessions", on_delete="RESTRICT")
    author_id: Field[int]
    started_at = UTCDateTimeField(default=utcnow, index=True)
    ended_at = UTCDateTimeField(null=True)
    ended_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    ended_by_id: Field[int | None]
    end_reason = CharField(max_length=16, null=True)  # one of LIVE_END_REASONS
    note = CharField(max_length=500, null=True)  # what went wrong with the recording, if anything


LIVE_MODELS: tuple[type[BaseModel], ...] = (LiveSession,)
