"""Relays (issue 13): relay sources, relay items and schedules, the play log's relay counters."""

from __future__ import annotations

from peewee import Database
from playhouse.migrate import SchemaMigrator, migrate

from .. import models
from ..relay_models import RelayDay, RelaySource

VERSION = 16


def up(db: Database, migrator: SchemaMigrator) -> None:
    db.create_tables([RelaySource, RelayDay], safe=True)
    steps = []
    for table in ("playlist_item", "schedule", "play_log"):
        if "relay" not in {c.name for c in db.get_columns(table)}:
            # a fresh field each time (the migrator renames the field it is given)
            steps.append(migrator.add_column(table, "relay", models.JSONField(null=True)))
    if steps:
        migrate(*steps)
