"""The push channel: a station's broker password hash and presence, its outage history, the order counter."""

from __future__ import annotations

from peewee import BooleanField, CharField, Database
from playhouse.migrate import SchemaMigrator, migrate

from .. import models

VERSION = 6


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables([models.StationOutage, models.PushCounter], safe=True)
    have = {c.name for c in db.get_columns("station")}
    # fresh fields (the migrator renames the field it is given, so never pass a model's own)
    wanted = {
        "mqtt_password_hash": CharField(max_length=255, null=True),
        "online": BooleanField(null=True),
        "presence_at": models.UTCDateTimeField(null=True),
    }
    steps = [migrator.add_column("station", name, f) for name, f in wanted.items() if name not in have]
    if steps:
        migrate(*steps)
