"""Emergencies you can follow, standing alerts cached in advance, and "play no later than".

Schema: tables ``standing_alert``, ``emergency`` and ``emergency_delivery``; column
``schedule.play_by``. Each step checks first, so it also runs on a database whose first step
already made them (step 1 creates the tables as the models are).
"""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator, migrate

from .. import models

VERSION = 9


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables([models.StandingAlert, models.Emergency, models.EmergencyDelivery], safe=True)
    if "play_by" not in {c.name for c in db.get_columns("schedule")}:
        # a fresh field: the migrator renames the field it is given, so never pass a model's own
        migrate(migrator.add_column("schedule", "play_by", models.UTCDateTimeField(null=True)))
